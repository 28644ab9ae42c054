"""A script's normal exit waits for the runs, job runs and crawls its process drives.

Joining non-daemon threads is not enough: at exit, ``concurrent.futures`` stops its thread pools
(a ``threading`` atexit hook) *before* threads are joined, so a driver that submits its next job
afterwards would fail it with "cannot schedule new futures after interpreter shutdown". Our hook,
registered after that one, runs first and waits until every driver of this process has ended.
"""

from __future__ import annotations

import threading

__all__ = ["wait_for_drivers_at_exit"]

_lock = threading.Lock()
_registered = False


def wait_for_drivers_at_exit() -> None:
    """Register (once) the hook that makes a normal interpreter exit wait for the drivers."""
    global _registered
    with _lock:
        if _registered:
            return
        import concurrent.futures.thread  # noqa: F401  (its hook must be registered before ours)

        register = getattr(threading, "_register_atexit", None)
        if register is None:  # pragma: no cover - not CPython
            return
        try:
            register(_join_drivers)
        except RuntimeError:  # already shutting down
            return
        _registered = True


def _join_drivers() -> None:
    from glue_nb.engine.driver import RunDriver

    while True:
        drivers = [t for t in threading.enumerate() if isinstance(t, RunDriver) and t.is_alive()]
        if not drivers:
            return
        for driver in drivers:
            driver.join()
