"""The Dask executor: a run's jobs and crawls run on a ``dask.distributed`` cluster.

The engine and the store stay in the process that owns the run; each task is a self-contained
spec sent to a worker, which runs it with the same code as the local executor (notebook jobs on
the worker process's warm kernel pool) and sends back a self-contained result. Workers never
touch the store. What they must reach: the job notebooks, the output root (``$GLUE_NB_OUTPUT_ROOT``
or ``<home>/runs`` in the owning process: a shared path, or an fsspec URL such as ``s3://...``,
in which case logs are not written), any data the notebooks and crawlers read, and an
environment with glue-nb and the notebooks' kernelspecs installed.

Choose it per run (``start_workflow_run(..., Executor="dask")`` or a ``distributed.Client``),
or per process: ``GLUE_NB_EXECUTOR=dask`` and ``GLUE_NB_DASK_ADDRESS=tcp://scheduler:8786``.

Failure modes:

- stop → a ``distributed.Event`` named after the task is set; a watcher next to the job on the
  worker sees it within half a second and kills the kernel (the job run ends STOPPED). A task
  that has not started yet is cancelled.
- a worker dies mid-job → the job run is FAILED with a message saying the worker died, then
  retried per the job's MaxRetries like any failure. Dask itself re-runs a task whose worker died
  (``distributed.scheduler.allowed-failures``); glue-nb notices the second start and fails the
  job run instead, so a job run never runs twice silently.
- the cluster goes away → running tasks fail with a message saying the connection to the
  scheduler was lost; the run ends and can be resumed (``resume_workflow_run``) on any executor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import distributed

from glue_nb.executors.base import Executor, Handle, Task, TaskLost

__all__ = ["ENV_ADDRESS", "DaskExecutor"]

log = logging.getLogger(__name__)

ENV_ADDRESS = "GLUE_NB_DASK_ADDRESS"
STOP_POLL = 0.5  # seconds between a worker's checks of the stop event


def _names(key: str) -> dict[str, str]:
    return {
        "stop": f"glue-nb-stop-{key}",
        "started": f"glue-nb-started-{key}",
        "where": f"glue-nb-where-{key}",
    }


# -- the worker side ------------------------------------------------------------------------------
def _stopped_result(task: Task, message: str) -> Any:
    t = time.time()
    if task.kind == "notebook":
        from glue_nb.jobs.spec import JobResult

        return JobResult(task.key, "STOPPED", t, t, error_message=message)
    return {"State": "CANCELLED", "CrawlId": task.key, "StartedOn": t, "CompletedOn": t}


def _lost_result(task: Task, message: str) -> Any:
    t = time.time()
    text = f"Executor error: TaskLost: {message}"[:2048]
    if task.kind == "notebook":
        from glue_nb.jobs.spec import JobResult

        return JobResult(task.key, "FAILED", t, t, error_message=text)
    return {"State": "FAILED", "ErrorMessage": text, "CrawlId": task.key}


def run_on_worker(task: Task, names: dict[str, str]) -> Any:
    """Run ``task`` on this Dask worker: the function the executor submits."""
    from glue_nb.executors.tasks import run_task
    from glue_nb.kernels.pool import default_pool

    worker = distributed.get_worker()
    threads = getattr(getattr(worker, "state", None), "nthreads", None) or 2
    default_pool(size=max(1, min(8, int(threads))))  # created once per worker process
    client = distributed.get_client()
    started = distributed.Event(names["started"], client=client)
    where = distributed.Variable(names["where"], client=client)
    if started.is_set():  # Dask re-ran it after the worker running it died
        try:
            previous = where.get(timeout=5)
        except Exception:
            previous = "?"
        return _lost_result(
            task,
            f"the Dask worker running this {_what(task)} ({previous}) died before it "
            "ended; glue-nb does not re-run it silently",
        )
    where.set(worker.address)
    started.set()
    stop = distributed.Event(names["stop"], client=client)
    if stop.is_set():
        return _stopped_result(task, "Stopped before it started on the Dask cluster")
    requested = threading.Event()
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(STOP_POLL):
            try:
                if stop.is_set():
                    requested.set()
                    return
            except Exception:  # the scheduler is unreachable: keep running, try again
                pass

    watcher = threading.Thread(target=watch, name=f"glue-nb-stop-{task.key[:12]}", daemon=True)
    watcher.start()
    try:
        result = run_task(task, requested.is_set)
    finally:
        finished.set()
    if hasattr(result, "executor"):
        result.executor = f"dask:{worker.address}"
    return result


def _what(task: Task) -> str:
    return "job run" if task.kind == "notebook" else "crawl"


# -- the client side ------------------------------------------------------------------------------
class _DaskHandle(Handle):
    def __init__(self, executor: DaskExecutor, task: Task, future: Any, names: dict[str, str]):
        self._executor = executor
        self._task = task
        self._future = future
        self._names = names
        self._stopping = False

    def stop(self) -> None:
        """Set the task's stop event; cancel it if no worker has started it (in the background:
        an unreachable scheduler must not block the caller)."""
        self._stopping = True
        threading.Thread(target=self._stop, name="glue-nb-dask-stop", daemon=True).start()

    def _stop(self) -> None:
        client = self._executor.client
        try:
            distributed.Event(self._names["stop"], client=client).set()
            started = distributed.Event(self._names["started"], client=client).is_set()
        except Exception as exc:
            log.warning("could not signal stop of %s to the Dask cluster: %s", self._task.key, exc)
            started = False
        if not started:
            self._future.cancel()

    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        def done(future: Any) -> None:
            result, error = self._outcome(future)
            self._executor._cleanup(self._names)
            fn(result, error)

        self._future.add_done_callback(done)

    def _outcome(self, future: Any) -> tuple[Any, BaseException | None]:
        from distributed.scheduler import KilledWorker

        address = self._executor.address
        try:
            return future.result(timeout=60), None
        except KilledWorker as exc:
            return None, TaskLost(
                f"the Dask worker running this {_what(self._task)} died "
                f"({exc.last_worker.address}; scheduler {address})"
            )
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            cancelled = future.cancelled() or isinstance(
                exc, (asyncio.CancelledError, concurrent.futures.CancelledError, TimeoutError)
            )
            if cancelled and self._stopping:
                return _stopped_result(self._task, "Stopped before it started on the Dask "
                                       "cluster"), None  # fmt: skip
            if cancelled or type(exc).__name__ == "CommClosedError":
                reason = getattr(exc, "msg", None) or getattr(exc, "reason", None) or str(exc)
                return None, TaskLost(
                    f"the {_what(self._task)} was lost on the Dask cluster at {address}: {reason}"
                )
            return None, exc


class DaskExecutor(Executor):
    """Runs tasks on a Dask cluster: give an ``address``, a ``client``, or set
    ``$GLUE_NB_DASK_ADDRESS``; with none of them, a local cluster is started (as
    ``distributed.Client()`` does) and closed with the executor."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        client: distributed.Client | None = None,
        **client_kwargs: Any,
    ) -> None:
        self._owns_client = client is None
        if client is None:
            address = address or os.environ.get(ENV_ADDRESS) or None
            if address is None:
                log.info("no Dask scheduler address given: starting a local cluster")
            client = distributed.Client(address, **client_kwargs)
        elif address is not None or client_kwargs:
            raise TypeError("give either a distributed.Client or an address and its options")
        self.client = client
        self.address = str(getattr(client.scheduler, "address", None) or address or "?")
        self._cleaner = _Cleaner(client)

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"

    def describe(self) -> str:
        return f"dask:{self.address}"

    def submit(self, task: Task) -> Handle:
        names = _names(f"{task.key}-{uuid.uuid4().hex[:8]}")
        future = self.client.submit(
            run_on_worker,
            task,
            names,
            key=f"glue-nb-{task.kind}-{task.key}-{names['stop'][-8:]}",
            pure=False,
            retries=0,
        )
        return _DaskHandle(self, task, future, names)

    def _cleanup(self, names: dict[str, str]) -> None:
        self._cleaner.add(names)

    def close(self) -> None:
        self._cleaner.close()
        if self._owns_client:
            cluster = getattr(self.client, "cluster", None)
            self.client.close()
            if cluster is not None:
                cluster.close()


class _Cleaner:
    """Removes each finished task's events and variable from the scheduler, in the background."""

    def __init__(self, client: distributed.Client) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._pending: list[dict[str, str]] = []
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, names: dict[str, str]) -> None:
        with self._lock:
            self._pending.append(names)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="glue-nb-dask-cleanup", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(5)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        for names in batch:
            try:
                distributed.Event(names["stop"], client=self._client).clear()
                distributed.Event(names["started"], client=self._client).clear()
                distributed.Variable(names["where"], client=self._client).delete()
            except Exception:  # the cluster is gone: nothing left to clean
                pass

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._client.status == "running":
            self._drain()
