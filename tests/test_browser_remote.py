"""The Workflows panel on a team's server: JupyterLab (headless Chromium, XSRF on) whose glue-nb
home is a ``glue-nb serve`` URL lists the server's workflows and stops a run the server drives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import JOB_NB, wait_for
from jupyter_lab import CHROMIUM, chromium, open_workflows_panel, running_lab
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
    with chromium() as b:
        yield b


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
            panel = open_workflows_panel(page, lab, "served-slow")
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
