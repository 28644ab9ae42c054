"""What a scheduler started: the workflow runs, standalone job runs and crawls of its firings.

It keeps only which keys are its own (a kernel's engine may drive other work beside them). Whether
one is still going is the engine's to say (its driver of that key, :meth:`Engine.driver`); how it
ended is the ledger's. Each end is logged once, with the state and error the ledger recorded; a
standalone job run that failed is followed to its retry (its job's MaxRetries), which the same
driver runs under a new id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from glue_nb.engine import Engine
from glue_nb.exceptions import GlueNbError
from glue_nb.scheduler.firing import Firing
from glue_nb.states import (
    CRAWL_ACTIVE,
    JOB_RUN_ACTIVE,
    WORKFLOW_RUN_ACTIVE,
    CrawlState,
    JobRunState,
    State,
    WorkflowRunState,
)

__all__ = ["Started"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Unit:
    kind: str  # "run" | "job" | "crawl"
    name: str  # its workflow, job or crawler

    def describe(self, key: str) -> str:
        if self.kind == "run":
            return f"run {key} of {self.name!r}"
        if self.kind == "job":
            return f"job run {key} of {self.name!r}"
        return f"crawl {key} of crawler {self.name!r}"


class Started:
    """The work one scheduler started in this process, until each has ended and been logged."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ledger = engine.ledger
        self.run_ids: deque[str] = deque(maxlen=10_000)  # the runs it started, latest last
        self._units: dict[str, _Unit] = {}  # started and not yet seen ended, in start order
        self._lock = threading.Lock()

    def add(self, firing: Firing) -> None:
        """Keep what a firing started (its rows have committed)."""
        with self._lock:
            if firing.run_id:
                self.run_ids.append(firing.run_id)
                if firing.status and WorkflowRunState(firing.status) in WORKFLOW_RUN_ACTIVE:
                    assert firing.workflow is not None
                    self._units[firing.run_id] = _Unit("run", firing.workflow)
            for entry in firing.started:
                job_state, crawl_state = entry.get("JobRunState"), entry.get("State")
                if job_state is not None and JobRunState(job_state) in JOB_RUN_ACTIVE:
                    self._units[entry["JobRunId"]] = _Unit("job", entry["JobName"])
                elif crawl_state is not None and CrawlState(crawl_state) in CRAWL_ACTIVE:
                    self._units[entry["CrawlId"]] = _Unit("crawl", entry["CrawlerName"])

    def _going(self, key: str) -> bool:
        driver = self.engine.driver(key)
        return driver is not None and driver.is_alive()

    def settle(self) -> list[str]:
        """Log the end of what has ended → the keys still going (in start order)."""
        going = []
        with self._lock:
            todo = list(self._units.items())
            while todo:
                key, unit = todo.pop(0)
                if self._going(key):
                    going.append(key)
                    continue
                ended = self._ending(key, unit)
                if ended is None:  # its driver is gone, its row not yet ended: the engine's
                    continue  # supervisor ends it, and it is logged then
                state, error, retry = ended
                del self._units[key]
                log.info("%s ended %s%s", unit.describe(key), state, f": {error}" if error else "")
                if retry is not None:  # the same driver runs it
                    self._units[retry] = unit
                    todo.append((retry, unit))
        return going

    def _ending(self, key: str, unit: _Unit) -> tuple[str, str | None, str | None] | None:
        """(final state, error message, the retry's id) as the ledger has it; None while its
        row is still active. A row that is gone ended "gone"."""
        state: State
        if unit.kind == "run":
            row = self.ledger.runs.get(key)
            if row is None:
                return "gone", None, None
            state = WorkflowRunState(row["status"])
        elif unit.kind == "job":
            row = self.ledger.job_runs.get(key)
            if row is None:
                return "gone", None, None
            state = JobRunState(row["state"])
        else:
            row = self.ledger.crawls.get(key)
            if row is None:
                return "gone", None, None
            state = CrawlState(row["state"])
        if not state.final:
            return None
        retry = None
        if state is JobRunState.FAILED:
            following = self.ledger.job_runs.retry_of(key)
            retry = None if following is None else str(following["id"])
        return state.value, row["error_message"], retry

    def active(self) -> list[str]:
        """The runs, job runs and crawls it started that are still going."""
        return self.settle()

    def stop(self) -> list[str]:
        """Ask what is still going to stop (runs end STOPPED and can be resumed, job runs
        STOPPED, crawls CANCELLED) → the keys asked."""
        asked = []
        for key in self.active():
            unit = self._units.get(key)
            if unit is None:
                continue
            try:
                if unit.kind == "run":
                    self.engine.stop_workflow_run(unit.name, key)
                elif unit.kind == "job":
                    self.engine.stop_job_run(unit.name, key)
                elif self.ledger.crawls.state(key) is CrawlState.RUNNING:
                    self.engine.stop_crawl(unit.name)  # its crawler's crawl now is this one
                asked.append(key)
            except GlueNbError as exc:  # it ended meanwhile
                log.info("%s: %s", unit.describe(key), exc.message)
        return asked

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for what it started to end → True when nothing is left going."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            going = self.active()
            if not going:
                return True
            for key in going:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return not self.active()
                self.engine.wait(key, left)
