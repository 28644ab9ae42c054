"""The scheduler in a notebook kernel: a :class:`Scheduler` ticking in a daemon thread of this
process, one per store (``start_background`` / ``stop_background``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from glue_nb.scheduler.common import as_store, fmt
from glue_nb.scheduler.firing import Firing
from glue_nb.scheduler.lease import DEFAULT_LEASE_TTL
from glue_nb.scheduler.service import Scheduler

__all__ = ["BackgroundScheduler", "background", "start_background", "stop_background"]


class BackgroundScheduler:
    """A :class:`Scheduler` ticking in a daemon thread of this process (e.g. a kernel)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.thread = threading.Thread(target=scheduler.run, name="glue-nb-scheduler", daemon=True)

    def __repr__(self) -> str:
        s = self.scheduler
        state = "running" if self.running else "stopped"
        lease = "holds the lease" if s.holds_lease else "standing by"
        other = s.lease.other
        if self.running and not s.holds_lease and other:
            lease += f" (lease held by pid {other.get('pid')} on {other.get('host')})"
        last = ""
        if s.history:
            f = s.history[-1]
            who = repr(f.workflow) if f.workflow else f"trigger {f.trigger!r}"
            last = f", last: {who} {f.kind} at {fmt(f.at)}"
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
    store = as_store(home)
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
    return _background.get(str(as_store(home).path))


def stop_background(
    home: Any = None, *, stop_runs: bool = False, wait: bool = False
) -> list[BackgroundScheduler]:
    """Stop the background scheduler of ``home`` (every one when ``home`` is None)."""
    with _background_lock:
        if home is None:
            chosen = list(_background.values())
            _background.clear()
        else:
            found = _background.pop(str(as_store(home).path), None)
            chosen = [found] if found else []
    for item in chosen:
        item.stop(stop_runs=stop_runs, wait=wait)
    return chosen
