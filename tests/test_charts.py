"""Charts: the Gantt chart of a run (bars, retries, critical path) and duration trends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
from matplotlib.figure import Figure

from glue_nb import charts

T0 = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)  # for finished runs


def jr(
    t0: datetime,
    job: str,
    attempt: int,
    state: str,
    start: float,
    end: float | None,
    trigger: str,
    prev: str | None = None,
) -> dict[str, Any]:
    return {
        "Id": f"jr_{job}_{attempt}",
        "Attempt": attempt,
        "JobName": job,
        "JobRunState": state,
        "StartedOn": t0 + timedelta(seconds=start),
        "TriggerName": trigger,
        "CompletedOn": None if end is None else t0 + timedelta(seconds=end),
        **({"PreviousRunId": prev} if prev else {}),
    }


def run_dict() -> dict[str, Any]:
    """start -> slow (60 s), quick (10 s, failed once and retried); all succeeded -> report.

    The run started 70 s ago and "report" is still running, so the chart spans 70 s whenever the
    test runs (a module-level start time made the span, and so the labels, depend on how long
    the suite took to reach this test)."""
    t0 = datetime.now(timezone.utc) - timedelta(seconds=70)
    cond = {
        "Type": "CONDITIONAL",
        "Predicate": {
            "Logical": "AND",
            "Conditions": [
                {"JobName": "slow", "State": "SUCCEEDED"},
                {"JobName": "quick", "State": "SUCCEEDED"},
            ],
        },
    }
    nodes = [
        {
            "Type": "TRIGGER",
            "Name": "start",
            "UniqueId": "t1",
            "TriggerDetails": {"Trigger": {"Type": "ON_DEMAND"}},
        },
        {"Type": "TRIGGER", "Name": "both", "UniqueId": "t2", "TriggerDetails": {"Trigger": cond}},
        {
            "Type": "JOB",
            "Name": "slow",
            "UniqueId": "j1",
            "JobDetails": {"JobRuns": [jr(t0, "slow", 0, "SUCCEEDED", 0, 60, "start")]},
        },
        {
            "Type": "JOB",
            "Name": "quick",
            "UniqueId": "j2",
            "JobDetails": {
                "JobRuns": [
                    jr(t0, "quick", 0, "FAILED", 0, 5, "start"),
                    jr(t0, "quick", 1, "SUCCEEDED", 5, 15, "start", prev="jr_quick_0"),
                ]
            },
        },
        {
            "Type": "JOB",
            "Name": "report",
            "UniqueId": "j3",
            "JobDetails": {"JobRuns": [jr(t0, "report", 0, "RUNNING", 60.2, None, "both")]},
        },
    ]
    return {"Name": "wf", "WorkflowRunId": "wr_x", "Status": "RUNNING", "Graph": {"Nodes": nodes}}


def test_critical_path_follows_triggers_and_retries() -> None:
    bars, triggers = charts._bars_from_run(run_dict())
    path = charts.critical_path(bars, triggers)
    assert [(b.node, b.attempt) for b in path] == [("slow", 0), ("report", 0)]
    quick = [b for b in bars if b.node == "quick"]
    assert charts.critical_path(quick, triggers) == quick  # a retry chains to the attempt before


def test_gantt_figure() -> None:
    fig = charts.gantt(run_dict())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 4  # one bar per job run, retries included
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "quick", "report"]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 2  # the retried attempt and the running one
    thick = [p for p in ax.patches if p.get_linewidth() > 2]
    assert len(thick) == 2  # slow -> report
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "critical path" in labels and "retried" in labels and "running" in labels
    assert any(t.get_text() == "#1 10.0 s" for t in ax.texts)


def test_gantt_names_what_it_takes_when_given_a_run_id() -> None:
    from glue_nb.exceptions import InvalidInputException

    with pytest.raises(InvalidInputException, match=r"gantt takes a glue_nb.Run.*got str 'wr_1'"):
        charts.gantt("wr_1")


def test_empty_and_frame_inputs() -> None:
    empty = charts.gantt({"Name": "wf", "Graph": {"Nodes": []}})
    assert isinstance(empty, Figure)
    frame = pd.DataFrame(
        {
            "node": ["a", "b"],
            "attempt": [0, 0],
            "state": ["SUCCEEDED", "FAILED"],
            "started": pd.to_datetime([T0, T0 + timedelta(seconds=10)]),
            "completed": pd.to_datetime([T0 + timedelta(seconds=10), T0 + timedelta(seconds=12)]),
            "trigger": ["s", "t"],
            "id": ["1", "2"],
            "type": ["JOB", "JOB"],
        }
    )
    frame["duration"] = frame["completed"] - frame["started"]
    fig = charts.gantt(frame)
    assert len(fig.axes[0].patches) == 2
    trend = charts.duration_trend(frame, job="a")
    assert isinstance(trend, Figure)
    assert isinstance(charts.duration_trend(frame.iloc[0:0]), Figure)


def trend_frame() -> pd.DataFrame:
    """Two jobs over four runs a few seconds apart: successes, a failure, a timeout."""
    rows = []
    for i in range(4):
        start = T0 + timedelta(seconds=20 * i)
        for job, seconds, state in (
            ("load", 2.0 + i, "FAILED" if i == 2 else "SUCCEEDED"),
            ("report", 1.0, "TIMEOUT" if i == 3 else "SUCCEEDED"),
        ):
            rows.append((job, state, start, start + timedelta(seconds=seconds)))
    frame = pd.DataFrame(rows, columns=["node", "state", "started", "completed"])
    frame["started"] = pd.to_datetime(frame["started"], utc=True)
    frame["completed"] = pd.to_datetime(frame["completed"], utc=True)
    frame["duration"] = frame["completed"] - frame["started"]
    frame["workflow"] = "wf"
    return frame


def test_duration_trend_axes_read_as_times_and_durations() -> None:
    from matplotlib.colors import to_hex

    from glue_nb.views.style import CATEGORIES

    fig = charts.duration_trend(trend_frame())
    fig.canvas.draw()  # tick labels are made at drawing time
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in ticks), ticks
    assert ax.get_xlabel() == "run started (UTC, 2026-10-01)"
    assert ax.get_ylabel() == "duration (s)"
    lines = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines()}
    assert set(lines) == {"load", "report"}
    state_colours = {c.stroke for c in CATEGORIES.values()} | {c.fill for c in CATEGORIES.values()}
    assert not set(lines.values()) & state_colours  # a job's colour never reads as a state
    marks = {c.get_label(): to_hex(c.get_facecolor()[0]) for c in ax.collections}
    assert marks == {"failed": CATEGORIES["failed"].stroke, "timeout": CATEGORIES["timeout"].stroke}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["load", "failed", "report", "timeout"]


def test_gantt_legend_swatches_look_like_the_bars() -> None:
    from matplotlib.colors import to_rgba

    run = run_dict()
    for node in run["Graph"]["Nodes"]:  # slow's run was kept from the run this one resumed
        for r in (node.get("JobDetails") or {}).get("JobRuns", []):
            r["WorkflowRunId"] = "wr_earlier" if node["Name"] == "slow" else "wr_x"
    ax = charts.gantt(run).axes[0]
    handles = dict(zip([t.get_text() for t in ax.get_legend().get_texts()],
                       ax.get_legend().legend_handles, strict=True))  # fmt: skip
    kept = next(p for p in ax.patches if p.get_alpha() and p.get_alpha() < 1)
    swatch = handles["kept from earlier run"]
    assert to_rgba(swatch.get_facecolor()) == to_rgba(kept.get_facecolor())  # faded alike
    path = handles["critical path"]  # bars on the path are outlined: so is their swatch
    assert path.get_linewidth() == max(p.get_linewidth() for p in ax.patches)
    running = next(p for p in ax.patches if p.get_hatch() == "...")
    assert handles["running"].get_hatch() == "..." and to_rgba(
        handles["running"].get_facecolor()
    ) == to_rgba(running.get_facecolor())
