"""History as DataFrames: typed columns, filters, and the one-liners (no kernels: rows are
written into the store the way the engine writes them)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import nbformat
import pandas as pd
import pytest

import glue_nb as gn
from glue_nb import history
from glue_nb.exceptions import EntityNotFoundException
from glue_nb.ids import node_id
from glue_nb.store import dumps

T0 = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc).timestamp()


def _insert_run(conn: Any, run_id: str, start: float, props: dict[str, str], triggers: Any) -> None:
    conn.execute(
        "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, completed_on, "
        "run_properties, design) VALUES (?,?,?,?,?,?,?)",
        (
            run_id,
            "wf",
            "COMPLETED",
            start,
            start + 60,
            dumps(props),
            dumps({"triggers": triggers}),
        ),
    )
    conn.execute(
        "INSERT INTO run_fired_triggers(run_id, trigger_name, fired_on) VALUES (?, 'start', ?)",
        (run_id, start),
    )


def _insert_job(
    conn: Any,
    run_id: str,
    job: str,
    attempt: int,
    state: str,
    start: float,
    seconds: float,
    args: dict[str, str] | None = None,
    prev: str | None = None,
) -> str:
    jr = f"jr_{run_id[-2:]}_{job}_{attempt}"
    conn.execute(
        "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, node_id, trigger_name, "
        "attempt, previous_run_id, state, arguments, started_on, last_modified_on, completed_on, "
        "error_message, output_location) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            jr,
            job,
            "wf",
            run_id,
            node_id("wf", "JOB", job),
            "start",
            attempt,
            prev,
            state,
            json.dumps(args or {}),
            start,
            start + seconds,
            start + seconds,
            "ValueError: boom (cell 2)" if state == "FAILED" else None,
            f"/out/{jr}.ipynb",
        ),
    )
    return jr


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> gn.GlueClient:
    home = tmp_path_factory.mktemp("history")
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(home / "job.ipynb"))
    a, b, c = (gn.NotebookJob(n, home / "job.ipynb") for n in "abc")
    wf = gn.Workflow("wf", home=home).on_demand("start").run(a, b).when_all_succeeded("ok").run(c)
    wf.deploy()
    cl = wf.client()
    triggers = cl.definitions.workflow_triggers("wf")
    with cl.store.transaction() as conn:
        _insert_run(conn, "wr_01", T0, {"period": "2026-09"}, triggers)
        first = _insert_job(conn, "wr_01", "a", 0, "FAILED", T0, 5, {"--x": "1"})
        _insert_job(conn, "wr_01", "a", 1, "SUCCEEDED", T0 + 5, 10, {"--x": "1"}, prev=first)
        _insert_job(conn, "wr_01", "b", 0, "SUCCEEDED", T0, 20)
        _insert_job(conn, "wr_01", "c", 0, "SUCCEEDED", T0 + 21, 30)
        _insert_run(conn, "wr_02", T0 + 86400, {"period": "2026-10"}, triggers)
        _insert_job(conn, "wr_02", "a", 0, "SUCCEEDED", T0 + 86400, 12, {"--x": "2"})
        _insert_job(conn, "wr_02", "b", 0, "FAILED", T0 + 86400, 2)
        conn.execute(
            "INSERT INTO crawls(crawl_id, crawler_name, workflow_name, workflow_run_id, node_id, "
            "state, started_on, completed_on) VALUES (?,?,?,?,?,?,?,?)",
            ("cr_1", "crawl sales", "wf", "wr_02", "n", "SUCCEEDED", T0 + 86410, T0 + 86415),
        )
    return cl


def test_job_runs_typed(hist: gn.GlueClient) -> None:
    df = history.job_runs(hist)
    assert list(df.columns) == history.COLUMNS
    assert len(df) == 7 and list(df["type"].astype(str)).count("CRAWLER") == 1
    assert isinstance(df["state"].dtype, pd.CategoricalDtype)
    assert set(history.STATES) <= set(df["state"].cat.categories)
    assert str(df["started"].dt.tz) == "UTC" and df["duration"].dtype.kind == "m"
    assert df["attempt"].dtype == "int64"
    assert df["started"].is_monotonic_increasing
    first = df.iloc[0]
    assert first["node"] == "a" and first["duration"] == pd.Timedelta(seconds=5)
    assert first["arguments"] == {"--x": "1"} and first["run_properties"] == {"period": "2026-09"}
    assert first["output_notebook"].endswith(".ipynb")
    assert df.loc[df["attempt"] == 1, "previous_run_id"].iloc[0] == first["id"]


def test_job_runs_filters(hist: gn.GlueClient) -> None:
    assert len(history.job_runs(hist, "wf", crawls=False)) == 6
    with pytest.raises(EntityNotFoundException, match="workflow 'nope' not found"):
        history.job_runs(hist, "nope")  # a typo, not an empty history
    since = datetime.fromtimestamp(T0 + 3600, timezone.utc)
    assert set(history.job_runs(hist, since=since)["run_id"]) == {"wr_02"}
    assert len(history.job_runs(hist, since=since.isoformat(), job="a")) == 1
    assert len(history.job_runs(hist, until=since, job=["a", "b"])) == 3
    assert len(history.job_runs(hist, run_id="wr_01")) == 4
    recent = history.job_runs(hist, since=timedelta(days=1))  # relative to now
    assert (recent["started"] >= pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=1)).all()
    empty = history.job_runs(hist, "wf", since=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert len(empty) == 0 and list(empty.columns) == history.COLUMNS
    assert empty["duration"].dtype.kind == "m"
    assert empty["arguments"].dtype == object and empty["run_properties"].dtype == object


def test_failure_rate_and_percentiles(hist: gn.GlueClient) -> None:
    df = history.job_runs(hist, "wf", crawls=False)
    rates = history.failure_rate(df)
    assert rates.index[0] == "b"
    assert rates.loc["b", ["runs", "failed"]].tolist() == [2, 1]
    assert rates.loc["b", "failure_rate"] == 0.5
    # a failed once but its retry succeeded: no failed run, one failed attempt in three
    assert rates.loc["a", ["runs", "failed", "attempts", "failed_attempts"]].tolist() == [
        2,
        0,
        3,
        1,
    ]
    standalone = df.copy()  # one job run started outside a workflow
    standalone.loc[standalone.index[0], ["workflow", "run_id"]] = None
    by_workflow = history.failure_rate(standalone, by="workflow")
    assert int(by_workflow["attempts"].sum()) == int(history.failure_rate(df)["attempts"].sum())
    assert by_workflow.index.isna().sum() == 1 and len(by_workflow) == 2
    pct = history.duration_percentiles(df)
    assert pct.loc["c", "p50"] == pd.Timedelta(seconds=30) and pct.loc["a", "count"] == 2
    assert pct.loc["a", "max"] == pd.Timedelta(seconds=12)
    slow = history.slowest_steps(df, 2)
    assert list(slow["node"]) == ["c", "b"]


def test_run_table_and_workflow_runs(hist: gn.GlueClient) -> None:
    table = history.run_table(hist, "wf", "wr_01")
    assert list(table["node"].astype(str)) == ["a", "b", "a", "c"]
    assert table.columns[0] == "node" and isinstance(table["state"].dtype, pd.CategoricalDtype)
    assert str(table["started"].dt.tz) == "UTC"
    runs = history.workflow_runs(hist, "wf")
    assert list(runs["run_id"]) == ["wr_02", "wr_01"]  # newest first
    assert runs["duration"].iloc[0] == pd.Timedelta(seconds=60)
    assert isinstance(runs["status"].dtype, pd.CategoricalDtype)
    assert runs.loc[1, "SucceededActions"] == 3 and runs.loc[0, "FailedActions"] == 1
    assert runs.loc[0, "run_properties"] == {"period": "2026-10"}
    assert len(history.workflow_runs(hist)) == 2  # every workflow


def test_compare_runs(hist: gn.GlueClient) -> None:
    diff = history.compare_runs(hist, "wf", "wr_01", "wr_02")
    assert diff.loc["b", ["state_a", "state_b"]].tolist() == ["SUCCEEDED", "FAILED"]
    assert bool(diff.loc["b", "state_changed"]) and not bool(diff.loc["a", "state_changed"])
    assert diff.loc["a", "attempts_a"] == 2 and diff.loc["a", "attempts_b"] == 1
    assert diff.loc["a", "change"] == pd.Timedelta(seconds=2)
    assert diff.loc["a", "arguments_changed"] == "--x: '1' → '2'"
    assert pd.isna(diff.loc["c", "state_b"])  # c did not run the second time
    props = diff.attrs["run_properties"]
    assert props.to_dict("records") == [{"property": "period", "a": "2026-09", "b": "2026-10"}]


def test_charts_from_history(hist: gn.GlueClient) -> None:
    from matplotlib.figure import Figure

    from glue_nb import charts

    fig = charts.duration_trend(hist, "wf")
    assert isinstance(fig, Figure) and fig.axes[0].get_ylabel() == "duration (s)"
    assert {line.get_label() for line in fig.axes[0].get_lines()} >= {"a", "b", "c"}
    fig = charts.gantt(history.run_table(hist, "wf", "wr_01"))
    assert len(fig.axes[0].patches) == 4
