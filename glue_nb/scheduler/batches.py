"""EVENT triggers: closing batches of events into workflow runs.

A batch closes when BatchSize events are pending for the workflow, or when BatchWindow seconds
have passed since the first of them (or since the trigger's previous batch closed). The batch is
assigned to its run in the transaction that records the run's start (after checking, in that
transaction, that the lease is still held), so a batch never starts twice. The run gets
``StartingEventBatchCondition`` and the run property ``aws:eventIds`` (a JSON list); a start
beyond the workflow's MaxConcurrentRuns records a run with Status ERROR, as Glue does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from glue_nb.exceptions import GlueNbError
from glue_nb.scheduler.firing import Firing
from glue_nb.scheduler.starts import read_run
from glue_nb.store.events import EventBatches, Events
from glue_nb.store.schedules import TimedTriggers

if TYPE_CHECKING:
    from glue_nb.scheduler.service import Scheduler

__all__ = ["EventBatchFires", "batching"]


def batching(body: dict[str, Any]) -> tuple[int, int]:
    """(BatchSize, BatchWindow) of an EVENT trigger (Glue's defaults: 1 event, 900 s)."""
    cond = body.get("EventBatchingCondition") or {}
    return int(cond.get("BatchSize", 1)), int(cond.get("BatchWindow", 900))


class EventBatchFires:
    """The EVENT start triggers of one scheduler's store, closing batches through it."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.store = scheduler.store
        self.triggers = TimedTriggers(self.store)
        self.events = Events(self.store)
        self.batches = EventBatches(self.store)

    def tick(self, t: float) -> list[Firing]:
        """Close every batch that is complete at ``t`` into a run → the firings."""
        triggers = self.triggers.evented()
        if not triggers:
            return []
        pending = self.events.pending()
        closed = self.batches.last_closed()
        fired = []
        for trig in triggers:
            assert trig.workflow is not None
            if trig.workflow not in pending:
                continue
            size, window = batching(trig.body)
            count, first = pending[trig.workflow]
            start = max(first, closed.get(trig.name) or first)
            if count < size and t - start < window:
                continue
            try:
                while True:
                    firing = self._close(trig.name, trig.workflow, t)
                    if firing is None:
                        break
                    fired.append(firing)
            except GlueNbError as exc:
                self.scheduler.log_once(
                    f"events:{trig.name}",
                    "trigger %r: cannot start a run for its events: %s",
                    trig.name,
                    exc,
                )
        return fired

    def _close(self, name: str, workflow: str, t: float) -> Firing | None:
        """Start one run for the oldest pending batch if it is complete (one transaction)."""
        scheduler = self.scheduler
        with self.store.transaction():
            if not scheduler.lease.still_held():
                return None
            trig = self.triggers.get(name)
            if trig is None or trig.type != "EVENT" or trig.workflow != workflow:
                return None
            size, window = batching(trig.body)
            rows = self.events.oldest_pending(workflow, size)
            if not rows:
                return None
            last = self.batches.last_closed_of(name)
            start = max(min(r["received_on"] for r in rows), last if last is not None else -1e18)
            if len(rows) >= size:
                condition = {"BatchSize": size, "BatchWindow": 0}
            elif t - start >= window:
                condition = {"BatchSize": 0, "BatchWindow": window}
            else:
                return None
            ids = [r["event_id"] for r in rows]
            run_id = scheduler.engine.start_workflow_run(
                workflow,
                {"aws:eventIds": json.dumps(ids)},
                executor=scheduler.executor,
                start_condition=condition,
                error_when_busy=True,
            )
            batch_id = self.batches.insert(name, workflow, run_id=run_id, closed_on=t,
                                           size=len(ids), condition=condition,
                                           holder=scheduler.id)  # fmt: skip
            seqs = [r["seq"] for r in rows]
            if self.events.assign(seqs, batch_id, run_id) != len(seqs):
                # cannot happen inside BEGIN IMMEDIATE; never start a batch twice
                raise RuntimeError(f"event batch of {workflow!r} changed while it was assigned")
            firing = Firing("event-batch", workflow, name, None, "", t, condition=condition,
                            event_ids=ids)  # fmt: skip
            read_run(scheduler.engine, firing, run_id)
        scheduler.record(firing)
        return firing
