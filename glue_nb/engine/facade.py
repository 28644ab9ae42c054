"""The engine: starts, stops and resumes runs of one store in this process.

Every unit of work (a workflow run; a standalone job run or crawl) is recorded through the
ledger and then driven by a :class:`~glue_nb.engine.driver.RunDriver` thread of the process that
started it (its owner). Other processes never talk to a driver: they read the store, and ask for
a stop by writing it. The engine's :class:`~glue_nb.engine.supervisor.Supervisor` keeps the
owner's heartbeat and relays those stops; :func:`~glue_nb.engine.orphans.reap_orphans` ends the
work of owners that are gone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from glue_nb.definitions import Definitions
from glue_nb.engine.driver import RunDriver, wait_for_drivers_at_exit
from glue_nb.engine.jobs import check_runnable, output_root
from glue_nb.engine.orphans import reap_orphans
from glue_nb.engine.supervisor import Supervisor
from glue_nb.engine.triggers import TriggerPlan
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    EntityNotFoundException,
    GlueNbError,
    IllegalWorkflowStateException,
    InvalidInputException,
)
from glue_nb.executors import Executor, get_executor
from glue_nb.graph import design_graph
from glue_nb.ids import new_run_id
from glue_nb.model import check_string_map
from glue_nb.owner import current_owner
from glue_nb.states import JobRunState, WorkflowRunState
from glue_nb.store import Store, loads
from glue_nb.store.ledger import Ledger
from glue_nb.timeutil import now

__all__ = ["FORCE_STOP_AFTER", "Engine"]

_W = WorkflowRunState

#: A job run asked to stop this long ago and still STOPPING is ended by the next stop asked.
FORCE_STOP_AFTER = 30.0


class Engine:
    """Starts, stops and resumes runs of one store; one per store and process."""

    _instances: dict[str, Engine] = {}
    _lock = threading.Lock()

    def __init__(self, store: Store, executor: Executor | str | None = None) -> None:
        self.store = store
        self.ledger = Ledger(store)
        self.definitions = Definitions(store)
        self._executor_choice = executor
        self._registry: dict[str, RunDriver] = {}  # run, job run and crawl ids → their driver
        self._registry_lock = threading.Lock()
        self.owner = current_owner()
        self.owner_token: str = self.owner["token"]
        self.supervisor = Supervisor(self)

    @classmethod
    def for_store(cls, store: Store) -> Engine:
        """The engine of ``store`` in this process."""
        with cls._lock:
            key = str(store.path)
            engine = cls._instances.get(key)
            if engine is None:
                engine = cls._instances[key] = cls(store)
            return engine

    def executor(self, choice: Executor | str | Any | None = None) -> Executor:
        return get_executor(choice if choice is not None else self._executor_choice)

    # -- the drivers of this process --------------------------------------------------------------
    def driver(self, key: str) -> RunDriver | None:
        """The driver of a run, job run or crawl of this process, while it drives it."""
        with self._registry_lock:
            return self._registry.get(key)

    def active_drivers(self) -> list[RunDriver]:
        with self._registry_lock:
            drivers = set(self._registry.values())
        return [d for d in drivers if d.is_alive()]

    @property
    def busy(self) -> bool:
        """Does this process drive anything in this store now?"""
        with self._registry_lock:
            return bool(self._registry)

    def _register(self, key: str, driver: RunDriver) -> None:
        with self._registry_lock:
            self._registry[key] = driver
        self.supervisor.ensure_running()

    def _unregister(self, key: str) -> None:
        with self._registry_lock:
            self._registry.pop(key, None)

    def _forget(self, driver: RunDriver) -> None:
        """A driver has ended: nothing keeps it (a long-lived process does not grow)."""
        with self._registry_lock:
            for key in [k for k, d in self._registry.items() if d is driver]:
                del self._registry[key]

    @contextmanager
    def _owning(self, driver: RunDriver) -> Iterator[None]:
        """A transaction in which this process takes on work for ``driver``: its owner row is
        claimed, and the driver starts once the transaction has committed (if it rolls back,
        the driver is forgotten, never started)."""
        try:
            with self.store.transaction():
                self.store.on_rollback(lambda: self._forget(driver))
                self.ledger.owners.claim(self.owner)
                yield
                self.store.after_commit(lambda: _launch(driver))
        except BaseException:
            self._forget(driver)
            raise

    # -- workflow runs ----------------------------------------------------------------------------
    def start_workflow_run(
        self,
        name: str,
        run_properties: Mapping[str, str] | None = None,
        *,
        executor: Executor | str | Any | None = None,
        start_condition: Mapping[str, int] | None = None,
        error_when_busy: bool = False,
        reuse: bool | None = None,
    ) -> str:
        """Start a run of ``name`` now: its start trigger's actions run, whatever its type.

        ``reuse``: True reuses unchanged job runs (see :mod:`glue_nb.reuse.fingerprint`), False
        runs every job whatever the jobs' and workflow's settings say.

        Beyond the workflow's MaxConcurrentRuns this raises ConcurrentRunsExceededException, or
        with ``error_when_busy`` (scheduled and event starts) records a run with Status ERROR.
        Inside a caller's transaction, the run starts once that transaction commits."""
        props = check_string_map(f"Workflow {name!r} RunProperties", run_properties)
        chosen = self.executor(executor)
        self.reap_orphans()
        run_id = new_run_id()
        with self.store.transaction():
            workflow = self.definitions.workflow(name)
            triggers = self.definitions.workflow_triggers(name)
            graph = design_graph(name, triggers)
            if graph.start_trigger is None:
                raise InvalidInputException(
                    f"workflow {name!r} has no start trigger; add an ON_DEMAND, SCHEDULED or "
                    "EVENT trigger with WorkflowName set to it"
                )
            status, error = _W.RUNNING, None
            limit = workflow.get("MaxConcurrentRuns")
            if limit is not None:
                active = self.ledger.runs.count_active(name)
                if active >= limit:
                    message = f"Concurrent runs exceeded for workflow: {name}."
                    if not error_when_busy:
                        raise ConcurrentRunsExceededException(
                            f"{message} {active} run(s) active, MaxConcurrentRuns is {limit}"
                        )
                    status, error = _W.ERROR, message
            properties = {**workflow.get("DefaultRunProperties", {}), **props}

            def record(owner_token: str | None) -> None:
                self.ledger.runs.insert(
                    run_id, name, status, properties=properties, design={"triggers": triggers},
                    owner_token=owner_token, options=_options(chosen, reuse),
                    start_condition=start_condition, error=error,
                )  # fmt: skip

            if status is _W.ERROR:
                record(None)
                return run_id
            driver = RunDriver(self, chosen, run_id=run_id, workflow=name, graph=graph,
                               fire_start=True, reuse=reuse)  # fmt: skip
            self._register(run_id, driver)
            with self._owning(driver):
                record(self.owner_token)
        return run_id

    def stop_workflow_run(self, name: str, run_id: str) -> None:
        """Ask a run to stop (any process may ask; its owner's driver acts on it: at once in this
        process, within a poll period from another)."""
        self.reap_orphans()
        with self.store.transaction():
            row = self._run_row(name, run_id)
            status = _W(row["status"])
            if status not in (_W.RUNNING, _W.STOPPING):
                raise IllegalWorkflowStateException(
                    f"workflow run {run_id} of {name!r} is {status.value}; only RUNNING runs "
                    "can be stopped"
                )
            if status is _W.RUNNING:
                self.ledger.runs.set_status(run_id, _W.STOPPING)
        self._wake(run_id)

    def resume_workflow_run(
        self,
        name: str,
        run_id: str,
        node_ids: Sequence[str] | None,
        *,
        executor: Executor | str | Any | None = None,
        reuse: bool | None = None,
    ) -> tuple[str, list[str]]:
        """Re-run ``node_ids`` of a finished run in a new run; everything else keeps its result.

        With ``reuse=True`` the restarted nodes and everything downstream are checked first:
        a node whose fingerprint has not changed is reused at once, so only changed nodes (a
        fixed notebook) and what is downstream of a change run again; ``node_ids`` may then be
        empty or None: every node of the start trigger is restarted (all of them checked).

        Allowed on COMPLETED runs (as in Glue) and, beyond Glue, on STOPPED ones (including runs
        whose owner died), once at a time. Any JOB or CRAWLER node may be named, not only
        attempted ones. Returns the new run id and the node ids actually restarted (a node
        downstream of another named node is dropped: it runs anyway if its trigger fires)."""
        if reuse and not node_ids:
            node_ids = []
        elif not isinstance(node_ids, (list, tuple)) or not node_ids:
            raise InvalidInputException("NodeIds must be a non-empty list of node UniqueIds")
        chosen = self.executor(executor)
        self.reap_orphans()
        new_id = new_run_id()
        with self.store.transaction():
            old = self._run_row(name, run_id)
            if old["status"] not in (_W.COMPLETED, _W.STOPPED):
                raise IllegalWorkflowStateException(
                    f"workflow run {run_id} of {name!r} is {old['status']}; only COMPLETED or "
                    "STOPPED runs can be resumed"
                )
            other = self.ledger.runs.active_resumption(run_id)
            if other is not None:
                raise IllegalWorkflowStateException(
                    f"workflow run {run_id} of {name!r} is being resumed already, by run "
                    f"{other['run_id']} ({other['status']}); wait for it or stop it first"
                )
            self._check_run_limit(name)
            design = loads(old["design"])
            graph = design_graph(name, design["triggers"])
            plan = TriggerPlan(graph)
            valid = {uid: n for uid, n in graph.nodes.items() if n.type != "TRIGGER"}
            if not node_ids and graph.start_trigger is not None:  # reuse: every node is checked
                node_ids = [a.node for a in plan.actions(graph.start_trigger["Name"])]
            for uid in node_ids:
                if uid not in valid:
                    listing = ", ".join(f"{u} ({n.name})" for u, n in list(valid.items())[:20])
                    raise InvalidInputException(
                        f"NodeIds: {uid!r} is not a job or crawler node of workflow {name!r}; "
                        f"valid: {listing}"
                    )
            selected = list(dict.fromkeys(node_ids))
            below = graph.downstream(selected)
            restarted = [uid for uid in selected if uid not in below]
            reset = set(selected) | below
            old_inherited: dict[str, str] = loads(old["options"], {}).get("inherited", {})
            inherited: dict[str, str] = {}
            finals: dict[str, str] = {}
            for uid in valid:
                if uid in reset:
                    continue
                source = run_id if self._node_latest(run_id, uid) else old_inherited.get(uid)
                if source is None:
                    continue
                inherited[uid] = source
                latest = self._node_latest(source, uid)
                if latest is not None:
                    finals[uid] = latest[0]
            fired = {
                trigger: at
                for trigger, at in self.ledger.runs.fired(run_id).items()
                if graph.id_of("TRIGGER", trigger) not in reset
            }
            starts = []
            for uid in restarted:
                latest = self._node_latest(run_id, uid)
                starts.append(plan.action_for(uid, latest[1] if latest else None))
            driver = RunDriver(self, chosen, run_id=new_id, workflow=name, graph=graph,
                               fired=fired, finals=finals, resume=starts,
                               reuse=reuse)  # fmt: skip
            self._register(new_id, driver)
            with self._owning(driver):
                self.ledger.runs.insert(
                    new_id, name, _W.RUNNING, previous_run_id=run_id,
                    properties=loads(old["run_properties"], {}), design=design,
                    owner_token=self.owner_token,
                    options={**_options(chosen, reuse), "inherited": inherited,
                             "resumed_nodes": restarted},
                )  # fmt: skip
                self.ledger.runs.record_fires(new_id, fired)
        return new_id, restarted

    def _node_latest(self, run_id: str, uid: str) -> tuple[str, str | None] | None:
        """(final state, starting trigger) of a node's latest job run or crawl in a run."""
        row = self.ledger.job_runs.latest_of_node(run_id, uid) or self.ledger.crawls.latest_of_node(
            run_id, uid
        )
        return None if row is None else (row["state"], row["trigger_name"])

    def _check_run_limit(self, name: str) -> None:
        """ResumeWorkflowRun, like StartWorkflowRun, respects the workflow's MaxConcurrentRuns."""
        limit = self.definitions.workflow(name).get("MaxConcurrentRuns")
        if limit is None:
            return
        active = self.ledger.runs.count_active(name)
        if active >= limit:
            raise ConcurrentRunsExceededException(
                f"Concurrent runs exceeded for workflow: {name}. {active} run(s) active, "
                f"MaxConcurrentRuns is {limit}"
            )

    # -- standalone job runs and crawls -----------------------------------------------------------
    def start_job_run(
        self,
        job_name: str,
        arguments: Mapping[str, str] | None = None,
        *,
        timeout: int | float | None = None,
        retry_of: str | None = None,
        executor: Executor | str | Any | None = None,
        trigger_name: str | None = None,
        glue_fields: Mapping[str, Any] | None = None,
    ) -> str:
        """StartJobRun outside any workflow: a unit of one node, driven like a workflow's node
        (retries, timeout, stop). Beyond the job's MaxConcurrentRuns it waits (WAITING) when the
        job has JobRunQueuingEnabled, else raises ConcurrentRunsExceededException. Inside a
        caller's transaction, it starts once that transaction commits."""
        args = check_string_map(f"Job {job_name!r} Arguments", arguments)
        chosen = self.executor(executor)
        self.reap_orphans()
        attempt, previous = 0, None
        driver = RunDriver(self, chosen, label=f"job-{job_name}"[:40])
        with self._owning(driver):
            job = self.definitions.job(job_name)
            check_runnable(job)
            if retry_of is not None:
                prev = self.ledger.job_runs.get(retry_of, job_name)
                if prev is None:
                    raise EntityNotFoundException(
                        f"job run {retry_of} of job {job_name!r} not found"
                    )
                args = {**loads(prev["arguments"], {}), **args}
                attempt, previous = prev["attempt"] + 1, retry_of
            action: dict[str, Any] = {"Arguments": args}
            if timeout is not None:
                action["Timeout"] = timeout
            key = driver.start_job(None, job_name, trigger_name, action, attempt=attempt,
                                   previous=previous, strict=True,
                                   glue_fields=glue_fields)  # fmt: skip
        return key

    def stop_job_run(self, job_name: str, job_run_id: str) -> None:
        """Stop one job run (BatchStopJobRun), whichever process drives it: a store write
        (STOPPING) that its owner acts on, at once when it is this process.

        A job run of a workflow run stops alone: the run goes on and conditions on STOPPED can
        fire. A waiting job run ends STOPPED before it starts."""
        self.reap_orphans()
        with self.store.transaction():
            row = self.ledger.job_runs.get(job_run_id, job_name)
            if row is None:
                raise EntityNotFoundException(
                    f"job run {job_run_id!r} of job {job_name!r} not found"
                )
            state = JobRunState(row["state"])
            if state is JobRunState.STOPPING:
                self._force_stop(row)
                return
            if state not in (JobRunState.STARTING, JobRunState.RUNNING, JobRunState.WAITING):
                raise InvalidInputException(
                    f"job run {job_run_id} of job {job_name!r} is {state.value}; only "
                    "STARTING, RUNNING or WAITING job runs can be stopped"
                )
            self.ledger.job_runs.set_state(job_run_id, JobRunState.STOPPING)
        self._wake(job_run_id)

    def _force_stop(self, row: Any) -> None:
        """A second stop of a job run asked to stop :data:`FORCE_STOP_AFTER` seconds ago or
        more ends it STOPPED whatever its owner does: a stuck job run can always be cleared."""
        waited = now() - row["last_modified_on"]
        what = f"job run {row['id']} of job {row['job_name']!r}"
        if waited < FORCE_STOP_AFTER and self.driver(row["id"]) is None:
            raise InvalidInputException(
                f"{what} is being stopped already (asked {waited:.0f} s ago); if its owner "
                f"does not end it, stop it again after {FORCE_STOP_AFTER:.0f} s to force it"
            )
        if waited < FORCE_STOP_AFTER:  # this process drives it: act now
            self._wake(row["id"])
            return
        self.ledger.job_runs.set_state(
            row["id"], JobRunState.STOPPED,
            error=f"Stopped: forced by a second stop; its owner had not ended it {waited:.0f} s "
            "after the first",
        )  # fmt: skip

    def start_crawl(
        self,
        crawler: str,
        *,
        trigger_name: str | None = None,
        executor: Executor | str | Any | None = None,
    ) -> str:
        """StartCrawler: a unit of one crawl, driven like a workflow's crawler node → the
        crawl's id (CrawlerRunningException when it is not READY)."""
        chosen = self.executor(executor)
        self.reap_orphans()
        driver = RunDriver(self, chosen, label=f"crawl-{crawler}"[:40])
        with self._owning(driver):
            key = driver.start_crawl(None, crawler, trigger_name, strict=True)
        return key

    def stop_crawl(self, crawler: str) -> None:
        """StopCrawler, whichever process drives the crawl (its crawl ends CANCELLED)."""
        self.reap_orphans()
        from glue_nb.crawlers import CrawlerService

        crawl_id = CrawlerService(self.store).request_stop(crawler)
        self._wake(crawl_id)

    def wait(self, key: str, timeout: float | None = None) -> bool:
        """Wait for this process's driver of ``key`` (a run, job run or crawl) to end → True
        when it has (or none drives it here)."""
        driver = self.driver(key)
        if driver is not None:
            driver.join(timeout)
            return not driver.is_alive()
        return True

    def stop_everything(self) -> list[str]:
        """Ask everything this process drives to stop (runs end STOPPED and stay resumable,
        job runs STOPPED, crawls CANCELLED) → the keys asked."""
        asked = []
        for driver in self.active_drivers():
            targets = [driver.run_id] if driver.run_id else driver.keys
            for key in targets:
                try:
                    if driver.run_id:
                        assert driver.workflow is not None
                        self.stop_workflow_run(driver.workflow, key)
                    elif key.startswith("jr_"):
                        row = self.ledger.job_runs.get(key)
                        if row is not None:
                            self.stop_job_run(row["job_name"], key)
                    else:
                        row = self.ledger.crawls.get(key)
                        if row is not None:
                            self.stop_crawl(row["crawler_name"])
                    asked.append(key)
                except GlueNbError:  # it ended meanwhile
                    pass
        return asked

    def _wake(self, key: str) -> None:
        driver = self.driver(key)
        if driver is not None:
            driver.wake()

    # -- reading ----------------------------------------------------------------------------------
    def reap_orphans(self) -> list[str]:
        """End the work of every owner process that is gone → the run ids it ended."""
        return reap_orphans(self.ledger)

    def output_root(self) -> str:
        """Where executed notebooks and logs go: ``$GLUE_NB_OUTPUT_ROOT`` or ``<home>/runs``."""
        return output_root(self.store.home)

    def _run_row(self, name: str, run_id: str) -> Any:
        row = self.ledger.runs.get(run_id, name)
        if row is None:
            self.definitions.workflow(name)  # EntityNotFound for the workflow first
            raise EntityNotFoundException(f"workflow run {run_id!r} of {name!r} not found")
        return row


def _options(executor: Executor, reuse: bool | None) -> dict[str, Any]:
    """A run's options as recorded: its executor, and its reuse choice when one was made."""
    out: dict[str, Any] = {"executor": executor.describe()}
    if reuse is not None:
        out["reuse"] = bool(reuse)
    return out


def _launch(driver: RunDriver) -> None:
    wait_for_drivers_at_exit()
    driver.start()
