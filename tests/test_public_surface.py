"""The public surface of glue-nb, pinned: a change to it is a deliberate edit of this file.

For each module below: its ``__all__`` exactly, every name there resolves, and every public
class or function the module defines is either exported or listed as defined-but-not-exported.
A name added, removed or renamed fails here until the lists are edited too (and the change is
then visible in review, with its consequences for notebooks and users that import it).
"""

from __future__ import annotations

import importlib
import inspect

import pytest

SURFACE: dict[str, list[str]] = {
    "glue_nb": [
        "Action",
        "Crawler",
        "GlueClient",
        "GlueNbError",
        "NotebookJob",
        "Run",
        "Workflow",
        "__version__",
        "blueprint",
        "client",
        "connect",
    ],
    # what a job notebook imports
    "glue_nb.runtime": [
        "Bookmark",
        "CONTEXT_ENV",
        "JobContext",
        "bookmark",
        "context",
        "decode_properties",
        "encode_properties",
        "get_run_properties",
        "in_workflow",
        "put_run_properties",
    ],
    "glue_nb.history": [
        "COLUMNS",
        "STATES",
        "Explanation",
        "compare_runs",
        "duration_percentiles",
        "failure_rate",
        "job_runs",
        "lineage",
        "run_table",
        "slowest_steps",
        "why",
        "workflow_runs",
    ],
    "glue_nb.charts": ["ChartFigure", "critical_path", "duration_trend", "gantt"],
    "glue_nb.schedule": [
        "CronSchedule",
        "DEFAULT_MIN_INTERVAL_MINUTES",
        "FIELD_NAMES",
        "MIN_INTERVAL_ENV",
        "next_fire_times",
        "parse",
        "utcnow",
        "validate",
    ],
    "glue_nb.executors": [
        "DaskExecutor",
        "EXECUTORS",
        "Executor",
        "Handle",
        "LocalExecutor",
        "Task",
        "get_executor",
        "register_executor",
    ],
}

#: Public-looking classes and functions a module defines without exporting them.
NOT_EXPORTED: dict[str, set[str]] = {
    "glue_nb.charts": {"Bar"},  # the rows a chart is drawn from (ChartFigure.bars)
}


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_the_surface_is_pinned(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(exported) == sorted(SURFACE[name]), (
        f"{name}.__all__ changed: added {sorted(set(exported) - set(SURFACE[name]))}, "
        f"removed {sorted(set(SURFACE[name]) - set(exported))}; if that is deliberate, edit "
        "SURFACE in tests/test_public_surface.py"
    )
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"
    defined = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(v) or inspect.isfunction(v))
        and v.__module__ == name
    }
    unlisted = defined - set(exported) - NOT_EXPORTED.get(name, set())
    assert not unlisted, (
        f"{name} defines public {sorted(unlisted)} without exporting it: add it to __all__ (and "
        "SURFACE), make it private (_name), or list it in NOT_EXPORTED"
    )
