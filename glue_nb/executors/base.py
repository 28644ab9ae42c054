"""The executor interface: a pluggable pair of hands that runs self-contained tasks.

The engine submits a :class:`Task` (a picklable function of the ``glue_nb.jobs`` package and its
spec) and gets a :class:`Handle` back; the handle calls back with the task's result when it ends,
and can be asked to stop it. Executors never touch the store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Executor", "Handle", "Task", "TaskLost"]


@dataclass(frozen=True)
class Task:
    """``kind`` is ``"notebook"`` or ``"crawl"``; ``spec`` is the matching self-contained spec."""

    kind: str
    key: str  # the job run id or crawl id
    spec: Any


class TaskLost(Exception):
    """The task's result never came back (a worker or the cluster went away)."""


class Handle(ABC):
    """One submitted task."""

    @abstractmethod
    def stop(self) -> None:
        """Ask the task to stop (its kernel is killed; the result says STOPPED)."""

    @abstractmethod
    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        """Call ``fn(result, error)`` once the task has ended (error: the task itself broke)."""


class Executor(ABC):
    """Runs tasks somewhere: threads of this process, or a Dask cluster."""

    name: str = "executor"

    @abstractmethod
    def submit(self, task: Task) -> Handle:
        """Start ``task``; return at once."""

    def describe(self) -> str:
        """A short label recorded with each run (e.g. ``"local"`` or a scheduler address)."""
        return self.name

    def close(self) -> None:  # noqa: B027 - optional hook: most executors hold nothing
        """Release what the executor holds (threads, cluster clients, kernels)."""
