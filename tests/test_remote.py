"""Everything a user touches, against a real ``glue-nb serve`` as against a local home: the fluent
API, ``Run``, history, charts, the report, executed notebooks, the CLI and the Jupyter extension's
service, over HTTP with real boto3 signing (SigV4), one server and one history for everyone.
And which home or server ``glue_nb.client()`` and the CLI pick, and that the user-facing modules
never reach a store themselves."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import JOB_NB, PYTHON, ROOT, wait_for
from test_endpoint import KEY, SECRET, Server, boto, start_server

import glue_nb as gn
from glue_nb import charts, history
from glue_nb.exceptions import AccessDeniedException, InvalidInputException


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("team")
    srv = start_server(root / "home", root)
    yield srv
    srv.stop()


@pytest.fixture
def remote(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> Iterator[Any]:
    """This process talks to the server (``glue_nb.connect``), from an empty working folder."""
    monkeypatch.chdir(tmp_path)
    client = gn.connect(server.url, aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    yield client
    gn.connect(None)
    assert not (tmp_path / ".glue_nb").exists(), "a local home was made"


def job(name: str, **parameters: Any) -> gn.NotebookJob:
    return gn.NotebookJob(name, JOB_NB, parameters=parameters)


def cli(server: Server, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``glue-nb ARGS`` in a fresh process whose environment names the server."""
    full = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_DEFAULT_REGION": "us-east-1", "GLUE_NB_ENDPOINT_URL": server.url,
            "COLUMNS": "200"}  # fmt: skip
    for name in ("GLUE_NB_HOME", "AWS_ENDPOINT_URL_GLUE", "GLUE_NB_JOB_CONTEXT"):
        full.pop(name, None)
    full.update(env or {})
    out = subprocess.run([PYTHON, "-m", "glue_nb", *args], capture_output=True, text=True,
                         env=full, cwd=cwd, timeout=240)  # fmt: skip
    if check:
        assert out.returncode == 0, f"glue-nb {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out


# -- the fluent API and Run -------------------------------------------------------------------
@pytest.mark.endpoint
@pytest.mark.kernel
def test_fluent_api_deploys_starts_and_follows_a_run_on_the_server(
    remote: Any, server: Server
) -> None:
    a, b = job("a", n=2), job("b", label="x")
    wf = gn.Workflow("team-close", default_run_properties={"period": "2026-10"})
    wf.run(a).when_all_succeeded().run(b)
    run = wf.start({"rows": "12"})
    assert run.client.is_remote and run.client.meta.endpoint_url == server.url
    run.wait(timeout=180, progress=False)
    assert run.status == "COMPLETED" and run.succeeded, run.describe(graph=False)
    assert run.properties["rows"] == 12 and run.properties["done.b"] == "yes"  # typed
    table = run.table()
    assert list(table["node"]) == ["a", "b"] and set(table["state"]) == {"SUCCEEDED"}
    assert table["output_notebook"].str.endswith(".ipynb").all()
    # the run is the server's: in its home, read by anyone
    assert gn.Run.get("team-close").run_id == run.run_id
    assert gn.Run.get("team-close", home=server.url).run_id == run.run_id
    served = gn.client(server.home).get_workflow_run(Name="team-close", RunId=run.run_id)
    assert served["Run"]["Status"] == "COMPLETED"
    assert (
        boto(server.url).get_workflow(Name="team-close")["Workflow"]["LastRun"]["WorkflowRunId"]
        == run.run_id
    )
    assert wf.last_run() is not None and wf.last_run().run_id == run.run_id  # type: ignore[union-attr]
    runs = wf.runs()
    assert list(runs["run_id"]) == [run.run_id] and list(runs["status"]) == ["COMPLETED"]
    # read back as it was built (jobs, triggers, run properties)
    loaded = gn.Workflow.load("team-close")
    assert loaded.to_glue()["Triggers"] == wf.to_glue()["Triggers"]
    assert loaded.to_glue()["Workflow"] == wf.to_glue()["Workflow"]
    assert {j.name: (str(j.notebook), dict(j.parameters)) for j in loaded.jobs.values()} == {
        "a": (str(JOB_NB), {"n": "2"}), "b": (str(JOB_NB), {"label": "x"})
    }  # fmt: skip


@pytest.mark.endpoint
@pytest.mark.kernel
def test_a_bad_deploy_or_start_writes_nothing_on_the_server(remote: Any) -> None:
    wf = gn.Workflow("team-bad").run(job("c"))
    with pytest.raises(InvalidInputException, match="nope"):
        wf.start(executor="nope")  # checked by the server before anything is written
    with pytest.raises(remote.exceptions.EntityNotFoundException):
        remote.get_workflow(Name="team-bad")
    wf.triggers["dangling"] = {
        "Name": "dangling",
        "Type": "CONDITIONAL",
        "StartOnCreation": True,
        "Actions": [{"JobName": "c", "Arguments": {}}],
        "Predicate": {
            "Logical": "AND",
            "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "c", "State": "SUCCEEDED"}],
        },
    }  # fmt: skip  (a second trigger starting c: a cycle through c)
    with pytest.raises(InvalidInputException):
        wf.deploy()
    with pytest.raises(remote.exceptions.EntityNotFoundException):
        remote.get_job(JobName="c")


@pytest.mark.endpoint
@pytest.mark.kernel
def test_stop_resume_and_latest_on_the_server(remote: Any) -> None:
    slow = gn.Workflow("team-slow").run(job("sleeper", sleep=120))
    run = slow.start()
    wait_for(lambda: any(r.get("JobRunState") == "RUNNING" for r in run.job_runs()), 120,
             "the sleeper to run")  # fmt: skip
    run.stop()
    run.wait(timeout=60, progress=False)
    assert run.status == "STOPPED"
    assert run.failed_nodes() and run.job_runs()[0]["JobRunState"] == "STOPPED"

    broken = job("flaky", fail="boom")
    wf = gn.Workflow("team-resume").run(job("first")).when_all_succeeded().run(broken)
    failed = wf.start().wait(timeout=180, progress=False)
    assert failed.status == "COMPLETED" and not failed.succeeded
    wf.replace(job("flaky")).deploy()  # fixed on the server
    new = failed.resume()
    assert new.run_id != failed.run_id and new.client.is_remote
    new.wait(timeout=180, progress=False)
    assert new.succeeded
    assert failed.latest().run_id == new.run_id
    assert [r.run_id for r in failed.resumed_by] == [new.run_id]
    assert new.describe(graph=False)["PreviousRunId"] == failed.run_id


# -- history, charts, the report, notebooks ---------------------------------------------------
@pytest.mark.endpoint
@pytest.mark.kernel
def test_history_through_the_server_is_the_local_history(remote: Any, server: Server) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_history

    local = gn.client(server.home)  # the server's store, read in this process
    bench_history.fill(local, 3_000)  # 60 runs of 2 workflows, with retries and crawls
    starts = history.job_runs(local, "month-close")["started"]
    cases: list[dict[str, Any]] = [
        {},
        {"workflow": "month-close"},
        {"job": ["step 01", "step 02"], "crawls": False},
        {"since": starts.iloc[100].to_pydatetime(), "until": starts.iloc[900].timestamp()},
    ]
    for case in cases:
        here = history.job_runs(local, **case)
        there = history.job_runs(None, page_size=700, **case)  # several pages
        assert len(there) == len(here) > 0, case
        pd.testing.assert_frame_equal(
            there.reset_index(drop=True), here.reset_index(drop=True), check_like=False
        )
    assert there.attrs["source"] == server.url
    one = history.job_runs(local)["run_id"].dropna().iloc[0]
    assert set(history.job_runs(None, run_id=one)["run_id"]) == {one}
    rates = history.failure_rate(history.job_runs(None, "daily-sales"))
    assert rates.index.name == "node" and (rates["runs"] > 0).all()
    # a token is for the filters it was made with
    first = remote.nb.get_job_run_history(WorkflowName="month-close", MaxResults=10)
    with pytest.raises(InvalidInputException, match="other filters"):
        remote.nb.get_job_run_history(NextToken=first["NextToken"])
    with pytest.raises(InvalidInputException, match="MaxResults"):
        remote.nb.get_job_run_history(MaxResults=10**7)


@pytest.mark.endpoint
@pytest.mark.kernel
def test_charts_report_and_notebooks_from_the_server(
    remote: Any, server: Server, tmp_path: Path
) -> None:
    from glue_nb.views.live_state import notebook_link, notebook_location, view_state
    from glue_nb.views.notebook_html import remote_location, render_notebook
    from glue_nb.views.report import write_run_report

    wf = gn.Workflow("team-charts").run(job("one")).when_all_succeeded().run(job("two"))
    run = wf.start().wait(timeout=180, progress=False)
    gantt = charts.gantt(run).axes[0]
    assert [t.get_text() for t in gantt.get_yticklabels()] == ["one", "two"]
    assert len(gantt.patches) == 2
    thick = [p for p in gantt.patches if p.get_linewidth() > 2]
    assert len(thick) == 2  # one -> two, the critical path (the triggers read from the server)
    trend = charts.duration_trend(None, "team-charts")
    assert trend.axes and trend.axes[0].lines
    bundle = run._repr_mimebundle_()
    assert "team-charts" in bundle["text/html"] and bundle["image/svg+xml"].startswith("<svg")
    report = Path(write_run_report(remote, "team-charts", run.run_id, tmp_path / "r.html"))
    assert "two" in report.read_text() and run.run_id in report.read_text()
    # the executed notebooks are on the server's machine: read through the server
    location = run.table()["output_notebook"].iloc[0]
    html = render_notebook(remote_location(server.url, location))
    assert "SEEN " in html and "done.one" in html  # its outputs
    link = notebook_link(location, server.url)
    assert link is not None and notebook_location(link) == remote_location(server.url, location)
    state = view_state(run.describe(), home=remote.location)
    assert state["home"] == server.url and "gluenb%2Bhttp" in state["table"]
    with pytest.raises(AccessDeniedException, match="output folder"):
        remote.nb.get_notebook(Location=str(JOB_NB))  # a notebook, but not an executed one


# -- the CLI ------------------------------------------------------------------------------------
@pytest.mark.endpoint
@pytest.mark.kernel
@pytest.mark.slow
def test_cli_against_the_server(server: Server, tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(
        textwrap.dedent(
            f"""
            import glue_nb as gn
            a = gn.NotebookJob("cli-a", {str(JOB_NB)!r}, parameters={{"fail": "no"}})
            workflow = gn.Workflow("team-cli").run(a)
            """
        )
    )
    ran = cli(server, "run", "wf.py", "-q", "-p", "who=cli", cwd=tmp_path, check=False)
    assert ran.returncode == 1 and f"home {server.url}" in ran.stdout  # cli-a raised
    assert "ValueError: no" in ran.stdout
    assert not (tmp_path / ".glue_nb").exists()
    glue = boto(server.url)
    run_id = glue.get_workflow(Name="team-cli")["Workflow"]["LastRun"]["WorkflowRunId"]
    assert "team-cli" in cli(server, "workflows").stdout
    assert run_id[:22] in cli(server, "runs", "team-cli").stdout
    shown = cli(server, "show", "team-cli", "-t").stdout
    assert "cli-a attempt 0" in shown and "raise ValueError(fail)" in shown  # the traceback
    fixed = textwrap.dedent(f"""
        import glue_nb as gn
        workflow = gn.Workflow("team-cli").run(gn.NotebookJob("cli-a", {str(JOB_NB)!r}))
        workflow.deploy()
    """)  # fmt: skip
    env = {**os.environ, "GLUE_NB_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET}  # fmt: skip
    subprocess.run([PYTHON, "-c", fixed], check=True, env=env)
    resumed = cli(server, "resume", "team-cli", "-q")
    assert "Resumed as run" in resumed.stdout and "SUCCEEDED" in resumed.stdout
    cli(server, "report", "team-cli", str(tmp_path / "r.html"))
    assert "cli-a" in (tmp_path / "r.html").read_text()
    cli(server, "render", "team-cli", str(tmp_path / "g.svg"))
    assert (tmp_path / "g.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    # schedules and events, asked of the server
    scheduled = gn.Workflow("team-nightly", home=server.url).on_schedule(
        "team-nightly-6am", "cron(0 6 * * ? *)", active=False
    )
    events = gn.Workflow("team-events", home=server.url).on_event("team-files")
    for w in (scheduled, events):
        w.run(gn.NotebookJob(f"{w.name}-job", JOB_NB))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        scheduled.deploy()
        events.deploy()
    nxt = cli(server, "next", "team-nightly", "-n", "2").stdout
    assert "team-nightly-6am (workflow team-nightly): cron(0 6 * * ? *)" in nxt
    assert nxt.count("06:00 UTC") == 2
    posted = cli(server, "event", "team-events", "--id", "e1").stdout
    assert "Posted event e1" in posted and "No scheduler is running" in posted
    # which wins: --home over the environment's server; GLUE_NB_HOME over GLUE_NB_ENDPOINT_URL;
    # AWS_ENDPOINT_URL_GLUE when nothing else is given; both flags: an error
    local = tmp_path / "local-home"
    assert "team-cli" not in cli(server, "workflows", "--home", str(local)).stdout
    assert "team-cli" not in cli(server, "workflows", env={"GLUE_NB_HOME": str(local)}).stdout
    aws_only = {"GLUE_NB_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_GLUE": server.url}
    assert "team-cli" in cli(server, "workflows", env=aws_only, cwd=tmp_path).stdout
    assert "team-cli" in cli(server, "workflows", "--endpoint-url", server.url,
                             env={"GLUE_NB_HOME": str(local)}).stdout  # fmt: skip
    both = cli(server, "workflows", "--home", str(local), "--endpoint-url", server.url,
               check=False)  # fmt: skip
    assert both.returncode == 2 and "not both" in both.stderr


# -- the Jupyter extension's service on a server's home -----------------------------------------
@pytest.mark.endpoint
@pytest.mark.kernel
def test_jupyter_service_on_a_server(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: None
) -> None:
    from glue_nb.jupyter import service

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)  # the extension signs as botocore does
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    wf = gn.Workflow("team-panel", home=server.url).run(job("panel-job", sleep=120))
    wf.deploy()
    listed = service.workflows(server.url)
    assert listed["home"] == server.url and listed["exists"]
    assert "team-panel" in [w["name"] for w in listed["workflows"]]
    started = service.start(server.url, "team-panel")  # the server drives it
    run_id = started["run_id"]
    assert "driver_pid" not in started
    glue = boto(server.url)
    wait_for(lambda: glue.get_workflow_run(Name="team-panel", RunId=run_id)["Run"]["Statistics"]
             ["RunningActions"], 120, "the job to run")  # fmt: skip
    shown = service.view(server.url, "team-panel")
    assert shown["state"]["run_id"] == run_id and shown["state"]["home"] == server.url
    assert shown["state"]["can_stop"]
    stopped = service.stop(server.url, "team-panel", run_id)
    assert stopped["status"] in ("STOPPING", "STOPPED")
    wait_for(lambda: glue.get_workflow_run(Name="team-panel", RunId=run_id)["Run"]["Status"]
             == "STOPPED", 60, "the run to stop")  # fmt: skip
    again = service.resume(server.url, "team-panel", run_id)
    assert again["previous_run_id"] == run_id
    glue.stop_workflow_run(Name="team-panel", RunId=again["run_id"])
    assert "<svg" in service.design(server.url, "team-panel")["svg"]


# -- which home or server, and no store access from the user's modules -------------------------
def test_which_home_or_server_a_client_answers_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: None
) -> None:
    from glue_nb.client import resolve

    monkeypatch.chdir(tmp_path)
    here = str(tmp_path / ".glue_nb")
    assert resolve() == ("home", here)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", "http://aws-variable:1")
    assert resolve() == ("endpoint", "http://aws-variable:1")
    monkeypatch.setenv("GLUE_NB_ENDPOINT_URL", "http://glue-nb-variable:2")
    assert resolve() == ("endpoint", "http://glue-nb-variable:2")
    context = {"workflow_name": "w", "workflow_run_id": "wr_1", "job_name": "j",
               "job_run_id": "jr_1", "run_properties": {},
               "home": str(tmp_path / "job-home")}  # fmt: skip
    monkeypatch.setenv("GLUE_NB_JOB_CONTEXT", json.dumps(context))
    assert resolve() == ("home", str(tmp_path / "job-home"))  # a job uses its run's home
    monkeypatch.setenv("GLUE_NB_HOME", str(tmp_path / "h"))
    assert resolve() == ("home", str(tmp_path / "h"))
    gn.connect("http://connected:3/")
    try:
        assert resolve() == ("endpoint", "http://connected:3")
        assert resolve(tmp_path / "x") == ("home", str(tmp_path / "x"))
        assert resolve("https://given:4") == ("endpoint", "https://given:4")
        assert gn.client().meta.endpoint_url == "http://connected:3"
        assert gn.client() is gn.client()  # cached
    finally:
        gn.connect(None)
    assert resolve() == ("home", str(tmp_path / "h"))
    with pytest.raises(InvalidInputException, match="not a server URL"):
        gn.connect("glue.example.com:8742")


#: The modules users touch: they ask the client's APIs, never a store (so they work remotely).
USER_MODULES = ["run.py", "history.py", "builder", "charts.py", "cli", "views", "jupyter"]
STORE_PARTS = {"store", "runs", "definitions", "engine", "service", "catalog", "crawlers",
               "blueprints", "ledger"}  # fmt: skip
CLIENTISH = re.compile(r"(^|\.)(c|client|glue|nb|remote|make_client\(.*\)|client\(.*\))$")
LOCAL_ONLY = {"glue_nb.store", "glue_nb.engine", "glue_nb.definitions", "glue_nb.runs",
              "glue_nb.crawlers", "glue_nb.catalog", "glue_nb.ledger"}  # fmt: skip


def test_user_modules_never_reach_a_store() -> None:
    package = Path(gn.__file__).parent
    files = [
        p
        for m in USER_MODULES
        for p in ([package / m] if m.endswith(".py") else sorted((package / m).rglob("*.py")))
    ]
    found = []
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in STORE_PARTS:
                owner = ast.unparse(node.value)
                if CLIENTISH.search(owner):  # client.store, self.run.client.runs, client().x
                    found.append(f"{path.relative_to(package)}:{node.lineno} {owner}.{node.attr}")
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            for name in names:
                if any(name == m or name.startswith(m + ".") for m in LOCAL_ONLY):
                    found.append(f"{path.relative_to(package)}:{node.lineno} import {name}")
    assert found == [], "user-facing modules reach a store:\n" + "\n".join(found)


@pytest.mark.endpoint
def test_glue_nb_client_process_against_a_server_stays_light(server: Server) -> None:
    """A process that only talks to a server loads neither the store nor the engine."""
    code = (
        "import sys, glue_nb as gn; c = gn.client(endpoint_url=sys.argv[1], "
        "aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3]); "
        "c.nb.list_workflows(); "
        "print(sorted(m for m in sys.modules if m.startswith(('glue_nb.store', 'glue_nb.engine',"
        " 'glue_nb.kernels', 'glue_nb.definitions', 'sqlite3', 'pandas'))))"
    )
    started = time.perf_counter()
    out = subprocess.run([PYTHON, "-c", code, server.url, KEY, SECRET], capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout
    assert time.perf_counter() - started < 30


def test_clients_know_every_operation_the_handlers_answer() -> None:
    """glue-nb's model is built from the names in ``models.OPERATIONS`` (a client of a server
    imports no handlers): it must list exactly the operations registered in api/operations/."""
    from glue_nb.api import models, operations

    missing = [n for n in operations.NB if n not in models.OPERATIONS]
    extra = [n for n in models.OPERATIONS if n not in operations.NB]
    assert not missing and not extra, (
        f"add {missing} to / remove {extra} from glue_nb.api.models.OPERATIONS"
    )


@pytest.mark.endpoint
@pytest.mark.kernel
@pytest.mark.parametrize("where", ["local", "server"])
def test_wait_returns_as_the_run_ends(
    where: str, server: Server, tmp_path: Path, clean_env: None
) -> None:
    """``run.wait()`` learns of the end at once (WaitForWorkflowRun), not at its next poll."""
    home: Any = tmp_path / "home" if where == "local" else server.url
    if where == "server":
        gn.connect(server.url, aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    try:
        wf = gn.Workflow(f"team-wait-{where}", home=home).run(job("nap", sleep=1.0))
        run = wf.start()
        run.wait(timeout=120, poll=15, progress=False)  # one check every 15 s at most
        returned = time.time()
        ended = run.describe(graph=False)["CompletedOn"].timestamp()
        assert run.status == "COMPLETED" and returned - ended < 2.0, returned - ended
        again = wf.start()
        answer = again.client.wait_for_workflow_run(Name=wf.name, RunId=again.run_id,
                                                    WaitSeconds=20)  # fmt: skip
        late = time.time() - answer["Run"]["CompletedOn"].timestamp()
        assert answer["Run"]["Status"] == "COMPLETED" and late < 1.0 and ended
        with pytest.raises(InvalidInputException, match="WaitSeconds"):
            again.client.wait_for_workflow_run(Name=wf.name, RunId=again.run_id, WaitSeconds=60)
    finally:
        gn.connect(None)


def test_a_workflow_whose_job_was_deleted_loads_with_a_clear_error(
    tmp_path: Path, clean_env: None
) -> None:
    from glue_nb.exceptions import EntityNotFoundException
    from glue_nb.views.static import stored_view

    home = tmp_path / "home"
    wf = gn.Workflow("orphaned", home=home)
    wf.run(job("kept")).when_all_succeeded().run(job("gone")).deploy()
    c = gn.client(home)
    c.delete_job(JobName="gone")
    answer = c.nb.get_workflow_definition(Name="orphaned")
    assert answer["MissingJobs"] == ["gone"] and [j["Name"] for j in answer["Jobs"]] == ["kept"]
    with pytest.raises(EntityNotFoundException, match="no longer defined: gone"):
        gn.Workflow.load("orphaned", home=home)
    view = stored_view(c, "orphaned")
    assert view.jobs == {"kept": Path(JOB_NB).name}  # the rest is still drawn


@pytest.mark.endpoint
@pytest.mark.kernel
@pytest.mark.graphviz
def test_live_view_of_a_run_on_the_server(remote: Any, server: Server) -> None:
    """``run.view()`` of a server's run: refreshed from the server, stopped through it, its
    notebook links read from it (in the kernel where no Jupyter server answers)."""
    from glue_nb.views.live import RunView

    wf = gn.Workflow("team-view").run(job("viewed", sleep=60)).when_all_succeeded().run(
        job("after-viewed")
    )  # fmt: skip
    run = wf.start()
    view = RunView(run, interval=0.2)
    try:
        assert view.state["home"] == server.url and view.refreshing
        wait_for(lambda: view.categories().get("viewed") == "running", 120, "the view to follow")
        view.stop()  # the Stop button where no Jupyter server answers: through the server
        run.wait(timeout=60, progress=False)
        wait_for(lambda: not view.refreshing, 30, "the view to see the end")
        assert view.status == "STOPPED" and view.categories()["after-viewed"] == "never"
        link = re.search(r'href="(glue-nb-notebook:[^"]+)"', view.table_html)
        assert link is not None and "gluenb%2Bhttp" in link[1]
        sent: list[Any] = []
        view.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
        view._send_notebook(link[1])
        assert sent and "html" in sent[0] and "SEEN " in sent[0]["html"], sent
    finally:
        view.close()


@pytest.mark.endpoint
@pytest.mark.kernel
def test_glue_nb_operations_answer_alike_in_process_and_over_http(
    remote: Any, server: Server
) -> None:
    """The same request to glue-nb's own operations, answered in this process (on the server's
    store) and by the server over HTTP, gives the same answer (nothing only one route has)."""
    wf = gn.Workflow("team-alike", default_run_properties={"p": "1"})
    wf.run(job("alike-a", n=3)).when_any_failed().run(job("alike-b"))
    run = wf.start().wait(timeout=180, progress=False)
    local = gn.client(server.home).nb
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_workflow_definition", {"Name": "team-alike"}),
        ("wait_for_workflow_run", {"Name": "team-alike", "RunId": run.run_id}),
        ("get_job_run_history", {"WorkflowName": "team-alike"}),
        ("get_scheduler_status", {}),
        ("get_workflow_run", {"Name": "team-alike", "RunId": run.run_id, "IncludeGraph": True}),
    ]
    for name, params in calls:
        here, there = (getattr(c, name)(**params) for c in (local, remote.nb))
        here.pop("ResponseMetadata"), there.pop("ResponseMetadata")
        assert here == there, name


@pytest.mark.endpoint
def test_a_change_on_the_server_answers_waiters_at_once(server: Server, remote: Any) -> None:
    """WaitForChange over HTTP, and the Jupyter extension's ``changes`` on the server's URL."""
    import asyncio
    import threading

    from glue_nb.jupyter import service

    token = remote.nb.wait_for_change()["ChangeToken"]
    page_token = service.change_token(server.url)
    assert token and page_token == token

    def commit_soon() -> None:
        time.sleep(0.5)
        remote.create_workflow(Name=f"change-{time.time_ns()}")

    writer = threading.Thread(target=commit_soon)
    started = time.monotonic()
    writer.start()
    answer = remote.nb.wait_for_change(Since=token, WaitSeconds=20)
    writer.join()
    assert answer["Changed"] and answer["ChangeToken"] != token
    assert time.monotonic() - started < 15  # at the commit, not when the wait ran out
    seen = asyncio.run(service.changes(server.url, token, 20))
    assert seen == {"token": answer["ChangeToken"], "changed": True}
