"""The supervisor: one thread per engine (store and process) while the process drives work.

It is the process's one heartbeat and its one ear for stops asked elsewhere:

- every :data:`STOP_POLL_EVERY` seconds it reads the stops asked of what this process drives
  (a workflow run STOPPING, a job run STOPPING, a crawl CANCELLING: store writes by any process)
  and wakes the drivers concerned;
- every :data:`~glue_nb.owner.HEARTBEAT_EVERY` seconds it refreshes this process's owner row,
  so that readers on other hosts can tell it is alive;
- it ends work of this process that no driver drives any more (a driver that died, or whose
  last write failed because the store was locked), saying so: nothing stays RUNNING for good.

It stops when this process drives nothing, and starts again with the next work.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from glue_nb.owner import HEARTBEAT_EVERY
from glue_nb.states import WorkflowRunState
from glue_nb.store import StoreDamagedError

if TYPE_CHECKING:
    from glue_nb.engine.facade import Engine

__all__ = ["STOP_POLL_EVERY", "Supervisor"]

log = logging.getLogger(__name__)

#: How often stops asked by other processes are looked for (they act within this period).
STOP_POLL_EVERY = 0.5
#: How often work without a driver is looked for.
REPAIR_EVERY = 5.0

ABANDONED = (
    "glue-nb engine error: the driver of this work in its owner process ended without "
    "recording its end (the store may have been locked)"
)


class Supervisor:
    """Heartbeat, cross-process stops and repairs for one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._quit = threading.Event()

    def ensure_running(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._quit.clear()
            self._thread = threading.Thread(
                target=self._loop, name="glue-nb-supervisor", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._quit.set()

    def _loop(self) -> None:
        engine = self.engine
        last_beat = last_repair = time.monotonic()
        try:
            while not self._quit.wait(STOP_POLL_EVERY):
                try:
                    self._wake_asked()
                    clock = time.monotonic()
                    if clock - last_beat >= HEARTBEAT_EVERY:
                        last_beat = clock
                        engine.ledger.owners.heartbeat(engine.owner_token)
                    if clock - last_repair >= REPAIR_EVERY or not engine.busy:
                        last_repair = clock
                        if not self.repair() and not engine.busy:
                            with self._lock:
                                if not engine.busy:
                                    self._thread = None
                                    return
                except StoreDamagedError as exc:  # nothing more can be recorded here
                    log.error("glue-nb supervisor stops: %s", exc.message)
                    with self._lock:
                        self._thread = None
                    return
                except Exception:  # a store hiccup must not kill it: the next round retries
                    log.exception("glue-nb supervisor round failed")
        finally:
            engine.store.close()

    def _wake_asked(self) -> None:
        asked = self.engine.ledger.stop_requests(self.engine.owner_token)
        for key in [*asked.runs, *asked.job_runs, *asked.crawls]:
            driver = self.engine.driver(key)
            if driver is not None:
                driver.wake()

    def repair(self) -> bool:
        """End this process's work that no live driver drives → is any work still active?"""
        engine = self.engine
        active = engine.ledger.active_of(engine.owner_token)
        orphans = [k for k in [*active.runs, *active.job_runs, *active.crawls]
                   if engine.driver(k) is None]  # fmt: skip
        if orphans:
            with engine.store.transaction():
                for run_id in orphans:  # re-read: a driver may have ended it meanwhile
                    status = engine.ledger.runs.status(run_id) if run_id in active.runs else None
                    if status is not None and not status.final:
                        engine.ledger.end_run(
                            run_id, WorkflowRunState.ERROR, error=ABANDONED,
                            children=f"Stopped: {ABANDONED}",
                        )  # fmt: skip
                engine.ledger.end_keys(
                    [k for k in orphans if k not in active.runs], f"Stopped: {ABANDONED}"
                )
            log.warning("ended %d run(s), job run(s) or crawl(s) left without a driver: %s",
                        len(orphans), ", ".join(orphans))  # fmt: skip
        return bool(active)
