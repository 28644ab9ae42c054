"""Real scheduler processes (``python -m glue_nb.scheduler``) starting real notebook runs.

The processes run on the test/dev fast clock (``GLUE_NB_SCHEDULER_CLOCK_SPEEDUP=60``: a minute
passes in a second; all processes share one ``..._CLOCK_ORIGIN`` so they share one fake time
line), with a schedule every two (fake) minutes, allowed by
``GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES=0``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import conftest
import pytest

import glue_nb
from glue_nb.client import GlueClient

pytestmark = pytest.mark.kernel

EVERY_TWO_MINUTES = "cron(0/2 * * * ? *)"
SPEEDUP = "60"


def tiny_notebook(path: Path) -> Path:
    return conftest.write_notebook(path, ["sleep = 0.0", "import time\ntime.sleep(sleep)"])


class Procs:
    """Scheduler processes started by one test (killed, by pid, at its end)."""

    def __init__(self, home: Path, env: dict[str, str], logs: Path) -> None:
        self.home, self.env, self.logs = home, env, logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"scheduler-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "glue_nb.scheduler", "--home", str(self.home),
             "--tick", "0.2", *args],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.started.append(proc)
        return proc

    def log(self, index: int) -> str:
        return (self.logs / f"scheduler-{index}.log").read_text(errors="replace")

    def cleanup(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GlueClient, Procs]]:
    for var in ("GLUE_NB_JOB_CONTEXT", "GLUE_NB_HOME", "GLUE_NB_OUTPUT_ROOT",
                "GLUE_NB_SCHEDULER_CLOCK_SPEEDUP", "GLUE_NB_SCHEDULER_CLOCK_ORIGIN"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES", "0")
    home = tmp_path / "home"
    c = glue_nb.client(home).nb
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    c.create_job(Name="job", Command={"Name": "notebook", "ScriptLocation": str(notebook)})
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLUE_NB_")}
    env.update(
        GLUE_NB_MIN_SCHEDULE_INTERVAL_MINUTES="0",
        GLUE_NB_SCHEDULER_CLOCK_SPEEDUP=SPEEDUP,
        GLUE_NB_SCHEDULER_CLOCK_ORIGIN=repr(time.time()),
        PYTHONUNBUFFERED="1",
    )
    # this process shares the fake time line: trigger activation times are on it
    for var in ("GLUE_NB_SCHEDULER_CLOCK_SPEEDUP", "GLUE_NB_SCHEDULER_CLOCK_ORIGIN"):
        monkeypatch.setenv(var, env[var])
    procs = Procs(home, env, tmp_path)
    try:
        yield c, procs
    finally:
        procs.cleanup()


def query(c: GlueClient, sql: str, *args: Any) -> list[tuple]:
    conn = sqlite3.connect(c.store.path, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def fires(c: GlueClient) -> list[tuple]:
    """(fire_time, kind, run_id, missed, holder) of every scheduled fire, in order."""
    return query(
        c, "SELECT fire_time, kind, run_id, missed, holder FROM trigger_fires ORDER BY fire_time"
    )


def statuses(c: GlueClient, name: str) -> dict[str, str]:
    return dict(query(c, "SELECT run_id, status FROM workflow_runs WHERE workflow_name=?", name))


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def scheduled_workflow(c: GlueClient, name: str = "wf") -> None:
    c.create_workflow(Name=name)
    c.create_trigger(Name=f"{name}-start", WorkflowName=name, Type="SCHEDULED",
                     Schedule=EVERY_TWO_MINUTES, StartOnCreation=True,
                     Actions=[{"JobName": "job"}])  # fmt: skip


def event_workflow(c: GlueClient, sleep: float = 0.0, name: str = "ev") -> None:
    c.create_workflow(Name=name)
    action = {"JobName": "job", "Arguments": {"--sleep": str(sleep)}}
    c.create_trigger(Name=f"{name}-start", WorkflowName=name, Type="EVENT",
                     EventBatchingCondition={"BatchSize": 1, "BatchWindow": 900},
                     Actions=[action])  # fmt: skip


def completed_fires(c: GlueClient, n: int) -> bool:
    done = statuses(c, "wf")
    return sum(1 for f in fires(c) if done.get(f[2]) == "COMPLETED") >= n


def check_one_run_per_fire(c: GlueClient) -> list[tuple]:
    rows = fires(c)
    run_ids = [r[2] for r in rows]
    assert None not in run_ids
    assert len(set(run_ids)) == len(run_ids)
    assert set(run_ids) == set(statuses(c, "wf"))  # every run is one fire's run
    gaps = {round(b[0] - a[0]) for a, b in pairwise(rows)}
    assert all(g % 120 == 0 and g > 0 for g in gaps), gaps  # whole schedule steps, none twice
    return rows


def test_sigkill_and_restart_make_no_duplicate_and_one_catch_up(
    setup: tuple[GlueClient, Procs],
) -> None:
    c, procs = setup
    first = procs.start()
    wait_for(lambda: query(c, "SELECT 1 FROM scheduler_lease"), "the scheduler to start")
    scheduled_workflow(c)  # activated while a scheduler ticks: its fires are on time
    wait_for(lambda: completed_fires(c, 2), "two completed scheduled runs")
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = fires(c)
    assert [f[1] for f in before] == ["scheduled"] * len(before)
    time.sleep(5)  # five (fake) minutes: at least two fires are missed
    second = procs.start()
    wait_for(
        lambda: any(f[1] == "scheduled" for f in fires(c)[len(before) + 1 :]),
        "a regular fire after the catch-up",
    )
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0, procs.log(1)
    rows = check_one_run_per_fire(c)
    after = rows[len(before) :]
    assert [f[1] for f in after][:2] == ["catch-up", "scheduled"]
    assert [f[1] for f in rows].count("catch-up") == 1
    assert after[0][3] >= 2  # the catch-up stands for at least two missed fires
    assert after[0][0] - before[-1][0] >= 2 * 120
    done = statuses(c, "wf")
    # the restarted scheduler waited for its runs on SIGTERM; a run of the killed one may have
    # been cut short (its owner is gone: STOPPED, resumable)
    assert all(done[f[2]] == "COMPLETED" for f in after)
    assert list(done.values()).count("STOPPED") <= 1
    assert set(done.values()) <= {"COMPLETED", "STOPPED"}
    assert "catch-up fire" in procs.log(1)


def test_two_scheduler_processes_never_double_fire(setup: tuple[GlueClient, Procs]) -> None:
    c, procs = setup
    scheduled_workflow(c)
    a, b = procs.start(), procs.start()
    wait_for(lambda: completed_fires(c, 2), "two completed scheduled runs")
    [(holder,)] = query(c, "SELECT info FROM scheduler_lease")
    pid = json.loads(holder)["pid"]
    killed, survivor = (a, b) if pid == a.pid else (b, a)
    assert pid == killed.pid
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    n = len(fires(c))
    wait_for(lambda: len(fires(c)) >= n + 2, "fires by the process that took over")
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=60) == 0
    rows = check_one_run_per_fire(c)
    holders = [r[4] for r in rows]
    assert len(set(holders)) == 2  # the standby took over ...
    switch = holders.index(holders[-1])
    assert set(holders[:switch]) == {holders[0]} and set(holders[switch:]) == {holders[-1]}
    standby = procs.log(procs.started.index(survivor))
    assert "standing by" in standby and "took over the scheduler lease" in standby


def test_a_watched_folder_starts_a_run_and_sigterm_waits_for_it(
    setup: tuple[GlueClient, Procs], tmp_path: Path
) -> None:
    c, procs = setup
    event_workflow(c, sleep=8)  # still running when SIGTERM comes, even on a loaded machine
    folder = tmp_path / "landing"
    proc = procs.start("--watch", f"ev={folder}")
    wait_for(lambda: query(c, "SELECT 1 FROM folder_watches"), "the watch to start")
    (folder / "data.csv").write_text("a,b\n1,2\n")
    [run_id] = wait_for(lambda: list(statuses(c, "ev")), "a run for the new file")
    proc.send_signal(signal.SIGTERM)  # the run is still going: it is waited for
    assert proc.wait(timeout=60) == 0, procs.log(0)
    run = c.get_workflow_run(Name="ev", RunId=run_id)["Run"]
    assert run["Status"] == "COMPLETED"
    assert run["StartingEventBatchCondition"] == {"BatchSize": 1, "BatchWindow": 0}
    [event] = c.get_workflow_events(WorkflowName="ev")["Events"]
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == [event["EventId"]]
    assert event["Detail"]["path"] == str(folder / "data.csv")
    assert "waiting for 1 run(s)" in procs.log(0)


def test_stop_runs_leaves_resumable_runs(setup: tuple[GlueClient, Procs]) -> None:
    c, procs = setup
    event_workflow(c, sleep=60)
    proc = procs.start("--stop-runs")
    c.notify_event(WorkflowName="ev", EventId="go")
    [run_id] = wait_for(lambda: list(statuses(c, "ev")), "a run for the event")
    wait_for(
        lambda: query(
            c, "SELECT 1 FROM job_runs WHERE workflow_run_id=? AND state='RUNNING'", run_id
        ),
        "its job to run",
    )
    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, procs.log(0)
    assert time.monotonic() - t < 20  # did not wait for the 60 s job
    run = c.get_workflow_run(Name="ev", RunId=run_id, IncludeGraph=True)["Run"]
    assert run["Status"] == "STOPPED"
    [node] = [n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB"]
    assert node["JobDetails"]["JobRuns"][-1]["JobRunState"] == "STOPPED"
    from test_scheduler import Instant

    resumed = c.resume_workflow_run(Name="ev", RunId=run_id, NodeIds=[node["UniqueId"]],
                                    Executor=Instant())  # fmt: skip
    assert resumed["NodeIds"] == [node["UniqueId"]]
