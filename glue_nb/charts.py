"""Pictures of runs with matplotlib: a Gantt chart of one run, duration trends across runs.

Both return a :class:`matplotlib.figure.Figure`, made without pyplot so nothing is shown twice and
no global state is touched. It displays itself inline in Jupyter (``_repr_png_``) even when
pyplot's inline backend was never set up.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from glue_nb.exceptions import InvalidInputException
from glue_nb.views.style import CATEGORIES, category_of, fmt_duration

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from glue_nb.client import GlueClient

__all__ = ["ChartFigure", "critical_path", "duration_trend", "gantt"]

_SLACK = timedelta(seconds=0.5)  # a trigger fires this soon after the run it watched ended
_KEPT_ALPHA = 0.45  # node runs a resumed run kept from the run it resumed are drawn faded
#: Line colours of jobs in a trend: distinct, and none of them a state's red or green.
_JOB_COLOURS = (
    "#2563eb",
    "#9333ea",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#475569",
    "#7c2d12",
    "#4f46e5",
    "#0d9488",
    "#a16207",
)


@dataclass
class Bar:
    """One job run or crawl on the timeline."""

    node: str
    attempt: int
    state: str
    start: datetime
    end: datetime | None
    trigger: str | None
    id: str
    previous: str | None = None
    kind: str = "JOB"
    inherited: bool = False  # kept from the run a resumed run resumed
    reused: bool = False  # SUCCEEDED at once with an earlier run's results (reuse)


def _bars_from_run(run: Mapping[str, Any]) -> tuple[list[Bar], dict[str, Mapping[str, Any]]]:
    bars: list[Bar] = []
    triggers: dict[str, Mapping[str, Any]] = {}
    own = run.get("WorkflowRunId")
    for node in (run.get("Graph") or {}).get("Nodes", []):
        if node["Type"] == "TRIGGER":
            trig = (node.get("TriggerDetails") or {}).get("Trigger") or {}
            triggers[node["Name"]] = trig
        for jr in (node.get("JobDetails") or {}).get("JobRuns") or []:
            bars.append(
                Bar(
                    node["Name"],
                    jr["Attempt"],
                    jr["JobRunState"],
                    jr["StartedOn"],
                    jr.get("CompletedOn"),
                    jr.get("TriggerName"),
                    jr["Id"],
                    jr.get("PreviousRunId"),
                    inherited=jr.get("WorkflowRunId", own) != own,
                    reused=bool(jr.get("ReusedFrom")),
                )
            )
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls") or []:
            bars.append(
                Bar(
                    node["Name"],
                    0,
                    crawl["State"],
                    crawl["StartedOn"],
                    crawl.get("CompletedOn"),
                    crawl.get("TriggerName"),
                    crawl.get("CrawlId") or f"crawl-{len(bars)}",
                    kind="CRAWLER",
                )
            )
    return bars, triggers


def _bars_from_frame(df: pd.DataFrame) -> list[Bar]:
    import pandas as pd

    bars = []
    own = None
    if len(df) and "run_id" in df.columns:
        own = df["run_id"].iloc[int(df["started"].to_numpy().argmax())]
    for i, row in enumerate(df.itertuples(index=False)):
        end = row.completed if not pd.isna(row.completed) else None
        prev = getattr(row, "previous_run_id", None)
        run_id = getattr(row, "run_id", own)
        reused_from = getattr(row, "reused_from", None)
        bars.append(
            Bar(
                str(row.node),
                int(row.attempt),
                str(row.state),
                row.started.to_pydatetime(),
                end.to_pydatetime() if end is not None else None,
                None if pd.isna(row.trigger) else str(row.trigger),
                str(row.id) if not pd.isna(row.id) else f"row-{i}",
                None if prev is None or pd.isna(prev) else str(prev),
                str(getattr(row, "type", "JOB")),
                inherited=own is not None and run_id != own,
                reused=reused_from is not None and not pd.isna(reused_from),
            )
        )
    return bars


def _source(run: Any) -> tuple[list[Bar], dict[str, Mapping[str, Any]] | None, str]:
    """Bars, trigger definitions (``None`` when unknown) and a title from a Run, a WorkflowRun
    dict or a run-table DataFrame."""
    from glue_nb.run import Run

    if isinstance(run, Run):
        run = run.describe()
    if isinstance(run, Mapping):
        bars, triggers = _bars_from_run(run)
        title = f"{run.get('Name', '')} · run {str(run.get('WorkflowRunId', ''))[:15]}…"
        return bars, triggers, title
    if not hasattr(run, "columns"):
        shown = repr(run) if len(repr(run)) <= 60 else repr(run)[:57] + "..."
        raise InvalidInputException(
            f"gantt takes a glue_nb.Run, a WorkflowRun dict with its graph or a run table "
            f"(run.table()), got {type(run).__name__} {shown}; for a run id, pass "
            "glue_nb.Run.get(workflow, run_id)"
        )
    title = ""
    if len(run) and "run_id" in run.columns and "workflow" in run.columns:
        title = f"{run['workflow'].iloc[-1]} · run {str(run['run_id'].iloc[-1])[:15]}…"
    return _bars_from_frame(run), None, title


def critical_path(
    bars: Sequence[Bar], triggers: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Bar]:
    """The chain of job runs that decided when the run ended, first to last.

    From the run that ended last, step back to what started it: the attempt it retried, or the
    watched run whose end fired its conditional trigger (the latest to end before it started).
    Without trigger definitions, any run that ended just before is taken as the cause.
    """
    if not bars:
        return []
    now = datetime.now(timezone.utc)
    by_id = {b.id: b for b in bars}
    # without definitions, the trigger of the earliest run is taken as the start trigger
    first_trigger = min(bars, key=lambda b: b.start).trigger if triggers is None else None

    def end(b: Bar) -> datetime:
        return b.end or now

    def cause(b: Bar) -> Bar | None:
        if b.previous and b.previous in by_id:
            return by_id[b.previous]
        watched: set[str] | None = None
        if triggers is None and b.trigger is not None and b.trigger == first_trigger:
            return None
        if triggers is not None:
            trig = triggers.get(b.trigger or "")
            if not trig or trig.get("Type") != "CONDITIONAL":
                return None
            conds = (trig.get("Predicate") or {}).get("Conditions") or []
            watched = {c.get("JobName") or c.get("CrawlerName") for c in conds}
        candidates = [
            x
            for x in bars
            if x is not b
            and x.end is not None
            and x.start < b.start
            and x.end <= b.start + _SLACK
            and (x.node in watched if watched is not None else x.node != b.node)
        ]
        return max(candidates, key=end) if candidates else None

    path = [max(bars, key=end)]
    seen = {path[0].id}
    while True:
        previous = cause(path[-1])
        if previous is None or previous.id in seen:
            break
        path.append(previous)
        seen.add(previous.id)
    return path[::-1]


class ChartFigure(Figure):
    """A Figure that shows itself as PNG in Jupyter, inline backend or not."""

    def _repr_png_(self) -> bytes:
        buf = BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def _figure(figsize: tuple[float, float]) -> Figure:
    return ChartFigure(figsize=figsize, layout="constrained")


def _seconds_formatter(span: float) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        if span < 120:
            return f"{value:g} s"
        return fmt_duration(value)

    return FuncFormatter(fmt)


def gantt(
    run: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    show_critical_path: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A timeline of one run: a bar per job run or crawl, coloured by state, retries on their
    node's row (earlier attempts hatched, ``#n`` marks the attempt), the critical path outlined.

    ``run`` is a :class:`~glue_nb.run.Run`, a WorkflowRun dict with its graph, or a run-table
    DataFrame (``run.table()``).
    """
    from matplotlib.patches import Patch

    bars, triggers, auto_title = _source(run)
    rows = list(dict.fromkeys(b.node for b in sorted(bars, key=lambda b: b.start)))
    if ax is None:
        height = figsize[1] if figsize else max(2.2, 0.45 * len(rows) + 1.4)
        fig = _figure((figsize[0] if figsize else 9.5, height))
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    ax.set_title(title if title is not None else auto_title, loc="left", fontsize=11)
    if not bars:
        ax.text(0.5, 0.5, "nothing has run yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    now = datetime.now(timezone.utc)
    t0 = min(b.start for b in bars)
    span = max(((b.end or now) - t0).total_seconds() for b in bars) or 1.0
    critical = {b.id for b in critical_path(bars, triggers)} if show_critical_path else set()
    retried = {b.previous for b in bars if b.previous}
    seen_categories: dict[str, None] = {}
    for b in bars:
        y = rows.index(b.node)
        left = (b.start - t0).total_seconds()
        width = max(((b.end or now) - b.start).total_seconds(), span * 0.004)
        category = "reused" if b.reused and b.state == "SUCCEEDED" else category_of(b.state)
        seen_categories[category] = None
        colour = CATEGORIES[category]
        on_path = b.id in critical
        ax.barh(
            y,
            width,
            left=left,
            height=0.56,
            color=colour.fill,
            edgecolor="#111827" if on_path else colour.stroke,
            linewidth=2.2 if on_path else 1.0,
            hatch="///" if b.id in retried else ("..." if b.end is None else None),
            alpha=_KEPT_ALPHA if b.inherited else 1.0,
            zorder=3 if on_path else 2,
        )
        label = f"#{b.attempt}" if b.attempt else ("reused" if category == "reused" else "")
        text = f"{label} {fmt_duration(width)}".strip()
        if width / span > 0.09:
            ax.text(left + width / 2, y, text, ha="center", va="center", fontsize=8, zorder=4)
        elif label:
            ax.text(left + width + span * 0.005, y, label, ha="left", va="center", fontsize=8)
    if critical and len(critical) > 1:
        path = critical_path(bars, triggers)
        for a, b in itertools.pairwise(path):
            ax.annotate(
                "",
                xy=((b.start - t0).total_seconds(), rows.index(b.node)),
                xytext=(((a.end or now) - t0).total_seconds(), rows.index(a.node)),
                arrowprops={
                    "arrowstyle": "->",
                    "color": "#111827",
                    "lw": 1.1,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
                zorder=5,
            )
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_formatter(_seconds_formatter(span))
    ax.set_xlim(0, span * 1.04)
    ax.set_xlabel(f"time since the run started ({t0.astimezone():%Y-%m-%d %H:%M:%S})")
    ax.grid(axis="x", color="#e5e7eb", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # legend swatches are drawn exactly as the bars they stand for
    running = any(b.end is None for b in bars)
    handles: list[Any] = [
        Patch(
            facecolor=CATEGORIES[c].fill,
            edgecolor=CATEGORIES[c].stroke,
            linewidth=1.0,
            hatch="..." if c == "running" and running else None,
            label=CATEGORIES[c].label,
        )
        for c in seen_categories
    ]
    if retried:
        colour = CATEGORIES[category_of(next(b.state for b in bars if b.id in retried))]
        handles.append(
            Patch(
                facecolor=colour.fill,
                edgecolor=colour.stroke,
                linewidth=1.0,
                hatch="///",
                label="retried",
            )
        )
    inherited = [b for b in bars if b.inherited]
    if inherited:
        colour = CATEGORIES[category_of(inherited[0].state)]
        handles.append(
            Patch(
                facecolor=colour.fill,
                edgecolor=colour.stroke,
                linewidth=1.0,
                alpha=_KEPT_ALPHA,
                label="kept from earlier run",
            )
        )
    if critical:
        handles.append(
            Patch(facecolor="white", edgecolor="#111827", linewidth=2.2, label="critical path")
        )
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        frameon=False,
        ncol=min(len(handles), 4),
        bbox_to_anchor=(1, 1.0),
    )
    return fig


def _time_axis(ax: Axes, started: pd.Series) -> None:
    """Label the x axis of run start times (UTC) so every tick reads as a time: ``09:31:05``
    within a few minutes, ``09:31`` within a day, ``Mar 04`` within a year, ``2026-03`` beyond;
    the axis title names the day when all runs share one."""
    from matplotlib.dates import AutoDateLocator, DateFormatter

    times = started.dt.tz_convert("UTC")
    span = (times.max() - times.min()).total_seconds()
    if span < 600:
        fmt = "%H:%M:%S"
    elif span < 86400:
        fmt = "%H:%M"
    elif span < 366 * 86400:
        fmt = "%b %d"
    else:
        fmt = "%Y-%m"
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(DateFormatter(fmt))
    same_day = times.min().date() == times.max().date()
    day = f", {times.min():%Y-%m-%d}" if same_day and fmt.startswith("%H") else ""
    ax.set_xlabel(f"run started (UTC{day})")


def duration_trend(
    df_or_client: pd.DataFrame | GlueClient | None = None,
    workflow: str | None = None,
    job: str | Sequence[str] | None = None,
    *,
    since: Any = None,
    ax: Axes | None = None,
    max_jobs: int = 10,
) -> Figure:
    """Duration of each job across runs: a line per job through its successful runs (colours
    that are no state's), failed, timed-out and stopped runs marked in their state colours.

    ``df_or_client`` is a history DataFrame (:func:`glue_nb.history.job_runs`) or a client (its
    history is read; ``None`` = the default home). ``workflow``/``job`` narrow it down.
    """
    import pandas as pd

    from glue_nb.history import job_runs

    if isinstance(df_or_client, pd.DataFrame):
        df = df_or_client
        if workflow is not None and "workflow" in df.columns:
            df = df[df["workflow"] == workflow]
        if since is not None:
            from glue_nb.history import _epoch

            start = pd.Timestamp(_epoch(since), unit="s", tz="UTC")
            df = df[df["started"] >= start]
    else:
        df = job_runs(df_or_client, workflow, since)
    if job is not None:
        df = df[df["node"].isin([job] if isinstance(job, str) else list(job))]
    df = df[df["duration"].notna()]
    if ax is None:
        fig = _figure((9.5, 3.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    names = df["workflow"].dropna().astype(str).unique() if "workflow" in df.columns else []
    what = job if isinstance(job, str) else workflow or (names[0] if len(names) == 1 else "")
    what = what or "all workflows"
    ax.set_title(f"{what}: duration per run", loc="left", fontsize=11)
    if df.empty:
        ax.text(0.5, 0.5, "no finished runs yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    seconds = df["duration"].dt.total_seconds()
    scale, unit = (
        (1, "s") if seconds.max() < 180 else (60, "min") if seconds.max() < 10800 else (3600, "h")
    )
    totals = seconds.groupby(df["node"].astype(str)).sum().sort_values(ascending=False)
    nodes = list(totals.index[:max_jobs])
    marks = {  # states other than SUCCEEDED: their colour, as everywhere else
        "failed": ("x", CATEGORIES["failed"].stroke, 40),
        "timeout": ("^", CATEGORIES["timeout"].stroke, 30),
        "stopped": ("s", CATEGORIES["stopped"].stroke, 22),
    }
    labelled: set[str] = set()
    for i, node in enumerate(nodes):
        rows = df[df["node"].astype(str) == node]
        y = rows["duration"].dt.total_seconds() / scale
        x = rows["started"].dt.tz_convert("UTC").dt.tz_localize(None)
        category = rows["state"].astype(str).map(category_of)
        ok = category == "succeeded"
        colour = _JOB_COLOURS[i % len(_JOB_COLOURS)]
        ax.plot(x[ok], y[ok], marker="o", ms=4, lw=1.4, color=colour, label=node)
        for cat, (marker, mark_colour, size) in marks.items():
            here = category == cat
            if here.any():
                label = None if cat in labelled else CATEGORIES[cat].label
                labelled.add(cat)
                ax.scatter(
                    x[here], y[here], marker=marker, s=size, color=mark_colour, zorder=4,
                    label=label,
                )  # fmt: skip
    ax.set_ylabel(f"duration ({unit})")
    ax.set_ylim(bottom=0)
    ax.grid(color="#e5e7eb")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _time_axis(ax, df["started"])
    return fig
