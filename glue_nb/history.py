"""Runs as pandas DataFrames: one run's job runs and crawls, a workflow's runs, all history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.client import GlueClient

__all__ = ["run_table", "workflow_runs"]


def run_table(client: GlueClient, workflow: str, run_id: str) -> pd.DataFrame:
    """One row per job run (each attempt) and crawl of one workflow run."""
    import pandas as pd

    run = client.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    rows: list[dict[str, Any]] = []
    for node in run["Graph"]["Nodes"]:
        for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
            rows.append(
                {
                    "node": node["Name"],
                    "type": "JOB",
                    "attempt": jr["Attempt"],
                    "state": jr["JobRunState"],
                    "started": jr["StartedOn"],
                    "completed": jr.get("CompletedOn"),
                    "trigger": jr.get("TriggerName"),
                    "error": jr.get("ErrorMessage"),
                    "output_notebook": jr.get("OutputLocation"),
                    "id": jr["Id"],
                }
            )
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls", []):
            rows.append(
                {
                    "node": node["Name"],
                    "type": "CRAWLER",
                    "attempt": 0,
                    "state": crawl["State"],
                    "started": crawl.get("StartedOn"),
                    "completed": crawl.get("CompletedOn"),
                    "trigger": crawl.get("TriggerName"),
                    "error": crawl.get("ErrorMessage"),
                    "output_notebook": None,
                    "id": crawl.get("CrawlId"),
                }
            )
    columns = ["node", "type", "attempt", "state", "started", "completed", "duration",
               "trigger", "error", "output_notebook", "id"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=[c for c in columns if c != "duration"])
    frame["started"] = pd.to_datetime(frame["started"], utc=True)
    frame["completed"] = pd.to_datetime(frame["completed"], utc=True)
    frame.insert(6, "duration", frame["completed"] - frame["started"])
    return frame.sort_values(["started", "attempt"], kind="stable").reset_index(drop=True)


def workflow_runs(client: GlueClient, workflow: str) -> pd.DataFrame:
    """One row per run of ``workflow``, newest first, with its Statistics."""
    import pandas as pd

    runs = client.get_workflow_runs(Name=workflow)["Runs"]
    rows = []
    for run in runs:
        rows.append(
            {
                "run_id": run["WorkflowRunId"],
                "status": run["Status"],
                "started": run["StartedOn"],
                "completed": run.get("CompletedOn"),
                "previous_run_id": run.get("PreviousRunId"),
                "error": run.get("ErrorMessage"),
                **{k: v for k, v in run["Statistics"].items()},
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["started"] = pd.to_datetime(frame["started"], utc=True)
        frame["completed"] = pd.to_datetime(frame["completed"], utc=True)
        frame["duration"] = frame["completed"] - frame["started"]
    return frame
