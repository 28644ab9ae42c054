"""Executors: where job specs run. ``get_executor(name_or_object)`` resolves a choice.

Registered names: ``local`` (:class:`LocalExecutor`, threads of this process driving kernels
from :mod:`glue_nb.kernels`) and ``dask`` (:class:`DaskExecutor`, a ``distributed`` cluster;
needs the ``glue-nb[dask]`` extra). Anything with the :class:`Executor` interface can be passed
directly, or registered under a name with :func:`register_executor`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.slowimports import defer_slow_imports

# nbformat (model validation, papermill) imports jsonschema, which imports rfc3987_syntax, whose
# import costs 0.7-1.5 s; a process that runs work defers it until a schema checks an IRI.
defer_slow_imports()

if TYPE_CHECKING:
    from glue_nb.executors.dask import DaskExecutor
    from glue_nb.executors.local import LocalExecutor

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "Handle",
    "LocalExecutor",
    "Task",
    "get_executor",
    "register_executor",
]


def __getattr__(name: str) -> Any:
    """``LocalExecutor`` and ``DaskExecutor`` on first use (dask is a heavy, optional import)."""
    if name == "LocalExecutor":
        from glue_nb.executors.local import LocalExecutor

        return LocalExecutor
    if name == "DaskExecutor":
        from glue_nb.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module 'glue_nb.executors' has no attribute {name!r}")


def _local(**options: Any) -> Executor:
    from glue_nb.executors.local import LocalExecutor

    return LocalExecutor(**options)


def _dask(**options: Any) -> Executor:
    try:
        from glue_nb.executors.dask import DaskExecutor
    except ImportError as exc:
        raise InvalidInputException(
            f"the dask executor needs dask.distributed: pip install 'glue-nb[dask]' ({exc})"
        )
    return DaskExecutor(**options)


EXECUTORS: dict[str, Callable[..., Executor]] = {"local": _local, "dask": _dask}
_shared: dict[str, Executor] = {}


def register_executor(name: str, factory: Callable[..., Executor]) -> None:
    """Make ``name`` usable wherever an executor is chosen."""
    EXECUTORS[name] = factory


def get_executor(choice: str | Executor | None = None, **options: Any) -> Executor:
    """An executor by name (shared per process), or ``choice`` itself when it is one."""
    if isinstance(choice, Executor):
        return choice
    if choice is not None and not isinstance(choice, str):
        # e.g. a distributed.Client: the dask executor wraps it
        if type(choice).__module__.startswith("distributed"):
            return EXECUTORS["dask"](client=choice, **options)
        raise InvalidInputException(
            f"executor must be a name ({', '.join(sorted(EXECUTORS))}), an Executor or a "
            f"distributed.Client, got {type(choice).__name__}"
        )
    name = choice or os.environ.get("GLUE_NB_EXECUTOR") or "local"
    if name not in EXECUTORS:
        raise InvalidInputException(
            f"unknown executor {name!r}; valid: {', '.join(sorted(EXECUTORS))}"
        )
    if options:
        return EXECUTORS[name](**options)
    if name not in _shared:
        _shared[name] = EXECUTORS[name]()
    return _shared[name]
