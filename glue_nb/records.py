"""Store rows → Glue-shaped dicts (JobRun, WorkflowRun, Statistics), shared by engine and client."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.store import loads
from glue_nb.timeutil import to_datetime

__all__ = [
    "glue_crawl",
    "glue_crawler",
    "glue_graph",
    "glue_job",
    "glue_job_run",
    "glue_trigger",
    "glue_workflow",
    "glue_workflow_run",
    "job_run_dict",
    "node_state",
    "statistics",
    "workflow_run_dict",
]


def job_run_dict(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    """A ``job_runs`` row as Glue's JobRun.

    Extras beside Glue's keys: ``OutputLocation``, ``LogLocation`` (the prefix of the kernel's
    logs: ``<LogLocation>.stdout.txt`` and ``.stderr.txt``), ``ErrorDetail``."""
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
    # WorkerType, MaxCapacity, ... as given (a Row's `in` looks at values, hence .keys())
    if "glue_fields" in row.keys() and row["glue_fields"]:  # noqa: SIM118
        out.update(loads(row["glue_fields"]))
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


# -- Glue's exact output shapes ------------------------------------------------------------------
# What glue-nb's own API answers (above) carries more than Glue's shapes: each job run's executed
# notebook, log and error detail, which triggers fired, each crawl's id and summary, fractional
# minutes. The functions below leave exactly Glue's members, each with Glue's type.

JOB_RUN_KEYS = (
    "Id", "Attempt", "PreviousRunId", "TriggerName", "JobName", "JobMode", "JobRunQueuingEnabled",
    "StartedOn", "LastModifiedOn", "CompletedOn", "JobRunState", "Arguments", "ErrorMessage",
    "PredecessorRuns", "AllocatedCapacity", "ExecutionTime", "Timeout", "MaxCapacity",
    "WorkerType", "NumberOfWorkers", "SecurityConfiguration", "LogGroupName",
    "NotificationProperty", "GlueVersion", "DPUSeconds", "ExecutionClass", "MaintenanceWindow",
    "ProfileName", "StateDetail", "ExecutionRoleSessionPolicy",
)  # fmt: skip
CRAWL_KEYS = ("State", "StartedOn", "CompletedOn", "ErrorMessage", "LogGroup", "LogStream")
TRIGGER_KEYS = (
    "Name", "WorkflowName", "Id", "Type", "State", "Description", "Schedule", "Actions",
    "Predicate", "EventBatchingCondition",
)  # fmt: skip
ACTION_KEYS = (
    "JobName", "Arguments", "Timeout", "SecurityConfiguration", "NotificationProperty",
    "CrawlerName",
)  # fmt: skip
JOB_KEYS = (
    "Name", "JobMode", "JobRunQueuingEnabled", "Description", "LogUri", "Role", "CreatedOn",
    "LastModifiedOn", "ExecutionProperty", "Command", "DefaultArguments",
    "NonOverridableArguments", "Connections", "MaxRetries", "AllocatedCapacity", "Timeout",
    "MaxCapacity", "WorkerType", "NumberOfWorkers", "SecurityConfiguration",
    "NotificationProperty", "GlueVersion", "CodeGenConfigurationNodes", "ExecutionClass",
    "SourceControlDetails", "MaintenanceWindow", "ProfileName", "AutoUpgradeMetadata",
)  # fmt: skip
WORKFLOW_KEYS = (
    "Name", "Description", "DefaultRunProperties", "CreatedOn", "LastModifiedOn", "LastRun",
    "Graph", "MaxConcurrentRuns", "BlueprintDetails",
)  # fmt: skip
CRAWLER_KEYS = (
    "Name", "Role", "Targets", "DatabaseName", "Description", "Classifiers", "RecrawlPolicy",
    "SchemaChangePolicy", "LineageConfiguration", "State", "TablePrefix", "Schedule",
    "CrawlElapsedTime", "CreationTime", "LastUpdated", "LastCrawl", "Version", "Configuration",
    "CrawlerSecurityConfiguration", "LakeFormationConfiguration", "CatalogId",
)  # fmt: skip
TARGET_KEYS = (
    "S3Targets", "JdbcTargets", "MongoDBTargets", "DynamoDBTargets", "CatalogTargets",
    "DeltaTargets", "IcebergTargets", "HudiTargets",
)  # fmt: skip


def _minutes(value: Any) -> Any:
    """glue-nb's minutes with fractions → Glue's whole minutes (at least 1)."""
    if isinstance(value, float):
        return max(1, math.ceil(value))
    return value


def _keep(item: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: item[k] for k in keys if item.get(k) is not None}


def glue_job_run(job_run: Mapping[str, Any]) -> dict[str, Any]:
    """A JobRun with Glue's members only (Timeout in whole minutes)."""
    out = _keep(job_run, JOB_RUN_KEYS)
    if "Timeout" in out:
        out["Timeout"] = _minutes(out["Timeout"])
    return out


def glue_crawl(crawl: Mapping[str, Any]) -> dict[str, Any]:
    """A Crawl (a crawler's run in a workflow graph) with Glue's members only."""
    return _keep(crawl, CRAWL_KEYS)


def glue_trigger(trigger: Mapping[str, Any]) -> dict[str, Any]:
    """A Trigger with Glue's members: no Tags, no empty Arguments, whole-minute Timeouts."""
    out = _keep(trigger, TRIGGER_KEYS)
    if "Actions" in out:
        actions = []
        for action in out["Actions"]:
            item = _keep(action, ACTION_KEYS)
            if not item.get("Arguments"):
                item.pop("Arguments", None)
            if "Timeout" in item:
                item["Timeout"] = _minutes(item["Timeout"])
            actions.append(item)
        out["Actions"] = actions
    return out


def glue_graph(graph: Mapping[str, Any]) -> dict[str, Any]:
    """A WorkflowGraph with Glue's members only."""
    nodes = []
    for node in graph.get("Nodes") or ():
        item = _keep(node, ("Type", "Name", "UniqueId"))
        if node.get("TriggerDetails") is not None:
            trigger = node["TriggerDetails"].get("Trigger")
            item["TriggerDetails"] = {"Trigger": glue_trigger(trigger)} if trigger else {}
        if node.get("JobDetails") is not None:
            runs = node["JobDetails"].get("JobRuns")
            item["JobDetails"] = {"JobRuns": [glue_job_run(r) for r in runs]} if runs else {}
        if node.get("CrawlerDetails") is not None:
            crawls = node["CrawlerDetails"].get("Crawls")
            item["CrawlerDetails"] = {"Crawls": [glue_crawl(c) for c in crawls]} if crawls else {}
        nodes.append(item)
    return {"Nodes": nodes, "Edges": [dict(e) for e in graph.get("Edges") or ()]}


def glue_workflow_run(run: Mapping[str, Any]) -> dict[str, Any]:
    """A WorkflowRun with Glue's members only."""
    out = {k: v for k, v in run.items() if v is not None}
    if "Graph" in out:
        out["Graph"] = glue_graph(out["Graph"])
    return out


def glue_workflow(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """A Workflow with Glue's members only (no Tags)."""
    out = _keep(workflow, WORKFLOW_KEYS)
    if "LastRun" in out:
        out["LastRun"] = glue_workflow_run(out["LastRun"])
    if "Graph" in out:
        out["Graph"] = glue_graph(out["Graph"])
    return out


def glue_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """A Job with Glue's members only: no Tags, no empty argument maps, whole-minute Timeout."""
    out = _keep(job, JOB_KEYS)
    for key in ("DefaultArguments", "NonOverridableArguments"):
        if not out.get(key):
            out.pop(key, None)
    if "Timeout" in out:
        out["Timeout"] = _minutes(out["Timeout"])
    return out


def glue_crawler(crawler: Mapping[str, Any]) -> dict[str, Any]:
    """A Crawler with Glue's members: every target list (empty ones too, as Glue answers), S3
    targets without an empty Exclusions, no Tags."""
    out = _keep(crawler, CRAWLER_KEYS)
    targets = dict(out.get("Targets") or {})
    shaped: dict[str, Any] = {}
    for key in TARGET_KEYS:
        items = [dict(t) for t in targets.get(key) or ()]
        if key == "S3Targets":
            for item in items:
                if not item.get("Exclusions"):
                    item.pop("Exclusions", None)
        shaped[key] = items
    out["Targets"] = shaped
    if isinstance(out.get("LastCrawl"), Mapping):
        out["LastCrawl"] = {k: v for k, v in out["LastCrawl"].items() if v is not None}
    return out
