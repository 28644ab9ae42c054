"""The ledger and the engine's one lifecycle: state transitions, work handed over only after its
row has committed, and the faults of run state that used to leave work stuck or lost."""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import (
    HeldExecutor,
    condition,
    make_workflow,
    other_owner,
    states,
    wait_for,
    wait_run,
)

import glue_nb
from glue_nb.client import GlueClient
from glue_nb.engine import Engine
from glue_nb.engine import driver as driver_module
from glue_nb.engine import supervisor as supervisor_module
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    IllegalWorkflowStateException,
    InternalServiceException,
    InvalidInputException,
)
from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.executors.instant import InstantExecutor
from glue_nb.states import (
    CrawlerState,
    JobRunState,
    TriggerState,
    WorkflowRunState,
    advance,
)
from glue_nb.store import Store, StoreDamagedError
from glue_nb.store.ledger import Ledger

W = WorkflowRunState


# -- the transition tables ------------------------------------------------------------------------
def test_every_final_state_is_final_and_every_state_has_a_row() -> None:
    for kind in (WorkflowRunState, JobRunState, CrawlerState, TriggerState):
        for state in kind:
            assert isinstance(state.final, bool)
    assert W.COMPLETED.final and not W.RUNNING.final
    assert JobRunState.SUCCEEDED.final and not JobRunState.STOPPING.final


def test_an_illegal_transition_names_the_entity_both_states_and_the_way_out() -> None:
    assert advance("RUNNING", W.STOPPING) is W.STOPPING
    with pytest.raises(IllegalWorkflowStateException, match=r"wr_1 .*COMPLETED.*STOPPING.*final"):
        advance("COMPLETED", W.STOPPING, what="workflow run wr_1")
    with pytest.raises(InvalidInputException, match=r"SUCCEEDED and cannot become RUNNING"):
        advance("SUCCEEDED", JobRunState.RUNNING)
    from glue_nb.exceptions import CrawlerNotRunningException, CrawlerStoppingException

    with pytest.raises(CrawlerNotRunningException):
        advance("READY", CrawlerState.STOPPING)
    with pytest.raises(CrawlerStoppingException):
        advance("STOPPING", CrawlerState.STOPPING)


def test_the_ledger_refuses_to_overwrite_a_final_state(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    run_id = client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    run = wait_run(client, "w", run_id)
    [jr] = [
        r for n in run["Graph"]["Nodes"] for r in (n.get("JobDetails") or {}).get("JobRuns", [])
    ]
    ledger = Ledger(client.store)
    before = sqlite3.connect(client.store.path).execute("SELECT * FROM job_runs").fetchall()
    with pytest.raises(IllegalWorkflowStateException):
        ledger.runs.set_status(run_id, W.RUNNING)
    with pytest.raises(InvalidInputException):
        ledger.job_runs.set_state(jr["Id"], JobRunState.FAILED)
    after = sqlite3.connect(client.store.path).execute("SELECT * FROM job_runs").fetchall()
    assert before == after
    assert client.get_workflow_run(Name="w", RunId=run_id)["Run"]["Status"] == "COMPLETED"


# -- work starts after its row has committed -------------------------------------------------------
class _Seeing(Executor):
    """Records, at each submit, what another connection (another process) sees of the task."""

    name = "seeing"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[str | None] = []
        self.inner = InstantExecutor()

    def submit(self, task: Task) -> Handle:
        other = sqlite3.connect(self.path)
        try:
            table, key = ("job_runs", "id") if task.kind == "notebook" else ("crawls", "crawl_id")
            row = other.execute(f"SELECT state FROM {table} WHERE {key}=?", (task.key,)).fetchone()
            self.seen.append(row[0] if row else None)
        finally:
            other.close()
        return self.inner.submit(task)


def test_work_is_handed_over_only_after_its_row_has_committed(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}, "b": {}}, start=["a"],
                  conditional=[("then", [condition("a")], "AND", ["b"])])  # fmt: skip
    seeing = _Seeing(client.store.path)
    wait_run(client, "w", client.start_workflow_run(Name="w", Executor=seeing)["RunId"])
    client.start_job_run(JobName="a", Executor=seeing)
    assert seeing.seen == ["RUNNING", "RUNNING", "RUNNING"]


def test_a_run_started_inside_a_transaction_starts_when_it_commits(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    engine = client.engine
    held = HeldExecutor()
    with client.store.transaction():
        run_id = engine.start_workflow_run("w", executor=held)
        time.sleep(0.2)
        assert held.handles == {}  # nothing runs before the commit
    wait_for(lambda: "a" in held.handles, 10, "the job handed over after the commit")
    held.finish("a")
    assert wait_run(client, "w", run_id)["Status"] == "COMPLETED"
    with pytest.raises(RuntimeError), client.store.transaction():  # a rolled-back start
        engine.start_workflow_run("w", executor=held)
        raise RuntimeError("rolled back")
    assert len(client.get_workflow_runs(Name="w")["Runs"]) == 1
    assert not engine.busy


# -- fault 1: an engine failure leaves no job locked out -----------------------------------------
def test_a_store_locked_mid_run_leaves_no_job_locked_out(
    home: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the store's write lock while a job ends: the driver cannot record
    it and fails; once the lock is released the run ends ERROR and its job run STOPPED, saying
    why, and the job can run again (before, it stayed RUNNING for good and every later start
    raised ConcurrentRunsExceededException)."""
    monkeypatch.setattr(supervisor_module, "REPAIR_EVERY", 0.5)
    client = glue_nb.client(home).nb
    client.store.timeout = 0.5  # the lock below outlasts it
    make_workflow(client, "w", {"a": {}}, start=["a"])
    held = HeldExecutor()
    run_id = client.start_workflow_run(Name="w", Executor=held)["RunId"]
    wait_for(lambda: "a" in held.handles, 10, "job a to start")
    locker = sqlite3.connect(client.store.path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        held.finish("a")  # the driver's write times out: the engine fails
        driver = client.engine.driver(run_id)
        assert driver is not None
        driver.join(10)
        assert not driver.is_alive()
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    run = wait_run(client, "w", run_id, timeout=20)
    assert run["Status"] == "ERROR" and "glue-nb engine error" in run["ErrorMessage"]
    assert states(run) == {"a": "STOPPED"}
    again = client.start_job_run(JobName="a", Executor=InstantExecutor())["JobRunId"]
    assert client.engine.wait(again, 10)
    assert client.get_job_run(JobName="a", RunId=again)["JobRun"]["JobRunState"] == "SUCCEEDED"


def test_a_symlinked_run_folder_fails_the_node_and_frees_the_job(
    client: GlueClient, tmp_path: Path
) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (client.home / "runs").mkdir(parents=True, exist_ok=True)
    (client.home / "runs" / "w").symlink_to(elsewhere)
    run = wait_run(client, "w", client.start_workflow_run(Name="w")["RunId"])
    assert run["Status"] == "COMPLETED" and states(run) == {"a": "FAILED"}
    [node] = [n for n in run["Graph"]["Nodes"] if n["Name"] == "a"]
    assert "outside the output root" in node["JobDetails"]["JobRuns"][0]["ErrorMessage"]
    assert list(elsewhere.iterdir()) == []  # nothing escaped
    with pytest.raises(InvalidInputException, match="symlink"):  # StartJobRun refuses it
        (client.home / "runs" / "_jobs").symlink_to(elsewhere)
        client.start_job_run(JobName="a")
    assert client.get_job_runs(JobName="a")["JobRuns"][0]["JobRunState"] == "FAILED"


def test_any_reader_ends_children_left_active_under_an_ended_run(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    run_id = client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    wait_run(client, "w", run_id)
    alive = other_owner(client.store)  # its owner is alive: only the run's end counts
    with client.store.transaction() as conn:  # what a crash of an older version left behind
        conn.execute(
            "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, state, "
            "started_on, last_modified_on, owner_token) "
            "VALUES ('jr_stuck', 'a', 'w', ?, 'RUNNING', 1, 1, ?)",
            (run_id, alive),
        )
    jr = client.get_job_run(JobName="a", RunId="jr_stuck")["JobRun"]
    assert jr["JobRunState"] == "STOPPED" and "had ended" in jr["ErrorMessage"]


# -- fault 3: a long-lived process does not grow with its runs -----------------------------------
class _Forgetful(InstantExecutor):
    def submit(self, task: Task) -> Handle:
        handle = super().submit(task)
        self.submitted.clear()
        return handle


def test_a_long_lived_process_does_not_grow_with_finished_runs(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}, "b": {}}, start=["a"],
                  conditional=[("then", [condition("a")], "AND", ["b"])])  # fmt: skip
    executor = _Forgetful()

    def runs(n: int) -> None:
        for _ in range(n):
            run_id = client.start_workflow_run(Name="w", Executor=executor)["RunId"]
            glue_nb.Run(client, "w", run_id).wait(progress=False, poll=0.01)

    runs(30)
    gc.collect()
    threads = threading.active_count()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        runs(150)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert growth / 150 < 1000, f"{growth / 150:.0f} bytes kept per finished run"  # was ~15 KB
    assert not client.engine.busy and client.engine.active_drivers() == []
    wait_for(lambda: threading.active_count() <= threads, 5, "the supervisor to go idle")


# -- fault 4: StartJobRun queues when the job allows it ------------------------------------------
def test_start_job_run_waits_for_a_slot_when_queuing_is_enabled(client: GlueClient) -> None:
    make_workflow(client, "w", {"q": {"JobRunQueuingEnabled": True}, "r": {}}, start=["q"])
    held = HeldExecutor()
    first = client.start_job_run(JobName="q", Executor=held)["JobRunId"]
    wait_for(lambda: "q" in held.handles)
    second = client.start_job_run(JobName="q", Executor=held)["JobRunId"]

    def state(run_id: str) -> str:
        return client.get_job_run(JobName="q", RunId=run_id)["JobRun"]["JobRunState"]

    assert state(second) == "WAITING"
    held.finish("q")
    wait_for(lambda: state(second) == "RUNNING", 10, "the queued run to start")
    held.finish("q")
    assert client.engine.wait(second, 10)
    assert (state(first), state(second)) == ("SUCCEEDED", "SUCCEEDED")
    # without queuing, Glue's error
    client.start_job_run(JobName="r", Executor=held)
    with pytest.raises(ConcurrentRunsExceededException):
        client.start_job_run(JobName="r", Executor=held)
    held.finish("r")


def test_a_queued_standalone_job_run_can_be_stopped_before_it_starts(client: GlueClient) -> None:
    make_workflow(client, "w", {"q": {"JobRunQueuingEnabled": True}}, start=["q"])
    held = HeldExecutor()
    client.start_job_run(JobName="q", Executor=held)
    wait_for(lambda: "q" in held.handles)
    second = client.start_job_run(JobName="q", Executor=held)["JobRunId"]
    client.batch_stop_job_run(JobName="q", JobRunIds=[second])
    assert client.engine.wait(second, 5)
    jr = client.get_job_run(JobName="q", RunId=second)["JobRun"]
    assert jr["JobRunState"] == "STOPPED" and "before it started" in jr["ErrorMessage"]
    held.finish("q")


# -- stops act at once in this process -------------------------------------------------------------
class _Timed(HeldExecutor):
    def __init__(self) -> None:
        super().__init__()
        self.stopped_at: dict[str, float] = {}

    def submit(self, task: Task) -> Handle:
        handle = super().submit(task)
        finish = handle.stop

        def stop() -> None:
            self.stopped_at[task.spec.job_name] = time.perf_counter()
            finish()

        handle.stop = stop  # type: ignore[method-assign]
        return handle


def test_a_stop_asked_in_this_process_acts_at_once(
    client: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the supervisor's poll, which alone used to act on stops, made slow enough to tell apart
    monkeypatch.setattr(supervisor_module, "STOP_POLL_EVERY", 10.0)
    make_workflow(client, "w", {"a": {}}, start=["a"])
    timed = _Timed()
    delays = []
    for _ in range(5):
        run_id = client.start_workflow_run(Name="w", Executor=timed)["RunId"]
        wait_for(lambda: "a" in timed.handles and timed.handles["a"].result is None)
        asked = time.perf_counter()
        client.stop_workflow_run(Name="w", RunId=run_id)
        wait_for(lambda: "a" in timed.stopped_at, 5, "the job to be stopped")
        delays.append(timed.stopped_at.pop("a") - asked)
        assert wait_run(client, "w", run_id)["Status"] == "STOPPED"
        timed.handles.clear()
    assert sorted(delays)[2] < 0.25, delays  # the median: about 1 ms on an idle machine


# -- fault 5: a damaged store says so --------------------------------------------------------------
def test_a_corrupt_store_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "h"
    Store(home).close()
    for suffix in ("-wal", "-shm"):
        (home / f"glue_nb.sqlite{suffix}").unlink(missing_ok=True)
    (home / "glue_nb.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreDamagedError, match=r"glue_nb\.sqlite cannot be read.*backup"):
        Store(home)


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_a_missing_or_emptied_store_is_not_recreated_empty(tmp_path: Path, damage: str) -> None:
    home = tmp_path / "h"
    c = glue_nb.client(home).nb
    c.create_workflow(Name="precious")
    path = home / "glue_nb.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if damage == "emptied":
        path.write_bytes(b"")
    with pytest.raises(StoreDamagedError, match=r"is (missing|empty).*would be lost"):
        Store(home)
    assert not path.exists() or path.stat().st_size == 0  # nothing was created in its place


def test_a_store_deleted_during_a_run_is_reported_not_completed(
    home: Path, clean_env: None
) -> None:
    client = glue_nb.client(home).nb
    make_workflow(client, "w", {"a": {}}, start=["a"])
    held = HeldExecutor()
    run_id = client.start_workflow_run(Name="w", Executor=held)["RunId"]
    wait_for(lambda: "a" in held.handles)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{client.store.path}{suffix}").unlink(missing_ok=True)
    held.finish("a")
    driver = client.engine.driver(run_id)
    if driver is not None:
        driver.join(10)
    with pytest.raises(InternalServiceException, match="deleted or replaced"):  # Glue's code
        client.get_workflow_run(Name="w", RunId=run_id)
    assert isinstance(StoreDamagedError("x"), InternalServiceException)  # Glue's code


# -- fault 9: one resumption of a run at a time ----------------------------------------------------
def test_a_run_is_resumed_once_at_a_time(client: GlueClient) -> None:
    ids = make_workflow(client, "w", {"a": {}}, start=["a"])
    run_id = client.start_workflow_run(Name="w", Executor=InstantExecutor({"a": "FAILED"}))["RunId"]
    wait_run(client, "w", run_id)
    held = HeldExecutor()
    first = client.resume_workflow_run(Name="w", RunId=run_id, NodeIds=[ids["a"]], Executor=held)
    with pytest.raises(IllegalWorkflowStateException, match="being resumed already"):
        client.resume_workflow_run(Name="w", RunId=run_id, NodeIds=[ids["a"]])
    wait_for(lambda: "a" in held.handles)
    held.finish("a")
    assert wait_run(client, "w", first["RunId"])["Status"] == "COMPLETED"
    again = client.resume_workflow_run(  # once that one has ended, it may be resumed again
        Name="w", RunId=run_id, NodeIds=[ids["a"]], Executor=InstantExecutor()
    )
    assert wait_run(client, "w", again["RunId"])["Status"] == "COMPLETED"


RESUME = """
import sys, time
import glue_nb
from glue_nb.exceptions import IllegalWorkflowStateException
c = glue_nb.client(sys.argv[1])
while time.time() < float(sys.argv[4]):
    time.sleep(0.001)
try:
    out = c.resume_workflow_run(Name="w", RunId=sys.argv[2], NodeIds=[sys.argv[3]])
    print("RESUMED", out["RunId"], flush=True)
    c.stop_workflow_run(Name="w", RunId=out["RunId"])
except IllegalWorkflowStateException as exc:
    print("REFUSED", exc.message, flush=True)
"""


@pytest.mark.kernel
def test_two_processes_resuming_one_run_at_once_one_wins(client: GlueClient) -> None:
    ids = make_workflow(client, "w", {"a": {"DefaultArguments": {"--sleep": "30"}}}, start=["a"])
    run_id = client.start_workflow_run(Name="w", Executor=InstantExecutor({"a": "FAILED"}))["RunId"]
    wait_run(client, "w", run_id)
    at = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RESUME, str(client.home), run_id, ids["a"], at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0].split()[0] for p in procs]
    assert sorted(outs) == ["REFUSED", "RESUMED"], outs


# -- legacy stores ---------------------------------------------------------------------------------
def test_a_version_6_store_with_a_run_of_a_dead_process_opens_and_reaps_it(
    tmp_path: Path,
) -> None:
    from importlib import resources

    from glue_nb.store import db

    home = tmp_path / "v6"
    home.mkdir()
    conn = sqlite3.connect(home / "glue_nb.sqlite")
    for steps in db.MIGRATIONS[:6]:
        for name in steps:
            assert isinstance(name, str)
            sql = resources.files("glue_nb.store").joinpath(name).read_text("utf-8")
            for statement in db._statements(sql):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 6")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = (
        f'{{"host": "{os.uname().nodename}", "pid": {dead.pid}, "create_time": 1.0, '
        '"token": "old-process"}'
    )
    conn.execute(
        "INSERT INTO workflows(name, body, created_on, last_modified_on) "
        "VALUES ('w', '{\"Name\": \"w\"}', 1, 1)"
    )
    conn.execute(
        "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, run_properties, "
        "design, owner, heartbeat_on) VALUES ('wr_old', 'w', 'RUNNING', 1, '{}', "
        "'{\"triggers\": []}', ?, 1)",
        (owner,),
    )
    conn.execute(
        "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, state, started_on, "
        "last_modified_on) VALUES ('jr_old', 'a', 'w', 'wr_old', 'RUNNING', 1, 1)"
    )
    conn.commit()
    conn.close()
    store = Store(home)
    assert Ledger(store).runs.get("wr_old")["owner_token"] == "old-process"
    assert Engine(store).reap_orphans() == ["wr_old"]
    ledger = Ledger(store)
    assert ledger.runs.status("wr_old") is W.STOPPED
    assert ledger.job_runs.get("jr_old")["state"] == "STOPPED"


def test_process_heartbeat_is_one_row(client: GlueClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run, job run and crawl of a process names its owner row; the row's heartbeat is
    refreshed while the process drives work."""
    monkeypatch.setattr(supervisor_module, "HEARTBEAT_EVERY", 0.1)
    make_workflow(client, "w", {"a": {}}, start=["a"])
    held = HeldExecutor()
    run_id = client.start_workflow_run(Name="w", Executor=held)["RunId"]
    wait_for(lambda: "a" in held.handles)
    ledger = Ledger(client.store)
    token = ledger.runs.get(run_id)["owner_token"]
    assert token == client.engine.owner_token
    first = ledger.owners.get(token)["heartbeat_on"]
    wait_for(lambda: ledger.owners.get(token)["heartbeat_on"] > first, 5, "a fresher heartbeat")
    held.finish("a")
    wait_run(client, "w", run_id)
    with client.store.read() as conn:
        tokens = {r[0] for r in conn.execute("SELECT owner_token FROM job_runs")}
    assert tokens == {token}


def test_a_stuck_job_run_can_always_be_cleared(client: GlueClient) -> None:
    """A job run whose owner (alive, on another host) never acts on a stop: a second stop
    after FORCE_STOP_AFTER seconds ends it STOPPED."""
    from glue_nb.engine.facade import FORCE_STOP_AFTER

    make_workflow(client, "w", {"a": {}}, start=["a"])
    owner = other_owner(client.store)
    with client.store.transaction() as conn:
        conn.execute(
            "INSERT INTO job_runs(id, job_name, state, started_on, last_modified_on, owner_token) "
            "VALUES ('jr_stuck', 'a', 'RUNNING', 1, 1, ?)",
            (owner,),
        )
    out = client.batch_stop_job_run(JobName="a", JobRunIds=["jr_stuck"])
    assert out["SuccessfulSubmissions"] == [{"JobName": "a", "JobRunId": "jr_stuck"}]
    again = client.batch_stop_job_run(JobName="a", JobRunIds=["jr_stuck"])
    assert "being stopped already" in again["Errors"][0]["ErrorDetail"]["ErrorMessage"]
    with client.store.transaction() as conn:  # the first stop was asked long ago
        conn.execute(
            "UPDATE job_runs SET last_modified_on = last_modified_on - ? WHERE id='jr_stuck'",
            (FORCE_STOP_AFTER + 1,),
        )
    assert client.batch_stop_job_run(JobName="a", JobRunIds=["jr_stuck"])["Errors"] == []
    jr = client.get_job_run(JobName="a", RunId="jr_stuck")["JobRun"]
    assert jr["JobRunState"] == "STOPPED" and "forced by a second stop" in jr["ErrorMessage"]


STOP_FROM_ELSEWHERE = """
import sys, time
import glue_nb
c = glue_nb.client(sys.argv[1])
c.stop_workflow_run(Name="w", RunId=sys.argv[2])
print(time.time(), flush=True)
"""


def test_a_stop_asked_by_another_process_acts_within_a_poll_period(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    timed = _Timed()
    run_id = client.start_workflow_run(Name="w", Executor=timed)["RunId"]
    wait_for(lambda: "a" in timed.handles)
    stopper = subprocess.run(
        [sys.executable, "-c", STOP_FROM_ELSEWHERE, str(client.home), run_id],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    asked = float(stopper.stdout.split()[-1])
    wait_for(lambda: "a" in timed.stopped_at, 5, "the job to be stopped")
    acted = time.time() - (time.perf_counter() - timed.stopped_at["a"])
    # within a poll period (plus slack for a loaded machine), well before the safety poll
    assert acted - asked < supervisor_module.STOP_POLL_EVERY + 2.0, acted - asked
    assert supervisor_module.STOP_POLL_EVERY + 2.0 < driver_module.SAFETY_POLL
    assert wait_run(client, "w", run_id)["Status"] == "STOPPED"


def test_io_records_of_a_run_and_of_a_resource(client: GlueClient) -> None:
    from glue_nb.store.io import IoRecord, IoRecords

    io = IoRecords(client.store)
    io.record("job", "jr_a", [IoRecord("read", "file", "/d/in_1.csv", size=3, digest="sha256:1"),
                              IoRecord("write", "partition", "db.t/k=1", version="2")])  # fmt: skip
    io.record("crawl", "cr_b", [IoRecord("write", "partition", "db.t/k=2")])
    io.record("job", "jr_c", [IoRecord("read", "partition", "db.t/k=1")])
    assert [r.resource for r in io.of_run("jr_a")] == ["/d/in_1.csv", "db.t/k=1"]
    under = io.touching("db.t/", prefix=True)
    assert {(r["run_key"], r["direction"]) for r in under} == {
        ("jr_a", "write"), ("cr_b", "write"), ("jr_c", "read"),
    }  # fmt: skip
    assert [r["run_key"] for r in io.touching("db.t/k=1", "read")] == ["jr_c"]
    assert io.touching("/d/in_", prefix=True)[0]["run_key"] == "jr_a"
    assert io.touching("/d/in%", prefix=True) == []  # LIKE's wildcards are plain characters
    with pytest.raises(ValueError):
        IoRecord("peek", "file", "/x")
