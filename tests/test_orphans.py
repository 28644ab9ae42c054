"""Runs across processes: a second process watching or stopping a run, a run whose owner process
was killed (detected, marked STOPPED, resumed), and scripts that exit while their runs go on.

Every process here is a real ``python`` started with ``subprocess`` on the same home.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import (
    JOB_NB,
    PYTHON,
    ROOT,
    condition,
    job_runs,
    make_workflow,
    states,
    wait_for,
    wait_printed,
    wait_run,
)

import glue_nb
from glue_nb.client import GlueClient

pytestmark = pytest.mark.kernel


def job_state(c: GlueClient, name: str, run_id: str, job: str) -> str | None:
    return states(c.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"])[job]


def python(code: str, *args: Any, **popen: Any) -> subprocess.Popen[str]:
    """Start ``python -c code args...`` (the venv's interpreter) in the repository."""
    return subprocess.Popen(
        [PYTHON, "-c", textwrap.dedent(code), *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **popen,
    )


WATCH = """
    import json, sys, time
    import glue_nb
    c = glue_nb.client(sys.argv[1]).nb
    name, run_id = sys.argv[2], sys.argv[3]
    while True:
        run = c.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        jobs = {n["Name"]: [r["JobRunState"] for r in (n["JobDetails"] or {}).get("JobRuns", [])]
                for n in run["Graph"]["Nodes"] if n["Type"] == "JOB"}
        print(json.dumps({"status": run["Status"], "jobs": jobs}), flush=True)
        if run["Status"] not in ("RUNNING", "STOPPING"):
            break
        time.sleep(0.1)
"""


def test_a_second_process_follows_a_run(client: GlueClient) -> None:
    make_workflow(
        client, "watched", {"a": {"DefaultArguments": {"--sleep": "3"}}, "b": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    run_id = client.start_workflow_run(Name="watched")["RunId"]
    watcher = python(WATCH, client.home, "watched", run_id)
    out, err = watcher.communicate(timeout=90)
    assert watcher.returncode == 0, err
    seen = [json.loads(line) for line in out.splitlines()]
    statuses = [s["status"] for s in seen]
    assert statuses[0] == "RUNNING" and statuses[-1] == "COMPLETED"
    assert seen[-1]["jobs"] == {"a": ["SUCCEEDED"], "b": ["SUCCEEDED"]}
    assert any(s["jobs"]["a"] == ["RUNNING"] for s in seen)  # it saw the run in progress
    assert wait_run(client, "watched", run_id)["Status"] == "COMPLETED"


STOP = """
    import sys
    import glue_nb
    c = glue_nb.client(sys.argv[1]).nb
    if sys.argv[2] == "job":
        out = c.batch_stop_job_run(JobName=sys.argv[3], JobRunIds=[sys.argv[4]])
        assert out["SuccessfulSubmissions"], out
    else:
        c.stop_workflow_run(Name=sys.argv[3], RunId=sys.argv[4])
"""


def test_another_process_stops_a_job_run_then_the_run(client: GlueClient) -> None:
    sleepy = {"DefaultArguments": {"--sleep": "60"}}
    make_workflow(client, "remote-stop", {"a": sleepy, "b": sleepy}, start=["a", "b"])
    run_id = client.start_workflow_run(Name="remote-stop")["RunId"]

    def run() -> dict[str, Any]:
        return client.get_workflow_run(Name="remote-stop", RunId=run_id, IncludeGraph=True)["Run"]

    wait_for(lambda: states(run()) == {"a": "RUNNING", "b": "RUNNING"})
    a_id = job_runs(run())["a"][0]["Id"]
    stopper = python(STOP, client.home, "job", "a", a_id)
    assert stopper.wait(timeout=60) == 0, stopper.stderr.read() if stopper.stderr else ""
    wait_for(lambda: states(run())["a"] == "STOPPED", 30, "job run a STOPPED")
    assert run()["Status"] == "RUNNING"  # only that job run was stopped
    stopper = python(STOP, client.home, "run", "remote-stop", run_id)
    assert stopper.wait(timeout=60) == 0, stopper.stderr.read() if stopper.stderr else ""
    final = wait_run(client, "remote-stop", run_id, timeout=30)
    assert final["Status"] == "STOPPED" and states(final) == {"a": "STOPPED", "b": "STOPPED"}


OWNER = """
    import sys, time
    import glue_nb
    c = glue_nb.client(sys.argv[1]).nb
    run_id = c.start_workflow_run(Name=sys.argv[2])["RunId"]
    print(run_id, flush=True)
    time.sleep(600)
"""


def _kill_tree(proc: subprocess.Popen[str]) -> list[int]:
    """SIGKILL ``proc`` (a process this test started); returns the pids of its kernels."""
    kernels = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGKILL)
    return kernels


def test_orphaned_run_is_detected_and_resumed(client: GlueClient) -> None:
    nodes = make_workflow(
        client, "orphan", {"a": {"DefaultArguments": {"--sleep": "60"}}, "b": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    owner = python(OWNER, client.home, "orphan")
    try:
        run_id = owner.stdout.readline().strip()
        assert run_id.startswith("wr_"), owner.stderr.read()
        wait_for(lambda: job_state(client, "orphan", run_id, "a") == "RUNNING")
        wait_for(lambda: psutil.Process(owner.pid).children(recursive=True), 30, "its kernel")
        assert client.get_workflow_run(Name="orphan", RunId=run_id)["Run"]["Status"] == "RUNNING"
        kernels = _kill_tree(owner)
        # still a zombie (not reaped yet): the owner is gone all the same
        wait_for(lambda: psutil.Process(owner.pid).status() == psutil.STATUS_ZOMBIE, 10)
        run = client.get_workflow_run(Name="orphan", RunId=run_id, IncludeGraph=True)["Run"]
    finally:
        owner.kill()
        owner.wait()
    for pid in kernels:  # the kernels it left behind exit when their parent is gone
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass
    assert run["Status"] == "STOPPED"
    assert f"pid {owner.pid}" in run["ErrorMessage"] and "resume" in run["ErrorMessage"]
    jr = job_runs(run)["a"][0]
    assert jr["JobRunState"] == "STOPPED" and "owner process is gone" in jr["ErrorMessage"]
    assert run["Statistics"]["RunningActions"] == 0
    # fix the job and resume the orphaned run in this process
    client.update_job(JobName="a", JobUpdate={"Command": {"ScriptLocation": JOB_NB}})
    out = client.resume_workflow_run(Name="orphan", RunId=run_id, NodeIds=[nodes["a"]])
    resumed = wait_run(client, "orphan", out["RunId"])
    assert resumed["Status"] == "COMPLETED" and resumed["PreviousRunId"] == run_id
    assert states(resumed) == {"a": "SUCCEEDED", "b": "SUCCEEDED"}


SCRIPT = """
    import sys
    import glue_nb as gn
    home, name, notebook = sys.argv[1:4]
    parts = [gn.NotebookJob(f"{name}-part{i}", notebook, parameters={"sleep": 0.5})
             for i in range(3)]
    wf = (gn.Workflow(name, home=home).run(*parts).when_all_succeeded()
          .run(gn.NotebookJob(f"{name}-last", notebook)))
    run = wf.start()
    print(run.run_id, flush=True)
    # the script ends here without waiting: the interpreter must wait for the run
"""


def test_scripts_that_exit_normally_finish_their_runs(client: GlueClient) -> None:
    """Two scripts at once (six kernels starting together across processes) each start a run
    and end; each process stays until its run is done, and every job succeeds."""
    assert client.store.schema_version >= 1  # the store exists before the scripts open it
    procs = {name: python(SCRIPT, client.home, name, JOB_NB) for name in ("s0", "s1")}
    ends: dict[str, float] = {}
    outs: dict[str, str] = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        ends[name] = time.time()
        assert proc.returncode == 0, err
        outs[name] = out.strip()
    for name, run_id in outs.items():
        run = client.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        assert run["Status"] == "COMPLETED", run
        assert set(states(run).values()) == {"SUCCEEDED"} and len(states(run)) == 4
        assert run["CompletedOn"].timestamp() <= ends[name]
    assert sys.executable == PYTHON


JOB_SCRIPT = """
    import sys
    import glue_nb
    c = glue_nb.client(sys.argv[1]).nb
    print(c.start_job_run(JobName="solo", Arguments={"--sleep": "1"})["JobRunId"])
"""


def test_a_script_that_exits_finishes_its_standalone_job_run(client: GlueClient) -> None:
    """StartJobRun outside a workflow, then a normal exit: the process waits for the job."""
    client.create_job(Name="solo", Command={"Name": "notebook", "ScriptLocation": JOB_NB})
    proc = python(JOB_SCRIPT, client.home)
    out, err = proc.communicate(timeout=120)
    ended = time.time()
    assert proc.returncode == 0, err
    job_run = client.get_job_run(JobName="solo", RunId=out.strip())["JobRun"]
    assert job_run["JobRunState"] == "SUCCEEDED", job_run
    assert job_run["CompletedOn"].timestamp() <= ended


SOLO_OWNER = """
    import sys
    import glue_nb
    c = glue_nb.client(sys.argv[1]).nb
    print(c.start_job_run(JobName="solo", Arguments={"--sleep": "60"})["JobRunId"], flush=True)
    # a normal exit waits for the job run: it ends when another process stops it
"""


def test_standalone_job_runs_stop_from_any_process(
    client: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BatchStopJobRun of a job run outside any workflow works whichever process runs it; the
    owner keeps the job run's heartbeat fresh meanwhile."""
    from glue_nb.engine import supervisor

    client.create_job(Name="solo", Command={"Name": "notebook", "ScriptLocation": JOB_NB})

    def state(run_id: str) -> str:
        return client.get_job_run(JobName="solo", RunId=run_id)["JobRun"]["JobRunState"]

    # owned by another process, stopped from this one
    owner = python(SOLO_OWNER, client.home)
    try:
        theirs = owner.stdout.readline().strip()
        assert theirs.startswith("jr_"), owner.stderr.read()
        wait_printed(client.home, "solo")
        out = client.batch_stop_job_run(JobName="solo", JobRunIds=[theirs])
        assert out["SuccessfulSubmissions"] == [{"JobName": "solo", "JobRunId": theirs}], out
        wait_for(lambda: state(theirs) == "STOPPED", 30, "their job run STOPPED")
        assert owner.wait(timeout=30) == 0  # its exit no longer waits for anything
    finally:
        owner.kill()
        owner.wait()

    # owned by this process, stopped from another one
    monkeypatch.setattr(supervisor, "HEARTBEAT_EVERY", 0.2)
    mine = client.start_job_run(JobName="solo", Arguments={"--sleep": "60"})["JobRunId"]
    wait_for(lambda: state(mine) == "RUNNING")

    def heartbeat() -> float:  # the heartbeat of the process that owns the job run
        with client.store.read() as conn:
            return float(
                conn.execute(
                    "SELECT o.heartbeat_on FROM owners AS o JOIN job_runs AS j "
                    "ON j.owner_token = o.token WHERE j.id=?",
                    (mine,),
                ).fetchone()[0]
            )

    first = heartbeat()
    wait_for(lambda: heartbeat() > first, 10, "a fresher heartbeat")
    stopper = python(STOP, client.home, "job", "solo", mine)
    assert stopper.wait(timeout=60) == 0, stopper.stderr.read() if stopper.stderr else ""
    wait_for(lambda: state(mine) == "STOPPED", 30, "my job run STOPPED")
    out = client.batch_stop_job_run(JobName="solo", JobRunIds=[mine])
    assert out["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"


def test_standalone_job_runs_of_other_hosts_live_by_their_heartbeat(client: GlueClient) -> None:
    from glue_nb.owner import STALE_AFTER
    from glue_nb.timeutil import now

    client.create_job(Name="solo", Command={"Name": "notebook", "ScriptLocation": JOB_NB})
    with client.store.transaction() as conn:
        for run_id, beat in (("jr_fresh", now() - 5), ("jr_stale", now() - STALE_AFTER - 1)):
            token = f"owner-of-{run_id}"  # a process on another host, heartbeat `beat`
            conn.execute(
                "INSERT INTO owners(token, host, pid, create_time, started_on, heartbeat_on) "
                "VALUES (?, 'another-host', 1, 1.0, ?, ?)",
                (token, beat, beat),
            )
            conn.execute(
                "INSERT INTO job_runs(id, job_name, state, started_on, last_modified_on, "
                "owner_token) VALUES (?, 'solo', 'RUNNING', ?, ?, ?)",
                (run_id, beat, beat, token),
            )
    client.engine.reap_orphans()
    runs = {r["Id"]: r for r in client.get_job_runs(JobName="solo")["JobRuns"]}
    assert runs["jr_fresh"]["JobRunState"] == "RUNNING"
    assert runs["jr_stale"]["JobRunState"] == "STOPPED"
    assert "process that started this job run is gone" in runs["jr_stale"]["ErrorMessage"]


def test_a_live_owner_is_not_reaped(client: GlueClient, tmp_path: Path) -> None:
    """Reading a run owned by another live process never marks it STOPPED."""
    make_workflow(client, "alive", {"a": {"DefaultArguments": {"--sleep": "60"}}}, start=["a"])
    owner = python(OWNER, client.home, "alive")
    try:
        run_id = owner.stdout.readline().strip()
        wait_for(lambda: job_state(client, "alive", run_id, "a") == "RUNNING")
        assert glue_nb.client(client.home).engine.reap_orphans() == []
        assert client.get_workflow_run(Name="alive", RunId=run_id)["Run"]["Status"] == "RUNNING"
        client.stop_workflow_run(Name="alive", RunId=run_id)  # the owner's driver acts on it
        run = wait_run(client, "alive", run_id, timeout=30)
        assert run["Status"] == "STOPPED" and "ErrorMessage" not in run
    finally:
        owner.kill()
        owner.wait()
    for proc in psutil.Process().children(recursive=True):
        if proc.pid == owner.pid:
            pytest.fail("owner still running")


def test_owner_liveness_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same host: the pid and its start time decide. Another host: a heartbeat younger than
    STALE_AFTER seconds (45 by default, so a dead owner is seen within a minute)."""
    from glue_nb import owner as engine
    from glue_nb.timeutil import now

    me = engine.current_owner()
    assert engine.owner_alive(me, None)
    assert engine.owner_alive({**me, "token": "other"}, None)  # this pid, same start time
    assert not engine.owner_alive({**me, "token": "other", "create_time": 1.0}, None)  # pid reused
    assert not engine.owner_alive({**me, "token": "other", "pid": 2**22 + 12345}, None)
    assert not engine.owner_alive(None, now())
    remote = {"host": "elsewhere", "pid": 1, "create_time": 1.0, "token": "x"}
    assert engine.owner_alive(remote, now() - 5)
    assert not engine.owner_alive(remote, now() - engine.STALE_AFTER - 1)
    assert not engine.owner_alive(remote, None)
    assert engine.STALE_AFTER + engine.HEARTBEAT_EVERY <= 60
