"""A self-contained HTML report of one run: graph, table, errors with tracebacks, links.

One file, no scripts and no external resources: the SVG graph is inline, links to the executed
notebooks are relative to the report's folder (``file://`` when they live elsewhere), so it can
be mailed, archived or served as it is. ``glue-nb report`` writes it.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.views.html import node_detail_html, notebook_href, run_header_html, run_table_html
from glue_nb.views.layout import GraphvizNotFound
from glue_nb.views.states import node_states, run_status
from glue_nb.views.static import _missing_dot_html, graph_text, run_svg
from glue_nb.views.style import esc

if TYPE_CHECKING:
    from glue_nb.client import GlueClient

__all__ = ["run_report_html", "write_run_report"]

_PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px;
       color: #111827; max-width: 1200px; }
h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #e5e7eb; padding-bottom: 3px; }
.props td { padding: 1px 10px 1px 0; font-size: 12px; vertical-align: top; }
.props td:first-child { color: #4b5563; font-family: ui-monospace, Menlo, Consolas, monospace; }
.graph { overflow: auto; }
footer { margin-top: 28px; color: #6b7280; font-size: 11px; }
"""


def run_report_html(
    client: GlueClient, workflow: str, run_id: str, *, base: str | os.PathLike[str] | None = None
) -> str:
    """The report as an HTML document; links are relative to ``base`` (default: cwd)."""
    run = client.nb.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    states = node_states(run)
    try:
        graph = run_svg(run)
    except GraphvizNotFound:
        graph = _missing_dot_html(graph_text(run.get("Graph") or {}, workflow))

    def href(path: str | None) -> str | None:
        return notebook_href(path, base, outside="relative")

    failed = [s for s in states.values() if s.category in ("failed", "timeout", "stopped")]
    errors = "".join(
        f'<div style="margin-bottom:14px">{node_detail_html(s, href=href)}</div>' for s in failed
    )
    never = [s.name for s in states.values() if s.category == "never" and s.type != "TRIGGER"]
    props = run.get("WorkflowRunProperties") or {}
    prop_rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in sorted(props.items())
    )
    sections = [
        run_header_html(run),
        f'<h2>Graph</h2><div class="graph">{graph}</div>',
        f"<h2>Job runs and crawls</h2>{run_table_html(run, href=href)}",
    ]
    if failed:
        sections.append(f"<h2>Errors</h2>{errors}")
    if never:
        sections.append(
            "<h2>Did not run</h2><p style='font-size:12px'>Their triggers never fired: "
            f"{esc(', '.join(never))}</p>"
        )
    if props:
        sections.append(f'<h2>Run properties</h2><table class="props">{prop_rows}</table>')
    generated = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    title = f"{workflow} · run {run_id[:15]}… · {run_status(run).text}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{_PAGE_STYLE}</style></head><body>"
        + "".join(sections)
        + f"<footer>glue-nb report · run {esc(run_id)} · written {esc(generated)}</footer>"
        "</body></html>\n"
    )


def write_run_report(
    client: GlueClient, workflow: str, run_id: str, path: str | os.PathLike[str], **_: Any
) -> str:
    """Write the self-contained HTML report of a run to ``path``; returns the path."""
    out = Path(path)
    if not out.suffix:
        out = out.with_suffix(".html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(run_report_html(client, workflow, run_id, base=out.parent.absolute()), "utf-8")
    return str(out)
