"""HTML pieces shared by the run's rich display, the live widget and the HTML report.

Everything is styled inline, so it looks the same inside a widget, a notebook output, an exported
notebook and a standalone report, and never leaks CSS into the page around it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.states import NodeState, RunStatus, run_status
from glue_nb.views.style import CATEGORIES, category_of, esc, fmt_duration, fmt_time, strip_ansi

__all__ = [
    "badge",
    "node_detail_html",
    "notebook_href",
    "run_header_html",
    "run_rows",
    "run_table_html",
    "status_badge",
]

_TABLE = "border-collapse:collapse;font-size:12px;font-family:system-ui,sans-serif;margin:4px 0"
_TH = (
    "text-align:left;padding:3px 8px;border-bottom:2px solid #d1d5db;color:#374151;"
    "font-weight:600;white-space:nowrap"
)
_TD = "padding:3px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;text-align:left"
_MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace"


def badge(text: str, category: str, *, title: str = "", strong: bool = False) -> str:
    """A small coloured pill (``category`` picks the colours; ``strong``: a bolder border and
    text, for what the eye should read first)."""
    colour = CATEGORIES.get(category, CATEGORIES["pending"])
    weight = "border-width:2px;font-weight:600;" if strong else ""
    tip = f' title="{esc(title)}"' if title else ""
    return (
        f'<span class="gnb-badge gnb-{category}"{tip} style="display:inline-block;padding:0 7px;'
        f"border-radius:9px;background:{colour.fill};border:1px solid {colour.stroke};{weight}"
        f'color:#111827;font-size:11px;line-height:17px;white-space:nowrap">{esc(text)}</span>'
    )


def status_badge(run: Mapping[str, Any] | RunStatus) -> str:
    """A run's status at a glance: ``COMPLETED · 1 failed`` in the failure colours, Glue's
    status kept first; the tooltip says what Glue's word means here."""
    status = run if isinstance(run, RunStatus) else run_status(run)
    mark = "✗ " if status.category in ("failed", "timeout") else ""
    return badge(
        mark + status.text,
        status.category,
        title=status.title,
        strong=status.category in ("failed", "timeout", "stopped"),
    ).replace('class="gnb-badge ', 'class="gnb-badge gnb-status ', 1)


def notebook_href(
    path: str | None, base: str | os.PathLike[str] | None = None, *, outside: str = "file"
) -> str | None:
    """A link to an output notebook, relative to ``base`` (default: the working directory, the
    notebook's folder in Jupyter). A notebook outside ``base`` gets a ``file://`` URL, or with
    ``outside="relative"`` a ``../`` path (what a report next to its run folders wants)."""
    if not path:
        return None
    if "://" in path:
        return path
    base = os.fspath(base) if base is not None else os.getcwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        rel = ".."
    if not rel.startswith("..") or (outside == "relative" and rel != ".."):
        return rel.replace(os.sep, "/")
    return Path(os.path.abspath(path)).as_uri()


def run_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every job run and crawl of a run graph, in start order, with its node's name and type."""
    rows = []
    for node in (run.get("Graph") or {}).get("Nodes", []):
        for jr in (node.get("JobDetails") or {}).get("JobRuns") or []:
            rows.append(
                {
                    **jr,
                    "_node": node["Name"],
                    "_uid": node["UniqueId"],
                    "_type": "JOB",
                    "_state": jr["JobRunState"],
                }
            )
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls") or []:
            rows.append(
                {
                    **crawl,
                    "_node": node["Name"],
                    "_uid": node["UniqueId"],
                    "_type": "CRAWLER",
                    "_state": crawl["State"],
                }
            )
    floor = datetime.min.replace(tzinfo=timezone.utc)
    rows.sort(key=lambda r: (r.get("StartedOn") or floor, r.get("Attempt", 0)))
    return rows


def run_header_html(
    run: Mapping[str, Any],
    *,
    now: datetime | None = None,
    resumed_by: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Workflow name, status at a glance (:func:`status_badge`), run id, start, duration and
    Statistics; ``resumed_by``: the WorkflowRuns that resumed this run (named, with their
    status, so the newer run is easy to reach: ``run.latest()``)."""
    started = run.get("StartedOn")
    end = run.get("CompletedOn") or (now or datetime.now(timezone.utc))
    duration = fmt_duration(end - started) if started else ""
    stats = run.get("Statistics") or {}
    chips = []
    for key, label, cat in (
        ("SucceededActions", "succeeded", "succeeded"),
        ("RunningActions", "running", "running"),
        ("WaitingActions", "waiting", "waiting"),
        ("FailedActions", "failed", "failed"),
        ("ErroredActions", "errored", "failed"),
        ("TimeoutActions", "timeout", "timeout"),
        ("StoppedActions", "stopped", "stopped"),
    ):
        if stats.get(key):
            chips.append(badge(f"{stats[key]} {label}", cat))
    total = stats.get("TotalActions", 0)
    chips.append(f'<span style="color:#4b5563">of {total} actions</span>')
    extra = ""
    if run.get("PreviousRunId"):
        extra += f" · resumed from <code>{esc(run['PreviousRunId'][:15])}…</code>"
    if run.get("ErrorMessage"):
        extra += f'<div style="color:#b91c1c">{esc(run["ErrorMessage"])}</div>'
    for later in resumed_by:
        later_id = str(later.get("WorkflowRunId", ""))
        extra += (
            '<div class="gnb-resumed-by" style="color:#4b5563">resumed by run '
            f'<code title="{esc(later_id)}">{esc(later_id[:15])}…</code> {status_badge(later)}'
            " · <code>run.latest()</code> is the newest run of this chain</div>"
        )
    return (
        '<div class="gnb-header" style="font-family:system-ui,sans-serif;font-size:13px;'
        'line-height:1.6">'
        f'<b style="font-size:14px">{esc(run.get("Name", ""))}</b> '
        f"{status_badge(run)} "
        f'<span style="color:#4b5563">run <code title="{esc(run.get("WorkflowRunId", ""))}">'
        f"{esc(str(run.get('WorkflowRunId', ''))[:15])}…</code>"
        f" · started {esc(fmt_time(started, date=True))}"
        f"{' · ' + esc(duration) if duration else ''}</span>{extra}"
        f'<div style="display:flex;gap:6px;flex-wrap:wrap;align-items:center">'
        f"{' '.join(chips)}</div></div>"
    )


def run_table_html(
    run: Mapping[str, Any],
    *,
    base: str | os.PathLike[str] | None = None,
    href: Callable[[str | None], str | None] | None = None,
    now: datetime | None = None,
    max_rows: int = 500,
) -> str:
    """One row per job run (each attempt) and crawl: node, attempt, state, started, duration,
    error summary and a link to the executed notebook."""
    rows = run_rows(run)
    if not rows:
        active = run.get("Status") in WORKFLOW_RUN_ACTIVE
        what = "Nothing has started yet." if active else "No job or crawler ran."
        return f'<div class="gnb-table" style="color:#6b7280;font-size:12px">{what}</div>'
    link = href or (lambda p: notebook_href(p, base))
    now = now or datetime.now(timezone.utc)
    head = "".join(
        f'<th style="{_TH}">{h}</th>'
        for h in ("node", "attempt", "state", "started", "duration", "error", "notebook")
    )
    body = []
    shown = rows[-max_rows:] if len(rows) > max_rows else rows
    for r in shown:
        state = r["_state"]
        started = r.get("StartedOn")
        end = r.get("CompletedOn") or (
            now if state in ("RUNNING", "STARTING", "STOPPING") else None
        )
        duration = fmt_duration(end - started) if (started and end) else ""
        error = r.get("ErrorMessage") or ""
        summary = error.splitlines()[0][:100] if error else ""
        url = link(r.get("OutputLocation"))
        notebook = (
            f'<a href="{esc(url)}" title="{esc(r.get("OutputLocation"))}">'
            f"{esc(os.path.basename(r.get('OutputLocation') or ''))}</a>"
            if url
            else ""
        )
        kind = "crawl" if r["_type"] == "CRAWLER" else r.get("Attempt", 0)
        pill = badge(state, category_of(state))
        if state == "SUCCEEDED" and r.get("ReusedFrom"):  # taken from an earlier run (reuse)
            saved = r.get("ReuseSavedSeconds")
            pill = badge("reused", "reused", title=f"reused {r['ReusedFrom']}" + (
                f" ({fmt_duration(saved)} saved)" if saved else ""))  # fmt: skip
        body.append(
            f'<tr class="gnb-row" data-node="{esc(r["_node"])}" data-state="{esc(state)}">'
            f'<td style="{_TD};font-weight:600">{esc(r["_node"])}</td>'
            f'<td style="{_TD};text-align:right">{esc(kind)}</td>'
            f'<td style="{_TD}">{pill}</td>'
            f'<td style="{_TD};white-space:nowrap">{esc(fmt_time(started))}</td>'
            f'<td style="{_TD};text-align:right;white-space:nowrap">{esc(duration)}</td>'
            f'<td style="{_TD};color:#b91c1c" title="{esc(error)}">{esc(summary)}</td>'
            f'<td style="{_TD};{_MONO};font-size:11px">{notebook}</td></tr>'
        )
    more = ""
    if len(rows) > len(shown):
        more = (
            f'<div style="color:#6b7280;font-size:11px">(latest {len(shown)} of {len(rows)})</div>'
        )
    return (
        f'<table class="gnb-table" style="{_TABLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


def node_detail_html(
    state: NodeState,
    *,
    base: str | os.PathLike[str] | None = None,
    href: Callable[[str | None], str | None] | None = None,
) -> str:
    """Every attempt of one node: state, timings, arguments, error and traceback."""
    link = href or (lambda p: notebook_href(p, base))
    kind = {"TRIGGER": "trigger", "CRAWLER": "crawler"}.get(state.type, "job")
    parts = [
        f'<div class="gnb-detail" style="font-family:system-ui,sans-serif;font-size:12px">'
        f"<b>{esc(kind)} {esc(state.name)}</b> "
        f"{badge(state.state or state.category, state.category)}"
    ]
    if not state.runs:
        what = {"never": "It will not run in this run: its trigger can no longer fire."}.get(
            state.category, "It has not run yet."
        )
        parts.append(f'<div style="color:#6b7280">{what}</div>')
    for index, r in enumerate(state.runs):
        latest = index == len(state.runs) - 1
        run_state = r.get("JobRunState") or r.get("State") or ""
        started, completed = r.get("StartedOn"), r.get("CompletedOn")
        duration = fmt_duration(completed - started) if (started and completed) else ""
        title = f"attempt {r['Attempt']}" if "Attempt" in r else "crawl"
        url = link(r.get("OutputLocation"))
        line = (
            f"<b>{esc(title)}</b> {badge(run_state, category_of(run_state))} "
            f"started {esc(fmt_time(started, date=True))}"
            f"{' · ' + esc(duration) if duration else ''}"
        )
        if url:
            line += f' · <a href="{esc(url)}">executed notebook</a>'
        body = ""
        if r.get("Arguments"):
            args = ", ".join(f"{k}={v}" for k, v in r["Arguments"].items())
            body += f'<div style="color:#4b5563;{_MONO};font-size:11px">{esc(args)}</div>'
        if r.get("ErrorMessage"):
            body += f'<div style="color:#b91c1c;margin:2px 0">{esc(r["ErrorMessage"])}</div>'
        detail = r.get("ErrorDetail") or {}
        if detail.get("traceback"):
            body += (
                f'<pre class="gnb-traceback" style="{_MONO};font-size:11px;background:#fef2f2;'
                "border-left:3px solid #b91c1c;padding:6px 8px;margin:2px 0;overflow:auto;"
                f'max-height:320px;white-space:pre">{esc(strip_ansi(detail["traceback"]))}</pre>'
            )
        if latest or not body:
            parts.append(f'<div style="margin-top:6px">{line}{body}</div>')
        else:  # earlier attempts fold away
            parts.append(
                f'<details style="margin-top:6px"><summary>{line}</summary>{body}</details>'
            )
    parts.append("</div>")
    return "".join(parts)
