"""The live run view in a real browser: JupyterLab (headless, 127.0.0.1, a token, a temporary
root, XSRF checks on) driven by Debian's Chromium through Playwright, with JupyterLab's default
settings and with *Comms over subshells* disabled.

What a user does most: ``run.view()`` in one cell and ``run.wait()`` in the next (Run All), then
clicks a node and Stop while the kernel is busy. The view must answer at once: a node's details
within 1 s, the run STOPPED within 2 s. Screenshots go to ``tests/artifacts/`` (gitignored).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_lab import (
    CHROMIUM,
    Lab,
    chromium,
    open_notebook,
    open_workflows_panel,
    running_lab,
    write_notebook,
)

import glue_nb as gn
from glue_nb.ids import node_id
from glue_nb.views import layout
from glue_nb.views.style import CATEGORIES

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.kernel,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
    pytest.mark.graphviz,
    pytest.mark.skipif(not layout.dot_available(), reason="graphviz dot not installed"),
]

SETTINGS = {
    "default": {},
    "subshells-off": {
        "@jupyterlab/apputils-extension/kernels-settings": {"commsOverSubshells": "disabled"}
    },
}

#: An executor for the notebook under test: each job "runs" for ``seconds`` without a kernel, so
#: a 50-job workflow runs on a 2-CPU machine; Stop ends a job at once.
TIMED = """\
import threading, time
from glue_nb.executors.base import Executor, Handle
from glue_nb.jobs.spec import JobResult

class _Later(Handle):
    def __init__(self, spec, seconds):
        self.spec, self.callbacks, self.result, self.lock = spec, [], None, threading.Lock()
        self.t0 = time.time()
        self.timer = threading.Timer(seconds, self._end, ("SUCCEEDED",))
        self.timer.daemon = True
        self.timer.start()
    def _end(self, state):
        with self.lock:
            if self.result is not None:
                return
            self.result = JobResult(self.spec.job_run_id, state, self.t0, time.time())
            callbacks = list(self.callbacks)
        for fn in callbacks:
            fn(self.result, None)
    def stop(self):
        self.timer.cancel()
        self._end("STOPPED")
    def add_done_callback(self, fn):
        with self.lock:
            if self.result is None:
                self.callbacks.append(fn)
                return
        fn(self.result, None)

class Timed(Executor):
    name = "timed"
    def __init__(self, seconds):
        self.seconds = seconds
    def submit(self, task):
        return _Later(task.spec, self.seconds.get(task.spec.job_name, 1.0))
"""


@pytest.fixture(params=list(SETTINGS))
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lab]:
    with running_lab(tmp_path, settings=SETTINGS[request.param]) as lab:
        write_notebook(
            lab.root / "job.ipynb", ["seconds = 0.0", "import time\ntime.sleep(seconds)"], True
        )
        lab.name = request.param  # type: ignore[attr-defined]
        yield lab


@pytest.fixture
def lab_default(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(tmp_path) as lab:
        write_notebook(
            lab.root / "job.ipynb", ["seconds = 0.0", "import time\ntime.sleep(seconds)"], True
        )
        lab.name = "default"  # type: ignore[attr-defined]
        yield lab


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def save(page: Any, name: str, locator: Any = None) -> Path:
    """A screenshot into tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    path = ARTIFACTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path


def run_all(page: Any) -> None:
    """Run All, without waiting for the cells (as a user's click does)."""
    page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_for(predicate: Any, timeout: float, what: str, step: float = 0.05) -> float:
    """Poll ``predicate`` until true; return the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started


def fills(page: Any, uids: dict[str, str]) -> dict[str, str | None]:
    return page.evaluate(
        """(uids) => Object.fromEntries(Object.entries(uids).map(([name, uid]) => {
            const shape = document.querySelector(`g[id="${uid}"] path, g[id="${uid}"] polygon`);
            return [name, shape ? shape.getAttribute("fill") : null];
        }))""",
        uids,
    )


def click_node(page: Any, uid: str) -> None:
    page.locator(f'.gnb-run-view g[id="{uid}"] text').first.click(force=True)


def node_style(page: Any, uid: str) -> dict[str, Any]:
    """The computed style of a node of the live graph and of its border."""
    return page.evaluate(
        """(uid) => {
          const node = document.querySelector(`.gnb-run-view g[id="${uid}"]`);
          const shape = node.querySelector("path, polygon, ellipse");
          const s = getComputedStyle(shape), n = getComputedStyle(node);
          return {stroke: s.stroke, width: s.strokeWidth, filter: n.filter,
                  outline: n.outlineStyle, selected: node.classList.contains("gnb-selected")};
        }""",
        uid,
    )


def detail_text(page: Any) -> str:
    return page.evaluate(
        "() => (document.querySelector('.gnb-run-view .gnb-detail-box') || {}).innerText || ''"
    )


STOP_CELLS = [
    TIMED,
    """\
import glue_nb as gn
first = gn.NotebookJob("first", "job.ipynb")
slow = gn.NotebookJob("slow", "job.ipynb")
later = gn.NotebookJob("later", "job.ipynb")
wf = gn.Workflow("busy", home="store").run(first).when_all_succeeded("then").run(slow)
wf = wf.when_all_succeeded("after slow").run(later)
run = wf.start(executor=Timed({"first": 0.5, "slow": 120, "later": 0.5}))
run.view()""",
    "run.wait(progress=False)",
    "import time\nend = time.time() + 15\nwhile time.time() < end:\n    sum(range(10_000))",
]


def test_stop_and_details_while_the_kernel_waits(lab: Lab, browser: Any) -> None:
    """Run All: the view, then ``run.wait()`` (busy). A click on a node shows its details within
    1 s and Stop stops the run within 2 s; then, during a CPU-bound cell, clicks still answer."""
    write_notebook(lab.root / "busy.ipynb", STOP_CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    open_notebook(page, lab, "busy.ipynb")
    run_all(page)
    uids = {n: node_id("busy", "JOB", n) for n in ("first", "slow", "later")}
    running = CATEGORIES["running"].fill
    wait_for(lambda: fills(page, uids)["slow"] == running, 60, "the slow job shown running")
    wait_for(
        lambda: (
            page.evaluate("() => document.querySelector('.gnb-run-view').dataset.channel")
            == "server"
        ),
        10,
        "the view found the server extension",
    )
    # the kernel is busy: the cell with run.wait() is the one executing. (Not the kernel's
    # status: JupyterLab takes the idle that ipykernel 7 publishes after a control-channel
    # request, such as creating a comm subshell, as the whole kernel's status.)
    assert _cell_running(page, 2), "run.wait() should keep the kernel busy"
    # a node's details, while run.wait() blocks the kernel
    before = node_style(page, uids["later"])
    took_detail = time.monotonic()
    click_node(page, uids["later"])
    wait_for(lambda: "job later" in detail_text(page), 1.0, "details of the clicked node")
    took_detail = time.monotonic() - took_detail
    assert "It has not run yet" in detail_text(page)
    # the clicked node is marked, not emphasised: a thin dashed ring; its border says its state
    after = node_style(page, uids["later"])
    assert after["selected"] and after["outline"] == "dashed", after
    assert (after["stroke"], after["width"]) == (before["stroke"], before["width"]), after
    assert after["filter"] == "none", after
    save(page, f"busy_details_{lab.name}", page.locator(".gnb-run-view").first)
    # Stop, while run.wait() blocks the kernel
    home = lab.root / "store"
    run = gn.Run.get("busy", home=home)
    clicked = time.monotonic()
    page.locator(".gnb-run-view button:has-text('Stop run')").first.click()
    took_stop = wait_for(lambda: run.status == "STOPPED", 2.0, "the run STOPPED", step=0.02)
    took_stop = time.monotonic() - clicked
    wait_for(lambda: _cell_running(page, 3), 30, "wait() returned, the next cell running")
    wait_for(lambda: "STOPPED" in _header(page), 10, "the view shows STOPPED")
    # the picked node's details follow the run (fetched while the kernel was busy, then updated)
    wait_for(lambda: "will not run" in detail_text(page), 3, "the details updated after the stop")
    save(page, f"busy_stopped_{lab.name}", page.locator(".gnb-run-view").first)
    # a CPU-bound cell: clicks still answer
    page.locator(".gnb-run-view button:text-is('Fit')").first.click()  # the whole graph
    clicked = time.monotonic()
    click_node(page, uids["first"])
    wait_for(lambda: "job first" in detail_text(page), 1.0, "details during a CPU-bound cell")
    took_cpu = time.monotonic() - clicked
    assert _cell_running(page, 3), "the CPU-bound cell should still be running"
    # Resume, still during the CPU-bound cell: the server starts the new run (its driver is a
    # process of its own) and the view shows it at once; the kernel's view follows when idle
    page.locator(".gnb-run-view button:has-text('Resume failed')").first.click()
    wait_for(lambda: _run_id(page) not in ("", run.run_id), 10, "the view shows the new run")
    new = gn.Run(run.client, "busy", _run_id(page))
    assert new.describe(graph=False)["PreviousRunId"] == run.run_id
    wait_for(lambda: "COMPLETED" in _header(page), 90, "the resumed run completed", step=0.2)
    save(page, f"busy_resumed_{lab.name}", page.locator(".gnb-run-view").first)
    (ARTIFACTS / f"busy_timings_{lab.name}.json").write_text(
        json.dumps({"details_s": took_detail, "stop_s": took_stop, "details_cpu_s": took_cpu})
    )
    page.close()


def _run_id(page: Any) -> str:
    return page.evaluate("() => document.querySelector('.gnb-run-view').dataset.runId || ''")


def _header(page: Any) -> str:
    return page.evaluate(
        "() => (document.querySelector('.gnb-run-view .gnb-head') || {}).innerText || ''"
    )


def _cell_running(page: Any, index: int) -> bool:
    """True when cell ``index`` is the one executing (its prompt shows ``[*]``)."""
    return page.evaluate(
        """(i) => {
            const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
            return !!cell && cell.promptNode && cell.promptNode.textContent.includes('*')
                && !window.jupyterapp.shell.currentWidget.content.widgets
                    .slice(0, i).some(c => c.promptNode && c.promptNode.textContent.includes('*'));
        }""",
        index,
    )


def copy_artifacts(paths: list[Path]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for p in paths:
        if p.exists():
            shutil.copy(p, ARTIFACTS / p.name)


FIFTY_CELLS = [
    TIMED,
    """\
import glue_nb as gn
wf = gn.Workflow("big-50", home="store")
stage = None
for s in range(10):
    jobs = [gn.NotebookJob(f"stage{s}_{kind}_job", "job.ipynb")
            for kind in ("customers", "orders", "invoices", "shipments", "returns")]
    wf = wf.run(*jobs) if stage is None else wf.when_all_succeeded(f"stage {s} ready").run(*jobs)
    stage = jobs
times = {f"stage{s}_{k}_job": (60 if s == 6 else 0.3) for s in range(10)
         for k in ("customers", "orders", "invoices", "shipments", "returns")}
run = wf.start(executor=Timed(times))
run.view()""",
]


def visible_nodes(page: Any, uids: list[str]) -> list[str]:
    """The nodes whose box lies inside the graph's viewport."""
    return page.evaluate(
        """(uids) => {
            const box = document.querySelector('.gnb-run-view .gnb-viewport')
                .getBoundingClientRect();
            return uids.filter(uid => {
                const node = document.querySelector(`.gnb-run-view g[id="${uid}"]`);
                if (!node) return false;
                const r = node.getBoundingClientRect();
                return r.left >= box.left - 1 && r.right <= box.right + 1
                    && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
            });
        }""",
        uids,
    )


def test_fifty_nodes_running_nodes_in_sight(lab_default: Lab, browser: Any) -> None:
    """A 50-job run whose 7th stage runs: the running nodes are inside the view, readable, the
    legend is outside the scrolled graph, and the box uses the page's width."""
    lab = lab_default
    write_notebook(lab.root / "big.ipynb", FIFTY_CELLS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_notebook(page, lab, "big.ipynb")
    run_all(page)
    kinds = ("customers", "orders", "invoices", "shipments", "returns")
    running = [node_id("big-50", "JOB", f"stage6_{k}_job") for k in kinds]
    fill = CATEGORIES["running"].fill
    wait_for(
        lambda: all(
            f == fill for f in fills(page, dict(zip(kinds, running, strict=True))).values()
        ),
        90,
        "stage 6 shown running",
        step=0.2,
    )
    time.sleep(1.5)  # a refresh or two: the view follows
    seen = visible_nodes(page, running)
    view = page.locator(".gnb-run-view").first
    view.scroll_into_view_if_needed()
    save(page, "live_50_running", view)
    scale = float(page.evaluate("() => document.querySelector('.gnb-graph').dataset.scale"))
    widths = page.evaluate(
        """() => [document.querySelector('.gnb-run-view .gnb-viewport').clientWidth,
                  document.querySelector('.jp-OutputArea-output').clientWidth]"""
    )
    legend_inside = page.evaluate(
        "() => !!document.querySelector('.gnb-viewport .gnb-legend-row')"
        " || !!document.querySelector('.gnb-viewport text')?.textContent.includes('not yet run')"
    )
    assert sorted(seen) == sorted(running), (
        f"running nodes out of sight: {set(running) - set(seen)}"
    )
    assert scale >= 0.5, f"text shrunk to {scale:.2f}: unreadable"
    assert widths[0] > 640 and widths[0] >= widths[1] - 40, widths  # the width of the output
    assert not legend_inside
    assert page.locator(".gnb-run-view .gnb-legend .gnb-pill").count() == len(CATEGORIES)
    # stop it from the view so that the kernel is free at once
    page.locator(".gnb-run-view button:has-text('Stop run')").first.click()
    wait_for(lambda: "STOPPED" in _header(page), 10, "the view shows STOPPED")
    page.close()


LINK_CELLS = [
    """\
import glue_nb as gn
one = gn.NotebookJob("one", "job.ipynb", parameters={"seconds": 0.1})
two = gn.NotebookJob("two", "job.ipynb")
wf = gn.Workflow("links").run(one).when_all_succeeded("then").run(two)
run = wf.start()
run.wait(progress=False)
view = run.view()
view""",
    "run  # the static display: its run table links the notebooks relative to this folder",
]


def test_executed_notebook_link_opens(lab_default: Lab, browser: Any) -> None:
    """With the default home ``./.glue_nb`` (hidden: Jupyter Server does not serve it), the
    view's link to an executed notebook opens the rendered notebook (no 404)."""
    lab = lab_default
    write_notebook(lab.root / "links.ipynb", LINK_CELLS)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    open_notebook(page, lab, "links.ipynb")
    run_all(page)
    link = page.locator(".gnb-run-view .gnb-table-box a.gnb-nb-link").first
    link.wait_for(timeout=120_000)
    wait_for(
        lambda: (
            page.evaluate("() => document.querySelector('.gnb-run-view').dataset.channel")
            == "server"
        ),
        10,
        "the view found the server extension",
    )
    href = link.get_attribute("href") or ""
    assert "/glue-nb/notebook?path=" in href and ".glue_nb" in href, href
    save(page, "links_view", page.locator(".gnb-run-view").first)
    link.click()  # JupyterLab's glue-nb extension opens it in a tab
    frame = page.frame_locator(".gnb-page-frame").first
    frame.locator("body").get_by_text("time.sleep(seconds)").first.wait_for(timeout=30_000)
    save(page, "executed_notebook_tab")
    # the static run table's relative link (into the hidden .glue_nb) opens in a tab too
    page.locator(".jp-NotebookPanel").first.evaluate("el => el.scrollIntoView()")
    page.evaluate(
        "() => window.jupyterapp.shell.activateById(document.querySelector('.jp-NotebookPanel').id)"
    )
    static = page.locator(".jp-OutputArea-output .gnb-run table.gnb-table a[href*='.ipynb']").last
    static.wait_for(timeout=30_000)
    static.click()
    wait_for(lambda: page.locator(".gnb-page-frame").count() >= 2, 10, "a second notebook tab")
    second = page.frame_locator(".gnb-page-frame").last
    second.locator("body").get_by_text("WORKFLOW_NAME").first.wait_for(timeout=30_000)
    # without the JupyterLab extension the link is the server's page itself: it answers 200
    with page.context.expect_page() as opened:
        page.evaluate("(href) => window.open(href)", href)
    nb = opened.value
    nb.wait_for_load_state()
    assert "time.sleep(seconds)" in nb.locator("body").inner_text()
    nb.close()
    page.close()


PANEL_SETUP = """\
import glue_nb as gn
quick = gn.NotebookJob("quick", "job.ipynb")
slow = gn.NotebookJob("slow", "job.ipynb", parameters={"seconds": 120})
gn.Workflow("panel-quick", home=".glue_nb").run(quick).deploy()
gn.Workflow("panel-slow", home=".glue_nb").run(slow).deploy()
"""


def test_workflows_panel(lab_default: Lab, browser: Any, tmp_path: Path) -> None:
    """The Workflows panel lists the home's workflows, starts one (a tab shows its live view),
    stops it, opens its design, with no code written in a notebook."""
    import subprocess
    import sys

    lab = lab_default
    subprocess.run([sys.executable, "-c", PANEL_SETUP], cwd=lab.root, check=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _drive_the_panel(lab, page)
    except Exception:
        save(page, "panel_failure")
        raise
    finally:
        page.close()


def _drive_the_panel(lab: Lab, page: Any) -> None:
    panel = open_workflows_panel(page, lab, "panel-slow")
    assert panel.locator(".gnb-wf").count() == 2
    # idle, the panel waits for the store to change rather than asking every 2 s ...
    page.wait_for_timeout(1000)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.wait_for_timeout(6000)
    listed = [url for url in asked if "/glue-nb/api/workflows" in url]
    assert len(listed) <= 2 and any("/glue-nb/api/changes" in url for url in asked), asked
    # ... and a change made by another process shows at once, without a click
    gn.client(lab.root / ".glue_nb").create_workflow(Name="panel-new")
    panel.locator(".gnb-wf[data-workflow='panel-new']").wait_for(timeout=10_000)
    # start the slow workflow from the panel: a tab with its live view opens
    panel.locator(".gnb-wf[data-workflow='panel-slow'] button[data-action='start']").click()
    tab = page.locator(".gnb-tab .gnb-run-view").first
    uid = node_id("panel-slow", "JOB", "slow")
    running = CATEGORIES["running"].fill
    wait_for(lambda: fills(page, {"slow": uid})["slow"] == running, 60, "the tab shows it running")
    panel.locator(".gnb-wf[data-workflow='panel-slow'] .gnb-run[data-status='RUNNING']").wait_for(
        timeout=10_000
    )
    save(page, "panel_running")
    run = gn.Run.get("panel-slow", home=lab.root / ".glue_nb")
    clicked = time.monotonic()
    panel.locator(".gnb-run[data-status='RUNNING'] button[data-action='stop']").first.click()
    wait_for(lambda: run.status == "STOPPED", 10, "the run STOPPED", step=0.1)
    took_stop = time.monotonic() - clicked
    wait_for(lambda: "STOPPED" in tab.locator(".gnb-head").inner_text(), 10, "the tab shows it")
    # the node's details in the tab, and the design of the other workflow
    page.locator(f'.gnb-tab g[id="{uid}"] text').first.click(force=True)
    wait_for(lambda: "job slow" in tab.locator(".gnb-detail-box").inner_text(), 5, "details")
    # its report, in a tab, with working links to the executed notebook
    panel.locator(".gnb-run[data-status='STOPPED'] button[data-action='report']").first.click()
    report = page.frame_locator(".gnb-page-frame").first
    report.get_by_text("Job runs and crawls").wait_for(timeout=20_000)
    assert "/glue-nb/notebook?path=" in (
        report.locator("a[href*='.ipynb']").first.get_attribute("href") or ""
    )
    panel.locator(".gnb-wf[data-workflow='panel-quick'] button[data-action='design']").click()
    page.locator(".gnb-design-tab g.node").first.wait_for(timeout=20_000)
    save(page, "panel_design")
    (ARTIFACTS / "panel_timings.json").write_text(json.dumps({"stop_s": took_stop}))
