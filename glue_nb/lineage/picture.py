"""The lineage picture: runs and the resources they read and wrote, drawn by graphviz.

Job runs are rounded boxes and crawls hexagons, filled with the colour of their state; tables
and partitions are cylinders, files notes, folders folders, URLs tabs. An arrow goes from a
resource to each run that read it and from a run to each resource it wrote; the seed runs have a
thick border. Each run links to its run: in JupyterLab with glue-nb's server extension to the
run's page (``<base_url>glue-nb/report`` for a workflow run, ``glue-nb/notebook`` for a job run
on its own), elsewhere to its executed notebook. With many runs (``by="job"``, the default past
30 runs) the runs of one job or crawler are drawn as one node linking to the latest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from glue_nb.exceptions import InvalidInputException
from glue_nb.views.layout import FORMATS, GraphvizNotFound, pipe
from glue_nb.views.style import CATEGORIES, FONT, category_of

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.client import GlueClient

__all__ = ["LineageView", "jupyter_base_url", "view"]

BY_JOB_AFTER = 30
SHAPES = {"table": "cylinder", "partition": "cylinder", "file": "note", "folder": "folder",
          "url": "tab"}  # fmt: skip
RESOURCE_FILL = {"table": "#ede9fe", "partition": "#f5f3ff", "file": "#f8fafc",
                 "folder": "#fefce8", "url": "#ecfeff"}  # fmt: skip


def jupyter_base_url() -> str | None:
    """The base URL of the Jupyter server that started this kernel (its parent process), or
    None outside one: where glue-nb's server extension answers."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return None
    info = Path(jupyter_runtime_dir()) / f"jpserver-{os.getppid()}.json"
    try:
        base = json.loads(info.read_text()).get("base_url")
    except (OSError, ValueError):
        return None
    return base if isinstance(base, str) else None


def _q(text: Any) -> str:
    """A DOT string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _short(run_id: str) -> str:
    return run_id[:10] + "…" if len(run_id) > 11 else run_id


def _when(epoch: Any) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(float(epoch), timezone.utc).astimezone().strftime("%m-%d %H:%M")


def _resource_label(kind: str, resource: str) -> tuple[str, str]:
    """(label, shape key) of a resource node."""
    if kind == "table":
        return resource, "table"
    if kind == "partition":
        table, _, values = resource.partition("/")
        return f"{table}\n{values}", "partition"
    folder = resource.endswith("/")
    name = resource.rstrip("/").rsplit("/", 1)[-1] + ("/" if folder else "")
    if kind == "url":
        return name, "url"
    return name, "folder" if folder else "file"


class LineageView:
    """A lineage answer (or DataFrame) that draws itself: ``_repr_mimebundle_``, :meth:`svg`,
    :meth:`render`, :attr:`source` (DOT).

    ``links``: ``"server"`` (glue-nb's Jupyter Server extension at ``base_url``),
    ``"notebook"`` (executed notebooks, relative to the working directory) or ``"auto"`` (the
    server when this kernel was started by one). ``home``: the glue-nb home the server pages
    read (default: the server's). ``by``: ``"run"``, ``"job"`` or ``"auto"``.
    """

    def __init__(
        self,
        answer: Mapping[str, Any] | pd.DataFrame,
        *,
        links: str = "auto",
        base_url: str | None = None,
        home: str | os.PathLike[str] | None = None,
        by: str = "auto",
        rankdir: str = "LR",
    ) -> None:
        if hasattr(answer, "attrs"):
            from glue_nb.lineage.frames import ANSWER

            answer = answer.attrs[ANSWER]
        assert isinstance(answer, Mapping)
        from glue_nb.lineage.graph import decode

        answer = decode(answer)
        self.runs = [dict(zip(answer["Runs"]["Columns"], r, strict=True))
                     for r in answer["Runs"]["Rows"]]  # fmt: skip
        self.records = [dict(zip(answer["Records"]["Columns"], r, strict=True))
                        for r in answer["Records"]["Rows"]]  # fmt: skip
        if links not in ("auto", "server", "notebook"):
            raise InvalidInputException(
                f"links must be 'auto', 'server' or 'notebook', got {links!r}"
            )
        if by not in ("auto", "run", "job"):
            raise InvalidInputException(f"by must be 'auto', 'run' or 'job', got {by!r}")
        if links == "auto":
            base_url = base_url or jupyter_base_url()
            links = "server" if base_url else "notebook"
        self.links, self.base_url = links, (base_url or "/")
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self.home = os.fspath(home) if home is not None else None
        self.by = by if by != "auto" else ("job" if len(self.runs) > BY_JOB_AFTER else "run")
        self.rankdir = rankdir

    def __repr__(self) -> str:
        return self.text()

    # -- links -----------------------------------------------------------------------------------
    def href(self, run: Mapping[str, Any]) -> str | None:
        """Where a run's node links to."""
        workflow, run_id, output = run.get("WorkflowName"), run.get("WorkflowRunId"), None
        if run.get("Type") == "JOB":
            output = run.get("OutputLocation")
        if self.links == "server":
            if workflow and run_id:
                params = {"workflow": workflow, "run_id": run_id}
                if self.home:
                    params = {"home": self.home, **params}
                return f"{self.base_url}glue-nb/report?{urlencode(params)}"
            if output:
                return f"{self.base_url}glue-nb/notebook?path={quote(output, safe='/:')}"
            return None
        if not output:
            return None
        from glue_nb.views.html import notebook_href

        return notebook_href(output)

    # -- the graph -------------------------------------------------------------------------------
    def _run_nodes(self) -> tuple[dict[str, str], list[str]]:
        """(run id -> node id, DOT lines of the run nodes)."""
        hops: dict[str, int] = {}
        for rec in self.records:
            hop = int(rec["Hop"])
            if rec["RunId"] not in hops or abs(hop) < abs(hops[rec["RunId"]]):
                hops[rec["RunId"]] = hop
        groups: dict[str, list[dict[str, Any]]] = {}
        for run in self.runs:
            key = run["Id"] if self.by == "run" else f"{run['Type']}:{run['Name']}"
            groups.setdefault(key, []).append(run)
        node_of: dict[str, str] = {}
        lines = []
        for n, (_key, members) in enumerate(groups.items()):
            members.sort(key=lambda r: r.get("StartedOn") or 0)
            latest = members[-1]
            node = f"r{n}"
            for run in members:
                node_of[run["Id"]] = node
            colour = CATEGORIES[category_of(latest.get("State"))]
            kind = "crawler" if latest["Type"] == "CRAWLER" else "job"
            if len(members) == 1:
                label = (f"{latest['Name']}\n{_short(latest['Id'])} · "
                         f"{str(latest.get('State') or '').lower()}\n"
                         f"{_when(latest.get('StartedOn'))}")  # fmt: skip
            else:
                label = (f"{latest['Name']}\n{len(members)} {kind} runs · latest "
                         f"{str(latest.get('State') or '').lower()}")  # fmt: skip
            seed = any(hops.get(r["Id"]) == 0 for r in members)
            attrs = {
                "label": label,
                "shape": "hexagon" if kind == "crawler" else "box",
                "style": "filled" if kind == "crawler" else "rounded,filled",
                "fillcolor": colour.fill,
                "color": colour.stroke,
                "penwidth": "2.6" if seed else "1.2",
                "tooltip": f"{kind} {latest['Name']}: {latest['Id']}"
                + (f" (workflow {latest['WorkflowName']})" if latest.get("WorkflowName") else ""),
                "class": f"gnb-lineage-{kind}",
            }
            href = self.href(latest)
            if href:
                attrs["URL"], attrs["target"] = href, "_blank"
            lines.append(f"  {node} [{', '.join(f'{k}={_q(v)}' for k, v in attrs.items())}];")
        return node_of, lines

    @property
    def source(self) -> str:
        """The DOT source."""
        node_of, lines = self._run_nodes()
        resources: dict[str, str] = {}
        edges: dict[tuple[str, str], None] = {}
        within: dict[tuple[str, str], None] = {}
        for rec in self.records:
            resource = rec["Resource"]
            if resource not in resources:
                node = f"d{len(resources)}"
                resources[resource] = node
                label, shape = _resource_label(rec["Kind"], resource)
                attrs = {
                    "label": label,
                    "shape": SHAPES[shape],
                    "style": "filled" + (",dashed" if shape == "partition" else ""),
                    "fillcolor": RESOURCE_FILL[shape],
                    "color": "#64748b",
                    "tooltip": f"{rec['Kind']} {resource}",
                    "class": f"gnb-lineage-{shape}",
                }
                lines.append(f"  {node} [{', '.join(f'{k}={_q(v)}' for k, v in attrs.items())}];")
            run_node = node_of.get(rec["RunId"])
            if run_node is None:
                continue
            pair = (
                (resources[resource], run_node)
                if rec["Direction"] == "read"
                else (run_node, resources[resource])
            )
            edges.setdefault(pair, None)
            inner = rec.get("SourceResource")
            if inner and inner != resource:  # what was written lies in what was read
                within.setdefault((inner, resource), None)
        body = "\n".join(
            lines
            + [f"  {a} -> {b};" for a, b in edges]
            + [
                f'  {resources[a]} -> {resources[b]} [style="dashed", arrowhead="none", '
                f'tooltip="{_q(a)[1:-1]} is in {_q(b)[1:-1]}"];'
                for a, b in within
                if a in resources and b in resources
            ]
        )
        return (
            "digraph lineage {\n"
            f'  rankdir={self.rankdir}; bgcolor="transparent"; nodesep=0.25; ranksep=0.45;\n'
            f'  node [fontname="{FONT}", fontsize=11, margin="0.12,0.05"];\n'
            '  edge [color="#64748b", arrowsize=0.7];\n'
            f"{body}\n}}\n"
        )

    def svg(self) -> str:
        """The picture as SVG (raises GraphvizNotFound without ``dot``)."""
        return pipe(self.source, "svg").decode("utf-8")

    def text(self) -> str:
        """A plain-text outline: each run with what it read and wrote."""
        by_run: dict[str, list[dict[str, Any]]] = {}
        for rec in self.records:
            by_run.setdefault(rec["RunId"], []).append(rec)
        names = {r["Id"]: r for r in self.runs}
        out = [f"Lineage: {len(self.runs)} runs, {len({r['Resource'] for r in self.records})} "
               "resources"]  # fmt: skip
        for run_id, recs in by_run.items():
            run = names.get(run_id, {})
            out.append(f"  [{recs[0]['Hop']:+d}] {run.get('Name', '?')} {_short(run_id)} "
                       f"{run.get('State') or ''}")  # fmt: skip
            for rec in recs:
                arrow = "<-" if rec["Direction"] == "read" else "->"
                out.append(f"      {arrow} {rec['Resource']}")
        return "\n".join(out)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from glue_nb.views.static import _filter, _missing_dot_html

        try:
            bundle: dict[str, Any] = {"image/svg+xml": self.svg(), "text/plain": self.text()}
        except GraphvizNotFound:
            bundle = {"text/html": _missing_dot_html(self.text()), "text/plain": self.text()}
        return _filter(bundle, include, exclude)

    def render(self, path: str | os.PathLike[str], format: str | None = None) -> str:
        """Write the picture to ``path`` as svg, png or dot (from the suffix by default)."""
        out = Path(path)
        fmt = (format or out.suffix.lstrip(".") or "svg").lower()
        if fmt not in FORMATS:
            raise InvalidInputException(
                f"cannot render to format {fmt!r}; valid formats: {', '.join(FORMATS)}"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "dot":
            out.write_text(self.source, encoding="utf-8")
        elif fmt == "svg":
            out.write_text(self.svg(), encoding="utf-8")
        else:
            out.write_bytes(pipe(self.source.replace("{\n", "{\n  dpi=144;\n", 1), "png"))
        return str(out)


def view(
    frame: pd.DataFrame | None = None,
    client: GlueClient | None = None,
    *,
    resource: str | None = None,
    run: str | None = None,
    workflow: str | None = None,
    depth: int | None = None,
    direction: str = "both",
    links: str = "auto",
    base_url: str | None = None,
    by: str = "auto",
    rankdir: str = "LR",
) -> LineageView:
    """The lineage picture of a lineage DataFrame, or of a query (the arguments of
    :func:`glue_nb.history.lineage`)."""
    home = None
    if frame is None:
        from glue_nb.lineage.frames import lineage

        frame = lineage(client, resource=resource, run=run, workflow=workflow, depth=depth,
                        direction=direction)  # fmt: skip
    if client is not None and links != "notebook":
        home = getattr(client, "home", None)
    return LineageView(frame, links=links, base_url=base_url, home=home, by=by, rankdir=rankdir)
