"""What the CLI and notebooks ask of the scheduler, read from the store (no scheduler needs to
run): a trigger's next fire times, what was fired, and who holds the lease with what comes next.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from glue_nb.definitions import Definitions
from glue_nb.events import default_clock
from glue_nb.exceptions import GlueNbError, InvalidInputException
from glue_nb.graph import design_graph
from glue_nb.schedule import next_fire_times
from glue_nb.scheduler.common import as_store
from glue_nb.scheduler.lease import holder_alive
from glue_nb.states import TriggerState
from glue_nb.store import loads
from glue_nb.store.events import EventBatches, Events
from glue_nb.store.schedules import SchedulerLease, ScheduleStates, TimedTriggers, TriggerFires
from glue_nb.timeutil import now as wall_now
from glue_nb.timeutil import to_datetime

__all__ = ["fire_history", "next_fires", "scheduled_trigger", "status"]


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def scheduled_trigger(
    client: Any, workflow: str | None = None, *, trigger: str | None = None
) -> dict[str, Any]:
    """The SCHEDULED trigger (Glue's Trigger dict, with State) of ``workflow`` (its start
    trigger) or named ``trigger`` (e.g. a standalone one): give one of the two.

    EntityNotFoundException for an unknown name; InvalidInputException when it is not
    SCHEDULED.
    """
    if (workflow is None) == (trigger is None):
        raise InvalidInputException("give a workflow or a trigger name (one of the two)")
    definitions = Definitions(as_store(client))
    if trigger is not None:
        found = definitions.trigger(trigger)  # EntityNotFound, naming the known ones
        if found["Type"] != "SCHEDULED":
            raise InvalidInputException(
                f"trigger {trigger!r} has Type {found['Type']}, not SCHEDULED: no fire times"
            )
        return found
    assert workflow is not None
    definitions.workflow(workflow)  # EntityNotFound
    start = design_graph(workflow, definitions.workflow_triggers(workflow)).start_trigger
    if start is None or start["Type"] != "SCHEDULED":
        kind = "no" if start is None else f"{_article(start['Type'])} {start['Type']}"
        raise InvalidInputException(
            f"workflow {workflow!r} has {kind} start trigger, not a SCHEDULED one: no fire times"
        )
    return start


def next_fires(
    client: Any,
    workflow: str | None = None,
    count: int = 5,
    *,
    now: datetime | float | None = None,
    trigger: str | None = None,
) -> list[datetime]:
    """The next ``count`` fire times (tz-aware UTC) of ``workflow``'s SCHEDULED start trigger,
    or of the SCHEDULED trigger named ``trigger`` (a standalone one, say).

    ``client``: a client, store or home. InvalidInputException when the trigger is not
    SCHEDULED (the trigger's State does not matter: a DEACTIVATED one shows what it would do).
    """
    start = scheduled_trigger(client, workflow, trigger=trigger)
    after = to_datetime(now) if isinstance(now, (int, float)) else now
    return next_fire_times(start["Schedule"], after=after, count=count)


def fire_history(
    client: Any, workflow: str | None = None, *, limit: int = 100, trigger: str | None = None
) -> list[dict[str, Any]]:
    """What the scheduler started, newest first: scheduled fires and event batches.

    ``workflow`` / ``trigger``: only those of a workflow / of one trigger. A fire of a workflow
    trigger has the ``RunId`` it started; a fire of a standalone trigger has ``Started``: per
    action ``{"JobName", "JobRunId"}`` or ``{"CrawlerName", "CrawlId"}``, with
    ``ErrorMessage`` when it could not start as asked.
    """
    store = as_store(client)
    fires = TriggerFires(store).recent(workflow=workflow, trigger=trigger, limit=limit)
    batches = EventBatches(store).recent(workflow=workflow, trigger=trigger, limit=limit)
    out = []
    for r in fires:
        item = {
            "Kind": r["kind"],
            "WorkflowName": r["workflow_name"],
            "TriggerName": r["trigger_name"],
            "FireTime": to_datetime(r["fire_time"]),
            "FiredOn": to_datetime(r["fired_on"]),
            "RunId": r["run_id"],
            "Missed": r["missed"],
            "ErrorMessage": r["error"],
        }
        if r["workflow_name"] is None:
            item["Started"] = r["started"] or []
        out.append(item)
    out += [
        {
            "Kind": "event-batch",
            "WorkflowName": r["workflow_name"],
            "TriggerName": r["trigger_name"],
            "FireTime": None,
            "FiredOn": to_datetime(r["closed_on"]),
            "RunId": r["run_id"],
            "StartingEventBatchCondition": loads(r["condition"]),
            "BatchSize": r["size"],
        }
        for r in batches
    ]
    out.sort(key=lambda d: d["FiredOn"], reverse=True)
    return out[:limit]


def status(client: Any, *, now: float | None = None) -> dict[str, Any]:
    """The lease holder and, per SCHEDULED trigger (workflow start trigger or standalone) and
    EVENT start trigger, what comes next."""
    store = as_store(client)
    t = default_clock()() if now is None else now
    lease = SchedulerLease(store).get()
    timed = TimedTriggers(store)
    triggers = sorted(
        timed.scheduled() + timed.evented(),
        key=lambda r: (r.workflow is None, r.workflow or "", r.name),
    )
    states = ScheduleStates(store).all()
    pending = Events(store).pending()
    holder = None
    if lease is not None:
        holder = {
            "Host": lease.info.get("host"),
            "Pid": lease.info.get("pid"),
            "AcquiredOn": to_datetime(lease.acquired_on),
            "Expires": to_datetime(lease.expires),
            "Active": lease.expires > wall_now() and holder_alive(lease.info),
        }
    rows = []
    for r in triggers:
        item: dict[str, Any] = {
            "WorkflowName": r.workflow,
            "TriggerName": r.name,
            "Type": r.type,
            "State": r.state.value,
        }
        if r.type == "SCHEDULED":
            item["Schedule"] = r.body["Schedule"]
            if r.workflow is None:
                item["Actions"] = r.body["Actions"]
            item["ActivatedOn"] = to_datetime(r.activated_on)
            st = states.get(r.name)
            item["CheckedUntil"] = to_datetime(st["checked_until"]) if st else None
            try:
                fires = next_fire_times(r.body["Schedule"], after=to_datetime(t), count=1)
            except GlueNbError:
                fires = []
            active = r.state is TriggerState.ACTIVATED
            item["NextFire"] = fires[0] if fires and active else None
        else:
            item["EventBatchingCondition"] = r.body.get("EventBatchingCondition")
            item["PendingEvents"] = pending.get(r.workflow or "", (0, 0.0))[0]
        rows.append(item)
    return {"Lease": holder, "Triggers": rows}
