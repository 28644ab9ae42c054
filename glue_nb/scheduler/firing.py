"""A firing: one start the scheduler made (or tried), as it logs it and keeps it in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_nb.scheduler.common import fmt
from glue_nb.timeutil import to_datetime

__all__ = ["Firing", "stored", "target"]


@dataclass
class Firing:
    """One start made by the scheduler (or one it tried)."""

    kind: str  # "scheduled" | "catch-up" | "event-batch"
    workflow: str | None  # None: a standalone SCHEDULED trigger (no workflow)
    trigger: str
    run_id: str | None
    # the run's Status at start: RUNNING or ERROR ("" when no run was recorded); standalone:
    # RUNNING when an action started, ERROR when none could
    status: str
    at: float  # scheduler clock when it fired
    fire_time: float | None = None  # the schedule's fire time (scheduled / catch-up)
    condition: dict[str, int] | None = None  # StartingEventBatchCondition (event batches)
    event_ids: list[str] = field(default_factory=list)
    error: str | None = None
    missed: int = 0  # fire times that passed unfired (a catch-up counts its own)
    # standalone: per action, {JobName, JobRunId, JobRunState} or {CrawlerName, CrawlId, State}
    # at start, with ErrorMessage when it could not start as asked
    started: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the log."""
        if self.kind == "event-batch":
            assert self.condition is not None
            why = (
                f"size {self.condition['BatchSize']} reached"
                if self.condition["BatchSize"]
                else f"window {self.condition['BatchWindow']}s expired"
            )
            what = f"batch of {len(self.event_ids)} event(s) ({why})"
        else:
            what = f"{self.kind} fire for {fmt(self.fire_time)}"
            if self.kind == "catch-up":
                what += f" ({self.missed} fire(s) missed, one catch-up run)"
            elif self.missed:
                what += f" ({self.missed} missed fire(s) before it: no separate catch-up)"
        if self.workflow is None:
            outcome = ", ".join(describe_action(a) for a in self.started) or "nothing started"
            return f"trigger {self.trigger!r} (no workflow): {what} -> {outcome}"
        outcome = f"run {self.run_id} {self.status}" if self.run_id else "no run"
        if self.error:
            outcome += f": {self.error}"
        return f"{self.workflow!r} <- trigger {self.trigger!r}: {what} -> {outcome}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "Kind": self.kind,
            "WorkflowName": self.workflow,
            "TriggerName": self.trigger,
            "RunId": self.run_id,
            "Status": self.status,
            "FiredOn": to_datetime(self.at),
            "FireTime": to_datetime(self.fire_time),
            "StartingEventBatchCondition": self.condition,
            "EventIds": list(self.event_ids),
            "ErrorMessage": self.error,
            "Started": [dict(a) for a in self.started],
        }


def target(workflow: str | None, trigger: str) -> str:
    """How the log names what a trigger fires into."""
    if workflow is None:
        return f"trigger {trigger!r} (no workflow)"
    return f"{workflow!r} <- trigger {trigger!r}"


def action_name(entry: Mapping[str, Any]) -> str:
    if "JobName" in entry:
        return f"job {entry['JobName']!r}"
    return f"crawler {entry['CrawlerName']!r}"


def describe_action(entry: Mapping[str, Any]) -> str:
    if entry.get("JobRunId"):
        text = f"{action_name(entry)} run {entry['JobRunId']} {entry.get('JobRunState')}"
    elif entry.get("CrawlId"):
        text = f"{action_name(entry)} crawl {entry['CrawlId']} {entry.get('State')}"
    else:
        text = f"{action_name(entry)} not started"
    if entry.get("ErrorMessage"):
        text += f" ({entry['ErrorMessage']})"
    return text


def stored(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An action entry as ``trigger_fires.started`` keeps it: ids and errors, not the state at
    start (which goes stale; the job run or crawl itself has its state)."""
    return {k: v for k, v in entry.items() if k not in ("JobRunState", "State")}
