"""Lineage: what each job run and crawl read and wrote, linked into who produced what.

    from glue_nb import lineage
    df = lineage.lineage(resource="lake/sales/")      # also glue_nb.history.lineage
    lineage.view(df)                                 # the picture (graphviz)
    lineage.run_events(workflow="month-close")       # OpenLineage events of past runs

Modules: :mod:`~glue_nb.lineage.graph` (the queries, glue-nb's GetLineage), :mod:`.frames`
(the DataFrame), :mod:`.picture` (the picture), :mod:`.openlineage` (events, live emission),
:mod:`.events` (events of past runs).
Names are loaded on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.lineage.picture import LineageView

__all__ = ["LineageView", "lineage", "run_events", "view", "write_events"]


def lineage(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """:func:`glue_nb.lineage.frames.lineage` (the DataFrame)."""
    from glue_nb.lineage.frames import lineage as frame

    return frame(*args, **kwargs)


def view(*args: Any, **kwargs: Any) -> LineageView:
    """:func:`glue_nb.lineage.picture.view` (the picture)."""
    from glue_nb.lineage.picture import view as picture

    return picture(*args, **kwargs)


def run_events(*args: Any, **kwargs: Any) -> list[Any]:
    """:func:`glue_nb.lineage.events.run_events` (OpenLineage events of past runs)."""
    from glue_nb.lineage.events import run_events as events

    return events(*args, **kwargs)


def write_events(*args: Any, **kwargs: Any) -> int:
    """:func:`glue_nb.lineage.openlineage.write_events` (events as JSON lines)."""
    from glue_nb.lineage.openlineage import write_events as write

    return write(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "LineageView":
        from glue_nb.lineage.picture import LineageView

        return LineageView
    raise AttributeError(f"module 'glue_nb.lineage' has no attribute {name!r}")
