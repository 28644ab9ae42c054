"""What the live run view shows, as plain JSON: the same dict for the widget in a kernel and for
the Jupyter Server extension (which serves it to the view's browser code and to the Workflows
panel), so both draw a run identically.

:func:`view_state` gives the header, legend, run table, node list and the buttons' states;
:func:`view_svg` the recoloured graph; :func:`view_detail` one node's attempts. Links to executed
notebooks are written as ``glue-nb-notebook:<location>`` URLs, which the browser code turns into
a link to the server's notebook page, or into a request to the kernel where no server answers.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.html import node_detail_html, run_header_html, run_table_html
from glue_nb.views.layout import GraphvizNotFound
from glue_nb.views.states import NodeState, node_states, slots
from glue_nb.views.static import _missing_dot_html, graph_text, template_for
from glue_nb.views.style import CATEGORIES, esc

__all__ = [
    "NOTEBOOK_SCHEME",
    "legend_html",
    "notebook_link",
    "notebook_location",
    "view_detail",
    "view_state",
    "view_svg",
]

NOTEBOOK_SCHEME = "glue-nb-notebook:"
RESUMABLE = ("failed", "timeout", "stopped")
_MARK = {
    "succeeded": "✓",
    "reused": "↺",
    "failed": "✗",
    "timeout": "⌛",
    "stopped": "■",
    "running": "▶",
    "waiting": "…",
    "never": "–",
    "pending": "·",
}


def notebook_link(location: str | None, home: str = "") -> str | None:
    """The view's link to an executed notebook (a local path or an fsspec URL); a path on the
    machine of a server (``home`` its URL) is named so that it is read from that server."""
    if not location:
        return None
    if "://" not in location and home.lower().startswith(("http://", "https://")):
        from glue_nb.views.notebook_html import remote_location

        location = remote_location(home, location)
    return NOTEBOOK_SCHEME + urllib.parse.quote(location, safe="/:")


def notebook_location(link: str) -> str:
    """Inverse of :func:`notebook_link`."""
    if not link.startswith(NOTEBOOK_SCHEME):
        raise ValueError(f"not a notebook link: {link!r} (expected {NOTEBOOK_SCHEME}<path>)")
    return urllib.parse.unquote(link[len(NOTEBOOK_SCHEME) :])


def legend_html() -> str:
    """The run colours as a row of small pills (shown above the graph, outside its scroll)."""
    pills = "".join(
        f'<span class="gnb-pill" style="background:{c.fill};border:1px '
        f'{"dashed" if c.dashed else "solid"} {c.stroke}">{esc(c.label)}</span>'
        for c in CATEGORIES.values()
    )
    return f'<div class="gnb-legend-row">{pills}</div>'


def _focus(states: Mapping[str, NodeState]) -> list[str]:
    """The nodes the view keeps in sight: the running ones, else the failed ones."""
    jobs = [s for s in states.values() if s.type != "TRIGGER"]
    running = [s.uid for s in jobs if s.category in ("running", "waiting")]
    failed = [s.uid for s in jobs if s.category in ("failed", "timeout")]
    return running or failed


def view_state(
    run: Mapping[str, Any],
    *,
    home: str = "",
    states: Mapping[str, NodeState] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """The view of a described run (``GetWorkflowRun(IncludeGraph=True)``), without its SVG."""
    states = node_states(run) if states is None else states
    status = run.get("Status", "?")
    active = status in WORKFLOW_RUN_ACTIVE
    jobs = [s for s in states.values() if s.type != "TRIGGER"]
    failed = [s.uid for s in jobs if s.category in ("failed", "timeout")]
    nodes = [
        {
            "id": s.uid,
            "name": s.name,
            "type": s.type,
            "category": s.category,
            "label": f"{_MARK.get(s.category, '·')} {s.name} — "
            f"{('reused' if s.category == 'reused' else s.state or s.category).lower()}",
        }
        for s in jobs
    ]
    return {
        "home": home,
        "workflow": run.get("Name", ""),
        "run_id": run.get("WorkflowRunId", ""),
        "previous_run_id": run.get("PreviousRunId") or "",
        "status": status,
        "active": active,
        "stamp": time.time(),
        "header": run_header_html(run),
        "legend": legend_html(),
        "table": run_table_html(run, href=lambda loc: notebook_link(loc, home)),
        "nodes": nodes,
        "focus": _focus(states),
        "default_selected": failed[0] if failed else (jobs[0].uid if jobs else ""),
        "can_stop": status == "RUNNING",
        "can_resume": not active and any(s.category in RESUMABLE for s in jobs),
        "note": note,
    }


def view_svg(
    run: Mapping[str, Any], states: Mapping[str, NodeState] | None = None, rankdir: str = "auto"
) -> str:
    """The run graph recoloured (laid out once per design and process)."""
    states = node_states(run) if states is None else states
    try:
        return template_for(run, rankdir).render(slots(run, states))
    except GraphvizNotFound:
        return _missing_dot_html(graph_text(run.get("Graph") or {}, run.get("Name", "")))


def view_detail(
    run: Mapping[str, Any],
    uid: str,
    states: Mapping[str, NodeState] | None = None,
    home: str = "",
) -> dict[str, Any]:
    """``{"run_id", "id", "html"}``: every attempt of node ``uid`` (empty html if unknown);
    ``home`` as for :func:`notebook_link`."""
    states = node_states(run) if states is None else states
    state = states.get(uid)
    href = lambda loc: notebook_link(loc, home)  # noqa: E731
    html = node_detail_html(state, href=href) if state is not None else ""
    return {"run_id": run.get("WorkflowRunId", ""), "id": uid if state else "", "html": html}
