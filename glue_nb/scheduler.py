"""The scheduler: SCHEDULED and EVENT triggers that start workflows, jobs and crawls on their own.

A :class:`Scheduler` ticks (every second by default). Each tick it

1. holds or renews the store's **lease** (one row: holder, expiry). Only the holder fires; other
   schedulers on the same store stand by and take over when the lease expires or its holder
   process is gone (on the same host a dead pid is noticed at once).
2. fires each ACTIVATED SCHEDULED trigger whose next fire time (Glue cron, UTC, see
   :mod:`glue_nb.schedule`) has come: a workflow's start trigger starts a workflow run; a
   standalone one (no WorkflowName) starts its actions directly, each job action a standalone
   job run and each crawler action a crawl. The fire is recorded in ``trigger_fires`` (primary
   key: trigger and fire time) **in the transaction that records the starts**, after checking,
   in that transaction, that the lease is still held and that the fire is newer than the
   trigger's last one. So a fire time never starts anything twice, even with two schedulers or
   a lease lost half-way.
3. closes EVENT batches: a run starts when BatchSize events are pending or BatchWindow seconds
   have passed since the first of them (or since the previous batch closed). The batch is
   assigned to the run in the transaction that records the run's start; the run gets
   ``StartingEventBatchCondition`` and the run property ``aws:eventIds`` (a JSON list).

A trigger is scheduled from its activation time (``triggers.activated_on``, written by
:mod:`glue_nb.definitions` whenever it enters ACTIVATED). A fire is on time when it comes due
while the scheduler ticks holding the lease. Fires that came due after the activation while no
scheduler did (none ran, the machine slept, a standby had not yet taken over), or more than
``grace`` seconds ago, are missed: together they give one catch-up fire, for the latest of them
(``catch_up="one"``, the default), or none (``catch_up="none"``). A trigger stopped and started
again is scheduled from its new activation: the paused time is never caught up. A new Schedule
is scheduled from when a scheduler first sees it, and so is a trigger activated before
activation times were recorded. A start beyond the workflow's MaxConcurrentRuns records a run
with Status ERROR, as Glue does; a job at its MaxConcurrentRuns gets a FAILED job run, and a
running crawler refuses the crawl.

Runs are started through the engine and driven by threads of the scheduler's process. Entry
points: :func:`main` (``glue-nb scheduler``, also ``python -m glue_nb.scheduler``) and
:func:`start_background` / :func:`stop_background` for a notebook kernel.

Clocks: ``clock`` (epoch seconds) is the schedule's clock and is injectable; :meth:`Scheduler.tick`
takes ``now``. The test/dev setting ``GLUE_NB_SCHEDULER_CLOCK_SPEEDUP`` makes the default clock
run faster (see :func:`glue_nb.events.default_clock`). The lease always uses the wall clock.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from glue_nb.engine import Engine
from glue_nb.engine.jobs import merge_arguments
from glue_nb.events import FolderWatch, clock_speedup, default_clock, event_trigger
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    GlueNbError,
    InternalServiceException,
    InvalidInputException,
    OperationTimeoutException,
)
from glue_nb.graph import design_graph
from glue_nb.ids import new_job_run_id
from glue_nb.schedule import CronSchedule, next_fire_times, parse
from glue_nb.states import CRAWL_FINAL, JOB_RUN_ACTIVE, JobRunState
from glue_nb.store import Store, dumps, loads
from glue_nb.store.crawlers import CrawlerDefinitions
from glue_nb.store.job_runs import JobRunRow
from glue_nb.timeutil import now as wall_now
from glue_nb.timeutil import to_datetime

__all__ = [
    "CATCH_UP",
    "BackgroundScheduler",
    "Firing",
    "Scheduler",
    "background",
    "cli",
    "fire_history",
    "main",
    "next_fires",
    "scheduled_trigger",
    "start_background",
    "status",
    "stop_background",
]

log = logging.getLogger(__name__)

CATCH_UP = ("one", "none")
LEASE = "default"
DEFAULT_LEASE_TTL = 30.0
_UTC = timezone.utc


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
            what = f"{self.kind} fire for {_fmt(self.fire_time)}"
            if self.kind == "catch-up":
                what += f" ({self.missed} fire(s) missed, one catch-up run)"
            elif self.missed:
                what += f" ({self.missed} missed fire(s) before it: no separate catch-up)"
        if self.workflow is None:
            outcome = ", ".join(_describe_action(a) for a in self.started) or "nothing started"
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


@dataclass(frozen=True)
class _Scheduled:
    """An ACTIVATED SCHEDULED trigger as the scheduler read it."""

    name: str
    workflow: str | None  # None: standalone (its actions start directly)
    expression: str
    activated_on: float | None  # None: activated before glue-nb recorded activation times


def _target(workflow: str | None, trigger: str) -> str:
    """How the log names what a trigger fires into."""
    if workflow is None:
        return f"trigger {trigger!r} (no workflow)"
    return f"{workflow!r} <- trigger {trigger!r}"


def _action_name(entry: Mapping[str, Any]) -> str:
    if "JobName" in entry:
        return f"job {entry['JobName']!r}"
    return f"crawler {entry['CrawlerName']!r}"


def _describe_action(entry: Mapping[str, Any]) -> str:
    if entry.get("JobRunId"):
        text = f"{_action_name(entry)} run {entry['JobRunId']} {entry.get('JobRunState')}"
    elif entry.get("CrawlId"):
        text = f"{_action_name(entry)} crawl {entry['CrawlId']} {entry.get('State')}"
    else:
        text = f"{_action_name(entry)} not started"
    if entry.get("ErrorMessage"):
        text += f" ({entry['ErrorMessage']})"
    return text


def _stored(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An action entry as ``trigger_fires.started`` keeps it: ids and errors, not the state at
    start (which goes stale; the job run or crawl itself has its state)."""
    return {k: v for k, v in entry.items() if k not in ("JobRunState", "State")}


def _fmt(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, _UTC).strftime("%Y-%m-%d %H:%M UTC")


def _store(home: Any) -> Store:
    if isinstance(home, Store):
        return home
    store = getattr(home, "store", None)  # a GlueClient
    if isinstance(store, Store):
        return store
    return Store(home)


def _identity() -> dict[str, Any]:
    import psutil

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "create_time": psutil.Process().create_time(),
    }


def _holder_alive(info: Mapping[str, Any]) -> bool:
    """False only when the holder is known to be gone (a dead pid on this host)."""
    if info.get("host") != socket.gethostname():
        return True  # another host: only the lease expiry tells
    if info.get("pid") == os.getpid():
        return True  # another scheduler of this process
    import psutil

    try:
        proc = psutil.Process(int(info["pid"]))
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent
            return False
        return abs(proc.create_time() - float(info["create_time"])) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError, ValueError, TypeError):
        return False


def _latest_fire(schedule: CronSchedule, after: float, now: float) -> float | None:
    """The latest fire time in ``(after, now]`` (searching back from ``now`` in widening spans,
    so that a long gap over a dense schedule stays cheap)."""
    for span in (3600.0, 86400.0, 31 * 86400.0, 366 * 86400.0, None):
        start = after if span is None else max(after, now - span)
        latest = None
        for fire in schedule.iter_after(datetime.fromtimestamp(start, _UTC)):
            stamp = fire.timestamp()
            if stamp > now:
                break
            latest = stamp
        if latest is not None or start == after:
            return latest
    return None


def _count_fires(schedule: CronSchedule, first: float, last: float, cap: int = 1000) -> int:
    count = 0
    for fire in schedule.iter_after(datetime.fromtimestamp(first - 1e-3, _UTC)):
        if fire.timestamp() > last or count >= cap:
            break
        count += 1
    return count


class Scheduler:
    """Fires the SCHEDULED and EVENT start triggers of one store (see the module docstring).

    * ``home``: a glue-nb home, :class:`~glue_nb.store.Store` or client.
    * ``clock``: the schedule's clock in epoch seconds (default: the wall clock, or the test/dev
      sped-up clock).
    * ``catch_up``: ``"one"`` or ``"none"``.
    * ``executor``: where runs' jobs run (default: the engine's).
    * ``tick``: seconds between ticks of :meth:`run`.
    * ``lease_ttl``: seconds a lease lasts without renewal (wall clock).
    * ``grace``: how late (schedule-clock seconds) a fire may be processed and still be on
      time (default: max(60 s, 3 ticks), times the test clock's speed-up).
    * ``watch``: ``{workflow: folder}`` folder watches, run while this scheduler holds the lease.
    """

    def __init__(
        self,
        home: Any = None,
        *,
        clock: Callable[[], float] | None = None,
        catch_up: str = "one",
        executor: Any = None,
        tick: float = 1.0,
        lease_ttl: float = DEFAULT_LEASE_TTL,
        grace: float | None = None,
        watch: Mapping[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        if catch_up not in CATCH_UP:
            raise InvalidInputException(
                f"catch_up must be one of {', '.join(CATCH_UP)}, got {catch_up!r}"
            )
        if not tick > 0:
            raise InvalidInputException(f"tick must be > 0 seconds, got {tick!r}")
        if not lease_ttl > 0:
            raise InvalidInputException(f"lease_ttl must be > 0 seconds, got {lease_ttl!r}")
        self.engine = Engine.for_store(_store(home))
        # The engine's own Store object: starting a run must join this scheduler's transaction
        # (Store.transaction nests per Store object and thread).
        self.store = self.engine.store
        self.clock = clock or default_clock()
        speed = clock_speedup() if clock is None else 1.0
        self.catch_up = catch_up
        self.executor = executor
        self.tick_interval = float(tick)
        self.lease_ttl = float(lease_ttl)
        self.grace = float(grace) if grace is not None else max(60.0, 3 * tick) * speed
        self.id = uuid.uuid4().hex
        self.info = {**_identity(), "started_on": wall_now(), "holder": self.id}
        self.history: deque[Firing] = deque(maxlen=200)
        self.last_tick: float | None = None  # the last tick done holding the lease
        self.held_since: float | None = None  # first tick of the current spell with the lease
        self._held = False
        self._renew_at = 0.0
        self._other: dict[str, Any] | None = None
        self._schedules: dict[str, CronSchedule] = {}
        self._started: dict[str, Firing] = {}  # run id -> firing, until the run ends
        self._run_ids: deque[str] = deque(maxlen=10_000)  # the runs it started, latest last
        self._live: list[str] = []  # runs it started whose driver may still be going
        self._stop = threading.Event()
        self._logged: dict[str, float] = {}
        self._watch_specs = {w: Path(p).expanduser().absolute() for w, p in (watch or {}).items()}
        self._watches: dict[str, FolderWatch] = {}
        self._crawlers: Any = None
        # standalone job runs and crawls it started: id -> ("job" | "crawl", name), until ended
        self._actions: dict[str, tuple[str, str]] = {}

    def __repr__(self) -> str:
        lease = "lease held" if self._held else "standby"
        return f"<Scheduler {str(self.store.home)!r}: {lease}, {len(self.history)} firing(s)>"

    # -- checks ------------------------------------------------------------------------------
    def check(self) -> None:
        """Raise a Glue error now for a watched workflow without an EVENT start trigger."""
        for workflow in self._watch_specs:
            event_trigger(self.store, workflow)

    # -- the lease -----------------------------------------------------------------------------
    @property
    def holds_lease(self) -> bool:
        return self._held

    def _held_elsewhere(self, conn: Any, t: float) -> bool:
        """True (and standing by) while another live scheduler holds an unexpired lease."""
        row = conn.execute("SELECT * FROM scheduler_lease WHERE name=?", (LEASE,)).fetchone()
        if row is None or row["holder"] == self.id:
            return False
        info = loads(row["info"], {})
        if row["expires"] > t and _holder_alive(info):
            self._standby(info, row["expires"])
            return True
        return False

    def _ensure_lease(self) -> bool:
        """Acquire or renew the lease when due; True while this scheduler holds it."""
        t = wall_now()
        if self._held and t < self._renew_at:
            return True
        # A cheap read first, so a standby scheduler does not take the write lock every tick;
        # then the same check again inside the transaction that takes or renews the lease.
        with self.store.read() as conn:
            if self._held_elsewhere(conn, t):
                return False
        with self.store.transaction() as conn:
            if self._held_elsewhere(conn, t):
                return False
            row = conn.execute("SELECT * FROM scheduler_lease WHERE name=?", (LEASE,)).fetchone()
            if row is None or row["holder"] != self.id:
                conn.execute(
                    "INSERT OR REPLACE INTO scheduler_lease(name, holder, info, acquired_on, "
                    "renewed_on, expires) VALUES (?,?,?,?,?,?)",
                    (LEASE, self.id, dumps(self.info), t, t, t + self.lease_ttl),
                )
                taken_from = loads(row["info"], {}) if row is not None else None
            else:
                conn.execute(
                    "UPDATE scheduler_lease SET renewed_on=?, expires=? WHERE name=? AND holder=?",
                    (t, t + self.lease_ttl, LEASE, self.id),
                )
                taken_from = None
        if not self._held:
            if taken_from:
                log.info(
                    "took over the scheduler lease from pid %s on %s (expired or gone)",
                    taken_from.get("pid"), taken_from.get("host"),
                )  # fmt: skip
            else:
                log.info("holding the scheduler lease (pid %s)", os.getpid())
        self._held, self._other = True, None
        self._renew_at = t + self.lease_ttl / 3
        return True

    def _standby(self, info: dict[str, Any], expires: float) -> None:
        if self._held:
            log.warning(
                "lost the scheduler lease to pid %s on %s: no more firings here",
                info.get("pid"), info.get("host"),
            )  # fmt: skip
            self._stop_watches()
        elif self._other is None or self._other.get("holder") != info.get("holder"):
            log.info(
                "standing by: another scheduler holds the lease (pid %s on %s, until %s)",
                info.get("pid"), info.get("host"), _fmt(expires),
            )  # fmt: skip
        self._held, self._other = False, info
        self.held_since = None  # fires that come due while standing by are missed ones

    def _lease_ok(self, conn: Any) -> bool:
        """In a transaction: is the lease still ours and unexpired?"""
        row = conn.execute(
            "SELECT holder, expires FROM scheduler_lease WHERE name=?", (LEASE,)
        ).fetchone()
        ok = row is not None and row["holder"] == self.id and row["expires"] > wall_now()
        if not ok and self._held:
            self._held = False
            self._renew_at = 0.0
            self.held_since = None
        return ok

    def release(self) -> None:
        """Give the lease up (another scheduler may take over at once)."""
        self._stop_watches()
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM scheduler_lease WHERE name=? AND holder=?", (LEASE, self.id))
        if self._held:
            log.info("released the scheduler lease")
        self._held, self._renew_at, self.held_since = False, 0.0, None

    # -- folder watches ------------------------------------------------------------------------
    def _start_watches(self) -> None:
        if len(self._watches) == len(self._watch_specs):
            return
        for workflow, folder in self._watch_specs.items():
            if workflow in self._watches:
                continue
            watch = FolderWatch(self.store, workflow, folder, clock=self.clock)
            try:
                watch.start()
            except GlueNbError as exc:
                self._log_once(f"watch:{workflow}", "cannot watch %s for %r: %s", folder,
                               workflow, exc)  # fmt: skip
                continue
            self._watches[workflow] = watch

    def _stop_watches(self) -> None:
        watches, self._watches = self._watches, {}
        for watch in watches.values():
            watch.stop()

    @property
    def watches(self) -> list[FolderWatch]:
        return list(self._watches.values())

    # -- ticking -------------------------------------------------------------------------------
    def tick(self, now: float | datetime | None = None) -> list[Firing]:
        """Do what is due at ``now`` (schedule clock; default ``clock()``); return the firings."""
        if now is None:
            t = self.clock()
        elif isinstance(now, datetime):
            t = (now if now.tzinfo else now.replace(tzinfo=_UTC)).timestamp()
        else:
            t = float(now)
        if not self._ensure_lease():
            self._report_finished()
            return []
        if self.held_since is None:
            self.held_since = t
        self._start_watches()
        fired: list[Firing] = []
        fired += self._tick_schedules(t)
        fired += self._tick_events(t)
        self._report_finished()
        self.last_tick = t
        return fired

    def _log_once(self, key: str, message: str, *args: Any, every: float = 300.0) -> None:
        t = wall_now()
        if t - self._logged.get(key, -every) >= every:
            self._logged[key] = t
            log.error(message, *args)

    def _parse(self, expression: str) -> CronSchedule | None:
        schedule = self._schedules.get(expression)
        if schedule is None:
            try:
                schedule = self._schedules[expression] = parse(expression)
            except GlueNbError as exc:
                self._log_once(f"parse:{expression}", "cannot schedule %s: %s", expression, exc)
                return None
        return schedule

    # -- scheduled triggers --------------------------------------------------------------------
    def _tick_schedules(self, t: float) -> list[Firing]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT name, workflow_name, state, body, activated_on FROM triggers "
                "WHERE type='SCHEDULED' ORDER BY name"
            ).fetchall()
            states = {r["trigger_name"]: r for r in conn.execute("SELECT * FROM schedule_state")}
        active = {
            r["name"]: _Scheduled(
                r["name"], r["workflow_name"], loads(r["body"])["Schedule"], r["activated_on"]
            )
            for r in rows
            if r["state"] == "ACTIVATED"
        }
        stale = [name for name in states if name not in active]
        if stale:
            with self.store.transaction() as conn:
                if self._lease_ok(conn):
                    conn.executemany(
                        "DELETE FROM schedule_state WHERE trigger_name=?", [(n,) for n in stale]
                    )
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
                self._log_once(f"trigger:{name}", "trigger %r: %s", name, exc)
                continue
            if firing is not None:
                fired.append(firing)
        return fired

    def _anchor(self, trig: _Scheduled, t: float, *, from_activation: bool) -> float | None:
        """Start scheduling a trigger: from its activation time (first seen ACTIVATED, or
        activated anew) or from ``t`` (a new Schedule, or an activation time not recorded or
        ahead of this clock). Returns the time fires are checked from (None: not now)."""
        start = t
        if from_activation and trig.activated_on is not None:
            start = min(trig.activated_on, t)
        with self.store.transaction() as conn:
            if not self._lease_ok(conn):
                return None
            row = conn.execute(
                "SELECT schedule, activated_on, checked_until FROM schedule_state "
                "WHERE trigger_name=?",
                (trig.name,),
            ).fetchone()
            if (
                row is not None
                and row["schedule"] == trig.expression
                and row["activated_on"] == trig.activated_on
            ):
                return float(row["checked_until"])  # anchored meanwhile (by another scheduler)
            conn.execute(
                "INSERT OR REPLACE INTO schedule_state(trigger_name, workflow_name, schedule, "
                "checked_until, first_seen_on, activated_on) VALUES (?,?,?,?,?,?)",
                (trig.name, trig.workflow, trig.expression, start, t, trig.activated_on),
            )
        schedule = self._parse(trig.expression)
        upcoming = schedule.next_after(datetime.fromtimestamp(t, _UTC)) if schedule else None
        if trig.workflow is None:
            what = f"trigger {trig.name!r} (no workflow, {trig.expression})"
        else:
            what = f"{trig.workflow!r} (trigger {trig.name!r}, {trig.expression})"
        since = f", activated {_fmt(start)}" if start < t else ""
        log.info("scheduling %s: next fire %s%s", what,
                 _fmt(upcoming.timestamp() if upcoming else None), since)  # fmt: skip
        return start

    def _due(self, trig: _Scheduled, checked_until: float, t: float) -> Firing | None:
        schedule = self._parse(trig.expression)
        if schedule is None:
            return None
        first_dt = schedule.next_after(datetime.fromtimestamp(checked_until, _UTC))
        if first_dt is None or first_dt.timestamp() > t:
            return None
        first = first_dt.timestamp()
        latest = _latest_fire(schedule, checked_until, t)
        assert latest is not None
        # On time: it came due while this scheduler was ticking with the lease, not long ago.
        # Fires that came due while no scheduler ticked (stopped, asleep, standing by) are missed.
        on_time = (
            self.held_since is not None and latest > self.held_since and t - latest <= self.grace
        )
        missed = _count_fires(schedule, first, latest) - (1 if on_time else 0)
        if on_time:
            kind = "scheduled"
        elif self.catch_up == "one":
            kind = "catch-up"
        else:
            self._advance(trig, t)
            log.warning(
                "%s: %d fire(s) missed (latest %s); catch_up=none: no run",
                _target(trig.workflow, trig.name), missed, _fmt(latest),
            )  # fmt: skip
            return None
        return self._fire(trig, latest, kind, t, missed)

    def _advance(self, trig: _Scheduled, t: float) -> None:
        with self.store.transaction() as conn:
            if self._lease_ok(conn):
                conn.execute(
                    "UPDATE schedule_state SET checked_until=MAX(checked_until, ?) "
                    "WHERE trigger_name=? AND schedule=? AND activated_on IS ?",
                    (t, trig.name, trig.expression, trig.activated_on),
                )

    def _fire(
        self, trig: _Scheduled, fire_time: float, kind: str, t: float, missed: int
    ) -> Firing | None:
        """Start what one fire time starts (a workflow run, or a standalone trigger's job runs
        and crawls): all checks, the fire record and the starts in one transaction."""
        name = trig.name
        with self.store.transaction() as conn:
            if not self._lease_ok(conn):
                return None
            row = conn.execute(
                "SELECT state, workflow_name, body, activated_on FROM triggers WHERE name=?",
                (name,),
            ).fetchone()
            if (
                row is None
                or row["state"] != "ACTIVATED"
                or row["workflow_name"] != trig.workflow
                or row["activated_on"] != trig.activated_on
                or loads(row["body"]).get("Schedule") != trig.expression
            ):
                return None
            st = conn.execute(
                "SELECT checked_until, schedule FROM schedule_state WHERE trigger_name=?",
                (name,),
            ).fetchone()
            if st is None or st["schedule"] != trig.expression or fire_time <= st["checked_until"]:
                return None  # handled meanwhile (by another scheduler)
            done = conn.execute(
                "SELECT 1 FROM trigger_fires WHERE trigger_name=? AND fire_time>=?",
                (name, fire_time),
            ).fetchone()
            if done is not None:
                return None
            conn.execute(
                "INSERT INTO trigger_fires(trigger_name, fire_time, workflow_name, kind, "
                "fired_on, holder, missed) VALUES (?,?,?,?,?,?,?)",
                (name, fire_time, trig.workflow, kind, t, self.id, missed),
            )
            firing = Firing(kind, trig.workflow, name, None, "", t, fire_time=fire_time,
                            missed=missed)  # fmt: skip
            started = None
            if trig.workflow is not None:
                self._start_run(conn, firing)
                error = None if firing.run_id else firing.error  # an ERROR run says why itself
            else:
                self._start_actions(conn, firing, loads(row["body"])["Actions"])
                error, started = firing.error, dumps([_stored(a) for a in firing.started])
            conn.execute(
                "UPDATE trigger_fires SET run_id=?, error=?, started=? "
                "WHERE trigger_name=? AND fire_time=?",
                (firing.run_id, error, started, name, fire_time),
            )
            conn.execute(
                "UPDATE schedule_state SET checked_until=? WHERE trigger_name=?",
                (max(t, fire_time), name),
            )
        self._record(firing)  # what it started runs now that its rows are committed
        return firing

    def _start_run(self, conn: Any, firing: Firing) -> None:
        """In the fire's transaction: start the workflow run of a workflow's start trigger."""
        assert firing.workflow is not None
        try:
            run_id = self.engine.start_workflow_run(
                firing.workflow, None, executor=self.executor, error_when_busy=True
            )
        except (OperationTimeoutException, InternalServiceException):
            raise  # transient: roll back, the next tick tries this fire again
        except GlueNbError as exc:  # recorded: the fire is not retried every tick
            firing.error = f"{type(exc).__name__}: {exc.message}"
        else:
            self._read_run(conn, firing, run_id)

    def _start_actions(
        self, conn: Any, firing: Firing, actions: Sequence[Mapping[str, Any]]
    ) -> None:
        """In the fire's transaction: start a standalone trigger's actions, each job action a
        standalone job run (StartJobRun with the action's Arguments and Timeout), each crawler
        action a crawl (StartCrawler); they run once the transaction has committed. One that
        cannot start is recorded, and the others go on: a job at its MaxConcurrentRuns gets a
        FAILED job run, as in Glue; a running crawler refuses the crawl."""
        for action in actions:
            try:
                if action.get("JobName"):
                    entry = self._start_job(conn, firing.trigger, action)
                else:
                    entry = self._start_crawl(firing.trigger, action["CrawlerName"])
            except (OperationTimeoutException, InternalServiceException) as exc:
                if not firing.started:
                    raise  # nothing started yet: roll back, the next tick tries this fire again
                # what started must stay recorded: this action is not retried
                key = "JobName" if action.get("JobName") else "CrawlerName"
                entry = {key: action[key], "ErrorMessage": f"{type(exc).__name__}: {exc.message}"}
            firing.started.append(entry)
        errors = [
            f"{_action_name(a)}: {a['ErrorMessage']}" for a in firing.started if "ErrorMessage" in a
        ]
        firing.error = "; ".join(errors) or None
        firing.status = "ERROR" if len(errors) == len(firing.started) else "RUNNING"

    def _start_job(self, conn: Any, trigger: str, action: Mapping[str, Any]) -> dict[str, Any]:
        """Start one job action as a standalone job run (its TriggerName: ``trigger``)."""
        job = action["JobName"]
        entry: dict[str, Any] = {"JobName": job, "JobRunId": None}
        try:
            entry["JobRunId"] = self.engine.start_job_run(
                job, action.get("Arguments"), timeout=action.get("Timeout"),
                executor=self.executor, trigger_name=trigger,
            )  # fmt: skip
        except ConcurrentRunsExceededException as exc:
            entry["JobRunId"] = self._failed_job_run(conn, trigger, action)
            entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
        except (OperationTimeoutException, InternalServiceException):
            raise
        except GlueNbError as exc:
            entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
        entry["JobRunState"] = None
        if entry["JobRunId"] is not None:
            row = self.engine.ledger.job_runs.get(entry["JobRunId"])
            entry["JobRunState"] = row["state"] if row is not None else None
        return entry

    def _failed_job_run(self, conn: Any, trigger: str, action: Mapping[str, Any]) -> str:
        """Record the FAILED job run Glue records for a triggered run beyond the job's
        ExecutionProperty.MaxConcurrentRuns → its id."""
        job = self.engine.definitions.job(action["JobName"])
        limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
        run_id = new_job_run_id()
        message = (
            f"Job {job['Name']!r} exceeded its maximum allowed concurrent runs ({limit}); "
            "raise ExecutionProperty.MaxConcurrentRuns"
        )
        self.engine.ledger.job_runs.insert(
            JobRunRow(
                id=run_id, job_name=job["Name"], state=JobRunState.FAILED,
                arguments=merge_arguments(job, action.get("Arguments")),
                timeout=action.get("Timeout") or job["Timeout"], owner_token=None,
                trigger_name=trigger, error=message,
            )
        )  # fmt: skip
        return run_id

    def _start_crawl(self, trigger: str, crawler: str) -> dict[str, Any]:
        """Start a crawl of ``crawler`` (run once the fire's transaction has committed) → its
        entry; a running crawler refuses it (CrawlerRunningException)."""
        entry: dict[str, Any] = {"CrawlerName": crawler, "CrawlId": None}
        try:
            entry["CrawlId"] = self.engine.start_crawl(
                crawler, trigger_name=trigger, executor=self.executor
            )
        except (OperationTimeoutException, InternalServiceException):
            raise
        except GlueNbError as exc:
            entry["ErrorMessage"] = f"{type(exc).__name__}: {exc.message}"
            entry["State"] = None
            return entry
        entry["State"] = "RUNNING"
        return entry

    def _crawler_service(self) -> Any:
        if self._crawlers is None:
            from glue_nb.crawlers import CrawlerService

            self._crawlers = CrawlerService(self.store)  # the same Store: joins transactions
        return self._crawlers

    def _read_run(self, conn: Any, firing: Firing, run_id: str) -> None:
        row = conn.execute(
            "SELECT status, error_message FROM workflow_runs WHERE run_id=?", (run_id,)
        ).fetchone()
        firing.run_id = run_id
        firing.status = row["status"]
        if row["status"] == "ERROR":
            firing.error = row["error_message"]

    def _record(self, firing: Firing) -> None:
        self.history.append(firing)
        if firing.run_id:
            self._run_ids.append(firing.run_id)
            self._live.append(firing.run_id)
            if firing.status in ("RUNNING", "STOPPING"):
                self._started[firing.run_id] = firing
        for entry in firing.started:
            if entry.get("JobRunState") in JOB_RUN_ACTIVE:
                self._actions[entry["JobRunId"]] = ("job", entry["JobName"])
            elif entry.get("State") == "RUNNING":
                self._actions[entry["CrawlId"]] = ("crawl", entry["CrawlerName"])
        if firing.error:
            log.warning("%s", firing.describe())
        else:
            log.info("%s", firing.describe())

    # -- event triggers --------------------------------------------------------------------------
    def _tick_events(self, t: float) -> list[Firing]:
        with self.store.read() as conn:
            triggers = conn.execute(
                "SELECT name, workflow_name, body FROM triggers "
                "WHERE type='EVENT' AND workflow_name IS NOT NULL ORDER BY name"
            ).fetchall()
            if not triggers:
                return []
            pending = {
                r["workflow_name"]: (r["n"], r["first"])
                for r in conn.execute(
                    "SELECT workflow_name, COUNT(*) AS n, MIN(received_on) AS first FROM events "
                    "WHERE batch_id IS NULL GROUP BY workflow_name"
                )
            }
            closed = {
                r["trigger_name"]: r["last"]
                for r in conn.execute(
                    "SELECT trigger_name, MAX(closed_on) AS last FROM event_batches "
                    "GROUP BY trigger_name"
                )
            }
        fired = []
        for row in triggers:
            name, workflow = row["name"], row["workflow_name"]
            if workflow not in pending:
                continue
            cond = loads(row["body"]).get("EventBatchingCondition") or {}
            size, window = cond.get("BatchSize", 1), cond.get("BatchWindow", 900)
            count, first = pending[workflow]
            start = max(first, closed.get(name) or first)
            if count < size and t - start < window:
                continue
            try:
                while True:
                    firing = self._close_batch(name, workflow, t)
                    if firing is None:
                        break
                    fired.append(firing)
            except GlueNbError as exc:
                self._log_once(f"events:{name}", "trigger %r: cannot start a run for its "
                               "events: %s", name, exc)  # fmt: skip
        return fired

    def _close_batch(self, name: str, workflow: str, t: float) -> Firing | None:
        """Start one run for the oldest pending batch if it is complete (one transaction)."""
        with self.store.transaction() as conn:
            if not self._lease_ok(conn):
                return None
            trig = conn.execute(
                "SELECT type, workflow_name, body FROM triggers WHERE name=?", (name,)
            ).fetchone()
            if trig is None or trig["type"] != "EVENT" or trig["workflow_name"] != workflow:
                return None
            cond = loads(trig["body"]).get("EventBatchingCondition") or {}
            size, window = int(cond.get("BatchSize", 1)), int(cond.get("BatchWindow", 900))
            rows = conn.execute(
                "SELECT seq, event_id, received_on FROM events WHERE workflow_name=? AND "
                "batch_id IS NULL ORDER BY seq LIMIT ?",
                (workflow, size),
            ).fetchall()
            if not rows:
                return None
            last = conn.execute(
                "SELECT MAX(closed_on) FROM event_batches WHERE trigger_name=?", (name,)
            ).fetchone()[0]
            start = max(min(r["received_on"] for r in rows), last if last is not None else -1e18)
            if len(rows) >= size:
                condition = {"BatchSize": size, "BatchWindow": 0}
            elif t - start >= window:
                condition = {"BatchSize": 0, "BatchWindow": window}
            else:
                return None
            ids = [r["event_id"] for r in rows]
            run_id = self.engine.start_workflow_run(
                workflow,
                {"aws:eventIds": json.dumps(ids)},
                executor=self.executor,
                start_condition=condition,
                error_when_busy=True,
            )
            batch_id = conn.execute(
                "INSERT INTO event_batches(trigger_name, workflow_name, run_id, closed_on, size, "
                "condition, holder) VALUES (?,?,?,?,?,?,?)",
                (name, workflow, run_id, t, len(ids), dumps(condition), self.id),
            ).lastrowid
            seqs = [r["seq"] for r in rows]
            marks = ",".join("?" * len(seqs))
            changed = conn.execute(
                "UPDATE events SET batch_id=?, run_id=? WHERE batch_id IS NULL AND "
                f"seq IN ({marks})",
                (batch_id, run_id, *seqs),
            ).rowcount
            if changed != len(seqs):  # cannot happen inside BEGIN IMMEDIATE; never start twice
                raise RuntimeError(f"event batch of {workflow!r} changed while it was assigned")
            firing = Firing("event-batch", workflow, name, None, "", t, condition=condition,
                            event_ids=ids)  # fmt: skip
            self._read_run(conn, firing, run_id)
        self._record(firing)
        return firing

    # -- runs started here -------------------------------------------------------------------------
    def _report_finished(self) -> None:
        self._poll_actions()
        if not self._started:
            return
        ids = list(self._started)
        marks = ",".join("?" * len(ids))
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT run_id, status, error_message FROM workflow_runs "
                f"WHERE run_id IN ({marks})",
                ids,
            ).fetchall()
        for row in rows:
            if row["status"] in ("RUNNING", "STOPPING"):
                continue
            firing = self._started.pop(row["run_id"])
            extra = f": {row['error_message']}" if row["error_message"] else ""
            log.info("run %s of %r ended %s%s", row["run_id"], firing.workflow, row["status"],
                     extra)  # fmt: skip

    def _poll_actions(self) -> list[str]:
        """Look at the standalone job runs and crawls it started: log those that ended (a
        failed job run is followed to its retry) → the ids still going."""
        if not self._actions:
            return []
        with self.store.read() as conn:
            for key, (kind, name) in list(self._actions.items()):
                retry = None
                if kind == "job":
                    row = conn.execute(
                        "SELECT state, error_message FROM job_runs WHERE id=?", (key,)
                    ).fetchone()
                    if row is not None and row["state"] in JOB_RUN_ACTIVE:
                        continue
                    if row is not None and row["state"] == "FAILED":
                        retry = conn.execute(
                            "SELECT id FROM job_runs WHERE previous_run_id=? AND job_name=?",
                            (key, name),
                        ).fetchone()
                    what = f"job run {key} of {name!r}"
                else:
                    row = conn.execute(
                        "SELECT state, error_message FROM crawls WHERE crawl_id=?", (key,)
                    ).fetchone()
                    if row is not None and row["state"] not in CRAWL_FINAL:
                        continue
                    what = f"crawl {key} of crawler {name!r}"
                del self._actions[key]
                state, error = (row["state"], row["error_message"]) if row else ("gone", None)
                log.info("%s ended %s%s", what, state, f": {error}" if error else "")
                if retry is not None:
                    self._actions[retry["id"]] = ("job", name)
        return list(self._actions)

    @property
    def run_ids(self) -> list[str]:
        """The runs this scheduler started (RUNNING or ERROR at start; the latest 10,000)."""
        return list(self._run_ids)

    def active_runs(self) -> list[str]:
        """Runs started by this scheduler whose driver (in this process) is still going, and
        the standalone job runs and crawls it started that are still going."""
        out = []
        for run_id in self._live:
            driver = self.engine.driver(run_id)
            if driver is not None and driver.is_alive():
                out.append(run_id)
        self._live = out
        return [*out, *self._poll_actions()]

    def stop_runs(self) -> list[str]:
        """Ask the runs this scheduler started to stop (they end STOPPED and can be resumed),
        and its standalone job runs (they end STOPPED) and crawls (CANCELLED)."""
        asked = []
        for run_id in self.active_runs():
            try:
                kind, name = self._actions.get(run_id, ("run", ""))
                if kind == "job":
                    self.engine.stop_job_run(name, run_id)
                elif kind == "crawl":
                    self._stop_crawl(name, run_id)
                else:
                    driver = self.engine.driver(run_id)
                    assert driver is not None and driver.workflow is not None
                    self.engine.stop_workflow_run(driver.workflow, run_id)
                asked.append(run_id)
            except GlueNbError as exc:
                log.info("run %s: %s", run_id, exc.message)
        return asked

    def _stop_crawl(self, crawler: str, crawl_id: str) -> None:
        row = CrawlerDefinitions(self.store).get(crawler)
        if row is not None and row["current_crawl_id"] == crawl_id:
            self.engine.stop_crawl(crawler)

    def wait_runs(self, timeout: float | None = None) -> bool:
        """Wait for the runs (and standalone job runs and crawls) this scheduler started; True
        when none is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for run_id in self.active_runs():
            driver = self.engine.driver(run_id)
            if driver is None:
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            driver.join(left)
        while self._poll_actions() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.05)
        self._report_finished()
        return not self.active_runs()

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Tick every ``tick`` seconds until :meth:`stop`; then release the lease (runs started
        here go on: see :meth:`wait_runs` and :meth:`stop_runs`)."""
        self._stop.clear()
        log.info(
            "scheduler started on %s (pid %s, tick %gs, catch_up=%s)",
            self.store.home, os.getpid(), self.tick_interval, self.catch_up,
        )  # fmt: skip
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception as exc:  # keep the service alive; say what went wrong
                    self._log_once(f"tick:{type(exc).__name__}:{exc}", "tick failed: %s: %s",
                                   type(exc).__name__, exc, every=60.0)  # fmt: skip
                    log.debug("tick failed", exc_info=True)
                self._stop.wait(self.tick_interval)
        finally:
            self.close()

    def stop(self) -> None:
        """Ask :meth:`run` to return (safe from a signal handler or another thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        """Stop the folder watches and release the lease."""
        try:
            self.release()
        except GlueNbError as exc:
            log.warning("could not release the lease: %s (it expires by itself)", exc)


# -- queries for the CLI and notebooks ----------------------------------------------------------
def _start_trigger(store: Store, workflow: str) -> dict[str, Any] | None:
    from glue_nb.definitions import Definitions

    definitions = Definitions(store)
    definitions.workflow(workflow)  # EntityNotFound
    return design_graph(workflow, definitions.workflow_triggers(workflow)).start_trigger


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
    store = _store(client)
    if trigger is not None:
        from glue_nb.definitions import Definitions

        found = Definitions(store).trigger(trigger)  # EntityNotFound, naming the known ones
        if found["Type"] != "SCHEDULED":
            raise InvalidInputException(
                f"trigger {trigger!r} has Type {found['Type']}, not SCHEDULED: no fire times"
            )
        return found
    assert workflow is not None
    start = _start_trigger(store, workflow)
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
    store = _store(client)
    clauses, args = [], []
    if workflow:
        clauses.append("workflow_name=?")
        args.append(workflow)
    if trigger:
        clauses.append("trigger_name=?")
        args.append(trigger)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with store.read() as conn:
        fires = conn.execute(
            f"SELECT * FROM trigger_fires {where} ORDER BY fired_on DESC LIMIT ?", (*args, limit)
        ).fetchall()
        batches = conn.execute(
            f"SELECT * FROM event_batches {where} ORDER BY closed_on DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
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
            item["Started"] = loads(r["started"], [])
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
    store = _store(client)
    t = default_clock()() if now is None else now
    with store.read() as conn:
        lease = conn.execute("SELECT * FROM scheduler_lease WHERE name=?", (LEASE,)).fetchone()
        triggers = conn.execute(
            "SELECT name, workflow_name, type, state, body, activated_on FROM triggers "
            "WHERE type='SCHEDULED' OR (type='EVENT' AND workflow_name IS NOT NULL) "
            "ORDER BY workflow_name IS NULL, workflow_name, name"
        ).fetchall()
        states = {r["trigger_name"]: r for r in conn.execute("SELECT * FROM schedule_state")}
        pending = dict(
            conn.execute(
                "SELECT workflow_name, COUNT(*) FROM events WHERE batch_id IS NULL "
                "GROUP BY workflow_name"
            ).fetchall()
        )
    holder = None
    if lease is not None:
        info = loads(lease["info"], {})
        holder = {
            "Host": info.get("host"),
            "Pid": info.get("pid"),
            "AcquiredOn": to_datetime(lease["acquired_on"]),
            "Expires": to_datetime(lease["expires"]),
            "Active": lease["expires"] > wall_now() and _holder_alive(info),
        }
    rows = []
    for r in triggers:
        body = loads(r["body"])
        item: dict[str, Any] = {
            "WorkflowName": r["workflow_name"],
            "TriggerName": r["name"],
            "Type": r["type"],
            "State": r["state"],
        }
        if r["type"] == "SCHEDULED":
            item["Schedule"] = body["Schedule"]
            if r["workflow_name"] is None:
                item["Actions"] = body["Actions"]
            item["ActivatedOn"] = to_datetime(r["activated_on"])
            st = states.get(r["name"])
            item["CheckedUntil"] = to_datetime(st["checked_until"]) if st else None
            try:
                fires = next_fire_times(body["Schedule"], after=to_datetime(t), count=1)
            except GlueNbError:
                fires = []
            item["NextFire"] = fires[0] if fires and r["state"] == "ACTIVATED" else None
        else:
            item["EventBatchingCondition"] = body.get("EventBatchingCondition")
            item["PendingEvents"] = pending.get(r["workflow_name"], 0)
        rows.append(item)
    return {"Lease": holder, "Triggers": rows}


# -- the foreground service ----------------------------------------------------------------------
def _setup_logging(level: str | int) -> Callable[[], None]:
    """Log to stderr: with rich on a terminal, plain lines otherwise (journald, files).
    Returns a function that undoes it."""
    logger = logging.getLogger("glue_nb")
    saved = (logger.level, logger.propagate)
    logger.setLevel(level if isinstance(level, int) else level.upper())
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(
            console=Console(stderr=True),
            show_path=False,
            markup=False,
            log_time_format="[%Y-%m-%d %H:%M:%S]",
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

    return undo


def _watch_map(watch: Any) -> dict[str, str]:
    if not watch:
        return {}
    if isinstance(watch, Mapping):
        return {str(k): str(v) for k, v in watch.items()}
    out = {}
    for item in watch:
        if isinstance(item, str):
            workflow, sep, path = item.partition("=")
            if not sep or not workflow or not path:
                raise InvalidInputException(f"--watch {item!r}: expected WORKFLOW=PATH")
        else:
            workflow, path = item
        out[workflow] = path
    return out


def main(
    home: str | os.PathLike[str] | None = None,
    *,
    tick: float = 1.0,
    catch_up: str = "one",
    once: bool = False,
    log_level: str | int = "INFO",
    watch: Mapping[str, str] | Iterable[str] | None = None,
    stop_runs: bool = False,
    executor: str | None = None,
    lease_ttl: float = DEFAULT_LEASE_TTL,
) -> int:
    """``glue-nb scheduler``: fire triggers in the foreground until SIGTERM or Ctrl-C.

    On the first signal no new run is started and the lease is released; runs in progress are
    waited for (with ``stop_runs``, or on a second signal, they are stopped: they end STOPPED and
    can be resumed). A third signal exits at once (runs are then reaped as STOPPED by the next
    glue-nb process that looks). ``once``: one tick, then wait for the runs it started.
    ``watch``: ``{workflow: folder}`` or ``["WORKFLOW=PATH", ...]``. Returns the exit status.
    """
    watches = _watch_map(watch)
    undo_logging = _setup_logging(log_level)
    try:
        return _serve(home, tick, catch_up, once, watches, stop_runs, executor, lease_ttl)
    finally:
        undo_logging()


def _serve(
    home: Any,
    tick: float,
    catch_up: str,
    once: bool,
    watch: dict[str, str],
    stop_runs: bool,
    executor: str | None,
    lease_ttl: float,
) -> int:
    scheduler = Scheduler(
        home, tick=tick, catch_up=catch_up, executor=executor, lease_ttl=lease_ttl, watch=watch
    )
    scheduler.check()
    signals = [0]

    def on_signal(signum: int, frame: Any) -> None:
        signals[0] += 1
        scheduler.stop()
        if signals[0] >= 3:
            os._exit(130)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        if once:
            try:
                firings = scheduler.tick()
            finally:
                scheduler.close()
            if not scheduler.run_ids and not firings:
                log.info("nothing was due")
        else:
            scheduler.run()
        stopped = False
        if scheduler.active_runs():
            log.info(
                "no new firings; waiting for %d run(s) to finish (%s)",
                len(scheduler.active_runs()),
                "stopping them" if stop_runs else "send SIGTERM / Ctrl-C again to stop them",
            )
        while not scheduler.wait_runs(timeout=0.5):
            if not stopped and (stop_runs or signals[0] >= 2):
                stopped = True
                asked = scheduler.stop_runs()
                log.info("stopping %d run(s); they can be resumed later", len(asked))
        log.info("scheduler stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cli(argv: Sequence[str] | None = None) -> int:
    """``python -m glue_nb.scheduler [options]`` (the same options as ``glue-nb scheduler``)."""
    parser = argparse.ArgumentParser(
        prog="python -m glue_nb.scheduler",
        description="Fire the SCHEDULED and EVENT start triggers of a glue-nb home.",
    )
    parser.add_argument("--home", default=None, help="glue-nb home (default $GLUE_NB_HOME)")
    parser.add_argument("--tick", type=float, default=1.0, help="seconds between ticks")
    parser.add_argument("--catch-up", choices=CATCH_UP, default="one")
    parser.add_argument("--once", action="store_true", help="one tick, wait for its runs, exit")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--watch", action="append", default=[], metavar="WORKFLOW=PATH")
    parser.add_argument(
        "--stop-runs",
        action="store_true",
        help="on stop, stop runs in progress (resumable) instead of waiting",
    )
    parser.add_argument("--executor", default=None)
    parser.add_argument("--lease-ttl", type=float, default=DEFAULT_LEASE_TTL)
    args = parser.parse_args(argv)
    try:
        return main(
            args.home,
            tick=args.tick,
            catch_up=args.catch_up,
            once=args.once,
            log_level=args.log_level,
            watch=args.watch,
            stop_runs=args.stop_runs,
            executor=args.executor,
            lease_ttl=args.lease_ttl,
        )
    except GlueNbError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2


# -- in a notebook kernel -----------------------------------------------------------------------
class BackgroundScheduler:
    """A :class:`Scheduler` ticking in a daemon thread of this process (e.g. a kernel)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.thread = threading.Thread(target=scheduler.run, name="glue-nb-scheduler", daemon=True)

    def __repr__(self) -> str:
        s = self.scheduler
        state = "running" if self.running else "stopped"
        lease = "holds the lease" if s.holds_lease else "standing by"
        if self.running and not s.holds_lease and s._other:
            lease += f" (lease held by pid {s._other.get('pid')} on {s._other.get('host')})"
        last = ""
        if s.history:
            f = s.history[-1]
            who = repr(f.workflow) if f.workflow else f"trigger {f.trigger!r}"
            last = f", last: {who} {f.kind} at {_fmt(f.at)}"
        return (
            f"<glue-nb background scheduler {str(s.store.home)!r}: {state}, {lease}, "
            f"{len(s.history)} firing(s){last}>"
        )

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    @property
    def firings(self) -> list[Firing]:
        return list(self.scheduler.history)

    def start(self) -> BackgroundScheduler:
        self.thread.start()
        return self

    def stop(
        self, *, stop_runs: bool = False, wait: bool = False, timeout: float | None = None
    ) -> None:
        """No new firings. ``stop_runs``: stop the runs it started (resumable); ``wait``: wait
        for them (otherwise they go on in this kernel)."""
        self.scheduler.stop()
        self.thread.join(timeout if timeout is not None else 10.0)
        if stop_runs:
            self.scheduler.stop_runs()
        if wait or stop_runs:
            self.scheduler.wait_runs(timeout)


_background: dict[str, BackgroundScheduler] = {}
_background_lock = threading.Lock()


def start_background(
    home: Any = None,
    *,
    tick: float = 1.0,
    catch_up: str = "one",
    executor: Any = None,
    watch: Mapping[str, str | os.PathLike[str]] | None = None,
    lease_ttl: float = DEFAULT_LEASE_TTL,
) -> BackgroundScheduler:
    """Start (or return the running) background scheduler of ``home`` in this process."""
    store = _store(home)
    key = str(store.path)
    with _background_lock:
        current = _background.get(key)
        if current is not None and current.running:
            return current
        scheduler = Scheduler(
            store,
            tick=tick,
            catch_up=catch_up,
            executor=executor,
            lease_ttl=lease_ttl,
            watch={k: str(v) for k, v in (watch or {}).items()},
        )
        scheduler.check()
        _background[key] = BackgroundScheduler(scheduler).start()
        return _background[key]


def background(home: Any = None) -> BackgroundScheduler | None:
    """The background scheduler of ``home`` in this process, if one was started."""
    return _background.get(str(_store(home).path))


def stop_background(
    home: Any = None, *, stop_runs: bool = False, wait: bool = False
) -> list[BackgroundScheduler]:
    """Stop the background scheduler of ``home`` (every one when ``home`` is None)."""
    with _background_lock:
        if home is None:
            chosen = list(_background.values())
            _background.clear()
        else:
            found = _background.pop(str(_store(home).path), None)
            chosen = [found] if found else []
    for item in chosen:
        item.stop(stop_runs=stop_runs, wait=wait)
    return chosen


if __name__ == "__main__":  # pragma: no cover
    from glue_nb.scheduler import cli as _cli

    sys.exit(_cli())
