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

__all__ = ["RunReader", "fired_triggers"]


def fired_triggers(conn: sqlite3.Connection, run_id: str) -> dict[str, float]:
    """The triggers a workflow run fired: ``{trigger name: when}`` (epoch seconds)."""
    rows = conn.execute(
        "SELECT trigger_name, fired_on FROM run_fired_triggers WHERE run_id=?", (run_id,)
    )
    return {r[0]: r[1] for r in rows}


def started_by_its_trigger(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
    """Whether the first run of ``row``'s resume chain was started by the workflow's schedule
    (a scheduler fire recorded it) or by events (its batch condition), not by hand."""
    root = conn.execute(
        "WITH RECURSIVE chain(id, previous) AS (SELECT run_id, previous_run_id FROM "
        "workflow_runs WHERE run_id=? UNION ALL SELECT w.run_id, w.previous_run_id FROM "
        "workflow_runs w JOIN chain ON w.run_id = chain.previous) "
        "SELECT id FROM chain WHERE previous IS NULL",
        (row["run_id"],),
    ).fetchone()
    root_id = root[0] if root else row["run_id"]
    started = conn.execute(
        "SELECT start_condition IS NOT NULL OR EXISTS (SELECT 1 FROM trigger_fires WHERE "
        "workflow_name=? AND run_id=?) FROM workflow_runs WHERE run_id=?",
        (row["workflow_name"], root_id, root_id),
    ).fetchone()
    return bool(started and started[0])


def _crawl_dict(row: sqlite3.Row) -> dict[str, Any]:
    from glue_nb.crawlers import crawl_dict

    return crawl_dict(row)


class RunReader:
    """Builds Glue-shaped run records from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def node_runs(
        self, conn: sqlite3.Connection, row: sqlite3.Row
    ) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
        """Job runs and crawls per node id for one run (own and inherited)."""
        options = loads(row["options"], {})
        sources: dict[str, list[str]] = defaultdict(list)
        sources[row["run_id"]] = []
        for uid, source in options.get("inherited", {}).items():
            sources[source].append(uid)
        jobs: dict[str, list[dict]] = defaultdict(list)
        crawls: dict[str, list[dict]] = defaultdict(list)
        for run_id, only in sources.items():
            for r in conn.execute(
                "SELECT * FROM job_runs WHERE workflow_run_id=? ORDER BY started_on, attempt",
                (run_id,),
            ):
                if run_id == row["run_id"] or r["node_id"] in only:
                    jobs[r["node_id"]].append(job_run_dict(r))
            for r in conn.execute(
                "SELECT * FROM crawls WHERE workflow_run_id=? ORDER BY started_on", (run_id,)
            ):
                if run_id == row["run_id"] or r["node_id"] in only:
                    crawls[r["node_id"]].append(_crawl_dict(r))
        return jobs, crawls

    def run(self, row: sqlite3.Row, include_graph: bool = True) -> dict[str, Any]:
        """A ``workflow_runs`` row as Glue's WorkflowRun."""
        with self.store.read() as conn:
            jobs, crawls = self.node_runs(conn, row)
            fired = fired_triggers(conn, row["run_id"]) if include_graph else {}
            by_trigger = include_graph and started_by_its_trigger(conn, row)
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
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM workflow_runs WHERE run_id=? AND workflow_name=?", (run_id, name)
            ).fetchone()

    def runs(self, name: str) -> list[sqlite3.Row]:
        """All runs of a workflow, newest first."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM workflow_runs WHERE workflow_name=? ORDER BY started_on DESC",
                (name,),
            ).fetchall()

    def last_run(self, name: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM workflow_runs WHERE workflow_name=? ORDER BY started_on DESC "
                "LIMIT 1",
                (name,),
            ).fetchone()

    def predecessor_runs(self, job_run: sqlite3.Row) -> list[dict[str, str]]:
        """Glue's ``PredecessorRuns`` of a job run: the job runs of its workflow run whose
        ending fired the conditional trigger that started it (a job run started by a start
        trigger, or outside any workflow, has none). Crawls are not job runs: they are left out.
        """
        if not job_run["workflow_run_id"] or not job_run["trigger_name"]:
            return []
        with self.store.read() as conn:
            run = conn.execute(
                "SELECT workflow_name, design, options FROM workflow_runs WHERE run_id=?",
                (job_run["workflow_run_id"],),
            ).fetchone()
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
                row = conn.execute(
                    "SELECT id FROM job_runs WHERE workflow_run_id=? AND node_id=? AND state=? "
                    "AND completed_on <= ? ORDER BY completed_on DESC LIMIT 1",
                    (source, uid, cond["State"], job_run["started_on"]),
                ).fetchone()
                if row is not None:
                    out.append({"JobName": cond["JobName"], "RunId": row["id"]})
            return out
