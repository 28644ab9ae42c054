"""How runs look in a terminal: states in colour, times and durations, and a run's table of job
runs and crawls with its errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["STATE_STYLE", "fmt_duration", "fmt_time", "run_table", "status_text", "styled"]


STATE_STYLE = {
    "SUCCEEDED": "green",
    "COMPLETED": "green",
    "RUNNING": "cyan",
    "STARTING": "cyan",
    "WAITING": "yellow",
    "STOPPING": "yellow",
    "STOPPED": "yellow",
    "TIMEOUT": "magenta",
    "FAILED": "red",
    "ERROR": "red",
    "CANCELLED": "yellow",
}


def styled(state: str | None) -> str:
    if not state:
        return ""
    return f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"


def status_text(run: dict[str, Any] | None) -> str:
    """A run's status at a glance ('COMPLETED · 1 failed' in red), as the views show it."""
    if not run:
        return ""
    from glue_nb.views.states import run_status

    status = run_status(run)
    style = {"failed": "red", "timeout": "magenta", "stopped": "yellow"}.get(status.category)
    return f"[{style}]{status.text}[/]" if style else styled(status.status)


def fmt_time(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _short(location: str | None, home: Path | None) -> str:
    if not location or home is None or "://" in location:
        return location or ""
    try:
        return str(Path(location).relative_to(home))
    except ValueError:
        return location


def _crawl_summary(summary: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("TablesCreated", "created"),
        ("TablesUpdated", "updated"),
        ("TablesDeprecated", "deprecated"),
        ("TablesDeleted", "deleted"),
    ):
        if summary.get(key):
            parts.append(f"{label} {', '.join(summary[key])}")
    if summary.get("PartitionsAdded"):
        parts.append(f"{summary['PartitionsAdded']} partition(s) added")
    if summary.get("SkippedFiles"):
        parts.append(f"{len(summary['SkippedFiles'])} file(s) skipped")
    return "; ".join(parts) or "no catalog changes"


def run_table(console: Any, run: dict[str, Any], home: Path | None = None) -> None:
    """Print a run's job runs and crawls as a table, then its errors."""
    from rich.table import Table

    table = Table(title=f"{run['Name']}  {run['WorkflowRunId']}", title_justify="left")
    for col in ("node", "type", "attempt", "state", "started", "duration"):
        table.add_column(col, no_wrap=True)
    table.add_column(
        "error / executed notebook" + (f" (under {home})" if home else ""), overflow="fold"
    )
    rows = []
    for node in run.get("Graph", {}).get("Nodes", []):
        for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
            rows.append((node["Name"], "job", jr))
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls", []):
            rows.append((node["Name"], "crawler", crawl))
    rows.sort(key=lambda r: r[2].get("StartedOn") or 0)
    for name, kind, item in rows:
        state = item.get("JobRunState") or item.get("State")
        start, end = item.get("StartedOn"), item.get("CompletedOn")
        seconds = (end - start).total_seconds() if start and end else None
        detail = item.get("ErrorMessage") or _short(item.get("OutputLocation"), home)
        shown = styled(state)
        if item.get("ReusedFrom"):  # recorded SUCCEEDED at once with an earlier run's results
            shown = "[cyan]reused[/]"
            saved = item.get("ReuseSavedSeconds")
            detail = (
                f"[cyan]reused {item['ReusedFrom'][:15]}…"
                + (f" ({saved:.1f} s saved)[/] " if saved is not None else "[/] ")
                + detail
            )
        if kind == "crawler" and not item.get("ErrorMessage"):
            detail = _crawl_summary(item.get("Summary") or {})
        if item.get("ErrorMessage"):
            detail = f"[red]{detail}[/]"
        table.add_row(
            name,
            kind,
            str(item.get("Attempt", 0)),
            shown,
            fmt_time(start),
            fmt_duration(seconds),
            detail,
        )
    console.print(table)
    stats = run["Statistics"]
    summary = ", ".join(f"{k.removesuffix('Actions')}={v}" for k, v in stats.items() if v)
    console.print(f"Status {status_text(run)}  ({summary})")
    if run.get("ErrorMessage"):
        console.print(f"[red]{run['ErrorMessage']}[/]")
