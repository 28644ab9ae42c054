"""Views of workflows and runs: static SVG, the live run widget, HTML reports.

    glue_nb.views.static   draw (any workflow graph), GraphView, render_stored, run_mimebundle
    glue_nb.views.live     RunView, the live ipywidget of a run
    glue_nb.views.report   write_run_report, a self-contained HTML report of a run
    glue_nb.views.layout   Glue graph -> DOT -> SVG, laid out once, recoloured per refresh
    glue_nb.views.states   each node's state in a run (including "will never run"), the run's
                           status at a glance ("COMPLETED · 1 failed")
    glue_nb.views.html     header, status badge, run table and node details (static and live views)
    glue_nb.views.progress run.wait()'s progress in nodes, in Jupyter and on a terminal
    glue_nb.views.frames   RunFrame, the history DataFrames' display (short ids, durations)

Importing this package is cheap: ipywidgets is imported only by ``live``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GraphView", "RunView", "draw", "render_stored", "stored_view", "write_run_report"]

_WHERE = {
    "GraphView": "static",
    "draw": "static",
    "stored_view": "static",
    "render_stored": "static",
    "RunView": "live",
    "write_run_report": "report",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"glue_nb.views.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'glue_nb.views' has no attribute {name!r}")
