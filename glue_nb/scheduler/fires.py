"""SCHEDULED triggers: which fire times are due, on time or missed, and one start per fire time.

A trigger is scheduled from its activation time (``triggers.activated_on``, written whenever it
enters ACTIVATED). ``schedule_state.checked_until`` says up to when its fire times have been
dealt with. A fire is on time when it comes due while the scheduler ticks holding the lease
(and at most ``grace`` seconds ago); the others are missed, and together give one catch-up fire
for the latest of them (``catch_up="one"``) or none (``"none"``). A trigger stopped and started
again is scheduled from its new activation: paused time is never caught up. A new Schedule is
scheduled from when a scheduler first sees it, and so is a trigger whose activation time was
never recorded.

A fire is recorded in ``trigger_fires`` (primary key: trigger and fire time) in the transaction
that records what it starts, after checking in that transaction that the lease is still held
and that the fire is newer than the trigger's last one: a fire time never starts anything
twice, even with two schedulers or a lease lost half-way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from glue_nb.exceptions import GlueNbError
from glue_nb.schedule import CronSchedule, parse
from glue_nb.scheduler.common import UTC, fmt
from glue_nb.scheduler.firing import Firing, stored, target
from glue_nb.scheduler.starts import start_actions, start_run
from glue_nb.states import TriggerState
from glue_nb.store.schedules import ScheduleStates, TimedTriggers, TriggerFires

if TYPE_CHECKING:
    from glue_nb.scheduler.service import Scheduler

__all__ = ["Scheduled", "ScheduledFires", "count_fires", "latest_fire"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scheduled:
    """An ACTIVATED SCHEDULED trigger as the scheduler read it."""

    name: str
    workflow: str | None  # None: standalone (its actions start directly)
    expression: str
    activated_on: float | None  # None: activated before glue-nb recorded activation times


def latest_fire(schedule: CronSchedule, after: float, now: float) -> float | None:
    """The latest fire time in ``(after, now]`` (searching back from ``now`` in widening spans,
    so that a long gap over a dense schedule stays cheap)."""
    for span in (3600.0, 86400.0, 31 * 86400.0, 366 * 86400.0, None):
        start = after if span is None else max(after, now - span)
        latest = None
        for fire in schedule.iter_after(datetime.fromtimestamp(start, UTC)):
            stamp = fire.timestamp()
            if stamp > now:
                break
            latest = stamp
        if latest is not None or start == after:
            return latest
    return None


def count_fires(schedule: CronSchedule, first: float, last: float, cap: int = 1000) -> int:
    """How many fire times lie in ``[first, last]`` (at most ``cap``)."""
    count = 0
    for fire in schedule.iter_after(datetime.fromtimestamp(first - 1e-3, UTC)):
        if fire.timestamp() > last or count >= cap:
            break
        count += 1
    return count


class ScheduledFires:
    """The SCHEDULED triggers of one scheduler's store, fired through it."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.store = scheduler.store
        self.triggers = TimedTriggers(self.store)
        self.states = ScheduleStates(self.store)
        self.fires = TriggerFires(self.store)
        self._schedules: dict[str, CronSchedule] = {}

    def parse(self, expression: str) -> CronSchedule | None:
        """The schedule of an expression (None, logged, when it cannot be parsed)."""
        schedule = self._schedules.get(expression)
        if schedule is None:
            try:
                schedule = self._schedules[expression] = parse(expression)
            except GlueNbError as exc:
                self.scheduler.log_once(
                    f"parse:{expression}", "cannot schedule %s: %s", expression, exc
                )
                return None
        return schedule

    def tick(self, t: float) -> list[Firing]:
        """Fire every trigger whose fire time has come by ``t`` → the firings."""
        active = {
            r.name: Scheduled(r.name, r.workflow, r.body["Schedule"], r.activated_on)
            for r in self.triggers.scheduled(TriggerState.ACTIVATED)
        }
        states = self.states.all()
        stale = [name for name in states if name not in active]
        if stale:
            with self.store.transaction():
                if self.scheduler.lease.still_held():
                    self.states.forget(stale)
        fired = []
        for name, trig in active.items():
            st = states.get(name)
            try:
                if st is None or st["activated_on"] != trig.activated_on:
                    # first seen, or activated anew: scheduled from its activation
                    checked = self._anchor(trig, t, from_activation=True)
                elif st["schedule"] != trig.expression:
                    checked = self._anchor(trig, t, from_activation=False)  # a new Schedule
                else:
                    checked = st["checked_until"]
                if checked is None:
                    continue
                firing = self._due(trig, checked, t)
            except GlueNbError as exc:  # e.g. the store stayed locked: try again next tick
                self.scheduler.log_once(f"trigger:{name}", "trigger %r: %s", name, exc)
                continue
            if firing is not None:
                fired.append(firing)
        return fired

    def _anchor(self, trig: Scheduled, t: float, *, from_activation: bool) -> float | None:
        """Start scheduling a trigger: from its activation time (first seen ACTIVATED, or
        activated anew) or from ``t`` (a new Schedule, or an activation time not recorded or
        ahead of this clock). Returns the time fires are checked from (None: not now)."""
        start = t
        if from_activation and trig.activated_on is not None:
            start = min(trig.activated_on, t)
        with self.store.transaction():
            if not self.scheduler.lease.still_held():
                return None
            row = self.states.get(trig.name)
            if (
                row is not None
                and row["schedule"] == trig.expression
                and row["activated_on"] == trig.activated_on
            ):
                return float(row["checked_until"])  # anchored meanwhile (by another scheduler)
            self.states.anchor(trig.name, trig.workflow, trig.expression, checked_until=start,
                               first_seen_on=t, activated_on=trig.activated_on)  # fmt: skip
        schedule = self.parse(trig.expression)
        upcoming = schedule.next_after(datetime.fromtimestamp(t, UTC)) if schedule else None
        if trig.workflow is None:
            what = f"trigger {trig.name!r} (no workflow, {trig.expression})"
        else:
            what = f"{trig.workflow!r} (trigger {trig.name!r}, {trig.expression})"
        since = f", activated {fmt(start)}" if start < t else ""
        log.info("scheduling %s: next fire %s%s", what,
                 fmt(upcoming.timestamp() if upcoming else None), since)  # fmt: skip
        return start

    def _due(self, trig: Scheduled, checked_until: float, t: float) -> Firing | None:
        schedule = self.parse(trig.expression)
        if schedule is None:
            return None
        first_dt = schedule.next_after(datetime.fromtimestamp(checked_until, UTC))
        if first_dt is None or first_dt.timestamp() > t:
            return None
        first = first_dt.timestamp()
        latest = latest_fire(schedule, checked_until, t)
        assert latest is not None
        # On time: it came due while this scheduler was ticking with the lease, not long ago.
        # Fires that came due while no scheduler ticked (stopped, asleep, standing by) are missed.
        held_since = self.scheduler.held_since
        on_time = (
            held_since is not None and latest > held_since and t - latest <= self.scheduler.grace
        )
        missed = count_fires(schedule, first, latest) - (1 if on_time else 0)
        if on_time:
            kind = "scheduled"
        elif self.scheduler.catch_up == "one":
            kind = "catch-up"
        else:
            with self.store.transaction():
                if self.scheduler.lease.still_held():
                    self.states.advance(trig.name, trig.expression, trig.activated_on, t)
            log.warning(
                "%s: %d fire(s) missed (latest %s); catch_up=none: no run",
                target(trig.workflow, trig.name), missed, fmt(latest),
            )  # fmt: skip
            return None
        return self._fire(trig, latest, kind, t, missed)

    def _fire(
        self, trig: Scheduled, fire_time: float, kind: str, t: float, missed: int
    ) -> Firing | None:
        """Start what one fire time starts (a workflow run, or a standalone trigger's job runs
        and crawls): all checks, the fire record and the starts in one transaction."""
        name = trig.name
        scheduler = self.scheduler
        with self.store.transaction():
            if not scheduler.lease.still_held():
                return None
            now = self.triggers.get(name)
            if (
                now is None
                or now.state is not TriggerState.ACTIVATED
                or now.workflow != trig.workflow
                or now.activated_on != trig.activated_on
                or now.body.get("Schedule") != trig.expression
            ):
                return None
            st = self.states.get(name)
            if st is None or st["schedule"] != trig.expression or fire_time <= st["checked_until"]:
                return None  # handled meanwhile (by another scheduler)
            if self.fires.covered(name, fire_time):
                return None
            self.fires.record(name, fire_time, workflow=trig.workflow, kind=kind, fired_on=t,
                              holder=scheduler.id, missed=missed)  # fmt: skip
            firing = Firing(kind, trig.workflow, name, None, "", t, fire_time=fire_time,
                            missed=missed)  # fmt: skip
            if trig.workflow is not None:
                start_run(scheduler.engine, firing, executor=scheduler.executor)
                error = None if firing.run_id else firing.error  # an ERROR run says why itself
                self.fires.set_outcome(name, fire_time, run_id=firing.run_id, error=error,
                                       started=None)  # fmt: skip
            else:
                start_actions(scheduler.engine, firing, now.body["Actions"],
                              executor=scheduler.executor)  # fmt: skip
                self.fires.set_outcome(name, fire_time, run_id=None, error=firing.error,
                                       started=[stored(a) for a in firing.started])  # fmt: skip
            self.states.set_checked(name, max(t, fire_time))
        scheduler.record(firing)  # what it started runs now that its rows are committed
        return firing
