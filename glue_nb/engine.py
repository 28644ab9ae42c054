"""The engine: workflow runs as state machines, driven in the process that starts them.

A run is driven by a :class:`RunDriver` thread of its owner process. The driver fires the start
trigger, submits each action to an executor as a self-contained spec, records every transition in
the store (one transaction each), merges the jobs' run-property updates, retries failed jobs, and
after every node result evaluates the run's conditional triggers (AND / ANY, each at most once per
run). When nothing runs or waits any more the run is COMPLETED, whatever its actions' outcome:
Glue's Statistics tell what happened.

Other processes never talk to the driver: they read the store. A stop request is a store write
(status STOPPING) that the owner's driver picks up within half a second. The owner writes a
heartbeat; a run whose owner is gone (a dead pid on this host, or a heartbeat older than
:data:`STALE_AFTER` seconds from another host) is marked STOPPED by the next reader, with a message
saying so, and can then be resumed.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glue_nb.definitions import Definitions
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    CrawlerRunningException,
    EntityNotFoundException,
    GlueNbError,
    IllegalWorkflowStateException,
    InvalidInputException,
)
from glue_nb.executors import Executor, Handle, Task, get_executor
from glue_nb.graph import DesignGraph, design_graph
from glue_nb.ids import new_job_run_id, new_run_id, safe_name
from glue_nb.jobs.spec import JobResult, JobSpec
from glue_nb.model import NOTEBOOK_COMMAND, check_string_map, is_url
from glue_nb.owner import HEARTBEAT_EVERY, STALE_AFTER, current_owner, owner_alive
from glue_nb.runs import fired_triggers
from glue_nb.states import JOB_RUN_ACTIVE
from glue_nb.store import Store, dumps, loads
from glue_nb.timeutil import now

__all__ = ["HEARTBEAT_EVERY", "STALE_AFTER", "Engine", "RunDriver"]

log = logging.getLogger(__name__)

STOP_POLL_EVERY = 0.5
_ACTIVE_RUN = ("RUNNING", "STOPPING")


@dataclass
class _Active:
    """A task in flight for one node of a run."""

    node: str  # node UniqueId
    kind: str  # "job" | "crawl"
    name: str  # job or crawler name
    key: str  # job run id / crawl id
    trigger: str | None
    action: dict[str, Any]
    attempt: int = 0
    handle: Handle | None = None
    stop_requested: bool = False


@dataclass
class _Waiting:
    node: str
    name: str
    trigger: str | None
    action: dict[str, Any]
    key: str
    attempt: int = 0
    previous: str | None = None


@dataclass
class RunState:
    """What a driver knows of its run (rebuilt from the store for a resumed run)."""

    fired: dict[str, float] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)  # node id -> final state


class Engine:
    """Starts, stops and resumes runs of one store; one per store and process."""

    _instances: dict[str, Engine] = {}
    _lock = threading.Lock()

    def __init__(self, store: Store, executor: Executor | str | None = None) -> None:
        self.store = store
        self.definitions = Definitions(store)
        self._executor_choice = executor
        self._drivers: dict[str, RunDriver] = {}
        self._job_handles: dict[str, Handle] = {}  # standalone job runs of this process
        self._job_stops_asked: set[str] = set()
        self._jobs_lock = threading.Lock()
        self._supervisor: threading.Thread | None = None

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

    # -- starting ------------------------------------------------------------------------------
    def start_workflow_run(
        self,
        name: str,
        run_properties: Mapping[str, str] | None = None,
        *,
        executor: Executor | str | Any | None = None,
        start_condition: Mapping[str, int] | None = None,
        error_when_busy: bool = False,
    ) -> str:
        """Start a run of ``name`` now: its start trigger's actions run, whatever its type.

        Beyond the workflow's MaxConcurrentRuns this raises ConcurrentRunsExceededException, or
        with ``error_when_busy`` (scheduled and event starts) records a run with Status ERROR.
        """
        props = check_string_map(f"Workflow {name!r} RunProperties", run_properties)
        chosen = self.executor(executor)
        self.reap_orphans()
        run_id = new_run_id()
        with self.store.transaction() as conn:
            workflow = self.definitions.workflow(name)
            triggers = self.definitions.workflow_triggers(name, conn)
            graph = design_graph(name, triggers)
            if graph.start_trigger is None:
                raise InvalidInputException(
                    f"workflow {name!r} has no start trigger; add an ON_DEMAND, SCHEDULED or "
                    "EVENT trigger with WorkflowName set to it"
                )
            limit = workflow.get("MaxConcurrentRuns")
            status, error = "RUNNING", None
            if limit is not None:
                active = conn.execute(
                    "SELECT COUNT(*) FROM workflow_runs WHERE workflow_name=? AND status IN "
                    "('RUNNING','STOPPING')",
                    (name,),
                ).fetchone()[0]
                if active >= limit:
                    message = f"Concurrent runs exceeded for workflow: {name}."
                    if not error_when_busy:
                        raise ConcurrentRunsExceededException(
                            f"{message} {active} run(s) active, MaxConcurrentRuns is {limit}"
                        )
                    status, error = "ERROR", message
            t = now()
            conn.execute(
                "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, "
                "completed_on, error_message, run_properties, design, start_condition, owner, "
                "heartbeat_on, options) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    name,
                    status,
                    t,
                    t if status == "ERROR" else None,
                    error,
                    dumps({**workflow.get("DefaultRunProperties", {}), **props}),
                    dumps({"triggers": triggers}),
                    dumps(dict(start_condition)) if start_condition else None,
                    dumps(current_owner()),
                    t,
                    dumps({"executor": chosen.describe()}),
                ),
            )
        if status == "RUNNING":
            self._drive(RunDriver(self, run_id, name, graph, chosen, RunState(), start=True))
        return run_id

    def _drive(self, driver: RunDriver) -> None:
        self._drivers[driver.run_id] = driver
        _wait_for_runs_at_exit()
        driver.start()

    def driver(self, run_id: str) -> RunDriver | None:
        return self._drivers.get(run_id)

    # -- stopping --------------------------------------------------------------------------------
    def stop_workflow_run(self, name: str, run_id: str) -> None:
        """Ask a run to stop (any process may ask; the owner's driver acts on it)."""
        self.reap_orphans()
        with self.store.transaction() as conn:
            row = self._run_row(conn, name, run_id)
            if row["status"] not in _ACTIVE_RUN:
                raise IllegalWorkflowStateException(
                    f"workflow run {run_id} of {name!r} is {row['status']}; only RUNNING runs "
                    "can be stopped"
                )
            if row["status"] == "RUNNING":
                conn.execute("UPDATE workflow_runs SET status='STOPPING' WHERE run_id=?", (run_id,))
        driver = self._drivers.get(run_id)
        if driver is not None:
            driver.wake()

    # -- resuming --------------------------------------------------------------------------------
    def resume_workflow_run(
        self,
        name: str,
        run_id: str,
        node_ids: Sequence[str],
        *,
        executor: Executor | str | Any | None = None,
    ) -> tuple[str, list[str]]:
        """Re-run ``node_ids`` of a finished run in a new run; everything else keeps its result.

        Allowed on COMPLETED runs (as in Glue) and, beyond Glue, on STOPPED ones (including runs
        whose owner died). Any JOB or CRAWLER node may be named, not only attempted ones.
        Returns the new run id and the node ids actually restarted (a node downstream of another
        named node is dropped: it runs anyway if its trigger fires).
        """
        if not isinstance(node_ids, (list, tuple)) or not node_ids:
            raise InvalidInputException("NodeIds must be a non-empty list of node UniqueIds")
        chosen = self.executor(executor)
        self.reap_orphans()
        new_id = new_run_id()
        with self.store.transaction() as conn:
            old = self._run_row(conn, name, run_id)
            if old["status"] not in ("COMPLETED", "STOPPED"):
                raise IllegalWorkflowStateException(
                    f"workflow run {run_id} of {name!r} is {old['status']}; only COMPLETED or "
                    "STOPPED runs can be resumed"
                )
            _check_run_limit(conn, name)
            design = loads(old["design"])
            graph = design_graph(name, design["triggers"])
            valid = {uid: n for uid, n in graph.nodes.items() if n.type != "TRIGGER"}
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
            old_opts = loads(old["options"], {})
            old_inherited: dict[str, str] = old_opts.get("inherited", {})
            ran_in_old = self._nodes_with_runs(conn, run_id)
            inherited = {}
            for uid in valid:
                if uid in reset:
                    continue
                if uid in ran_in_old:
                    inherited[uid] = run_id
                elif uid in old_inherited:
                    inherited[uid] = old_inherited[uid]
            fired = {
                trigger: at
                for trigger, at in fired_triggers(conn, run_id).items()
                if graph.id_of("TRIGGER", trigger) not in reset
            }
            t = now()
            conn.execute(
                "INSERT INTO workflow_runs(run_id, workflow_name, previous_run_id, status, "
                "started_on, run_properties, design, owner, heartbeat_on, options) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    new_id,
                    name,
                    run_id,
                    "RUNNING",
                    t,
                    old["run_properties"],
                    old["design"],
                    dumps(current_owner()),
                    t,
                    dumps(
                        {
                            "executor": chosen.describe(),
                            "inherited": inherited,
                            "resumed_nodes": restarted,
                        }
                    ),
                ),
            )
            conn.executemany(
                "INSERT INTO run_fired_triggers(run_id, trigger_name, fired_on) VALUES (?,?,?)",
                [(new_id, trigger, at) for trigger, at in fired.items()],
            )
            state = RunState(fired=fired, final=self._inherited_finals(conn, inherited))
            origins = self._origins(conn, run_id, old_inherited, graph, restarted)
        driver = RunDriver(self, new_id, name, graph, chosen, state, start=False, resume=origins)
        self._drive(driver)
        return new_id, restarted

    def _nodes_with_runs(self, conn: Any, run_id: str) -> set[str]:
        rows = conn.execute(
            "SELECT node_id FROM job_runs WHERE workflow_run_id=? UNION "
            "SELECT node_id FROM crawls WHERE workflow_run_id=?",
            (run_id, run_id),
        )
        return {r[0] for r in rows if r[0]}

    def _inherited_finals(self, conn: Any, inherited: Mapping[str, str]) -> dict[str, str]:
        finals: dict[str, str] = {}
        for uid, source in inherited.items():
            row = (
                conn.execute(
                    "SELECT state FROM job_runs WHERE workflow_run_id=? AND node_id=? "
                    "ORDER BY started_on DESC, attempt DESC LIMIT 1",
                    (source, uid),
                ).fetchone()
                or conn.execute(
                    "SELECT state FROM crawls WHERE workflow_run_id=? AND node_id=? "
                    "ORDER BY started_on DESC LIMIT 1",
                    (source, uid),
                ).fetchone()
            )
            if row is not None:
                finals[uid] = row[0]
        return finals

    def _origins(
        self,
        conn: Any,
        run_id: str,
        inherited: Mapping[str, str],
        graph: DesignGraph,
        nodes: Sequence[str],
    ) -> list[tuple[str, str | None, dict]]:
        """For each node to restart: the trigger (and action) that started it before."""
        out = []
        for uid in nodes:
            source = run_id
            row = conn.execute(
                "SELECT trigger_name FROM job_runs WHERE workflow_run_id=? AND node_id=? "
                "UNION SELECT trigger_name FROM crawls WHERE workflow_run_id=? AND node_id=?",
                (source, uid, source, uid),
            ).fetchone()
            trigger_name = row[0] if row else None
            action = _action_for(graph, uid, trigger_name)
            out.append((uid, action[0], action[1]))
        return out

    # -- standalone job runs ---------------------------------------------------------------------
    def start_job_run(
        self,
        job_name: str,
        arguments: Mapping[str, str] | None = None,
        *,
        timeout: float | None = None,
        retry_of: str | None = None,
        executor: Executor | str | Any | None = None,
    ) -> str:
        """StartJobRun outside any workflow (ConcurrentRunsExceeded beyond the job's limit)."""
        args = check_string_map(f"Job {job_name!r} Arguments", arguments)
        chosen = self.executor(executor)
        self.reap_orphans()
        attempt, previous = 0, None
        with self.store.transaction() as conn:
            job = self.definitions.job(job_name, conn)
            _runnable(job)
            if retry_of is not None:
                prev = conn.execute(
                    "SELECT * FROM job_runs WHERE id=? AND job_name=?", (retry_of, job_name)
                ).fetchone()
                if prev is None:
                    raise EntityNotFoundException(
                        f"job run {retry_of} of job {job_name!r} not found"
                    )
                args = {**loads(prev["arguments"]), **args}
                attempt, previous = prev["attempt"] + 1, retry_of
            limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
            if _active_job_runs(conn, job_name) >= limit:
                raise ConcurrentRunsExceededException(
                    f"Job {job_name!r} already has {limit} run(s) active "
                    f"(ExecutionProperty.MaxConcurrentRuns={limit})"
                )
            run_id = new_job_run_id()
            merged = _merge_arguments(job, args)
            minutes = timeout if timeout is not None else job["Timeout"]
            _insert_job_run(
                conn,
                run_id,
                job_name,
                None,
                None,
                None,
                None,
                attempt,
                previous,
                "RUNNING",
                merged,
                minutes,
                owner=current_owner(),
            )
        spec = self._job_spec(job, run_id, merged, minutes, None, None, attempt, {})
        handle = chosen.submit(Task("notebook", run_id, spec))
        with self._jobs_lock:
            self._job_handles[run_id] = handle
        self._supervise_job_runs()
        ended = threading.Event()
        _pending_job_runs.add(ended)
        _wait_for_runs_at_exit()

        def done(result: JobResult | None, error: BaseException | None) -> None:
            try:
                self._finish_standalone(job_name, result or _lost(run_id, error), chosen)
            finally:
                with self._jobs_lock:
                    self._job_handles.pop(run_id, None)
                    self._job_stops_asked.discard(run_id)
                _pending_job_runs.discard(ended)
                ended.set()

        handle.add_done_callback(done)
        return run_id

    def _finish_standalone(
        self, job_name: str, result: JobResult, executor: Executor | None = None
    ) -> None:
        _record_result(self.store, result, run_id=None)
        if result.state == "FAILED":
            try:
                job = self.definitions.job(job_name)
                with self.store.read() as conn:
                    row = conn.execute(
                        "SELECT attempt FROM job_runs WHERE id=?", (result.job_run_id,)
                    ).fetchone()
                if row["attempt"] < job.get("MaxRetries", 0):
                    # the retry runs where the failed attempt ran
                    self.start_job_run(job_name, retry_of=result.job_run_id, executor=executor)
            except GlueNbError as exc:
                log.warning("could not retry job run %s: %s", result.job_run_id, exc)

    def stop_job_run(self, job_name: str, job_run_id: str) -> None:
        """Stop one job run (BatchStopJobRun), whichever process runs it: a store write
        (STOPPING) that the owner acts on within half a second; at once when it is this one.

        A job run of a workflow run stops alone: the run goes on and conditions on STOPPED can
        fire. A waiting job run ends STOPPED before it starts."""
        self.reap_orphans()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT state, workflow_run_id FROM job_runs WHERE id=? AND job_name=?",
                (job_run_id, job_name),
            ).fetchone()
            if row is None:
                raise EntityNotFoundException(
                    f"job run {job_run_id!r} of job {job_name!r} not found"
                )
            if row["state"] not in ("STARTING", "RUNNING", "WAITING"):
                raise InvalidInputException(
                    f"job run {job_run_id} of job {job_name!r} is {row['state']}; only "
                    "STARTING, RUNNING or WAITING job runs can be stopped"
                )
            conn.execute(
                "UPDATE job_runs SET state='STOPPING', last_modified_on=? WHERE id=?",
                (now(), job_run_id),
            )
        if row["workflow_run_id"]:
            driver = self._drivers.get(row["workflow_run_id"])
            if driver is not None:
                driver.wake()
        else:
            self._stop_standalone(job_run_id)

    def _stop_standalone(self, job_run_id: str) -> None:
        """Stop a standalone job run of this process (once; its result comes back STOPPED)."""
        with self._jobs_lock:
            handle = self._job_handles.get(job_run_id)
            if handle is None or job_run_id in self._job_stops_asked:
                return
            self._job_stops_asked.add(job_run_id)
        handle.stop()

    def _supervise_job_runs(self) -> None:
        """Make sure a thread watches this process's standalone job runs while there are any:
        it acts on stop requests written by other processes and keeps their heartbeat fresh."""
        with self._jobs_lock:
            if self._supervisor is not None and self._supervisor.is_alive():
                return
            self._supervisor = threading.Thread(
                target=self._watch_job_runs, name="glue-nb-job-runs", daemon=True
            )
            self._supervisor.start()

    def _watch_job_runs(self) -> None:
        last_beat = time.monotonic()
        try:
            while True:
                time.sleep(STOP_POLL_EVERY)
                with self._jobs_lock:
                    ids = list(self._job_handles)
                    if not ids:
                        self._supervisor = None
                        return
                marks = ",".join("?" * len(ids))
                with self.store.read() as conn:
                    asked = [
                        r[0]
                        for r in conn.execute(
                            f"SELECT id FROM job_runs WHERE state='STOPPING' AND id IN ({marks})",
                            ids,
                        )
                    ]
                for job_run_id in asked:
                    self._stop_standalone(job_run_id)
                if time.monotonic() - last_beat >= HEARTBEAT_EVERY:
                    last_beat = time.monotonic()
                    with self.store.transaction() as conn:
                        conn.execute(
                            f"UPDATE job_runs SET heartbeat_on=? WHERE id IN ({marks})",
                            [now(), *ids],
                        )
        except Exception:  # never let a store hiccup kill the process; the next start retries
            log.exception("watching standalone job runs failed")
            with self._jobs_lock:
                self._supervisor = None
        finally:
            self.store.close()

    # -- specs -----------------------------------------------------------------------------------
    def output_root(self) -> str:
        """Where executed notebooks and logs go: ``$GLUE_NB_OUTPUT_ROOT`` or ``<home>/runs``."""
        return os.environ.get("GLUE_NB_OUTPUT_ROOT") or str(self.store.runs_root)

    def _job_spec(
        self,
        job: Mapping[str, Any],
        job_run_id: str,
        arguments: dict[str, str],
        timeout_minutes: float,
        workflow: str | None,
        run_id: str | None,
        attempt: int,
        properties: dict[str, str],
    ) -> JobSpec:
        root = self.output_root().rstrip("/")
        folder = f"{safe_name(workflow)}/{run_id}" if workflow and run_id else "_jobs"
        stem = f"{safe_name(job['Name'])}-attempt{attempt}-{job_run_id[3:15]}"
        output = f"{root}/{folder}/{stem}.ipynb"
        log_path = None if is_url(root) else f"{root}/{folder}/{stem}"
        if not is_url(root):
            resolved = Path(output).resolve()
            if Path(root).resolve() not in resolved.parents:  # defence in depth
                raise InvalidInputException(f"output path {output!r} escapes {root!r}")
        return JobSpec(
            job_run_id=job_run_id,
            job_name=job["Name"],
            notebook=job["Command"]["ScriptLocation"],
            arguments=arguments,
            output_path=output,
            log_path=log_path,
            workflow_name=workflow,
            workflow_run_id=run_id,
            attempt=attempt,
            timeout_seconds=timeout_minutes * 60 if timeout_minutes else None,
            kernel_name=job["Command"].get("KernelName"),
            run_properties=properties,
            home=str(self.store.home),
        )

    # -- orphans ---------------------------------------------------------------------------------
    def reap_orphans(self) -> list[str]:
        """Mark runs (and standalone job runs) whose owner process is gone as STOPPED."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT run_id, owner, heartbeat_on FROM workflow_runs "
                "WHERE status IN ('RUNNING','STOPPING')"
            ).fetchall()
            jobs = conn.execute(
                "SELECT id, owner, heartbeat_on FROM job_runs WHERE workflow_run_id IS NULL "
                "AND state IN ('STARTING','RUNNING','STOPPING','WAITING')"
            ).fetchall()
        dead = [r for r in rows if not owner_alive(loads(r["owner"]), r["heartbeat_on"])]
        dead_jobs = [j for j in jobs if not owner_alive(loads(j["owner"]), j["heartbeat_on"])]
        if not dead and not dead_jobs:
            return []
        reaped = []
        with self.store.transaction() as conn:
            for r in dead:
                current = conn.execute(
                    "SELECT status, owner, heartbeat_on FROM workflow_runs WHERE run_id=?",
                    (r["run_id"],),
                ).fetchone()
                if current["status"] not in _ACTIVE_RUN or owner_alive(
                    loads(current["owner"]), current["heartbeat_on"]
                ):
                    continue
                owner = loads(current["owner"]) or {}
                message = (
                    f"The process that ran this workflow run (pid {owner.get('pid')} on "
                    f"{owner.get('host')}) is gone: it exited or was killed while the run was "
                    f"{current['status']}. The run was marked STOPPED; resume it with "
                    "resume_workflow_run."
                )
                t = now()
                conn.execute(
                    "UPDATE workflow_runs SET status='STOPPED', completed_on=?, error_message=? "
                    "WHERE run_id=?",
                    (t, message, r["run_id"]),
                )
                conn.execute(
                    "UPDATE job_runs SET state='STOPPED', completed_on=?, last_modified_on=?, "
                    "error_message=? WHERE workflow_run_id=? AND state IN "
                    "('STARTING','RUNNING','STOPPING','WAITING')",
                    (t, t, "Stopped: the workflow run's owner process is gone", r["run_id"]),
                )
                _cancel_crawls(conn, r["run_id"])
                reaped.append(r["run_id"])
            for j in dead_jobs:
                conn.execute(
                    "UPDATE job_runs SET state='STOPPED', completed_on=?, last_modified_on=?, "
                    "error_message=? WHERE id=? AND state IN "
                    "('STARTING','RUNNING','STOPPING','WAITING')",
                    (
                        now(),
                        now(),
                        "Stopped: the process that started this job run is gone",
                        j["id"],
                    ),
                )
        return reaped

    # -- helpers ---------------------------------------------------------------------------------
    def _run_row(self, conn: Any, name: str, run_id: str) -> Any:
        row = conn.execute(
            "SELECT * FROM workflow_runs WHERE run_id=? AND workflow_name=?", (run_id, name)
        ).fetchone()
        if row is None:
            known = conn.execute("SELECT 1 FROM workflows WHERE name=?", (name,)).fetchone()
            if known is None:
                raise EntityNotFoundException(f"workflow {name!r} not found")
            raise EntityNotFoundException(f"workflow run {run_id!r} of {name!r} not found")
        return row

    def active_drivers(self) -> list[RunDriver]:
        return [d for d in self._drivers.values() if d.is_alive()]


def _check_run_limit(conn: Any, name: str) -> None:
    """ResumeWorkflowRun, like StartWorkflowRun, respects the workflow's MaxConcurrentRuns."""
    row = conn.execute("SELECT body FROM workflows WHERE name=?", (name,)).fetchone()
    limit = loads(row["body"], {}).get("MaxConcurrentRuns") if row is not None else None
    if limit is None:
        return
    active = conn.execute(
        "SELECT COUNT(*) FROM workflow_runs WHERE workflow_name=? AND status IN "
        "('RUNNING','STOPPING')",
        (name,),
    ).fetchone()[0]
    if active >= limit:
        raise ConcurrentRunsExceededException(
            f"Concurrent runs exceeded for workflow: {name}. {active} run(s) active, "
            f"MaxConcurrentRuns is {limit}"
        )


def _cancel_crawls(conn: Any, run_id: str) -> None:
    """The crawls of a run whose owner is gone end CANCELLED, their crawlers READY again."""
    from glue_nb.crawlers import cancel_orphaned_crawl

    rows = conn.execute(
        "SELECT * FROM crawls WHERE workflow_run_id=? AND state IN ('RUNNING','CANCELLING')",
        (run_id,),
    ).fetchall()
    for row in rows:
        cancel_orphaned_crawl(conn, row, "Cancelled: the workflow run's owner process is gone")


#: Standalone job runs of this process that have not ended (the exit hook waits for them).
_pending_job_runs: set[threading.Event] = set()


_exit_hook = threading.Lock()
_exit_hook_registered = False


def _wait_for_runs_at_exit() -> None:
    """Make a normal interpreter exit wait for the runs and job runs this process drives.

    Joining non-daemon threads is not enough: at exit, ``concurrent.futures`` stops its thread
    pools (a ``threading`` atexit hook) *before* threads are joined, so a driver that submits its
    next job afterwards would fail it with "cannot schedule new futures after interpreter
    shutdown". Our hook, registered after that one, runs first and waits until every driver
    and standalone job run of this process has ended.
    """
    global _exit_hook_registered
    with _exit_hook:
        if _exit_hook_registered:
            return
        import concurrent.futures.thread  # noqa: F401  (its hook must be registered before ours)

        register = getattr(threading, "_register_atexit", None)
        if register is None:  # pragma: no cover - not CPython
            return
        try:
            register(_join_runs)
        except RuntimeError:  # already shutting down
            return
        _exit_hook_registered = True


def _join_runs() -> None:
    while True:
        drivers = [t for t in threading.enumerate() if isinstance(t, RunDriver) and t.is_alive()]
        pending = list(_pending_job_runs)
        if not drivers and not pending:
            return
        for t in drivers:
            t.join()
        for done in pending:
            done.wait()


def _lost(key: str, error: BaseException | None) -> JobResult:
    t = now()
    message = f"{type(error).__name__}: {error}" if error else "the job's result was lost"
    return JobResult(key, "FAILED", t, t, error_message=f"Executor error: {message}"[:2048])


def _runnable(job: Mapping[str, Any]) -> None:
    command = job["Command"]
    if command.get("Name") != NOTEBOOK_COMMAND:
        raise InvalidInputException(
            f"Job {job['Name']!r} has Command.Name {command.get('Name')!r}, which glue-nb cannot "
            f"run; point it at a notebook: Command={{'Name': 'notebook', 'ScriptLocation': "
            f"'path/to/job.ipynb'}}"
        )


def _merge_arguments(job: Mapping[str, Any], extra: Mapping[str, str]) -> dict[str, str]:
    return {
        **job.get("DefaultArguments", {}),
        **extra,
        **job.get("NonOverridableArguments", {}),
    }


def _active_job_runs(conn: Any, job_name: str) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM job_runs WHERE job_name=? AND state IN "
            "('STARTING','RUNNING','STOPPING')",
            (job_name,),
        ).fetchone()[0]
    )


def _insert_job_run(
    conn: Any,
    job_run_id: str,
    job_name: str,
    workflow: str | None,
    run_id: str | None,
    node: str | None,
    trigger: str | None,
    attempt: int,
    previous: str | None,
    state: str,
    arguments: Mapping[str, str],
    timeout: float | None,
    *,
    error: str | None = None,
    owner: dict | None = None,
) -> None:
    t = now()
    conn.execute(
        "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, node_id, "
        "trigger_name, attempt, previous_run_id, state, arguments, started_on, "
        "last_modified_on, completed_on, error_message, timeout, owner, heartbeat_on) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            job_run_id,
            job_name,
            workflow,
            run_id,
            node,
            trigger,
            attempt,
            previous,
            state,
            dumps(dict(arguments)),
            t,
            t,
            t if state not in JOB_RUN_ACTIVE else None,
            error,
            timeout,
            dumps(owner) if owner else None,
            t if owner else None,
        ),
    )


def _record_result(store: Store, result: JobResult, run_id: str | None) -> None:
    """Record a job run's end and merge its property updates into the run, in one transaction."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE job_runs SET state=?, completed_on=?, last_modified_on=?, error_message=?, "
            "error_detail=?, output_location=?, log_location=?, property_updates=? WHERE id=?",
            (
                result.state,
                result.completed_on,
                result.completed_on,
                result.error_message,
                dumps(result.error_detail) if result.error_detail else None,
                result.output_location,
                result.log_location,
                dumps(result.property_updates) if result.property_updates else None,
                result.job_run_id,
            ),
        )
        if run_id and result.property_updates:
            row = conn.execute(
                "SELECT run_properties FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()
            merged = {**loads(row["run_properties"], {}), **result.property_updates}
            conn.execute(
                "UPDATE workflow_runs SET run_properties=? WHERE run_id=?", (dumps(merged), run_id)
            )


def _action_for(
    graph: DesignGraph, uid: str, trigger_name: str | None
) -> tuple[str | None, dict[str, Any]]:
    """The trigger and action that start node ``uid`` (the given trigger first)."""
    node = graph.nodes[uid]
    key = "JobName" if node.type == "JOB" else "CrawlerName"
    names = [trigger_name] if trigger_name in graph.triggers else []
    names += [n for n in graph.triggers if n != trigger_name]
    for name in names:
        for action in graph.triggers[name].get("Actions", []):
            if action.get(key) == node.name:
                return name, dict(action)
    return None, {key: node.name}


class RunDriver(threading.Thread):
    """Drives one workflow run in its owner process (a non-daemon thread)."""

    def __init__(
        self,
        engine: Engine,
        run_id: str,
        workflow: str,
        graph: DesignGraph,
        executor: Executor,
        state: RunState,
        *,
        start: bool,
        resume: Sequence[tuple[str, str | None, dict]] = (),
    ) -> None:
        super().__init__(name=f"glue-nb-run-{run_id[:12]}", daemon=False)
        self.engine, self.store = engine, engine.store
        self.run_id, self.workflow, self.graph = run_id, workflow, graph
        self.executor = executor
        self.state = state
        self._start_trigger = start
        self._resume = list(resume)
        self.active: dict[str, _Active] = {}
        self.waiting: list[_Waiting] = []
        self.events: queue.Queue[tuple[str, Any, BaseException | None]] = queue.Queue()
        self.stopping = False
        self.finished = threading.Event()
        self._crawlers: Any = None
        self._dirty: set[str] = set()
        self._watching: dict[str, list[str]] | None = None

    def wake(self) -> None:
        self.events.put(("", None, None))

    # -- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if self._start_trigger:
                start = self.graph.start_trigger
                assert start is not None
                self._fire(start["Name"])
            for uid, trigger, action in self._resume:
                self._start_node(uid, trigger, action)
            self._evaluate(everything=True)
            last_beat = last_poll = time.monotonic()
            while self.active or self.waiting:
                try:
                    key, result, error = self.events.get(timeout=0.1)
                except queue.Empty:
                    key = ""
                if key:
                    self._on_result(key, result, error)
                clock = time.monotonic()
                if clock - last_poll >= STOP_POLL_EVERY or not key:
                    if clock - last_poll >= STOP_POLL_EVERY:
                        last_poll = clock
                        self._check_stop()
                    self._retry_waiting()
                if clock - last_beat >= HEARTBEAT_EVERY:
                    last_beat = clock
                    self._heartbeat()
                if key and not self.stopping:
                    self._evaluate()
            self._finish("STOPPED" if self.stopping else "COMPLETED")
        except BaseException as exc:  # an engine bug must not leave the run RUNNING
            log.exception("workflow run %s failed in the engine", self.run_id)
            for item in self.active.values():
                if item.handle is not None:
                    item.handle.stop()
            self._finish("ERROR", f"glue-nb engine error: {type(exc).__name__}: {exc}")
        finally:
            self.finished.set()

    def _heartbeat(self) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE workflow_runs SET heartbeat_on=? WHERE run_id=?", (now(), self.run_id)
            )

    def _check_stop(self) -> None:
        if self.stopping:
            return
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT status FROM workflow_runs WHERE run_id=?", (self.run_id,)
            ).fetchone()
        if row is not None and row["status"] == "STOPPING":
            self._stop_all()
        else:
            self._check_job_stops()

    def _check_job_stops(self) -> None:
        """Act on requests to stop single nodes of this run (store writes from any process):
        BatchStopJobRun of a job run, StopCrawler of a crawler crawling for this run."""
        if not self.active and not self.waiting:
            return
        with self.store.read() as conn:
            asked = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM job_runs WHERE workflow_run_id=? AND state='STOPPING' "
                    "UNION SELECT crawl_id FROM crawls WHERE workflow_run_id=? "
                    "AND state='CANCELLING'",
                    (self.run_id, self.run_id),
                )
            }
        for key in asked & set(self.active):
            item = self.active[key]
            if item.handle is not None and not item.stop_requested:
                item.stop_requested = True
                item.handle.stop()  # its result comes back STOPPED (a crawl: CANCELLED)
        for w in [w for w in self.waiting if w.key in asked]:
            self.waiting.remove(w)
            self._stopped_before_start(w.node, w.key)

    def _stopped_before_start(self, uid: str, key: str) -> None:
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE job_runs SET state='STOPPED', completed_on=?, last_modified_on=?, "
                "error_message='Stopped before it started (BatchStopJobRun)' WHERE id=?",
                (t, t, key),
            )
        self._set_final(uid, "STOPPED")
        self._evaluate()  # a trigger watching for STOPPED may fire now

    def _stop_all(self) -> None:
        self.stopping = True
        t = now()
        with self.store.transaction() as conn:
            for w in self.waiting:
                conn.execute(
                    "UPDATE job_runs SET state='STOPPED', completed_on=?, last_modified_on=?, "
                    "error_message='Stopped before it started: the workflow run was stopped' "
                    "WHERE id=?",
                    (t, t, w.key),
                )
            for item in self.active.values():
                if item.kind == "job":
                    conn.execute(
                        "UPDATE job_runs SET state='STOPPING', last_modified_on=? WHERE id=?",
                        (t, item.key),
                    )
        self.waiting.clear()
        for item in self.active.values():
            if item.handle is not None:
                item.handle.stop()

    def _finish(self, status: str, error: str | None = None) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE workflow_runs SET status=?, completed_on=?, heartbeat_on=?, "
                "error_message=COALESCE(?, error_message) WHERE run_id=?",
                (status, now(), now(), error, self.run_id),
            )

    # -- triggers --------------------------------------------------------------------------------
    def _set_final(self, uid: str, state: str) -> None:
        self.state.final[uid] = state
        self._dirty.add(uid)

    def _watchers(self) -> dict[str, list[str]]:
        """Node id → the conditional triggers watching it (built once per run)."""
        if self._watching is None:
            self._watching = {}
            for src, dst in self.graph.edges:
                node = self.graph.nodes[dst]
                if (
                    node.type == "TRIGGER"
                    and self.graph.triggers[node.name]["Type"] == "CONDITIONAL"
                ):
                    self._watching.setdefault(src, []).append(node.name)
        return self._watching

    def _evaluate(self, everything: bool = False) -> None:
        """Fire every conditional trigger whose predicate now holds (each once per run).

        Only the triggers watching a node whose final state changed are checked, so a node's
        end costs the same in a chain of 10 or of 1,000."""
        while not self.stopping:
            if everything:
                candidates = [
                    n for n, t in self.graph.triggers.items() if t["Type"] == "CONDITIONAL"
                ]
                everything = False
            else:
                watchers = self._watchers()
                candidates = list(
                    dict.fromkeys(t for u in self._dirty for t in watchers.get(u, ()))
                )
            self._dirty.clear()
            fired = False
            for name in candidates:
                trig = self.graph.triggers[name]
                if name in self.state.fired or trig.get("State") == "DEACTIVATED":
                    continue
                if self._holds(trig["Predicate"]):
                    self._fire(name)
                    fired = True
            if not fired and not self._dirty:
                return

    def _holds(self, predicate: Mapping[str, Any]) -> bool:
        results = []
        for cond in predicate["Conditions"]:
            if cond.get("JobName"):
                uid, want = self.graph.id_of("JOB", cond["JobName"]), cond["State"]
            else:
                uid, want = self.graph.id_of("CRAWLER", cond["CrawlerName"]), cond["CrawlState"]
            results.append(self.state.final.get(uid) == want)
        return any(results) if predicate.get("Logical") == "ANY" else all(results)

    def _fire(self, name: str) -> None:
        at = now()
        self.state.fired[name] = at
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO run_fired_triggers(run_id, trigger_name, fired_on) "
                "VALUES (?,?,?)",
                (self.run_id, name, at),
            )
        for action in self.graph.triggers[name]["Actions"]:
            kind = "JOB" if action.get("JobName") else "CRAWLER"
            target = action.get("JobName") or action.get("CrawlerName")
            self._start_node(self.graph.id_of(kind, target), name, action)

    # -- starting nodes --------------------------------------------------------------------------
    def _start_node(self, uid: str, trigger: str | None, action: Mapping[str, Any]) -> None:
        if self.stopping:
            return
        self.state.final.pop(uid, None)
        if action.get("CrawlerName"):
            self._start_crawl(uid, action["CrawlerName"], trigger)
        else:
            job = self._prepare_job(
                uid, action["JobName"], trigger, dict(action), attempt=0, previous=None
            )
            self._launch(job)

    def _launch(self, prepared: tuple[_Active, Task] | None) -> None:
        if prepared is not None:
            self._submit(*prepared)

    def _prepare_job(
        self,
        uid: str,
        job_name: str,
        trigger: str | None,
        action: dict[str, Any],
        *,
        attempt: int,
        previous: str | None,
        key: str | None = None,
    ) -> tuple[_Active, Task] | None:
        """Record a job run of node ``uid`` (RUNNING, or WAITING for a slot, or why it cannot
        run) in one transaction; → what to submit, if it is to run now."""
        key = key or new_job_run_id()
        with self.store.transaction() as conn:
            where = (conn, key, job_name, self.workflow, self.run_id, uid, trigger)

            def record(
                state: str, arguments: Mapping[str, str], minutes: float | None, error: str = ""
            ) -> None:
                _insert_job_run(
                    *where, attempt, previous, state, arguments, minutes, error=error or None
                )

            current = conn.execute("SELECT state FROM job_runs WHERE id=?", (key,)).fetchone()
            fresh = current is None
            if current is not None and current["state"] == "STOPPING":  # stopped while waiting
                self._stopped_before_start(uid, key)
                return None
            try:
                job = self.engine.definitions.job(job_name, conn)
            except EntityNotFoundException:
                message = (
                    f"Job {job_name!r} does not exist (deleted after the workflow was defined?)"
                )
                record("ERROR", action.get("Arguments", {}), None, message)
                self._set_final(uid, "ERROR")
                return None
            arguments = _merge_arguments(job, action.get("Arguments", {}))
            minutes = action.get("Timeout") or job["Timeout"]
            try:
                _runnable(job)
            except InvalidInputException as exc:
                record("FAILED", arguments, minutes, exc.message)
                self._set_final(uid, "FAILED")
                return None
            limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
            if _active_job_runs(conn, job_name) >= limit:
                if job.get("JobRunQueuingEnabled"):
                    if fresh:
                        record("WAITING", arguments, minutes)
                    # still waiting (a retry of a waiting run too): keep it queued
                    self.waiting.append(
                        _Waiting(uid, job_name, trigger, action, key, attempt, previous)
                    )
                    return None
                message = (
                    f"Job {job_name!r} exceeded its maximum allowed concurrent runs ({limit}); "
                    "raise ExecutionProperty.MaxConcurrentRuns or set JobRunQueuingEnabled"
                )
                record("FAILED", arguments, minutes, message)
                self._set_final(uid, "FAILED")
                return None
            if fresh:
                record("RUNNING", arguments, minutes)
            else:
                conn.execute(
                    "UPDATE job_runs SET state='RUNNING', started_on=?, last_modified_on=? "
                    "WHERE id=?",
                    (now(), now(), key),
                )
            props = loads(
                conn.execute(
                    "SELECT run_properties FROM workflow_runs WHERE run_id=?", (self.run_id,)
                ).fetchone()["run_properties"],
                {},
            )
        spec = self.engine._job_spec(
            job, key, arguments, minutes, self.workflow, self.run_id, attempt, props
        )
        item = _Active(uid, "job", job_name, key, trigger, action, attempt)
        return item, Task("notebook", key, spec)

    def _submit(self, item: _Active, task: Task) -> None:
        self.active[item.key] = item
        try:
            item.handle = self.executor.submit(task)
        except Exception as exc:
            self.events.put((item.key, None, exc))
            return

        def done(result: Any, error: BaseException | None, key: str = item.key) -> None:
            self.events.put((key, result, error))

        item.handle.add_done_callback(done)

    def _retry_waiting(self) -> None:
        if not self.waiting or self.stopping:
            return
        pending, self.waiting = self.waiting, []
        for w in pending:
            self._launch(
                self._prepare_job(
                    w.node,
                    w.name,
                    w.trigger,
                    w.action,
                    attempt=w.attempt,
                    previous=w.previous,
                    key=w.key,
                )
            )

    def _crawler_service(self) -> Any:
        if self._crawlers is None:
            from glue_nb.crawlers import CrawlerService

            self._crawlers = CrawlerService(self.store)
        return self._crawlers

    def _start_crawl(self, uid: str, crawler: str, trigger: str | None) -> None:
        service = self._crawler_service()
        try:
            key, spec = service.begin_crawl(
                crawler,
                workflow_name=self.workflow,
                workflow_run_id=self.run_id,
                node_id=uid,
                trigger_name=trigger,
            )
        except (CrawlerRunningException, EntityNotFoundException) as exc:
            state = "FAILED" if isinstance(exc, CrawlerRunningException) else "ERROR"
            service.record_failed_crawl(
                crawler,
                exc.message,
                state=state,
                workflow_name=self.workflow,
                workflow_run_id=self.run_id,
                node_id=uid,
                trigger_name=trigger,
            )
            self._set_final(uid, state)
            return
        item = _Active(uid, "crawl", crawler, key, trigger, {"CrawlerName": crawler})
        self._submit(item, Task("crawl", key, spec))

    # -- results ---------------------------------------------------------------------------------
    def _on_result(self, key: str, result: Any, error: BaseException | None) -> None:
        item = self.active.pop(key, None)
        if item is None:
            return
        if item.kind == "crawl":
            if result is None:
                result = {"State": "FAILED", "ErrorMessage": f"Executor error: {error}"}
            crawl = self._crawler_service().finish_crawl(key, result)
            self._set_final(item.node, crawl["State"])
            return
        if result is None:
            result = _lost(key, error)
        if (self.stopping or item.stop_requested) and result.state in ("FAILED", "STOPPED"):
            result.state = "STOPPED"
            result.error_message = result.error_message or "Stopped: the workflow run was stopped"
        retry = False
        if result.state == "FAILED" and not self.stopping:
            try:
                retry = item.attempt < self.engine.definitions.job(item.name).get("MaxRetries", 0)
            except EntityNotFoundException:
                pass
        # the failed attempt and its retry are recorded together: no reader ever sees the node
        # failed for good (and its branch "will never run") while a retry is on its way
        with self.store.transaction():
            _record_result(self.store, result, self.run_id)
            prepared = None
            if retry:
                prepared = self._prepare_job(
                    item.node,
                    item.name,
                    item.trigger,
                    item.action,
                    attempt=item.attempt + 1,
                    previous=key,
                )
        self._launch(prepared)
        if not retry:
            self._set_final(item.node, result.state)
