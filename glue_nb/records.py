"""Store rows → Glue-shaped dicts (JobRun, WorkflowRun, Statistics), shared by engine and client."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.store import loads
from glue_nb.timeutil import to_datetime

__all__ = ["job_run_dict", "node_state", "statistics", "workflow_run_dict"]


def job_run_dict(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    """A ``job_runs`` row as Glue's JobRun.

    Extras beside Glue's keys: ``OutputLocation``, ``LogLocation``, ``ErrorDetail``."""
    started, completed = row["started_on"], row["completed_on"]
    out: dict[str, Any] = {
        "Id": row["id"],
        "Attempt": row["attempt"],
        "TriggerName": row["trigger_name"],
        "JobName": row["job_name"],
        "JobMode": "NOTEBOOK",
        "StartedOn": to_datetime(started),
        "LastModifiedOn": to_datetime(row["last_modified_on"]),
        "CompletedOn": to_datetime(completed),
        "JobRunState": row["state"],
        "Arguments": loads(row["arguments"], {}),
        "ExecutionTime": round((completed or row["last_modified_on"]) - started),
        "Timeout": row["timeout"],
        "OutputLocation": row["output_location"],
        "LogLocation": row["log_location"],
    }
    if row["previous_run_id"]:
        out["PreviousRunId"] = row["previous_run_id"]
    if row["error_message"]:
        out["ErrorMessage"] = row["error_message"]
    if row["error_detail"]:
        out["ErrorDetail"] = loads(row["error_detail"])
    if row["workflow_run_id"]:
        out["WorkflowName"] = row["workflow_name"]
        out["WorkflowRunId"] = row["workflow_run_id"]
    return {k: v for k, v in out.items() if v is not None or k in ("CompletedOn",)}


def node_state(runs: Iterable[Mapping[str, Any]], key: str = "JobRunState") -> str | None:
    """The state of a node in a run: that of its latest job run / crawl."""
    latest = None
    for run in runs:
        if latest is None or (run["StartedOn"], run.get("Attempt", 0)) >= (
            latest["StartedOn"],
            latest.get("Attempt", 0),
        ):
            latest = run
    return None if latest is None else latest[key]


_JOB_COUNTERS = {
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "TIMEOUT": "TimeoutActions",
    "STOPPED": "StoppedActions",
    "ERROR": "ErroredActions",
    "WAITING": "WaitingActions",
    "STARTING": "RunningActions",
    "RUNNING": "RunningActions",
    "STOPPING": "RunningActions",
}
_CRAWL_COUNTERS = {
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "CANCELLED": "StoppedActions",
    "ERROR": "ErroredActions",
    "RUNNING": "RunningActions",
    "CANCELLING": "RunningActions",
}


def statistics(job_states: Iterable[str], crawl_states: Iterable[str] = ()) -> dict[str, int]:
    """Glue's WorkflowRunStatistics from the final state of each action of a run."""
    stats = dict.fromkeys(
        (
            "TotalActions",
            "TimeoutActions",
            "FailedActions",
            "StoppedActions",
            "SucceededActions",
            "RunningActions",
            "ErroredActions",
            "WaitingActions",
        ),
        0,
    )
    for states, table in ((job_states, _JOB_COUNTERS), (crawl_states, _CRAWL_COUNTERS)):
        for state in states:
            stats["TotalActions"] += 1
            counter = table.get(state)
            if counter:
                stats[counter] += 1
    return stats


def workflow_run_dict(
    row: Mapping[str, Any] | sqlite3.Row,
    stats: dict[str, int],
    graph: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``workflow_runs`` row as Glue's WorkflowRun."""
    out: dict[str, Any] = {
        "Name": row["workflow_name"],
        "WorkflowRunId": row["run_id"],
        "WorkflowRunProperties": loads(row["run_properties"], {}),
        "StartedOn": to_datetime(row["started_on"]),
        "CompletedOn": to_datetime(row["completed_on"]),
        "Status": row["status"],
        "Statistics": stats,
    }
    if row["previous_run_id"]:
        out["PreviousRunId"] = row["previous_run_id"]
    if row["error_message"]:
        out["ErrorMessage"] = row["error_message"]
    if row["start_condition"]:
        out["StartingEventBatchCondition"] = loads(row["start_condition"])
    if out["CompletedOn"] is None:
        del out["CompletedOn"]
    if graph is not None:
        out["Graph"] = graph
    return out
