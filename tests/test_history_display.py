"""History DataFrames display for people (short ids, durations as seconds, statuses at a glance)
while their data keeps full ids, timedeltas and Glue's states. Rows are written into a real
store the way the engine writes them."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_history import T0, _insert_job, _insert_run

import glue_nb as gn
from glue_nb import history
from glue_nb.views.frames import RunFrame
from glue_nb.views.style import CATEGORIES

RUN_A, RUN_B = "wr_" + "a1" * 32, "wr_" + "b2" * 32  # Glue's 67-character run ids


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> gn.GlueClient:
    home = tmp_path_factory.mktemp("display")
    nbformat.write(nbformat.v4.new_notebook(), str(home / "job.ipynb"))
    a, b = (gn.NotebookJob(n, home / "job.ipynb") for n in ("load", "report"))
    wf = gn.Workflow("wf", home=home).on_demand("start").run(a).when_all_succeeded("ok").run(b)
    wf.deploy()
    cl = wf.client()
    triggers = cl.definitions.workflow_triggers("wf")
    with cl.store.transaction() as conn:
        _insert_run(conn, RUN_A, T0, {"period": "2026-09"}, triggers)
        _insert_job(conn, RUN_A, "load", 0, "SUCCEEDED", T0, 3.0)
        _insert_job(conn, RUN_A, "report", 0, "SUCCEEDED", T0 + 4, 0.031)
        _insert_run(conn, RUN_B, T0 + 86400, {"period": "2026-10"}, triggers)
        _insert_job(conn, RUN_B, "load", 0, "SUCCEEDED", T0 + 86400, 1.3)  # 1.7 s faster
        _insert_job(conn, RUN_B, "report", 0, "FAILED", T0 + 86402, 0.5)
    return cl


def cells(html: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", html)


def test_job_runs_show_short_ids_and_readable_durations(client: gn.GlueClient) -> None:
    df = history.job_runs(client, "wf")
    assert isinstance(df, RunFrame) and isinstance(df, pd.DataFrame)
    assert df["run_id"].iloc[0] == RUN_A and len(df["run_id"].iloc[0]) == 67  # full in the data
    assert df["duration"].dtype.kind == "m" and df["started"].dt.tz is not None
    shown = df[["run_id", "node", "started", "duration", "error"]].tail(8)
    assert isinstance(shown, RunFrame)  # selections keep the display
    html = shown._repr_html_()
    assert RUN_A not in html and RUN_A[:15] + "…" in cells(html)
    assert "3.0 s" in cells(html) and "31 ms" in cells(html) and "1.3 s" in cells(html)
    assert "0 days" not in html and "&lt;NA&gt;" not in html
    assert "2026-10-01 06:00:00 UTC" in cells(html)  # to the second, zone named
    assert "ValueError: boom (cell 2)" in cells(html)


def test_compare_runs_change_reads_as_a_speed_up(client: gn.GlueClient) -> None:
    diff = history.compare_runs(client, "wf", RUN_A, RUN_B)
    change = diff.loc["load", "change"]
    assert isinstance(change, pd.Timedelta) and change.total_seconds() == pytest.approx(-1.7)
    html = diff._repr_html_()
    assert "-1 days" not in html and "+23:59" not in html
    row = re.search(r"<th>load</th>(.*?)</tr>", html, re.S)
    assert row and cells(row[1])[4:7] == ["3.0 s", "1.3 s", "-1.7 s"]


def test_workflow_runs_status_at_a_glance(client: gn.GlueClient) -> None:
    runs = history.workflow_runs(client, "wf")
    assert list(runs["status"].astype(str)) == ["COMPLETED", "COMPLETED"]  # Glue's status
    html = runs[["run_id", "status", "duration", "FailedActions"]]._repr_html_()
    assert cells(html)[:2] == [RUN_B[:15] + "…", "✗ COMPLETED · 1 failed"]
    assert "COMPLETED" in cells(html)[4:6]


def test_run_table_has_the_run_and_its_status_above(client: gn.GlueClient) -> None:
    table = gn.Run(client, "wf", RUN_B).table()
    html = table[["node", "state", "duration", "output_notebook"]]._repr_html_()
    caption = html.split("<div>", 1)[0] if "<div>" in html else html[:600]
    assert "COMPLETED · 1 failed" in caption and CATEGORIES["failed"].fill in caption
    assert RUN_B[:15] in caption
    assert "…/jr_b2_load_0.ipynb" in cells(html)  # the executed notebook by its file name
    assert table["output_notebook"].iloc[0] == "/out/jr_b2_load_0.ipynb"


def test_display_follows_pandas_options(client: gn.GlueClient, tmp_path: Path) -> None:
    df = pd.concat([history.job_runs(client, "wf")] * 5, ignore_index=True)  # 20 rows
    assert isinstance(df, RunFrame)
    with pd.option_context("display.max_rows", 10, "display.min_rows", 4):
        html = df._repr_html_()
        plain = pd.DataFrame(df)._repr_html_()
    assert html.count("<tr") == plain.count("<tr") == 1 + 4 + 1  # head, 2 + 2 rows, "..."
    assert "20 rows × 17 columns" in html
    with pd.option_context("display.notebook_repr_html", False):
        assert df._repr_html_() is None


def test_missing_values_show_blank() -> None:
    from glue_nb.views.frames import run_frame

    frame = run_frame(
        pd.DataFrame(
            {
                "attempts_a": pd.array([1, None], dtype="Int64"),
                "state_changed": pd.array([True, None], dtype="boolean"),
                "error": pd.array(["boom", None], dtype="string"),
                "duration_a": pd.to_timedelta([1.5, None], unit="s"),
            }
        )
    )
    html = frame._repr_html_()
    assert "NA" not in html and "NaT" not in html and "NaN" not in html
    assert cells(html) == ["1", "True", "boom", "1.5 s", "", "", "", ""]
    assert frame["attempts_a"].isna().iloc[1]  # the data keeps its missing values
