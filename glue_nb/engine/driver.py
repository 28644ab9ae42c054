"""The driver: one thread of the owner process that keeps one unit of work moving.

A unit is a workflow run (its start trigger, then its conditional triggers as its nodes end) or
one standalone job run or crawl (a unit of one node, no triggers): the same machinery either way,
so a standalone job run queues, retries, times out and stops exactly like a workflow's node.

The driver records every transition through the ledger, each in one transaction, and hands a
task to its executor only after the row describing it has committed. Results come back on a
queue, as do wake-ups: a stop asked in this process wakes the driver at once; one asked from
another process reaches it through the engine's supervisor within one poll period.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from glue_nb.bookmarks import advance, spec_bookmark
from glue_nb.engine.jobs import check_runnable, job_spec, merge_arguments
from glue_nb.engine.reuse import notify_reused, record_reused, record_trace, reuse_decision
from glue_nb.engine.triggers import Action, TriggerPlan
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    CrawlerRunningException,
    EntityNotFoundException,
    GlueNbError,
    InvalidInputException,
)
from glue_nb.executors import Executor, Handle, Task
from glue_nb.graph import DesignGraph
from glue_nb.ids import new_job_run_id
from glue_nb.jobs.spec import JobResult
from glue_nb.lineage import openlineage as lineage_events
from glue_nb.states import CrawlState, JobRunState, WorkflowRunState
from glue_nb.store.job_runs import JobRunRow
from glue_nb.timeutil import now

if TYPE_CHECKING:
    from glue_nb.engine.facade import Engine

__all__ = ["RunDriver", "wait_for_drivers_at_exit"]

log = logging.getLogger(__name__)

#: How often a driver with queued (WAITING) job runs looks for a free slot.
WAITING_POLL = 0.25
#: A driver that hears nothing for this long checks the store for stop requests by itself.
SAFETY_POLL = 5.0


@dataclass
class _Active:
    """A task in flight."""

    node: str | None  # node UniqueId; None for a standalone job run or crawl
    kind: str  # "job" | "crawl"
    name: str  # job or crawler name
    key: str  # job run id / crawl id
    trigger: str | None
    action: Mapping[str, Any]
    attempt: int = 0
    handle: Handle | None = None
    stop_requested: bool = False


@dataclass
class _Waiting:
    """A job run queued for a free slot of its job (state WAITING)."""

    node: str | None
    name: str
    trigger: str | None
    action: Mapping[str, Any]
    key: str
    attempt: int = 0
    previous: str | None = None


_WAKE = ("", None, None)


class RunDriver(threading.Thread):
    """Drives one workflow run, or one standalone job run or crawl, in its owner process
    (a non-daemon thread: a script's normal exit waits for it)."""

    def __init__(
        self,
        engine: Engine,
        executor: Executor,
        *,
        run_id: str | None = None,
        workflow: str | None = None,
        graph: DesignGraph | None = None,
        fired: Mapping[str, float] | None = None,
        finals: Mapping[str, str] | None = None,
        fire_start: bool = False,
        resume: Sequence[Action] = (),
        label: str = "",
        reuse: bool | None = None,
    ) -> None:
        super().__init__(name=f"glue-nb-{label or (run_id or 'run')[:15]}", daemon=False)
        self.engine, self.store, self.ledger = engine, engine.store, engine.ledger
        self.executor = executor
        self.run_id, self.workflow = run_id, workflow
        self.graph = graph
        self.plan = TriggerPlan(graph) if graph is not None else None
        self.fired: dict[str, float] = dict(fired or {})
        self.finals: dict[str, str] = dict(finals or {})
        self._fire_start = fire_start
        self._resume = list(resume)
        self.active: dict[str, _Active] = {}
        self.waiting: list[_Waiting] = []
        self.events: queue.Queue[tuple[str, Any, BaseException | None]] = queue.Queue()
        self.stopping = False
        self.finished = threading.Event()
        self.outcome: str | None = None  # the final state of a standalone unit
        self._changed: set[str] = set()
        self._crawlers: Any = None
        self.reuse = reuse  # the run's choice (None: the jobs' and workflow's settings decide)

    def __repr__(self) -> str:
        what = f"run {self.run_id} of {self.workflow!r}" if self.run_id else self.name
        return f"<RunDriver {what} active={len(self.active)} waiting={len(self.waiting)}>"

    @property
    def keys(self) -> list[str]:
        """The ids of the job runs and crawls it drives now."""
        return [*self.active, *(w.key for w in self.waiting)]

    def wake(self) -> None:
        """Look at the store now (a stop was asked)."""
        self.events.put(_WAKE)

    # -- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._begin()
            last_check = time.monotonic()
            while self.active or self.waiting:
                timeout = WAITING_POLL if self.waiting else SAFETY_POLL
                try:
                    events = [self.events.get(timeout=timeout)]
                except queue.Empty:
                    events = []
                while True:  # take whatever else has arrived in one go
                    try:
                        events.append(self.events.get_nowait())
                    except queue.Empty:
                        break
                woken = not events or any(key == "" for key, _, _ in events)
                for key, result, error in events:
                    if key:
                        self._on_result(key, result, error)
                clock = time.monotonic()
                if woken or clock - last_check >= SAFETY_POLL:
                    last_check = clock
                    self._check_stops()
                if self.waiting and not self.stopping:
                    self._retry_waiting()
                self._evaluate()
            self._finish()
        except BaseException as exc:  # an engine bug must not leave anything active
            log.exception("%r failed in the engine", self)
            self._crash(exc)
        finally:
            self.finished.set()
            self.engine._forget(self)
            self.store.close()

    def _begin(self) -> None:
        if self._fire_start:
            assert self.graph is not None and self.graph.start_trigger is not None
            self._fire(self.graph.start_trigger["Name"])
        if self._resume:
            with self.store.transaction():
                for action in self._resume:
                    self._start_node(action)
        if self.plan is not None:
            self._evaluate(everything=True)

    # -- triggers --------------------------------------------------------------------------------
    def _set_final(self, node: str | None, state: str) -> None:
        if node is None:
            self.outcome = state
            return
        self.finals[node] = state
        self._changed.add(node)

    def _evaluate(self, everything: bool = False) -> None:
        """Fire every conditional trigger whose predicate now holds (each once per run)."""
        if self.plan is None:
            return
        while not self.stopping and (everything or self._changed):
            changed = None if everything else list(self._changed)
            everything = False
            self._changed.clear()
            for name in self.plan.due(self.finals, self.fired, changed):
                self._fire(name)

    def _fire(self, trigger: str) -> None:
        """Record a fire and start its actions, in one transaction."""
        assert self.plan is not None and self.run_id is not None
        at = now()
        self.fired[trigger] = at
        with self.store.transaction():
            self.ledger.runs.record_fires(self.run_id, {trigger: at})
            for action in self.plan.actions(trigger):
                self._start_node(action)

    # -- starting work ---------------------------------------------------------------------------
    def _start_node(self, action: Action) -> None:
        """Start one node (inside the caller's transaction)."""
        if self.stopping:
            return
        self.finals.pop(action.node, None)
        if action.kind == "CRAWLER":
            self.start_crawl(action.node, action.name, action.trigger)
        else:
            self.start_job(action.node, action.name, action.trigger, action.action, attempt=0)

    def start_job(
        self,
        node: str | None,
        job_name: str,
        trigger: str | None,
        action: Mapping[str, Any],
        *,
        attempt: int,
        previous: str | None = None,
        key: str | None = None,
        strict: bool = False,
        glue_fields: Mapping[str, Any] | None = None,
    ) -> str:
        """Record a job run (RUNNING; WAITING for a slot; or FAILED/ERROR saying why it cannot
        run) and hand it to the executor once that row has committed → its id.

        ``key``: an existing WAITING job run to start now. ``strict`` (StartJobRun): refuse,
        writing nothing, what would otherwise be recorded as a failed job run."""
        key = key or new_job_run_id()
        runs = self.ledger.job_runs
        with self.store.transaction():
            existing = runs.get(key)
            if existing is not None and existing["state"] == JobRunState.STOPPING:
                self._stopped_before_start(node, key, "BatchStopJobRun")
                return key

            def record(state: JobRunState, arguments: Mapping[str, str], minutes: Any,
                       error: str | None = None, extra: Mapping[str, Any] | None = None,
                       ) -> None:  # fmt: skip
                if existing is not None:
                    runs.set_state(key, state, error=error, restart=state is JobRunState.RUNNING)
                    return
                runs.insert(
                    JobRunRow(
                        id=key, job_name=job_name, state=state, arguments=arguments,
                        timeout=minutes, owner_token=self.engine.owner_token, attempt=attempt,
                        previous_run_id=previous, trigger_name=trigger,
                        workflow_name=self.workflow, workflow_run_id=self.run_id, node_id=node,
                        error=error, glue_fields={**(glue_fields or {}), **(extra or {})},
                    )
                )  # fmt: skip

            try:
                job = self.engine.definitions.job(job_name)
            except EntityNotFoundException:
                if strict:
                    raise
                message = (
                    f"Job {job_name!r} does not exist (deleted after the workflow was defined?)"
                )
                record(JobRunState.ERROR, action.get("Arguments") or {}, None, message)
                self._set_final(node, JobRunState.ERROR)
                return key
            arguments = merge_arguments(job, action.get("Arguments"))
            minutes = action.get("Timeout") or job["Timeout"]
            try:
                check_runnable(job)
                properties = self.ledger.runs.properties(self.run_id) if self.run_id else {}
                spec = job_spec(
                    job, key, arguments, minutes, home=self.store.home, workflow=self.workflow,
                    run_id=self.run_id, attempt=attempt, properties=properties,
                )  # fmt: skip
                spec = replace(spec, bookmark=spec_bookmark(self.store, job_name, arguments))
                decision = (
                    None if existing is not None
                    else reuse_decision(self.store, self.reuse, spec, properties)
                )  # fmt: skip
            except InvalidInputException as exc:
                if strict:
                    raise
                record(JobRunState.FAILED, arguments, minutes, exc.message)
                self._set_final(node, JobRunState.FAILED)
                return key
            if decision is not None and decision["reuse"]:
                source = decision["source"]
                saved = round((source["completed_on"] or 0) - (source["started_on"] or 0), 3)
                extra = {"ReusedFrom": decision["from"], "ReuseSavedSeconds": saved}
                record(JobRunState.RUNNING, arguments, minutes, extra=extra)
                record_reused(self.ledger, self.run_id, key, job_name, decision)
                self.store.after_commit(lambda: notify_reused(self.store, key))
                self._set_final(node, JobRunState.SUCCEEDED)
                return key
            limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
            if runs.holding_a_slot(job_name) >= limit:
                if job.get("JobRunQueuingEnabled"):
                    if existing is None:
                        record(JobRunState.WAITING, arguments, minutes)
                    self.waiting.append(
                        _Waiting(node, job_name, trigger, action, key, attempt, previous)
                    )
                    self.engine._register(key, self)
                    return key
                message = (
                    f"Job {job_name!r} exceeded its maximum allowed concurrent runs ({limit}); "
                    "raise ExecutionProperty.MaxConcurrentRuns or set JobRunQueuingEnabled"
                )
                if strict:
                    raise ConcurrentRunsExceededException(
                        f"Job {job_name!r} already has {limit} run(s) active "
                        f"(ExecutionProperty.MaxConcurrentRuns={limit})"
                    )
                record(JobRunState.FAILED, arguments, minutes, message)
                self._set_final(node, JobRunState.FAILED)
                return key
            record(JobRunState.RUNNING, arguments, minutes)
            self.store.after_commit(lambda: lineage_events.notify(self.store, key, "start"))
            item = _Active(node, "job", job_name, key, trigger, action, attempt)
            self.active[key] = item
            self.engine._register(key, self)
            self.store.after_commit(lambda: self._submit(item, Task("notebook", key, spec)))
        return key

    def start_crawl(self, node: str | None, crawler: str, trigger: str | None,
                    *, strict: bool = False) -> str:  # fmt: skip
        """Record a crawl (RUNNING, its crawler RUNNING) and hand it to the executor once that
        row has committed → its id. A busy or missing crawler gives a FAILED / ERROR crawl
        (``strict``: raises instead, writing nothing)."""
        service = self.crawlers
        with self.store.transaction():
            try:
                key, spec = service.begin_crawl(
                    crawler, owner_token=self.engine.owner_token, workflow_name=self.workflow,
                    workflow_run_id=self.run_id, node_id=node, trigger_name=trigger,
                )  # fmt: skip
            except (CrawlerRunningException, EntityNotFoundException) as exc:
                if strict:
                    raise
                state = (
                    CrawlState.FAILED if isinstance(exc, CrawlerRunningException)
                    else CrawlState.ERROR
                )  # fmt: skip
                crawl = service.record_failed_crawl(
                    crawler, exc.message, state=state, workflow_name=self.workflow,
                    workflow_run_id=self.run_id, node_id=node, trigger_name=trigger,
                )  # fmt: skip
                self._set_final(node, state)
                return str(crawl["CrawlId"])
            self.store.after_commit(lambda: lineage_events.notify(self.store, key, "start"))
            item = _Active(node, "crawl", crawler, key, trigger, {"CrawlerName": crawler})
            self.active[key] = item
            self.engine._register(key, self)
            self.store.after_commit(lambda: self._submit(item, Task("crawl", key, spec)))
        return str(key)

    @property
    def crawlers(self) -> Any:
        if self._crawlers is None:
            from glue_nb.crawlers import CrawlerService

            self._crawlers = CrawlerService(self.store)
        return self._crawlers

    def _submit(self, item: _Active, task: Task) -> None:
        if item.key not in self.active:  # stopped before it was handed over
            return
        try:
            item.handle = self.executor.submit(task)
        except Exception as exc:
            self.events.put((item.key, None, exc))
            return

        def done(result: Any, error: BaseException | None, key: str = item.key) -> None:
            self.events.put((key, result, error))

        item.handle.add_done_callback(done)
        if item.stop_requested or self.stopping:
            item.handle.stop()

    def _retry_waiting(self) -> None:
        pending, self.waiting = self.waiting, []
        for w in pending:
            self.start_job(w.node, w.name, w.trigger, w.action, attempt=w.attempt,
                           previous=w.previous, key=w.key)  # fmt: skip

    # -- results ---------------------------------------------------------------------------------
    def _on_result(self, key: str, result: Any, error: BaseException | None) -> None:
        item = self.active.pop(key, None)
        if item is None:
            return
        if item.kind == "crawl":
            if result is None:
                result = {"State": CrawlState.FAILED, "ErrorMessage": f"Executor error: {error}"}
            try:
                crawl = self.crawlers.finish_crawl(key, result)
                state = crawl["State"]
            except GlueNbError as exc:  # it was ended meanwhile (a repair, say)
                log.warning("crawl %s: %s", key, exc)
                state = CrawlState.ERROR
            self.engine._unregister(key)
            self._set_final(item.node, state)
            return
        job_result: JobResult = result if result is not None else _lost(key, error)
        stopped = (JobRunState.FAILED, JobRunState.STOPPED)
        if (self.stopping or item.stop_requested) and job_result.state in stopped:
            job_result.state = JobRunState.STOPPED
            job_result.error_message = job_result.error_message or (
                "Stopped: the workflow run was stopped" if self.stopping else "Stopped"
            )
        state = JobRunState(job_result.state)
        retry = False
        if state is JobRunState.FAILED and not self.stopping:
            try:
                retries = self.engine.definitions.job(item.name).get("MaxRetries", 0)
                retry = item.attempt < retries
            except EntityNotFoundException:
                pass
        # the failed attempt and its retry are recorded together: no reader ever sees the node
        # failed for good (and its branch "will never run") while a retry is on its way
        with self.store.transaction():
            self._record(job_result, state)
            if retry:
                self.start_job(item.node, item.name, item.trigger, item.action,
                               attempt=item.attempt + 1, previous=key)  # fmt: skip
        self.engine._unregister(key)
        if not retry:
            self._set_final(item.node, state)

    def _record(self, result: JobResult, state: JobRunState) -> None:
        """A job run's end, and its property updates merged into the run, in one transaction."""
        try:
            with self.store.transaction():
                self.ledger.job_runs.finish(
                    result.job_run_id, state, completed_on=result.completed_on,
                    error=result.error_message, error_detail=result.error_detail,
                    output_location=result.output_location, log_location=result.log_location,
                    property_updates=result.property_updates,
                )  # fmt: skip
                if self.run_id and result.property_updates:
                    self.ledger.runs.merge_properties(self.run_id, result.property_updates)
                if result.trace is not None:
                    record_trace(self.ledger, result)
                self.store.after_commit(
                    lambda: lineage_events.notify(self.store, result.job_run_id, "end")
                )
                if state is JobRunState.SUCCEEDED and result.bookmark:
                    row = self.ledger.job_runs.get(result.job_run_id)
                    if row is not None:
                        advance(self.store, row["job_name"], row["id"], row["attempt"],
                                result.bookmark)  # fmt: skip
        except GlueNbError as exc:  # ended meanwhile (by a repair): its record stands
            log.warning("job run %s: %s", result.job_run_id, exc)

    # -- stopping --------------------------------------------------------------------------------
    def _check_stops(self) -> None:
        """Act on the stops asked in the store: of the whole run, or of single job runs and
        crawls (BatchStopJobRun, StopCrawler)."""
        run = self.run_id
        if run and not self.stopping and self.ledger.runs.status(run) is WorkflowRunState.STOPPING:
            self._stop_all()
            return
        jobs = [k for k, a in self.active.items() if a.kind == "job" and not a.stop_requested]
        jobs += [w.key for w in self.waiting]
        crawls = [k for k, a in self.active.items() if a.kind == "crawl" and not a.stop_requested]
        asked = {
            k for k, s in self.ledger.job_runs.states(jobs).items() if s is JobRunState.STOPPING
        } | {k for k, s in self.ledger.crawls.states(crawls).items() if s is CrawlState.CANCELLING}
        for key in asked & set(self.active):
            item = self.active[key]
            item.stop_requested = True
            if item.handle is not None:
                item.handle.stop()  # its result comes back STOPPED (a crawl: CANCELLED)
        for w in [w for w in self.waiting if w.key in asked]:
            self.waiting.remove(w)
            self._stopped_before_start(w.node, w.key, "BatchStopJobRun")

    def _stopped_before_start(self, node: str | None, key: str, why: str) -> None:
        self.ledger.job_runs.set_state(
            key, JobRunState.STOPPED, error=f"Stopped before it started ({why})"
        )
        self.engine._unregister(key)
        self._set_final(node, JobRunState.STOPPED)  # a trigger watching STOPPED may fire

    def _stop_all(self) -> None:
        self.stopping = True
        with self.store.transaction():
            for w in self.waiting:
                self.ledger.job_runs.set_state(
                    w.key, JobRunState.STOPPED,
                    error="Stopped before it started: the workflow run was stopped",
                )  # fmt: skip
                self.engine._unregister(w.key)
            self.ledger.job_runs.mark_stopping(
                [k for k, item in self.active.items() if item.kind == "job"]
            )
        self.waiting.clear()
        for item in self.active.values():
            item.stop_requested = True
            if item.handle is not None:
                item.handle.stop()

    # -- ending ----------------------------------------------------------------------------------
    def _finish(self) -> None:
        if self.run_id is None:
            return
        with self.store.transaction():  # a stop may have been asked since the last look
            asked = self.ledger.runs.status(self.run_id) is WorkflowRunState.STOPPING
            stopped = self.stopping or asked
            status = WorkflowRunState.STOPPED if stopped else WorkflowRunState.COMPLETED
            self.ledger.end_run(self.run_id, status)

    def _crash(self, exc: BaseException) -> None:
        """End everything this driver started: an engine failure leaves nothing active (and if
        even that cannot be written now, the engine's supervisor ends it later)."""
        message = f"glue-nb engine error: {type(exc).__name__}: {exc}"
        for item in self.active.values():
            if item.handle is not None:
                try:
                    item.handle.stop()
                except Exception:  # stopping is best effort here
                    log.exception("stopping %s failed", item.key)
        try:
            if self.run_id is not None:
                self.ledger.end_run(
                    self.run_id, WorkflowRunState.ERROR, error=message,
                    children=f"Stopped: {message}",
                )  # fmt: skip
            else:
                self.ledger.end_keys(self.keys, f"Stopped: {message}")
        except Exception:
            log.exception("%r: recording the engine error failed; the supervisor will", self)
        for key in self.keys:
            self.engine._unregister(key)


def _lost(key: str, error: BaseException | None) -> JobResult:
    t = now()
    message = f"{type(error).__name__}: {error}" if error else "the job's result was lost"
    message = f"Executor error: {message}"[:2048]
    return JobResult(key, JobRunState.FAILED, t, t, error_message=message)


# -- a script's normal exit waits for the drivers of its process ----------------------------------
# Joining non-daemon threads is not enough: at exit, ``concurrent.futures`` stops its thread pools
# (a ``threading`` atexit hook) *before* threads are joined, so a driver that submits its next job
# afterwards would fail it with "cannot schedule new futures after interpreter shutdown". Our
# hook, registered after that one, runs first and waits until every driver has ended.
_exit_lock = threading.Lock()
_exit_hook_registered = False


def wait_for_drivers_at_exit() -> None:
    """Register (once) the hook that makes a normal interpreter exit wait for the drivers."""
    global _exit_hook_registered
    with _exit_lock:
        if _exit_hook_registered:
            return
        import concurrent.futures.thread  # noqa: F401  (its hook must be registered before ours)

        register = getattr(threading, "_register_atexit", None)
        if register is None:  # pragma: no cover - not CPython
            return
        try:
            register(_join_drivers)
        except RuntimeError:  # already shutting down
            return
        _exit_hook_registered = True


def _join_drivers() -> None:
    while True:
        drivers = [t for t in threading.enumerate() if isinstance(t, RunDriver) and t.is_alive()]
        if not drivers:
            return
        for driver in drivers:
            driver.join()
