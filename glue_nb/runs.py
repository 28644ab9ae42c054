"""Reading runs back: a workflow run as Glue's WorkflowRun, with Statistics and its run graph.

The graph of a run is the design snapshot taken at its start, with ``JobDetails.JobRuns`` and
``CrawlerDetails.Crawls`` filled in for the nodes that ran (a resumed run also shows the node runs
it inherited from the run it resumed).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any

from glue_nb.graph import design_graph
from glue_nb.records import job_run_dict, node_state, statistics, workflow_run_dict
from glue_nb.store import Store, loads
from glue_nb.store.ledger import Ledger

__all__ = ["RunReader"]


def _crawl_dict(row: sqlite3.Row) -> dict[str, Any]:
    from glue_nb.crawlers import crawl_dict

    return crawl_dict(row)


class RunReader:
    """Builds Glue-shaped run records from the ledger."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ledger = Ledger(store)

    def node_runs(self, row: sqlite3.Row) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
        """Job runs and crawls per node id for one run (own and inherited)."""
        options = loads(row["options"], {})
        only: dict[str, set[str]] = defaultdict(set)
        for uid, source in options.get("inherited", {}).items():
            only[source].add(uid)
        own = row["run_id"]
        sources = [own, *only]
        jobs: dict[str, list[dict]] = defaultdict(list)
        crawls: dict[str, list[dict]] = defaultdict(list)
        for r in self.ledger.job_runs.of_runs(sources):
            if r["workflow_run_id"] == own or r["node_id"] in only[r["workflow_run_id"]]:
                jobs[r["node_id"]].append(job_run_dict(r))
        for r in self.ledger.crawls.of_runs(sources):
            if r["workflow_run_id"] == own or r["node_id"] in only[r["workflow_run_id"]]:
                crawls[r["node_id"]].append(_crawl_dict(r))
        return jobs, crawls

    def run(self, row: sqlite3.Row, include_graph: bool = True) -> dict[str, Any]:
        """A ``workflow_runs`` row as Glue's WorkflowRun."""
        jobs, crawls = self.node_runs(row)
        fired = self.ledger.runs.fired(row["run_id"]) if include_graph else {}
        by_trigger = include_graph and self.ledger.runs.started_by_its_trigger(row["run_id"])
        design = loads(row["design"])
        graph = design_graph(row["workflow_name"], design["triggers"])
        job_states, crawl_states = [], []
        for uid, node in graph.nodes.items():
            if node.type == "JOB":
                state = node_state(jobs.get(uid, []))
                job_states.append(state or "NOT_STARTED")
            elif node.type == "CRAWLER":
                state = node_state(crawls.get(uid, []), key="State")
                crawl_states.append(state or "NOT_STARTED")
        stats = statistics(job_states, crawl_states)
        glue_graph = None
        if include_graph:
            glue_graph = graph.to_glue()
            for node in glue_graph["Nodes"]:
                uid = node["UniqueId"]
                if node["Type"] == "JOB":
                    node["JobDetails"] = {"JobRuns": jobs[uid]} if uid in jobs else {}
                elif node["Type"] == "CRAWLER":
                    node["CrawlerDetails"] = {"Crawls": crawls[uid]} if uid in crawls else {}
                else:  # a run started by hand: its SCHEDULED or EVENT trigger did not fire
                    kind = (node["TriggerDetails"].get("Trigger") or {}).get("Type")
                    by_hand = kind in ("SCHEDULED", "EVENT") and not by_trigger
                    node["TriggerDetails"]["Fired"] = node["Name"] in fired and not by_hand
        return workflow_run_dict(row, stats, glue_graph)

    def run_row(self, name: str, run_id: str) -> sqlite3.Row | None:
        return self.ledger.runs.get(run_id, name)

    def runs(self, name: str) -> list[sqlite3.Row]:
        """All runs of a workflow, newest first."""
        return self.ledger.runs.of_workflow(name)

    def last_run(self, name: str) -> sqlite3.Row | None:
        rows = self.ledger.runs.of_workflow(name, limit=1)
        return rows[0] if rows else None

    def predecessor_runs(self, job_run: sqlite3.Row) -> list[dict[str, str]]:
        """Glue's ``PredecessorRuns`` of a job run: the job runs of its workflow run whose
        ending fired the conditional trigger that started it (a job run started by a start
        trigger, or outside any workflow, has none). Crawls are not job runs: they are left out.
        """
        if not job_run["workflow_run_id"] or not job_run["trigger_name"]:
            return []
        run = self.ledger.runs.get(job_run["workflow_run_id"])
        if run is None:
            return []
        triggers = loads(run["design"], {}).get("triggers", [])
        trigger = next((t for t in triggers if t["Name"] == job_run["trigger_name"]), None)
        if trigger is None or trigger.get("Type") != "CONDITIONAL":
            return []
        graph = design_graph(run["workflow_name"], triggers)
        inherited = loads(run["options"], {}).get("inherited", {})
        out = []
        for cond in trigger["Predicate"]["Conditions"]:
            if not cond.get("JobName"):
                continue
            uid = graph.id_of("JOB", cond["JobName"])
            source = inherited.get(uid, job_run["workflow_run_id"])
            row = self.ledger.job_runs.predecessor(
                source, uid, cond["State"], job_run["started_on"]
            )
            if row is not None:
                out.append({"JobName": cond["JobName"], "RunId": row["id"]})
        return out
