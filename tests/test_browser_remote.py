"""The Workflows panel on a team's server: JupyterLab (headless Chromium, XSRF on) whose glue-nb
home is a ``glue-nb serve`` URL lists the server's workflows and stops a run the server drives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import JOB_NB
from jupyter_lab import CHROMIUM, CHROMIUM_ARGS, running_lab
from test_endpoint import Server, boto, start_server

import glue_nb as gn

pytestmark = [
    pytest.mark.browser,
    pytest.mark.endpoint,
    pytest.mark.kernel,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(tmp_path / "team-home", tmp_path, credentials=False)
    yield srv
    srv.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def test_panel_lists_and_stops_a_run_of_a_server(
    server: Server, browser: Any, tmp_path: Path
) -> None:
    glue = boto(server.url, key="anyone", secret="anything")  # the server takes unsigned calls
    gn.Workflow("served-quick", home=server.url).run(gn.NotebookJob("q", JOB_NB)).deploy()
    slow = gn.Workflow("served-slow", home=server.url)
    run = slow.run(gn.NotebookJob("s", JOB_NB, parameters={"sleep": 120})).start()
    wait_for(lambda: run.statistics["RunningActions"] == 1, 120, "the server runs the job")
    env = {"GLUE_NB_ENDPOINT_URL": server.url}  # the panel's home: the server
    with running_lab(tmp_path / "lab", env=env) as lab:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(lab.page_url("lab"))
            page.wait_for_function(
                "() => window.jupyterapp"
                " && window.jupyterapp.commands.hasCommand('glue-nb:show-workflows')",
                timeout=90_000,
            )
            page.evaluate(
                """async () => {
                    await window.jupyterapp.restored;
                    await window.jupyterapp.commands.execute('glue-nb:show-workflows');
                }"""
            )
            panel = page.locator("#glue-nb-workflows")
            panel.locator(".gnb-wf[data-workflow='served-slow']").wait_for(timeout=30_000)
            assert panel.locator(".gnb-wf").count() == 2  # the server's workflows
            assert panel.locator("input.gnb-home").input_value() == server.url
            panel.locator(".gnb-wf[data-workflow='served-slow'] .gnb-wf-name").click()  # open
            running = panel.locator(
                ".gnb-wf[data-workflow='served-slow'] .gnb-run[data-status='RUNNING']"
            )
            running.wait_for(timeout=20_000)
            running.locator("button[data-action='stop']").click()
            wait_for(
                lambda: (
                    glue.get_workflow_run(Name="served-slow", RunId=run.run_id)["Run"]["Status"]
                    == "STOPPED"
                ),
                20,
                "the server stopped the run",
            )
            panel.locator(
                ".gnb-wf[data-workflow='served-slow'] .gnb-run[data-status='STOPPED']"
            ).wait_for(timeout=20_000)
        finally:
            page.close()
    assert not (lab.root / ".glue_nb").exists()  # nothing local: the server's home only
