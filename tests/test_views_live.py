"""The live run view and the run's rich display, after real runs (kernels start here).

One workflow covers every colour that matters: a job that succeeds, one that fails twice (a
retry), an ALL trigger that therefore never fires (and the job behind it never runs), and an ANY
trigger on the failure that fires its handler.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import conftest
import pytest

import glue_nb as gn
from glue_nb.ids import node_id
from glue_nb.views import layout
from glue_nb.views.live import RunView
from glue_nb.views.report import write_run_report
from glue_nb.views.static import WIDGET_MIME, run_mimebundle
from glue_nb.views.style import CATEGORIES

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.graphviz,
    pytest.mark.skipif(not layout.dot_available(), reason="graphviz dot not installed"),
]


def write_notebook(path: Path, source: str) -> Path:
    return conftest.write_notebook(path, ["seconds = 0.0", source])


@pytest.fixture(scope="module")
def live_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("live")
    write_notebook(home / "ok.ipynb", "import time\ntime.sleep(seconds)\nprint('ok')")
    write_notebook(home / "fail.ipynb", "def load():\n    raise ValueError('bad row 42')\nload()")
    return home


@pytest.fixture(scope="module")
def finished(live_home: Path) -> gn.Run:
    ok = gn.NotebookJob("ok", live_home / "ok.ipynb")
    bad = gn.NotebookJob("bad", live_home / "fail.ipynb", max_retries=1)
    after = gn.NotebookJob("after", live_home / "ok.ipynb")
    handler = gn.NotebookJob("handler", live_home / "ok.ipynb")
    wf = (
        gn.Workflow("wf", home=live_home / "store")
        .run(ok, bad)
        .when_all_succeeded("all ok")
        .run(after)
        .after(bad)
        .when_any_failed("on failure")
        .run(handler)
    )
    run = wf.start()
    run.wait(timeout=120, progress=False)
    return run


def fill_of(svg: str, name: str, kind: str = "JOB") -> str:
    uid = node_id("wf", kind, name)
    group = re.search(rf'<g id="{uid}" class="node[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    assert group, name
    return re.search(r'<(?:polygon|path) fill="([^"]+)"', group[1])[1]


def test_view_after_a_real_run(finished: gn.Run) -> None:
    view = finished.view()
    try:
        assert isinstance(view, RunView) and not view.refreshing  # the run is over: no timer
        assert view.status == "COMPLETED"
        assert view.categories() == {
            "wf: on demand": "fired",
            "ok": "succeeded",
            "bad": "failed",
            "all ok": "never",
            "after": "never",
            "on failure": "fired",
            "handler": "succeeded",
        }
        for name, category in (("ok", "succeeded"), ("bad", "failed"), ("after", "never")):
            assert fill_of(view.svg, name) == CATEGORIES[category].fill
        assert fill_of(view.svg, "all ok", "TRIGGER") == CATEGORIES["never"].fill
        rows = re.findall(
            r'<tr class="gnb-row" data-node="([^"]+)" data-state="([^"]+)"', view.table_html
        )
        assert sorted(rows) == [
            ("bad", "FAILED"),
            ("bad", "FAILED"),
            ("handler", "SUCCEEDED"),
            ("ok", "SUCCEEDED"),
        ]
        assert rows[-1] == ("handler", "SUCCEEDED")  # in start order
        assert "ValueError: bad row 42 (Cell In[4])" in view.table_html
        assert view.table_html.count(".ipynb</a>") == 4  # a link per executed notebook
        # the failed node is selected by itself and shows its traceback
        assert view.selected == node_id("wf", "JOB", "bad")
        assert (
            "Traceback" in view.detail_html
            and "raise ValueError(&#x27;bad row 42&#x27;)" in view.detail_html
        )
        assert view.detail["id"] == node_id("wf", "JOB", "bad")
        jobs = {node_id("wf", "JOB", n) for n in ("ok", "bad", "after", "handler")}
        assert {n["id"] for n in view.state["nodes"]} == jobs  # jobs and crawlers, not triggers
        view.select("ok")  # by name, as from Python
        assert "Traceback" not in view.detail_html and "job ok" in view.detail_html
        assert view.selected == node_id("wf", "JOB", "ok")
        view.selected = node_id("wf", "JOB", "handler")  # what a click in the browser sends
        assert "job handler" in view.detail_html
        view.selected = node_id("wf", "TRIGGER", "all ok")  # not clickable: ignored
        assert view.selected == node_id("wf", "JOB", "handler")
        view.refresh()  # a refresh keeps the user's choice
        assert view.selected == node_id("wf", "JOB", "handler")
        assert not view.state["can_stop"] and view.state["can_resume"]
        # notebook links go through the view (server page or kernel), never as plain paths
        assert view.table_html.count('href="glue-nb-notebook:') == 4
        bundle = view._repr_mimebundle_()
        assert WIDGET_MIME in bundle and "<svg" in bundle["text/html"]
    finally:
        view.close()
    assert not view.refreshing


def test_notebook_links_answered_by_the_kernel(finished: gn.Run) -> None:
    """Where no server extension answers (VS Code, Colab), a click on an executed notebook's
    link asks the kernel, which sends the rendered notebook back to the view."""
    view = RunView(finished, auto_refresh=False)
    sent: list[dict[str, Any]] = []
    view.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    try:
        link = re.search(r'href="(glue-nb-notebook:[^"]+)"', view.table_html)[1]
        view._on_message(view, {"action": "notebook", "link": link}, [])
        assert (
            sent[-1]["kind"] == "notebook" and "<pre>ok\n</pre>" in sent[-1]["html"]
        )  # its output
        view._on_message(view, {"action": "notebook", "link": "glue-nb-notebook:/nope.ipynb"}, [])
        assert "not found" in sent[-1]["error"] and "html" not in sent[-1]
    finally:
        view.close()


def test_run_display_and_report(finished: gn.Run, tmp_path: Path) -> None:
    bundle = run_mimebundle(finished, live=False)
    assert set(bundle) == {"text/plain", "text/html", "image/svg+xml"}
    assert "COMPLETED" in bundle["text/plain"] and "gnb-table" in bundle["text/html"]
    assert fill_of(bundle["image/svg+xml"], "handler") == CATEGORIES["succeeded"].fill
    from glue_nb.views.live import RunView

    live = run_mimebundle(finished, live=True, widget=RunView)
    assert WIDGET_MIME in live and "text/html" in live  # exported HTML keeps the static view
    path = write_run_report(finished.client, "wf", finished.run_id, tmp_path / "r" / "report.html")
    html = Path(path).read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script" not in html
    assert "ValueError: bad row 42" in html and "Traceback" in html
    links = re.findall(r'href="([^"]+\.ipynb)"', html)
    assert len(links) >= 4 and all((Path(path).parent / link).exists() for link in links)


def test_resume_button_follows_the_new_run(finished: gn.Run) -> None:
    view = RunView(finished, interval=0.2)
    try:
        old = view.run.run_id
        view.resume()  # what the button does where no server extension answers
        assert view.run.run_id != old and view.last["PreviousRunId"] == old
        view.run.wait(timeout=120, progress=False)
        deadline = time.monotonic() + 10
        while view.refreshing and time.monotonic() < deadline:
            time.sleep(0.1)
        assert view.status == "COMPLETED" and not view.refreshing
        cats = view.categories()
        assert cats["ok"] == "succeeded" and cats["bad"] == "failed"  # ok was kept, bad re-ran
        assert view.last["Statistics"]["FailedActions"] == 1
    finally:
        view.close()


def test_the_view_follows_a_run_resumed_in_the_browser(finished: gn.Run) -> None:
    """Resume through the server extension: the browser sets the view's ``run_id``, and the
    kernel's view (``view.run``) becomes the new run."""
    new = finished.resume()
    new.wait(timeout=120, progress=False)
    view = RunView(finished, auto_refresh=False)
    try:
        view.run_id = new.run_id  # what the browser sends after POST /glue-nb/api/resume
        assert view.run.run_id == new.run_id and view.state["run_id"] == new.run_id
        assert view.last["PreviousRunId"] == finished.run_id
    finally:
        view.close()


SCRIPT = """
import sys, glue_nb as gn
home, nb = sys.argv[1], sys.argv[2]
slow = gn.NotebookJob("slow", nb, parameters={"seconds": 2.5})
after = gn.NotebookJob("after", nb)
wf = gn.Workflow("remote", home=home).run(slow).when_all_succeeded("then").run(after)
run = wf.start()
print(run.run_id, flush=True)
run.wait(timeout=120, progress=False)
"""


@pytest.mark.slow
def test_view_follows_a_run_in_another_process(live_home: Path, tmp_path: Path) -> None:
    store = tmp_path / "remote"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(store), str(live_home / "ok.ipynb")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        run_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert run_id.startswith("wr_")
        run = gn.Run(gn.client(store), "remote", run_id)
        view = RunView(run, interval=0.2)
        seen: list[dict[str, str]] = [view.categories()]
        show = view._show

        def record(described: dict[str, Any]) -> None:
            show(described)
            seen.append(view.categories())

        view._show = record  # type: ignore[method-assign]
        other = RunView(run, interval=0.2)
        assert other.refreshing
        other.close()  # closing releases its timer at once
        other._thread.join(timeout=2)  # type: ignore[union-attr]
        assert not other.refreshing
        deadline = time.monotonic() + 90
        while view.refreshing and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not view.refreshing, "the timer should stop when the run ends"
        assert proc.wait(timeout=30) == 0
        assert any(s.get("slow") == "running" for s in seen)
        assert any(s.get("after") == "pending" for s in seen)
        assert view.status == "COMPLETED"
        assert view.categories() == {
            "remote: on demand": "fired",
            "slow": "succeeded",
            "then": "fired",
            "after": "succeeded",
        }
        view.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stop_button(live_home: Path) -> None:
    slow = gn.NotebookJob("slow", live_home / "ok.ipynb", parameters={"seconds": 60})
    after = gn.NotebookJob("after slow", live_home / "ok.ipynb")
    wf = (
        gn.Workflow("stoppable", home=live_home / "store").run(slow).when_all_succeeded().run(after)
    )
    run = wf.start()
    view = RunView(run, interval=0.2)
    try:
        assert view.refreshing and view.state["can_stop"]
        deadline = time.monotonic() + 60
        while view.categories().get("slow") != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        view.stop()
        run.wait(timeout=60, progress=False)
        while view.refreshing and time.monotonic() < deadline:
            time.sleep(0.1)
        assert view.status == "STOPPED" and not view.state["can_stop"]
        cats = view.categories()
        assert cats["slow"] == "stopped" and cats["after slow"] == "never"
        assert "did not run" in view.svg
    finally:
        view.close()


def test_a_view_refreshes_as_soon_as_the_store_changes(
    live_home: Path, tmp_path: Path, held: conftest.HeldExecutor
) -> None:
    """A view of a run in a local home shows a commit at once, not at its next ``interval``."""
    first = gn.NotebookJob("first", live_home / "ok.ipynb")
    second = gn.NotebookJob("second", live_home / "ok.ipynb")
    wf = gn.Workflow("watched", home=tmp_path / "home").run(first).when_all_succeeded().run(second)
    run = wf.start(executor=held)
    conftest.wait_for(lambda: "first" in held.handles, 30, "the first job to start")
    view = RunView(run, interval=60)
    try:
        assert view.refreshing and view.categories()["first"] == "running"
        held.finish("first")
        conftest.wait_for(lambda: view.categories().get("second") == "running", 20,
                          "the view to show the second job running")  # fmt: skip
        assert view.categories()["first"] == "succeeded"
    finally:
        view.close()
