"""A run's status at a glance, its progress display, and reaching the run that resumed it.

No kernels: the jobs end at once (``InstantExecutor``); the store, the views and tqdm are real.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

import glue_nb as gn
from glue_nb import run as run_module
from glue_nb.executors.instant import InstantExecutor
from glue_nb.views.html import run_header_html, status_badge
from glue_nb.views.progress import NotebookProgress, TerminalProgress
from glue_nb.views.report import run_report_html
from glue_nb.views.states import progress_text, run_status
from glue_nb.views.static import run_mimebundle, run_text
from glue_nb.views.style import CATEGORIES


@pytest.fixture
def workflow(tmp_path: Path, clean_env: None) -> gn.Workflow:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, tmp_path / "job.ipynb")
    jobs = [gn.NotebookJob(n, tmp_path / "job.ipynb") for n in ("clean", "phones", "report")]
    return (
        gn.Workflow("month-close", home=tmp_path / "home")
        .run(jobs[0], jobs[1])
        .when_all_succeeded("both ok")
        .run(jobs[2])
    )


@pytest.fixture
def failed(workflow: gn.Workflow) -> gn.Run:
    run = workflow.start(executor=InstantExecutor({"phones": "FAILED"}))
    return run.wait(progress=False)


# -- item: a resumed run is easy to reach ------------------------------------------------------
def test_latest_follows_the_resume_chain(failed: gn.Run) -> None:
    assert failed.latest().run_id == failed.run_id  # nobody resumed it yet
    second = failed.resume(executor=InstantExecutor())
    second.wait(progress=False)
    assert second.succeeded and not failed.succeeded
    assert failed.latest().run_id == second.run_id
    assert [r.run_id for r in failed.resumed_by] == [second.run_id]
    third = second.resume(["clean"], executor=InstantExecutor()).wait(progress=False)
    assert failed.latest().run_id == third.run_id  # the newest of the whole chain
    assert second.latest().run_id == third.run_id
    assert gn.Run.get("month-close", failed.run_id, home=failed.client.home).latest().succeeded


def test_display_of_a_resumed_run_names_the_newer_run(failed: gn.Run) -> None:
    second = failed.resume(executor=InstantExecutor()).wait(progress=False)
    html = run_mimebundle(failed, live=False)["text/html"]
    assert "resumed by run" in html and second.run_id[:15] in html
    assert "run.latest()" in html
    assert "resumed by" not in run_mimebundle(second, live=False)["text/html"]


# -- item: status at a glance --------------------------------------------------------------------
def test_completed_with_a_failure_reads_as_a_failure(failed: gn.Run) -> None:
    described = failed.describe()
    status = run_status(described)
    assert described["Status"] == "COMPLETED"  # Glue's word stays
    assert status.text == "COMPLETED · 1 failed" and status.category == "failed"
    assert not status.ok

    badge = status_badge(described)
    assert "COMPLETED · 1 failed" in badge and CATEGORIES["failed"].fill in badge
    assert CATEGORIES["succeeded"].fill not in badge  # no green badge on a failed run
    assert "run.succeeded is False" in badge  # the tooltip says what Glue's word means
    header = run_header_html(described)
    assert "COMPLETED · 1 failed" in header and CATEGORIES["failed"].fill in header
    assert "COMPLETED · 1 failed" in run_text(described)
    assert "COMPLETED · 1 failed" in repr(failed)
    report = run_report_html(failed.client, "month-close", failed.run_id)
    assert "<title>month-close · run" in report and "COMPLETED · 1 failed</title>" in report


def test_a_clean_run_reads_as_success(workflow: gn.Workflow) -> None:
    run = workflow.start(executor=InstantExecutor()).wait(progress=False)
    status = run_status(run.describe())
    assert status.text == "COMPLETED" and status.category == "succeeded" and status.ok
    assert CATEGORIES["succeeded"].fill in status_badge(run.describe())


def test_status_words_for_every_problem() -> None:
    stats = {"TotalActions": 6, "SucceededActions": 2, "TimeoutActions": 1, "StoppedActions": 2}
    status = run_status({"Status": "COMPLETED", "Statistics": stats})
    assert status.text == "COMPLETED · 1 timed out · 2 stopped"
    assert status.category == "timeout"
    assert run_status({"Status": "STOPPED", "Statistics": {}}).category == "stopped"
    assert run_status({"Status": "ERROR", "Statistics": {}}).category == "failed"
    running = {"Status": "RUNNING", "Statistics": {"TotalActions": 7, "SucceededActions": 2}}
    running["Statistics"].update(FailedActions=1, RunningActions=2)
    assert run_status(running).text == "RUNNING · 1 failed"
    assert progress_text(running) == "3/7 nodes · 2 running · 1 failed"


# -- item: progress in nodes, in Jupyter and on a terminal ---------------------------------------
def test_wait_on_a_terminal_counts_nodes(
    failed: gn.Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failed.wait(progress=True)  # already ended: one final bar, no "0action [00:00, ?action/s]"
    err = capsys.readouterr().err
    assert "COMPLETED · 1 failed · 2/3 nodes ran" in err
    assert "action" not in err and "it/s" not in err and "?" not in err
    assert " 67%|" in err  # 2 of 3 nodes ended


def test_terminal_bar_while_running() -> None:
    out = io.StringIO()
    bar = TerminalProgress("wf", file=out, ncols=100)
    stats = {"TotalActions": 7, "SucceededActions": 2, "FailedActions": 1, "RunningActions": 2}
    bar.update({"Name": "wf", "Status": "RUNNING", "Statistics": stats})
    bar.close()
    text = out.getvalue()
    assert "3/7 nodes · 2 running · 1 failed" in text and " 43%|" in text
    assert "action" not in text and "/s" not in text


def test_wait_in_jupyter_shows_an_html_bar(failed: gn.Run, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[dict[str, str], dict[str, Any]]] = []

    class Handle:
        def update(self, bundle: dict[str, str], **kw: Any) -> None:
            shown.append((bundle, kw))

    def display(bundle: dict[str, str], **kw: Any) -> Handle:
        shown.append((bundle, kw))
        return Handle()

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(run_module, "_in_kernel", lambda: True)
    failed.wait()
    assert len(shown) == 1  # an ended run: its final bar, once
    bundle, options = shown[0]
    assert options == {"raw": True, "display_id": True}
    html = bundle["text/html"]
    assert 'role="progressbar"' in html and "COMPLETED · 1 failed · 2/3 nodes ran" in html
    assert "width:33.333%;background:" + CATEGORIES["succeeded"].stroke in html
    assert "width:33.333%;background:" + CATEGORIES["failed"].stroke in html


def test_notebook_bar_updates_in_place_when_counts_change() -> None:
    shown: list[str] = []
    clock = [0.0]

    class Handle:
        def update(self, bundle: dict[str, str], **kw: Any) -> None:
            shown.append(bundle["text/plain"])

    def display(bundle: dict[str, str], **kw: Any) -> Handle:
        shown.append(bundle["text/plain"])
        return Handle()

    bar = NotebookProgress(display, tick=1.0, clock=lambda: clock[0])
    run: dict[str, Any] = {"Name": "wf", "Status": "RUNNING"}
    run["Statistics"] = {"TotalActions": 3, "RunningActions": 2}
    bar.update(run)
    clock[0] = 0.2
    bar.update(run)  # nothing new, and too soon to tick the time
    run["Statistics"] = {"TotalActions": 3, "RunningActions": 1, "SucceededActions": 1}
    bar.update(run)
    assert shown == ["wf: 0/3 nodes · 2 running", "wf: 1/3 nodes · 1 running"]


def test_cli_tables_show_the_status_at_a_glance(
    failed: gn.Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from glue_nb import cli

    home = str(failed.client.home)
    for command in (["runs", "month-close"], ["workflows"]):
        monkeypatch.setattr(sys, "argv", ["glue-nb", *command, "--home", home])
        try:
            cli.entry()
        except SystemExit as exc:
            assert not exc.code
        out = capsys.readouterr().out
        assert "COMPLETED · 1 failed" in out, out


# -- item: the failing cell is named the same way everywhere ---------------------------------------
@pytest.mark.kernel
def test_failing_cell_agrees_with_traceback_and_executed_notebook(
    tmp_path: Path, clean_env: None
) -> None:
    import re

    from conftest import write_notebook

    nb = write_notebook(
        tmp_path / "fails.ipynb",
        ["path = 'missing.csv'", "import os", "open(path)", "print('never')"],
    )
    nb_json = nbformat.read(str(nb), as_version=4)
    nb_json.cells.insert(1, nbformat.v4.new_markdown_cell("## Read the file"))
    nbformat.write(nb_json, str(nb))
    run = gn.Workflow("cells", home=tmp_path / "home").run(gn.NotebookJob("read", nb)).start()
    run.wait(120, progress=False)
    (job_run,) = run.job_runs()
    message, traceback = job_run["ErrorMessage"], job_run["ErrorDetail"]["traceback"]
    shown = re.search(r"\(Cell In\[(\d+)\]\)$", message)
    assert shown, message
    number = int(shown[1])
    assert f"Cell In[{number}], line 1" in traceback
    executed = nbformat.read(job_run["OutputLocation"], as_version=4)
    failing = [c for c in executed.cells if c.cell_type == "code" and c.source == "open(path)"]
    assert failing[0].execution_count == number  # the prompt the user sees: [number]
    html = run_mimebundle(run, live=False)["text/html"]
    assert f"(Cell In[{number}])" in html and f"Cell In[{number}], line 1" in html


# -- item: a run started by hand does not show its schedule as fired ------------------------------
def test_schedule_trigger_fired_only_when_the_schedule_started_the_run(
    tmp_path: Path, clean_env: None
) -> None:
    from datetime import datetime, timezone

    from glue_nb.ids import node_id
    from glue_nb.scheduler import Scheduler
    from glue_nb.views.states import node_states, slots

    nb = tmp_path / "job.ipynb"
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(book, nb)
    wf = (
        gn.Workflow("nightly", home=tmp_path / "home")
        .on_schedule("every day", "cron(0 10 * * ? *)")
        .run(gn.NotebookJob("a", nb))
        .when_all_succeeded("a ok")
        .run(gn.NotebookJob("b", nb))
    )
    trigger = node_id("nightly", "TRIGGER", "every day")

    def start_trigger(run: dict[str, Any]) -> tuple[bool, str, str]:
        node = next(n for n in run["Graph"]["Nodes"] if n["UniqueId"] == trigger)
        state = node_states(run)[trigger]
        return node["TriggerDetails"]["Fired"], state.category, slots(run)[trigger].status

    by_hand = wf.start(executor=InstantExecutor()).wait(progress=False)
    assert by_hand.succeeded
    assert start_trigger(by_hand.describe()) == (False, "pending", "run started by hand")
    assert "run started by hand" in run_mimebundle(by_hand, live=False)["text/html"]
    states = node_states(by_hand.describe())
    assert states[node_id("nightly", "TRIGGER", "a ok")].category == "fired"

    t0 = datetime(2026, 3, 4, 9, 30, tzinfo=timezone.utc).timestamp()
    scheduler = Scheduler(wf.client(), executor=InstantExecutor(), clock=lambda: t0)
    try:
        scheduler.tick(t0)
        [firing] = scheduler.tick(t0 + 1800.5)  # 10:00: the schedule fires
    finally:
        scheduler.release()
    scheduled = gn.Run(wf.client(), "nightly", firing.run_id).wait(30, progress=False)
    assert start_trigger(scheduled.describe()) == (True, "fired", "fired")
    resumed = scheduled.resume(["b"], executor=InstantExecutor()).wait(progress=False)
    assert start_trigger(resumed.describe())[0]  # a resumed scheduled run: still its schedule's
    again = by_hand.resume(["b"], executor=InstantExecutor()).wait(progress=False)
    assert start_trigger(again.describe())[2] == "run started by hand"


def test_wait_without_a_bar_asks_once_rather_than_polling(workflow: gn.Workflow, held: Any) -> None:
    """With nothing to refresh, ``wait`` leaves it to WaitForWorkflowRun to answer when the run
    ends: a 1.5 s run costs a few requests, not one per ``poll`` (75 at 0.02 s)."""
    import threading

    from conftest import wait_for

    run = workflow.start(executor=held)
    asked: list[str] = []
    run.client.meta.events.register("before-call", lambda model, **_: asked.append(model.name))
    wait_for(lambda: "clean" in held.handles and "phones" in held.handles, 10, "jobs to start")

    def finish() -> None:
        for job in ("clean", "phones"):
            held.finish(job)
        wait_for(lambda: "report" in held.handles, 10, "report to start")
        held.finish("report")

    timer = threading.Timer(1.5, finish)
    timer.start()
    try:
        assert run.wait(progress=False, poll=0.02).succeeded
    finally:
        timer.join()
    assert 1 <= asked.count("WaitForWorkflowRun") <= 3, asked


def test_start_warms_kernels_only_for_jobs_that_run_here(
    workflow: gn.Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``start`` on a local home with the local executor starts the jobs' kernels before it
    makes the client and writes the run; a server's run or another executor warms nothing."""
    from glue_nb.executors import tasks

    warmed: list[list[tuple[str, str | None]]] = []
    monkeypatch.setattr(tasks, "prewarm", lambda jobs: warmed.append(list(jobs)))
    workflow._prewarm(None)
    workflow._prewarm("local")
    notebook = str(workflow.jobs["clean"].notebook)
    assert warmed == [[(notebook, None)] * 3] * 2
    warmed.clear()
    workflow._prewarm("dask")
    workflow._prewarm(InstantExecutor())
    monkeypatch.setenv("GLUE_NB_EXECUTOR", "dask")
    workflow._prewarm(None)
    monkeypatch.delenv("GLUE_NB_EXECUTOR")
    gn.Workflow("remote", home="http://127.0.0.1:9")._prewarm(None)
    assert warmed == []
