"""The local executor: tasks run in threads of this process, each notebook in its own kernel.

Notebook jobs take their kernels from this process's warm kernel pool
(:func:`glue_nb.kernels.pool.default_pool`; ``GLUE_NB_KERNEL_POOL=0`` disables it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.executors.tasks import run_task

__all__ = ["LocalExecutor"]


class _LocalHandle(Handle):
    def __init__(self, future: Future[Any], stop_event: threading.Event) -> None:
        self._future = future
        self._stop = stop_event

    def stop(self) -> None:
        self._stop.set()

    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        def done(fut: Future[Any]) -> None:
            error = fut.exception()
            fn(None if error else fut.result(), error)

        self._future.add_done_callback(done)


class LocalExecutor(Executor):
    """Runs up to ``max_workers`` tasks at once in threads (kernels are separate processes)."""

    name = "local"

    def __init__(self, max_workers: int = 16) -> None:
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="glue-nb-job")

    def submit(self, task: Task) -> Handle:
        stop = threading.Event()
        future = self._pool.submit(run_task, task, stop.is_set)
        return _LocalHandle(future, stop)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
