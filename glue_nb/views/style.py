"""Colours, shapes and small formatters shared by every view (SVG, widget, report, charts).

A node's *category* is what a view colours: the Glue state of its latest job run or crawl folded
into a few buckets (``running`` covers STARTING, RUNNING and STOPPING, ...), plus ``pending`` (not
yet run), ``never`` (its trigger can no longer fire in this run) and, for triggers, ``fired``.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import NamedTuple

__all__ = [
    "CATEGORIES",
    "FONT",
    "KIND",
    "SELECTION_CSS",
    "Colour",
    "category_of",
    "esc",
    "fmt_duration",
    "fmt_time",
    "strip_ansi",
]

FONT = "Helvetica,Arial,sans-serif"


class Colour(NamedTuple):
    """Fill, stroke and a human label of one category or node kind."""

    fill: str
    stroke: str
    label: str
    dashed: bool = False


#: Run-state categories, in legend order.
CATEGORIES: dict[str, Colour] = {
    "pending": Colour("#f3f4f6", "#9ca3af", "not yet run"),
    "waiting": Colour("#fef9c3", "#a16207", "waiting"),
    "running": Colour("#bfdbfe", "#1d4ed8", "running"),
    "succeeded": Colour("#bbf7d0", "#15803d", "succeeded"),
    # SUCCEEDED at once with an earlier run's results (reuse): not run again
    "reused": Colour("#cffafe", "#0e7490", "reused (not re-run)", dashed=True),
    "failed": Colour("#fecaca", "#b91c1c", "failed"),
    "timeout": Colour("#fed7aa", "#c2410c", "timeout"),
    "stopped": Colour("#e9d5ff", "#7e22ce", "stopped"),
    "never": Colour("#ffffff", "#cbd5e1", "will never run", dashed=True),
    "fired": Colour("#fde68a", "#b45309", "trigger fired"),
}

#: Design-view colours per node type.
KIND: dict[str, Colour] = {
    "TRIGGER": Colour("#fef3c7", "#b45309", "trigger"),
    "JOB": Colour("#e0f2fe", "#0369a1", "notebook job"),
    "CRAWLER": Colour("#ccfbf1", "#0f766e", "crawler"),
}

#: How the node whose details are shown (class ``gnb-selected``, set by the live view when a
#: node is clicked or picked by default) is marked: a thin dashed ring around it, like a focus
#: ring. It is secondary on purpose: a node's border and fill say its state (failed and running
#: nodes have a thicker border), so the selection never changes them (``!important`` so that an
#: inline style or another rule cannot make the selection look like emphasis either).
SELECTION_CSS = (
    ".gnb-graph g.node.gnb-selected{filter:none!important;"
    "outline:1.5px dashed #94a3b8;outline-offset:3px}"
    ".gnb-graph g.node.gnb-selected>:is(path,polygon,ellipse)"
    "{stroke-width:revert-layer!important;filter:none!important}"
)

#: Colour of an edge watching a state (conditional triggers).
WATCH_COLOUR = {
    "SUCCEEDED": "#15803d",
    "FAILED": "#b91c1c",
    "TIMEOUT": "#c2410c",
    "STOPPED": "#7e22ce",
    "CANCELLED": "#7e22ce",
}

_CATEGORY = {
    "STARTING": "running",
    "RUNNING": "running",
    "STOPPING": "running",
    "CANCELLING": "running",
    "WAITING": "waiting",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "ERROR": "failed",
    "TIMEOUT": "timeout",
    "STOPPED": "stopped",
    "CANCELLED": "stopped",
    "EXPIRED": "stopped",
}


def category_of(state: str | None) -> str:
    """The colour category of a job-run or crawl state (``None`` = not yet run)."""
    if state is None:
        return "pending"
    return _CATEGORY.get(state, "pending")


def esc(text: object) -> str:
    """HTML/XML-escape any value."""
    return html.escape(str(text), quote=True)


def fmt_duration(value: timedelta | float | None) -> str:
    """``31 ms``, ``0.4 s``, ``12.3 s``, ``4:05``, ``1:02:03``; empty for ``None``."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds != seconds:  # NaN / NaT
        return ""
    if 0 <= seconds < 0.095:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fmt_time(value: datetime | None, *, date: bool = False) -> str:
    """A datetime in the local time zone: ``09:11:02`` (``2026-11-24 09:11:02`` with date)."""
    if value is None:
        return ""
    local = value.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (tracebacks from kernels may carry them)."""
    return _ANSI.sub("", text)
