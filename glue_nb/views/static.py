"""The static views: a workflow's design and a run's state as SVG, with text fallbacks.

:class:`GraphView` wraps any Glue graph (``{"Nodes", "Edges"}``) - the fluent
:class:`~glue_nb.builder.Workflow` and a stored workflow (``GetWorkflow(IncludeGraph=True)``)
both go through it - and displays itself in Jupyter through ``_repr_mimebundle_`` (SVG plus a text
outline; never importing IPython). Without graphviz's ``dot`` the display still works: the outline,
plus a note saying how to install graphviz. A run displays its graph coloured by node state and
its table (:func:`run_mimebundle`); inside a kernel it is also the live
:class:`~glue_nb.views.live.RunView`.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.views.layout import (
    FORMATS,
    INSTALL_HINT,
    GraphvizNotFound,
    SvgTemplate,
    _ranks,
    design_svg,
    dot_source,
    pipe,
    trigger_detail,
)
from glue_nb.views.style import esc

if TYPE_CHECKING:
    from glue_nb.builder import Workflow
    from glue_nb.client import GlueClient
    from glue_nb.run import Run

__all__ = [
    "GraphView",
    "draw",
    "graph_text",
    "render_stored",
    "render_workflow",
    "run_mimebundle",
    "run_svg",
    "stored_view",
    "workflow_graph",
    "workflow_mimebundle",
    "workflow_view",
]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _filter(bundle: dict[str, Any], include: Any, exclude: Any) -> dict[str, Any]:
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


class GraphView:
    """A workflow graph that draws itself: ``_repr_mimebundle_``, :meth:`svg`, :meth:`render`.

    ``graph`` is Glue's WorkflowGraph; ``jobs``/``crawlers`` map names to a detail line shown
    under the name (the notebook, the target database); ``rankdir`` is ``LR``, ``TB`` or ``auto``;
    ``compact=False`` draws conditional triggers full size (by default they are small markers,
    their name and conditions in the tooltip).
    """

    def __init__(
        self,
        graph: Mapping[str, Any],
        *,
        name: str = "",
        rankdir: str = "auto",
        jobs: Mapping[str, str] | None = None,
        crawlers: Mapping[str, str] | None = None,
        legend: bool = True,
        compact: bool = True,
    ) -> None:
        self.graph, self.name, self.rankdir = graph, name, rankdir
        self.jobs, self.crawlers, self.legend = dict(jobs or {}), dict(crawlers or {}), legend
        self.compact = compact

    def __repr__(self) -> str:
        return graph_text(self.graph, self.name)

    @functools.cached_property
    def source(self) -> str:
        """The DOT source."""
        return dot_source(
            self.graph,
            name=self.name,
            rankdir=self.rankdir,
            mode="design",
            jobs=self.jobs,
            crawlers=self.crawlers,
            legend=self.legend,
            compact=self.compact,
        )

    def svg(self) -> str:
        """The drawing as SVG text (raises :class:`GraphvizNotFound` without ``dot``)."""
        return design_svg(self.source, self.graph)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        text = graph_text(self.graph, self.name)
        try:
            bundle: dict[str, Any] = {"image/svg+xml": self.svg(), "text/plain": text}
        except GraphvizNotFound:
            bundle = {
                "text/html": _missing_dot_html(text),
                "text/plain": f"{text}\n\n{INSTALL_HINT}",
            }
        return _filter(bundle, include, exclude)

    def render(self, path: str | os.PathLike[str], format: str | None = None) -> str:
        """Write the drawing to ``path`` as ``svg``, ``png`` or ``dot`` (default: from the
        suffix, else svg). Returns the path written."""
        out = Path(path)
        fmt = (format or out.suffix.lstrip(".") or "svg").lower()
        if fmt == "gv":
            fmt = "dot"
        if fmt not in FORMATS:
            raise InvalidInputException(
                f"cannot render to format {fmt!r}; valid formats: {', '.join(FORMATS)}"
            )
        if not out.suffix:
            out = out.with_suffix(f".{fmt}")
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "dot":
            out.write_text(self.source, encoding="utf-8")
        elif fmt == "svg":
            out.write_text(_standalone(self.svg()), encoding="utf-8")
        else:
            source = self.source.replace("digraph workflow {", "digraph workflow {\n  dpi=144;", 1)
            out.write_bytes(pipe(source, "png"))
        return str(out)


def _standalone(svg: str) -> str:
    """An SVG file of its own: XML prolog, natural size."""
    svg = svg.replace(' style="max-width:100%;height:auto"', "", 1)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + svg


def _missing_dot_html(text: str) -> str:
    return (
        '<div style="font-family:system-ui,sans-serif;font-size:12px">'
        '<div style="background:#fffbeb;border-left:3px solid #d97706;padding:4px 8px;'
        f'margin-bottom:4px">{esc(INSTALL_HINT)}</div><pre style="margin:0">{esc(text)}</pre></div>'
    )


# -- the design graph --------------------------------------------------------------------------
def graph_text(graph: Mapping[str, Any], name: str = "") -> str:
    """A plain-text outline: each trigger (by depth) with its detail and the nodes it starts."""
    nodes = {n["UniqueId"]: n for n in graph.get("Nodes") or []}
    edges = [(e["SourceId"], e["DestinationId"]) for e in graph.get("Edges") or []]
    from glue_nb.views.layout import _nodes

    ranks = _ranks(_nodes(graph), edges)
    counts = {
        k: sum(1 for n in nodes.values() if n["Type"] == k) for k in ("TRIGGER", "JOB", "CRAWLER")
    }
    lines = [
        f"Workflow {name!r}: {counts['TRIGGER']} triggers, {counts['JOB']} jobs, "
        f"{counts['CRAWLER']} crawlers".replace("Workflow '': ", "Workflow: ")
    ]
    triggers = sorted(
        (n for n in nodes.values() if n["Type"] == "TRIGGER"),
        key=lambda n: (ranks.get(n["UniqueId"], 0), n["Name"]),
    )
    for node in triggers:
        trig = (node.get("TriggerDetails") or {}).get("Trigger") or {}
        conds = []
        for cond in (trig.get("Predicate") or {}).get("Conditions") or []:
            target = cond.get("JobName") or cond.get("CrawlerName")
            conds.append(f"{target} {cond.get('State') or cond.get('CrawlState')}")
        when = f": {', '.join(conds)}" if conds else ""
        fired = (node.get("TriggerDetails") or {}).get("Fired")
        mark = " (fired)" if fired else ""
        lines.append(f"* {node['Name']} [{trigger_detail(trig)}{when}]{mark}")
        for src, dst in edges:
            if src == node["UniqueId"] and dst in nodes:
                target = nodes[dst]
                kind = "crawler" if target["Type"] == "CRAWLER" else "job"
                lines.append(f"    -> {kind} {target['Name']}{_text_state(target)}")
    return "\n".join(lines)


def _text_state(node: Mapping[str, Any]) -> str:
    runs = (node.get("JobDetails") or {}).get("JobRuns")
    if runs:
        return f"  [{runs[-1]['JobRunState']}]"
    crawls = (node.get("CrawlerDetails") or {}).get("Crawls")
    if crawls:
        return f"  [{crawls[-1]['State']}]"
    return ""


def _trigger_with_state(trig: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(trig)
    if "State" not in out:
        started = out.get("StartOnCreation") or out.get("Type") in ("ON_DEMAND", "EVENT")
        out["State"] = "ACTIVATED" if started else "CREATED"
    return out


def workflow_graph(wf: Workflow) -> dict[str, Any]:
    """The Glue graph of a fluent workflow (also while it is still being built)."""
    from glue_nb.graph import design_graph

    triggers = [_trigger_with_state(t) for t in wf.triggers.values()]
    return design_graph(wf.name, triggers).to_glue()


def workflow_view(wf: Workflow, **options: Any) -> GraphView:
    """The static view of a fluent workflow (jobs show their notebook file)."""
    jobs = {name: os.path.basename(str(job.notebook)) for name, job in wf.jobs.items()}
    crawlers = {
        name: f"→ {c.database}" if c.database else "crawler" for name, c in wf.crawlers.items()
    }
    return GraphView(workflow_graph(wf), name=wf.name, jobs=jobs, crawlers=crawlers, **options)


def stored_view(client: GlueClient, workflow: str, **options: Any) -> GraphView:
    """The static view of a stored workflow, from ``GetWorkflow(IncludeGraph=True)`` and the
    definitions of its jobs and crawlers (two requests to a server, whatever the size)."""
    graph = client.get_workflow(Name=workflow, IncludeGraph=True)["Workflow"]["Graph"]
    jobs, crawlers = {}, {}
    stored = client.nb.get_workflow_definition(Name=workflow)  # deleted nodes: no label
    for job in stored.get("Jobs", []):
        jobs[job["Name"]] = os.path.basename(job["Command"]["ScriptLocation"])
    for crawler in stored.get("Crawlers", []):
        database = crawler.get("DatabaseName")
        crawlers[crawler["Name"]] = f"→ {database}" if database else "crawler"
    return GraphView(graph, name=workflow, jobs=jobs, crawlers=crawlers, **options)


def draw(obj: Any, *, client: GlueClient | None = None, **options: Any) -> GraphView:
    """The static view of anything that has a workflow graph: a fluent ``Workflow``, a stored
    workflow's name, a ``GetWorkflow(IncludeGraph=True)`` response or its ``Workflow``, a
    WorkflowRun with its graph, or a bare ``{"Nodes", "Edges"}``. ``options``: ``rankdir``
    (``LR``, ``TB``, ``auto``), ``legend``, ``compact`` (conditional triggers as small markers;
    default True)."""
    if callable(getattr(obj, "to_glue", None)):  # a fluent glue_nb.Workflow
        return workflow_view(obj, **options)
    if isinstance(obj, str):
        if client is None:
            from glue_nb.client import client as make_client

            client = make_client()
        return stored_view(client, obj, **options)
    if isinstance(obj, Mapping):
        if "Workflow" in obj:
            obj = obj["Workflow"]
        if "Nodes" in obj:
            return GraphView(obj, **options)
        if obj.get("Graph") is not None:
            return GraphView(obj["Graph"], name=obj.get("Name", ""), **options)
    raise InvalidInputException(
        f"cannot draw a {type(obj).__name__}: give a Workflow, a workflow name, a GetWorkflow "
        "response (IncludeGraph=True) or a graph {'Nodes', 'Edges'}"
    )


def workflow_mimebundle(
    wf: Workflow, include: Any = None, exclude: Any = None, **options: Any
) -> dict[str, Any]:
    """What ``Workflow._repr_mimebundle_`` shows."""
    return workflow_view(wf, **options)._repr_mimebundle_(include, exclude)


def render_workflow(
    wf: Workflow, path: str | os.PathLike[str], format: str | None = None, **options: Any
) -> str:
    """Write a fluent workflow's static view to ``path`` (svg, png or dot)."""
    return workflow_view(wf, **options).render(path, format)


def render_stored(
    client: GlueClient,
    workflow: str,
    path: str | os.PathLike[str],
    format: str | None = None,
    **options: Any,
) -> str:
    """Write a stored workflow's static view to ``path`` (svg, png or dot); for the CLI."""
    return stored_view(client, workflow, **options).render(path, format)


# -- a run -------------------------------------------------------------------------------------
_TEMPLATES: dict[tuple[str, str, str, bool], SvgTemplate] = {}


def template_for(
    run: Mapping[str, Any], rankdir: str = "auto", *, compact: bool = True
) -> SvgTemplate:
    """The laid-out run graph of ``run``'s design (one ``dot`` call per design and process)."""
    graph = run.get("Graph") or {"Nodes": [], "Edges": []}
    key = (design_key(graph), run.get("Name", ""), rankdir, compact)
    template = _TEMPLATES.get(key)
    if template is None:
        template = SvgTemplate(graph, name=key[1], rankdir=rankdir, compact=compact)
        if len(_TEMPLATES) >= 32:
            _TEMPLATES.pop(next(iter(_TEMPLATES)))
        _TEMPLATES[key] = template
    return template


def design_key(graph: Mapping[str, Any]) -> str:
    """A string identifying a run graph's design (nodes, edges, trigger details)."""
    import hashlib
    import json

    parts: list[Any] = []
    for node in graph.get("Nodes") or []:
        trig = (node.get("TriggerDetails") or {}).get("Trigger") or {}
        parts.append(
            (
                node["UniqueId"],
                node["Type"],
                node["Name"],
                trigger_detail(trig),
                json.dumps(trig.get("Predicate"), sort_keys=True, default=str),
            )
        )
    parts.extend((e["SourceId"], e["DestinationId"]) for e in graph.get("Edges") or [])
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()


def run_svg(run: Mapping[str, Any], *, rankdir: str = "auto") -> str:
    """The run graph as SVG, each node coloured by its state now."""
    from glue_nb.views.states import slots

    return template_for(run, rankdir).render(slots(run))


def run_html(
    run: Mapping[str, Any],
    *,
    base: Any = None,
    rankdir: str = "auto",
    resumed_by: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Header, coloured graph, run table and the errors (with tracebacks, folded) of a run: the
    static view, for places where widgets do not run. ``resumed_by``: the runs that resumed it
    (WorkflowRun dicts), named in the header."""
    from glue_nb.views.html import node_detail_html, run_header_html, run_table_html
    from glue_nb.views.states import node_states

    try:
        graph = f'<div style="overflow:auto">{run_svg(run, rankdir=rankdir)}</div>'
    except GraphvizNotFound:
        graph = _missing_dot_html(graph_text(run.get("Graph") or {}, run.get("Name", "")))
    errors = "".join(
        '<details style="margin:4px 0"><summary style="font-size:12px;cursor:pointer">'
        f"error details: {esc(s.name)}</summary>{node_detail_html(s, base=base)}</details>"
        for s in node_states(run).values()
        if s.category in ("failed", "timeout")
    )
    return (
        f'<div class="gnb-run">{run_header_html(run, resumed_by=resumed_by)}{graph}'
        f"{run_table_html(run, base=base)}{errors}</div>"
    )


def run_text(run: Mapping[str, Any]) -> str:
    """A text summary of a run: status, statistics and the outline with node states."""
    stats = run.get("Statistics") or {}
    counts = ", ".join(
        f"{v} {k.replace('Actions', '').lower()}"
        for k, v in stats.items()
        if v and k != "TotalActions"
    )
    from glue_nb.views.states import run_status

    head = (
        f"Run {run.get('WorkflowRunId', '')} of {run.get('Name', '')!r}: {run_status(run).text} "
        f"({counts or 'nothing run'}; {stats.get('TotalActions', 0)} actions)"
    )
    return f"{head}\n{graph_text(run.get('Graph') or {}, run.get('Name', ''))}"


def _in_kernel() -> bool:
    """True inside a Jupyter kernel whose frontend can show widgets (IPython not imported)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def run_mimebundle(
    run: Run,
    include: Any = None,
    exclude: Any = None,
    *,
    live: bool | None = None,
    widget: Callable[[Run], Any] | None = None,
) -> dict[str, Any]:
    """What ``Run._repr_mimebundle_`` shows: SVG of the run's state, the HTML table and errors;
    for an active run inside a kernel also the live widget ``widget(run)`` (shown where widgets
    run; exported notebooks fall back to the static parts). ``live`` forces the widget in or
    out."""
    described = run.describe()
    later = [r.describe(graph=False) for r in run.resumed_by]
    bundle: dict[str, Any] = {
        "text/plain": run_text(described),
        "text/html": run_html(described, resumed_by=later),
    }
    try:
        bundle["image/svg+xml"] = run_svg(described)
    except GraphvizNotFound:
        pass
    if live is None:
        live = described.get("Status") in ("RUNNING", "STOPPING") and _in_kernel()
    if live and widget is not None:
        try:
            bundle.update({k: v for k, v in widget(run)._repr_mimebundle_().items()
                           if k == WIDGET_MIME})  # fmt: skip
        except ImportError:  # ipywidgets missing: the static parts are enough
            pass
    return _filter(bundle, include, exclude)
