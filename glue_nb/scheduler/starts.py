"""What a fire starts, inside the fire's transaction: a workflow run (a workflow's start
trigger), or a standalone trigger's actions (each job action a standalone job run, each crawler
action a crawl). All of it is started through the engine, so it begins only once the fire's
transaction has committed; the outcome is written into the :class:`Firing`.

A store that stayed locked (or failed) rolls the whole fire back, to be tried again next tick,
unless something has started already: what started stays recorded. Any other refusal is
recorded with the fire and not retried: a workflow beyond its MaxConcurrentRuns gets a run with
Status ERROR, a job at its MaxConcurrentRuns a FAILED job run (as in Glue), and a running
crawler refuses the crawl.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from glue_nb.engine import Engine
from glue_nb.engine.jobs import merge_arguments
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    GlueNbError,
    InternalServiceException,
    OperationTimeoutException,
)
from glue_nb.ids import new_job_run_id
from glue_nb.scheduler.firing import Firing, action_name
from glue_nb.states import CrawlState, JobRunState, WorkflowRunState
from glue_nb.store.job_runs import JobRunRow

__all__ = ["read_run", "start_actions", "start_run"]

#: Errors of the store itself: the fire is rolled back and tried again.
TRANSIENT = (OperationTimeoutException, InternalServiceException)


def start_run(engine: Engine, firing: Firing, *, executor: Any) -> None:
    """Start the workflow run of a workflow's start trigger."""
    assert firing.workflow is not None
    try:
        run_id = engine.start_workflow_run(
            firing.workflow, None, executor=executor, error_when_busy=True
        )
    except TRANSIENT:
        raise  # roll back: the next tick tries this fire again
    except GlueNbError as exc:  # recorded: the fire is not retried every tick
        firing.error = f"{type(exc).__name__}: {exc.message}"
    else:
        read_run(engine, firing, run_id)


def read_run(engine: Engine, firing: Firing, run_id: str) -> None:
    """The run a firing started, and its Status at start (with why, when ERROR)."""
    row = engine.ledger.runs.get(run_id)
    assert row is not None
    firing.run_id = run_id
    firing.status = row["status"]
    if row["status"] == WorkflowRunState.ERROR:
        firing.error = row["error_message"]


def start_actions(
    engine: Engine, firing: Firing, actions: Sequence[Mapping[str, Any]], *, executor: Any
) -> None:
    """Start a standalone trigger's actions: each job action a standalone job run (StartJobRun
    with the action's Arguments and Timeout), each crawler action a crawl (StartCrawler). One
    that cannot start is recorded, and the others go on."""
    for action in actions:
        try:
            if action.get("JobName"):
                entry = _start_job(engine, firing.trigger, action, executor)
            else:
                entry = _start_crawl(engine, firing.trigger, action["CrawlerName"], executor)
        except TRANSIENT as exc:
            if not firing.started:
                raise  # nothing started yet: roll back, the next tick tries this fire again
            # what started must stay recorded: this action is not retried
            key = "JobName" if action.get("JobName") else "CrawlerName"
            entry = {key: action[key], "ErrorMessage": f"{type(exc).__name__}: {exc.message}"}
        firing.started.append(entry)
    errors = [
        f"{action_name(a)}: {a['ErrorMessage']}" for a in firing.started if "ErrorMessage" in a
    ]
    firing.error = "; ".join(errors) or None
    firing.status = (
        WorkflowRunState.ERROR if len(errors) == len(firing.started) else WorkflowRunState.RUNNING
    ).value


def _start_job(
    engine: Engine, trigger: str, action: Mapping[str, Any], executor: Any
) -> dict[str, Any]:
    """Start one job action as a standalone job run (its TriggerName: ``trigger``)."""
    job = action["JobName"]
    entry: dict[str, Any] = {"JobName": job, "JobRunId": None}
    try:
        entry["JobRunId"] = engine.start_job_run(
            job, action.get("Arguments"), timeout=action.get("Timeout"), executor=executor,
            trigger_name=trigger,
        )  # fmt: skip
    except ConcurrentRunsExceededException as exc:
        entry["JobRunId"] = _failed_job_run(engine, trigger, action)
        entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
    except TRANSIENT:
        raise
    except GlueNbError as exc:
        entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
    entry["JobRunState"] = None
    if entry["JobRunId"] is not None:
        row = engine.ledger.job_runs.get(entry["JobRunId"])
        entry["JobRunState"] = JobRunState(row["state"]).value if row is not None else None
    return entry


def _failed_job_run(engine: Engine, trigger: str, action: Mapping[str, Any]) -> str:
    """Record the FAILED job run Glue records for a triggered run beyond the job's
    ExecutionProperty.MaxConcurrentRuns → its id."""
    job = engine.definitions.job(action["JobName"])
    limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
    run_id = new_job_run_id()
    message = (
        f"Job {job['Name']!r} exceeded its maximum allowed concurrent runs ({limit}); "
        "raise ExecutionProperty.MaxConcurrentRuns"
    )
    engine.ledger.job_runs.insert(
        JobRunRow(
            id=run_id, job_name=job["Name"], state=JobRunState.FAILED,
            arguments=merge_arguments(job, action.get("Arguments")),
            timeout=action.get("Timeout") or job["Timeout"], owner_token=None,
            trigger_name=trigger, error=message,
        )
    )  # fmt: skip
    return run_id


def _start_crawl(engine: Engine, trigger: str, crawler: str, executor: Any) -> dict[str, Any]:
    """Start a crawl of ``crawler`` → its entry; a running crawler refuses it
    (CrawlerRunningException)."""
    entry: dict[str, Any] = {"CrawlerName": crawler, "CrawlId": None}
    try:
        entry["CrawlId"] = engine.start_crawl(crawler, trigger_name=trigger, executor=executor)
    except TRANSIENT:
        raise
    except GlueNbError as exc:
        entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
        entry["State"] = None
        return entry
    entry["State"] = CrawlState.RUNNING.value
    return entry
