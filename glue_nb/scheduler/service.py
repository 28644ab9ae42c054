"""The scheduler service: one :class:`Scheduler` ticking over one store.

Each tick it holds or renews the store's lease (:mod:`~glue_nb.scheduler.lease`); only the
holder fires, and while it holds the lease it runs its folder watches. It then fires the
SCHEDULED triggers that are due (:mod:`~glue_nb.scheduler.fires`) and closes the EVENT batches
that are complete (:mod:`~glue_nb.scheduler.batches`), and logs what ended of what it started
(:mod:`~glue_nb.scheduler.started`). What it starts runs in threads of its process, driven by
the engine.

Clocks: ``clock`` (epoch seconds) is the schedule's clock and is injectable; :meth:`tick` takes
``now``. The test/dev setting ``GLUE_NB_SCHEDULER_CLOCK_SPEEDUP`` makes the default clock run
faster (see :func:`glue_nb.events.default_clock`). The lease always uses the wall clock.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from glue_nb.engine import Engine
from glue_nb.events import FolderWatch, clock_speedup, default_clock, event_trigger
from glue_nb.exceptions import GlueNbError, InvalidInputException
from glue_nb.scheduler.batches import EventBatchFires
from glue_nb.scheduler.common import UTC, as_store
from glue_nb.scheduler.fires import ScheduledFires
from glue_nb.scheduler.firing import Firing
from glue_nb.scheduler.lease import DEFAULT_LEASE_TTL, Lease, identity
from glue_nb.scheduler.started import Started
from glue_nb.timeutil import now as wall_now

__all__ = ["CATCH_UP", "Scheduler"]

log = logging.getLogger(__name__)

CATCH_UP = ("one", "none")


class Scheduler:
    """Fires the SCHEDULED and EVENT start triggers of one store (see the module docstring).

    * ``home``: a glue-nb home, :class:`~glue_nb.store.Store` or client.
    * ``clock``: the schedule's clock in epoch seconds (default: the wall clock, or the test/dev
      sped-up clock).
    * ``catch_up``: ``"one"`` or ``"none"`` (see :mod:`~glue_nb.scheduler.fires`).
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
        self.engine = Engine.for_store(as_store(home))
        # The engine's own Store object: starting a run must join this scheduler's transaction
        # (Store.transaction nests per Store object and thread).
        self.store = self.engine.store
        self.clock = clock or default_clock()
        speed = clock_speedup() if clock is None else 1.0
        self.catch_up = catch_up
        self.executor = executor
        self.tick_interval = float(tick)
        self.grace = float(grace) if grace is not None else max(60.0, 3 * tick) * speed
        self.id = uuid.uuid4().hex
        self.info = {**identity(), "started_on": wall_now(), "holder": self.id}
        self.lease = Lease(self.store, self.id, self.info, float(lease_ttl), self._lost_lease)
        self.history: deque[Firing] = deque(maxlen=200)
        self.last_tick: float | None = None  # the last tick done holding the lease
        self.held_since: float | None = None  # first tick of the current spell with the lease
        self.started = Started(self.engine)
        self.scheduled = ScheduledFires(self)
        self.batches = EventBatchFires(self)
        self._stop = threading.Event()
        self._logged: dict[str, float] = {}
        self._watch_specs = {w: Path(p).expanduser().absolute() for w, p in (watch or {}).items()}
        self._watches: dict[str, FolderWatch] = {}

    def __repr__(self) -> str:
        lease = "lease held" if self.holds_lease else "standby"
        return f"<Scheduler {str(self.store.home)!r}: {lease}, {len(self.history)} firing(s)>"

    def check(self) -> None:
        """Raise a Glue error now for a watched workflow without an EVENT start trigger."""
        for workflow in self._watch_specs:
            event_trigger(self.store, workflow)

    # -- the lease ---------------------------------------------------------------------------------
    @property
    def holds_lease(self) -> bool:
        return self.lease.held

    @property
    def lease_ttl(self) -> float:
        return self.lease.ttl

    def _lost_lease(self) -> None:
        self.held_since = None  # fires that come due while standing by are missed ones

    def release(self) -> None:
        """Give the lease up (another scheduler may take over at once)."""
        self._stop_watches()
        self.lease.release()
        self.held_since = None

    # -- folder watches ----------------------------------------------------------------------------
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
                self.log_once(f"watch:{workflow}", "cannot watch %s for %r: %s", folder,
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

    # -- ticking -----------------------------------------------------------------------------------
    def tick(self, now: float | datetime | None = None) -> list[Firing]:
        """Do what is due at ``now`` (schedule clock; default ``clock()``); return the firings."""
        if now is None:
            t = self.clock()
        elif isinstance(now, datetime):
            t = (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()
        else:
            t = float(now)
        if not self.lease.ensure():
            self.held_since = None
            self._stop_watches()  # only the holder watches folders
            self.started.settle()
            return []
        if self.held_since is None:
            self.held_since = t
        self._start_watches()
        fired = self.scheduled.tick(t) + self.batches.tick(t)
        self.started.settle()
        self.last_tick = t
        return fired

    def record(self, firing: Firing) -> None:
        """Keep and log a firing (its rows have committed: what it started runs now)."""
        self.history.append(firing)
        self.started.add(firing)
        if firing.error:
            log.warning("%s", firing.describe())
        else:
            log.info("%s", firing.describe())

    def log_once(self, key: str, message: str, *args: Any, every: float = 300.0) -> None:
        """Log an error, at most once every ``every`` seconds for one ``key``."""
        t = wall_now()
        if t - self._logged.get(key, -every) >= every:
            if len(self._logged) >= 1000:  # a long-lived scheduler: forget what is long past
                self._logged = {k: v for k, v in self._logged.items() if t - v < every}
            self._logged[key] = t
            log.error(message, *args)

    # -- what it started ---------------------------------------------------------------------------
    @property
    def run_ids(self) -> list[str]:
        """The runs this scheduler started (RUNNING or ERROR at start; the latest 10,000)."""
        return list(self.started.run_ids)

    def active_runs(self) -> list[str]:
        """The runs, standalone job runs and crawls this scheduler started that are still going
        (driven by this process)."""
        return self.started.active()

    def stop_runs(self) -> list[str]:
        """Ask the runs this scheduler started to stop (they end STOPPED and can be resumed),
        and its standalone job runs (they end STOPPED) and crawls (CANCELLED)."""
        return self.started.stop()

    def wait_runs(self, timeout: float | None = None) -> bool:
        """Wait for the runs (and standalone job runs and crawls) this scheduler started; True
        when none is left."""
        return self.started.wait(timeout)

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
                    self.log_once(f"tick:{type(exc).__name__}:{exc}", "tick failed: %s: %s",
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
