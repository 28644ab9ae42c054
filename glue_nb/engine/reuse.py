"""The driver's side of reuse: the decision before a job run starts, the record of a reused run,
and what a run that ran read and wrote (:mod:`glue_nb.reuse` decides; this records).

Every function here runs inside the driver's transaction for the job run it is about.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.jobs.spec import JobResult, JobSpec
from glue_nb.lineage import openlineage as lineage_events
from glue_nb.states import JobRunState
from glue_nb.store import Store
from glue_nb.store.ledger import Ledger
from glue_nb.timeutil import now

__all__ = ["notify_reused", "record_reused", "record_trace", "reuse_decision"]

log = logging.getLogger(__name__)


def reuse_decision(
    store: Store, choice: bool | None, spec: JobSpec, properties: Mapping[str, str]
) -> dict[str, Any] | None:
    """The reuse decision for a job run about to start (a decision not to reuse is recorded
    with it, for ``why``), or None when reuse is off for it (``choice``: the run's, None: the
    job's and workflow's settings decide). InvalidInputException for a setting that is not a
    flag."""
    from glue_nb.reuse.fingerprint import reuse_setting
    from glue_nb.store.traces import Traces

    try:
        on, _where = reuse_setting(choice, spec.arguments, properties)
    except ValueError as exc:
        raise InvalidInputException(f"Job {spec.job_name!r}: {exc}") from None
    if not on:
        return None
    bookmark = (spec.bookmark or {}).get("option")
    if bookmark and bookmark != "job-bookmark-disable":  # its input is "what is new": it runs
        decision = _runs(f"the job bookmark is on ({bookmark}): what the run reads depends on it")
    else:
        decision = _decide(store, spec, properties)
    if not decision["reuse"]:
        Traces(store).record_decision(
            spec.job_run_id, spec.job_name, _stored(decision), static=decision["static"]
        )
    return decision


def _decide(store: Store, spec: JobSpec, properties: Mapping[str, str]) -> dict[str, Any]:
    """Whether the job run can reuse an earlier one (:mod:`glue_nb.reuse.decide`), never
    raising: a failing check makes the job run, and says so."""
    from glue_nb.reuse.decide import decide

    try:
        return decide(
            store, job_name=spec.job_name, notebook=spec.notebook, arguments=spec.arguments,
            kernel_name=spec.kernel_name, properties=properties,
        )  # fmt: skip
    except Exception as exc:
        log.exception("reuse check of job run %s failed", spec.job_run_id)
        return _runs(f"the reuse check failed: {type(exc).__name__}: {exc}")


def _runs(reason: str) -> dict[str, Any]:
    """A decision to run, for a reason no fingerprint states."""
    change = {"what": "unknown", "name": reason, "old": None, "new": None}
    return {"reuse": False, "static": None, "changes": [change]}


def record_reused(
    ledger: Ledger, run_id: str | None, key: str, job_name: str, decision: Mapping[str, Any]
) -> None:
    """Job run ``key`` SUCCEEDED at once with the results of the run it reuses: its executed
    notebook, logs and property updates (merged into workflow run ``run_id`` as if it had run),
    and what it read and wrote."""
    from glue_nb.store.io import IoRecord, IoRecords
    from glue_nb.store.traces import Traces

    source = decision["source"]
    updates = source.get("property_updates") or {}
    ledger.job_runs.finish(
        key, JobRunState.SUCCEEDED, completed_on=now(), error=None, error_detail=None,
        output_location=source["output_location"], log_location=source["log_location"],
        property_updates=updates,
    )  # fmt: skip
    if run_id and updates:
        ledger.runs.merge_properties(run_id, updates)
    trace = source["trace"]
    Traces(ledger.store).record_reused(
        key, job_name, reused_from=decision["from"], static=decision["static"], trace=trace,
        decision=_stored(decision),
    )  # fmt: skip
    records = [IoRecord(**r) for r in [*trace.get("reads", ()), *trace.get("writes", ())]]
    IoRecords(ledger.store).record("job", key, records)


def record_trace(ledger: Ledger, result: JobResult) -> None:
    """What a job run that ran read and wrote (``io_records``) and its trace (``traces``)."""
    from glue_nb.store.io import IoRecord, IoRecords
    from glue_nb.store.traces import Traces

    trace = dict(result.trace or {})
    static = trace.pop("static", None) or {}
    row = ledger.job_runs.get(result.job_run_id)
    try:
        records = [IoRecord(**r) for r in [*trace.get("reads", ()), *trace.get("writes", ())]]
    except (TypeError, ValueError):  # a trace from another glue-nb version: not recorded
        log.exception("job run %s: its trace cannot be recorded", result.job_run_id)
        return
    if row is None:
        return
    Traces(ledger.store).record_trace(result.job_run_id, row["job_name"], static, trace)
    IoRecords(ledger.store).record("job", result.job_run_id, records)


def notify_reused(store: Store, key: str) -> None:
    """A reused job run's lineage events: it starts and completes at once."""
    lineage_events.notify(store, key, "start")
    lineage_events.notify(store, key, "end")


def _stored(decision: Mapping[str, Any]) -> dict[str, Any]:
    """A reuse decision as kept with its job run (without the candidate's row and static part)."""
    return {k: v for k, v in decision.items() if k not in ("source", "static")}
