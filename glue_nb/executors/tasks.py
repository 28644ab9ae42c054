"""Running one task in this process: what both executors call on their side.

Notebook jobs run on this process's warm kernel pool (:func:`glue_nb.kernels.pool.default_pool`;
``GLUE_NB_KERNEL_POOL=0`` disables it), crawls in the calling thread.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from glue_nb.executors.base import Task

__all__ = ["prewarm", "run_task"]


def run_task(task: Task, should_stop: Callable[[], bool]) -> Any:
    """Run ``task`` here and return its result; ``should_stop`` is polled while it runs."""
    if task.kind == "notebook":
        from glue_nb.jobs.notebook import execute_notebook_job, import_job_modules
        from glue_nb.kernels.pool import default_pool

        pool = default_pool()
        if pool is not None:  # start warming before the job imports papermill (~0.3 s)
            name = task.spec.kernel_name or _kernelspec_of(task.spec.notebook)
            if name:
                pool.warm(name)
        import_job_modules()
        return execute_notebook_job(task.spec, should_stop, kernel_factory=pool)
    if task.kind == "crawl":
        from glue_nb.crawl import execute_crawl

        return execute_crawl(task.spec, should_stop)
    raise ValueError(f"unknown task kind {task.kind!r}; valid: notebook, crawl")


def prewarm(jobs: Iterable[tuple[str, str | None]]) -> None:
    """Start warming this process's kernel pool for the kernels of ``jobs`` ((notebook, kernel
    name or None) pairs) now, in the background: a hint from code about to start a run here, so
    that kernels start while the run is being written. Nothing happens when the pool is off."""
    from glue_nb.kernels.pool import default_pool

    pool = default_pool()
    if pool is None:
        return
    for name in dict.fromkeys(k or _kernelspec_of(nb) for nb, k in dict.fromkeys(jobs)):
        if name:
            pool.warm(name)


def _kernelspec_of(notebook: str, limit: int = 2 << 20) -> str | None:
    """The kernelspec name in a local notebook's metadata (cheap: plain JSON, small files)."""
    try:
        if "://" in notebook or os.path.getsize(notebook) > limit:
            return None
        with open(notebook, encoding="utf-8") as fh:
            name = json.load(fh)["metadata"]["kernelspec"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) and name else None
