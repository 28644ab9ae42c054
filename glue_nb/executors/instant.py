"""An executor that ends every notebook job the moment it is submitted, without a kernel.

For testing and benchmarking the engine on its own: trigger logic, retries, statistics and the
engine's overhead per node, with the notebooks taken out of the measurement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.executors.tasks import run_task
from glue_nb.jobs.spec import JobResult

__all__ = ["InstantExecutor"]


class _Done(Handle):
    def __init__(self, result: Any) -> None:
        self.result = result

    def stop(self) -> None:
        pass  # it has ended already

    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        fn(self.result, None)


class InstantExecutor(Executor):
    """Ends every job at once: SUCCEEDED, or the state ``outcomes[job name]`` says."""

    name = "instant"

    def __init__(self, outcomes: Mapping[str, str] | None = None) -> None:
        self.outcomes = dict(outcomes or {})
        self.submitted: list[Task] = []

    def submit(self, task: Task) -> Handle:
        self.submitted.append(task)
        if task.kind == "crawl":  # crawls need no kernel: they run for real, here and now
            return _Done(run_task(task, lambda: False))
        spec = task.spec
        t = time.time()
        state = self.outcomes.get(spec.job_name, "SUCCEEDED")
        error = None if state == "SUCCEEDED" else f"{state} on purpose"
        return _Done(JobResult(spec.job_run_id, state, t, t, error_message=error))
