"""The scheduler in-process: cron fires, catch-up, the lease, event batches, folder watches.

Everything here ticks :class:`glue_nb.scheduler.Scheduler` with an injected clock and runs jobs
on in-process executors (no kernels), so no test sleeps for minutes.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import other_owner

import glue_nb
from glue_nb import scheduler as sched
from glue_nb.client import GlueClient
from glue_nb.events import FolderWatch, list_events, post_events, watch_folder
from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    InvalidInputException,
    OperationTimeoutException,
)
from glue_nb.executors import register_executor
from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.executors.instant import InstantExecutor
from glue_nb.jobs.spec import JobResult
from glue_nb.scheduler import Firing, Scheduler
from glue_nb.scheduler.lease import Lease

UTC = timezone.utc
DAY = 86400.0
# Wednesday 4 March 2026, 09:30 UTC; the daily schedule fires at 10:00.
T0 = datetime(2026, 3, 4, 9, 30, tzinfo=UTC).timestamp()
TEN = datetime(2026, 3, 4, 10, 0, tzinfo=UTC).timestamp()
DAILY = "cron(0 10 * * ? *)"


# -- executors without kernels -----------------------------------------------------------------
Instant = InstantExecutor  # every job SUCCEEDED at once


class _Held(Handle):
    def __init__(self, key: str, gate: threading.Event) -> None:
        self.key, self.gate = key, gate
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        def wait() -> None:
            while not (self.gate.wait(0.02) or self.stopped.is_set()):
                pass
            t = time.time()
            fn(JobResult(self.key, "STOPPED" if self.stopped.is_set() else "SUCCEEDED", t, t),
               None)  # fmt: skip

        threading.Thread(target=wait, daemon=True).start()


class Blocking(Executor):
    """Jobs run until :meth:`release` (or until stopped)."""

    name = "blocking"

    def __init__(self) -> None:
        self.gate = threading.Event()

    def submit(self, task: Task) -> Handle:
        return _Held(task.spec.job_run_id, self.gate)

    def release(self) -> None:
        self.gate.set()


class FailsFirst(Blocking):
    """The first job fails at once; the later ones run until :meth:`release` (or a stop)."""

    name = "fails-first"

    def __init__(self) -> None:
        super().__init__()
        self.submitted = 0

    def submit(self, task: Task) -> Handle:
        self.submitted += 1
        if self.submitted == 1:
            return Instant({task.spec.job_name: "FAILED"}).submit(task)
        return super().submit(task)


register_executor("test-instant", Instant)


# -- fixtures and helpers ------------------------------------------------------------------------
@pytest.fixture
def c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GlueClient:
    for var in ("GLUE_NB_JOB_CONTEXT", "GLUE_NB_HOME", "GLUE_NB_OUTPUT_ROOT",
                "GLUE_NB_SCHEDULER_CLOCK_SPEEDUP", "GLUE_NB_SCHEDULER_CLOCK_ORIGIN"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, str(tmp_path / "tiny.ipynb"))
    client = glue_nb.client(tmp_path / "home").nb
    command = {"Name": "notebook", "ScriptLocation": str(tmp_path / "tiny.ipynb")}
    client.create_job(Name="job", Command=command)
    return client


def scheduled(c: GlueClient, name: str = "wf", schedule: str = DAILY, **workflow: Any) -> str:
    c.create_workflow(Name=name, **workflow)
    c.create_trigger(Name=f"{name}-start", WorkflowName=name, Type="SCHEDULED",
                     Schedule=schedule, StartOnCreation=True,
                     Actions=[{"JobName": "job"}])  # fmt: skip
    return f"{name}-start"


def evented(c: GlueClient, name: str = "ev", size: int = 1, window: int = 900, **wf: Any) -> str:
    c.create_workflow(Name=name, **wf)
    c.create_trigger(Name=f"{name}-start", WorkflowName=name, Type="EVENT",
                     EventBatchingCondition={"BatchSize": size, "BatchWindow": window},
                     Actions=[{"JobName": "job"}])  # fmt: skip
    return f"{name}-start"


def runs(c: GlueClient, name: str) -> list[dict[str, Any]]:
    return sorted(c.get_workflow_runs(Name=name)["Runs"], key=lambda r: r["StartedOn"])


def fires(c: GlueClient) -> list[tuple]:
    conn = sqlite3.connect(c.store.path)
    try:
        return conn.execute(
            "SELECT trigger_name, fire_time, kind, run_id, missed FROM trigger_fires "
            "ORDER BY fire_time"
        ).fetchall()
    finally:
        conn.close()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def settle(c: GlueClient, name: str) -> list[dict[str, Any]]:
    """Runs of ``name`` once none is RUNNING any more."""

    def done() -> list[dict[str, Any]] | None:
        rs = runs(c, name)
        return rs if rs and all(r["Status"] not in ("RUNNING", "STOPPING") for r in rs) else None

    return wait_for(done)


def make(c: GlueClient, **kw: Any) -> Scheduler:
    kw.setdefault("executor", Instant())
    kw.setdefault("clock", lambda: T0)
    return Scheduler(c, **kw)


def seen_at(c: GlueClient, t: float) -> None:
    """A scheduler that ticked at ``t`` and then stopped (its process ended)."""
    s = make(c)
    s.tick(t)
    s.release()


# -- cron fires ----------------------------------------------------------------------------------
def test_fires_once_at_each_fire_time(c: GlueClient) -> None:
    trigger = scheduled(c)
    s = make(c)
    assert s.tick(T0) == []  # first sight: scheduled from now on
    assert s.tick(TEN - 1) == []
    [firing] = s.tick(TEN + 0.5)
    assert (firing.kind, firing.trigger, firing.fire_time, firing.status) == (
        "scheduled", trigger, TEN, "RUNNING",
    )  # fmt: skip
    assert s.tick(TEN + 5) == []
    assert s.tick(TEN + 3600) == []
    [second] = s.tick(datetime(2026, 3, 5, 10, 0, 2, tzinfo=UTC))
    assert second.fire_time == TEN + DAY
    done = settle(c, "wf")
    assert [r["Status"] for r in done] == ["COMPLETED", "COMPLETED"]
    assert [f[3] for f in fires(c)] == [firing.run_id, second.run_id]
    assert {r["WorkflowRunId"] for r in done} == {firing.run_id, second.run_id}
    assert "StartingEventBatchCondition" not in done[0]


def test_a_restarted_scheduler_makes_one_catch_up_run(c: GlueClient) -> None:
    scheduled(c)
    first = make(c)
    first.tick(T0)
    first.tick(TEN + 1)
    first.release()  # the process ends; three daily fires pass
    second = make(c)
    [catch_up] = second.tick(TEN + 3 * DAY + 5 * 3600)
    assert catch_up.kind == "catch-up"
    assert catch_up.fire_time == TEN + 3 * DAY  # the latest missed fire
    assert catch_up.missed == 3
    assert second.tick(TEN + 3 * DAY + 5 * 3600 + 1) == []
    assert second.tick(TEN + 4 * DAY - 1) == []
    [regular] = second.tick(TEN + 4 * DAY + 1)
    assert regular.kind == "scheduled"
    assert [f[2] for f in fires(c)] == ["scheduled", "catch-up", "scheduled"]
    assert len(settle(c, "wf")) == 3


def test_catch_up_none_skips_missed_fires(c: GlueClient) -> None:
    scheduled(c)
    seen_at(c, T0)
    s = make(c, catch_up="none")
    assert s.tick(T0 + 2 * DAY) == []
    assert runs(c, "wf") == []
    [regular] = s.tick(TEN + 2 * DAY + 1)
    assert regular.kind == "scheduled"
    with pytest.raises(InvalidInputException, match="catch_up"):
        Scheduler(c, catch_up="all")


def test_a_fire_that_comes_due_at_restart_is_one_catch_up(c: GlueClient) -> None:
    scheduled(c)
    seen_at(c, T0)
    s = make(c)
    [only] = s.tick(TEN + 2 * DAY + 10)  # fires of day 0, 1 and 2 all passed unticked
    assert (only.kind, only.fire_time, only.missed) == ("catch-up", TEN + 2 * DAY, 3)
    assert len(runs(c, "wf")) == 1


def test_a_late_tick_is_a_catch_up_and_a_long_sleep_fires_once(c: GlueClient) -> None:
    scheduled(c)
    s = make(c, grace=60)
    s.tick(T0)
    [late] = s.tick(TEN + 61)  # the machine slept over 10:00
    assert late.kind == "catch-up"
    s.tick(TEN + 100)
    [after_sleep] = s.tick(TEN + 5 * DAY + 30)
    assert (after_sleep.kind, after_sleep.missed) == ("scheduled", 4)
    assert len(runs(c, "wf")) == 2


def test_deactivated_triggers_do_not_fire_and_restart_afresh(c: GlueClient) -> None:
    trigger = scheduled(c)
    s = make(c)
    s.tick(T0)
    c.stop_trigger(Name=trigger)
    assert s.tick(TEN + 1) == []
    assert s.tick(TEN + DAY + 1) == []
    c.start_trigger(Name=trigger)
    assert s.tick(TEN + 2 * DAY - 60) == []  # seen ACTIVATED again: scheduled from now
    [regular] = s.tick(TEN + 2 * DAY + 1)
    assert regular.kind == "scheduled"
    assert len(runs(c, "wf")) == 1


def test_created_triggers_wait_for_start_trigger(c: GlueClient) -> None:
    c.create_workflow(Name="wf")
    c.create_trigger(Name="later", WorkflowName="wf", Type="SCHEDULED", Schedule=DAILY,
                     Actions=[{"JobName": "job"}])  # fmt: skip
    assert c.get_trigger(Name="later")["Trigger"]["State"] == "CREATED"
    s = make(c)
    s.tick(T0)
    assert s.tick(TEN + 1) == []
    c.start_trigger(Name="later")
    s.tick(TEN + 2)
    assert [f.kind for f in s.tick(TEN + DAY + 1)] == ["scheduled"]


def test_a_new_schedule_is_scheduled_from_now(c: GlueClient) -> None:
    trigger = scheduled(c)
    s = make(c)
    s.tick(T0)
    c.update_trigger(Name=trigger, TriggerUpdate={"Schedule": "cron(30 9 * * ? *)"})
    assert s.tick(TEN + 1) == []  # 10:00 is not in the new schedule; 09:30 was before
    [fire] = s.tick(TEN + DAY - 1800 + 1)
    assert fire.fire_time == TEN + DAY - 1800


def test_beyond_max_concurrent_runs_an_error_run_is_recorded(c: GlueClient) -> None:
    scheduled(c, MaxConcurrentRuns=1)
    blocking = Blocking()
    s = make(c, executor=blocking)
    s.tick(T0)
    [first] = s.tick(TEN + 1)
    [second] = s.tick(TEN + DAY + 1)
    assert (first.status, second.status) == ("RUNNING", "ERROR")
    assert second.error == "Concurrent runs exceeded for workflow: wf."
    run = c.get_workflow_run(Name="wf", RunId=second.run_id)["Run"]
    assert run["Status"] == "ERROR"
    assert run["ErrorMessage"] == "Concurrent runs exceeded for workflow: wf."
    assert [f[3] for f in fires(c)] == [first.run_id, second.run_id]
    blocking.release()
    assert [r["Status"] for r in settle(c, "wf")] == ["COMPLETED", "ERROR"]


def test_a_scheduler_given_a_path_joins_the_engine_of_the_store(c: GlueClient) -> None:
    """The run's start must join the fire's transaction (same Store object), not wait for it."""
    scheduled(c)
    engine = c.engine  # the engine of this store already exists, on the client's Store
    s = Scheduler(c.home, executor=Instant(), clock=lambda: T0)
    assert s.store is engine.store
    s.tick(T0)
    started = time.monotonic()
    assert len(s.tick(TEN + 1)) == 1
    assert time.monotonic() - started < 5


def test_a_start_that_cannot_be_made_is_recorded_once_and_a_locked_store_is_retried(
    c: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled(c)
    s = make(c, executor="no-such-executor")
    s.tick(T0)
    [firing] = s.tick(TEN + 1)
    assert firing.run_id is None and firing.error.startswith("InvalidInputException")
    assert s.tick(TEN + 2) == []  # not retried every tick
    assert sched.fire_history(c)[0]["ErrorMessage"] == firing.error
    s.executor = Instant()
    real = s.engine.start_workflow_run
    calls = []

    def locked_once(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OperationTimeoutException("store stayed locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(s.engine, "start_workflow_run", locked_once)
    assert s.tick(TEN + DAY + 1) == []  # rolled back: no fire recorded
    [retried] = s.tick(TEN + DAY + 2)
    assert (retried.fire_time, retried.kind) == (TEN + DAY, "scheduled") and retried.run_id


# -- the lease -----------------------------------------------------------------------------------
def test_only_the_lease_holder_fires_and_a_standby_takes_over(c: GlueClient) -> None:
    scheduled(c)
    a, b = make(c, lease_ttl=60), make(c, lease_ttl=60)
    a.tick(T0)
    assert b.tick(T0) == [] and not b.holds_lease
    assert len(a.tick(TEN + 1)) == 1
    assert b.tick(TEN + 2) == []
    # a stalls past its lease; b takes over, fires the next day; a never fires again
    conn = sqlite3.connect(c.store.path)
    conn.execute("UPDATE scheduler_lease SET expires=0")
    conn.commit()
    conn.close()
    [taken] = b.tick(TEN + DAY + 1)
    assert b.holds_lease and taken.kind == "catch-up"  # b was not ticking as holder before
    a.lease.renew_at = 0  # a wakes up and wants to renew
    assert a.tick(TEN + DAY + 2) == [] and not a.holds_lease
    assert len(runs(c, "wf")) == 2


def tick_in_lock_step(*schedulers: Scheduler) -> list[Firing]:
    """Tick the schedulers at once, each in its own thread, through an hour of 5-minute fires
    after T0; → every firing they made (an error in any thread fails the test)."""
    errors: list[BaseException] = []
    out: list[Firing] = []

    def ticking(s: Scheduler) -> None:
        try:
            for i in range(1, 13):
                out.extend(s.tick(T0 + i * 300 + 1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ticking, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return out


def test_no_double_fire_even_when_two_schedulers_both_think_they_hold_the_lease(
    c: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease can be lost half-way (a paused process): the fire record still decides."""
    scheduled(c, schedule="cron(0/5 * * * ? *)")
    monkeypatch.setattr(Lease, "ensure", lambda self: True)
    monkeypatch.setattr(Lease, "still_held", lambda self: True)
    a, b = make(c), make(c)
    a.tick(T0)
    b.tick(T0)
    tick_in_lock_step(a, b)
    rows = fires(c)
    assert len(rows) == len({r[1] for r in rows}) == 12
    assert len(runs(c, "wf")) == 12
    assert len(a.run_ids) + len(b.run_ids) == 12


def test_a_lease_held_by_a_dead_process_is_taken_over_at_once(c: GlueClient) -> None:
    import psutil

    scheduled(c)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    created = psutil.Process(proc.pid).create_time()
    proc.wait()
    conn = sqlite3.connect(c.store.path)
    info = {"host": __import__("socket").gethostname(), "pid": proc.pid, "create_time": created}
    conn.execute(
        "INSERT INTO scheduler_lease VALUES ('default', 'dead', ?, 0, 0, ?)",
        (json.dumps(info), time.time() + 3600),
    )
    conn.commit()
    conn.close()
    s = make(c)
    s.tick(T0)
    assert s.holds_lease
    s.release()
    assert sched.status(c)["Lease"] is None


# -- events ----------------------------------------------------------------------------------------
def test_a_batch_closes_when_its_size_is_reached(c: GlueClient) -> None:
    trigger = evented(c, size=3)
    s = make(c)
    ids = [c.notify_event(WorkflowName="ev", Detail={"n": i})["EventId"] for i in range(2)]
    assert s.tick(time.time()) == []
    ids.append(c.notify_event(WorkflowName="ev", Detail={"n": 2})["EventId"])
    [firing] = s.tick(time.time())
    assert (firing.kind, firing.trigger, firing.event_ids) == ("event-batch", trigger, ids)
    [run] = settle(c, "ev")
    assert run["StartingEventBatchCondition"] == {"BatchSize": 3, "BatchWindow": 0}
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == ids
    events = c.get_workflow_events(WorkflowName="ev")["Events"]
    assert [(e["EventId"], e["RunId"]) for e in events] == [(i, run["WorkflowRunId"]) for i in ids]
    assert c.get_workflow_events(WorkflowName="ev", Pending=True)["Events"] == []


def test_many_events_make_several_full_batches_and_one_waits(c: GlueClient) -> None:
    evented(c, size=3, window=60)
    t = 1_000_000.0
    post_events(c.store, "ev", [{"Detail": {"n": i}} for i in range(7)], now=t)
    s = make(c)
    batches = s.tick(t + 1)
    assert [len(f.event_ids) for f in batches] == [3, 3]
    assert len(list_events(c.store, "ev", pending=True)) == 1
    # the window of what is left restarts when the previous batch closed (as in Glue)
    assert s.tick(t + 60) == []
    [last] = s.tick(t + 61)
    assert last.condition == {"BatchSize": 0, "BatchWindow": 60}
    assert len(settle(c, "ev")) == 3


def test_a_batch_closes_when_its_window_expires(c: GlueClient) -> None:
    evented(c, size=5, window=60)
    t = 2_000_000.0
    s = make(c)
    first = post_events(c.store, "ev", [{"EventId": "e1"}], now=t)
    post_events(c.store, "ev", [{"EventId": "e2"}], now=t + 30)
    assert first == [{"EventId": "e1", "Duplicate": False}]
    assert s.tick(t + 59) == []
    [firing] = s.tick(t + 60)
    assert firing.condition == {"BatchSize": 0, "BatchWindow": 60}
    assert firing.event_ids == ["e1", "e2"]
    [run] = settle(c, "ev")
    assert run["StartingEventBatchCondition"] == {"BatchSize": 0, "BatchWindow": 60}
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == ["e1", "e2"]


def test_events_survive_restarts_and_no_batch_starts_twice(
    c: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    evented(c, size=2)
    post_events(c.store, "ev", [{"EventId": "a"}, {"EventId": "b"}, {"EventId": "c"}], now=10.0)
    monkeypatch.setattr(Lease, "ensure", lambda self: True)
    monkeypatch.setattr(Lease, "still_held", lambda self: True)
    a, b = make(c), make(c)  # both believe they hold the lease
    out: list[list] = []
    threads = [threading.Thread(target=lambda s=s: out.append(s.tick(20.0))) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batches = [f.event_ids for result in out for f in result]
    assert batches == [["a", "b"]]
    assert [e["EventId"] for e in list_events(c.store, "ev", pending=True)] == ["c"]
    assert len(runs(c, "ev")) == 1


def test_an_event_batch_beyond_max_concurrent_runs_is_an_error_run(c: GlueClient) -> None:
    evented(c, size=1, MaxConcurrentRuns=1)
    blocking = Blocking()
    s = make(c, executor=blocking)
    c.notify_event(WorkflowName="ev", EventId="one")
    c.notify_event(WorkflowName="ev", EventId="two")
    first, second = s.tick(time.time())
    assert (first.status, second.status) == ("RUNNING", "ERROR")
    run = c.get_workflow_run(Name="ev", RunId=second.run_id)["Run"]
    assert run["ErrorMessage"] == "Concurrent runs exceeded for workflow: ev."
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == ["two"]
    blocking.release()
    settle(c, "ev")


def test_notify_event_checks_its_input(c: GlueClient) -> None:
    scheduled(c)
    evented(c)
    with pytest.raises(EntityNotFoundException):
        c.notify_event(WorkflowName="nope")
    with pytest.raises(InvalidInputException, match="SCHEDULED start trigger"):
        c.notify_event(WorkflowName="wf")
    with pytest.raises(InvalidInputException, match="256 KiB"):
        c.notify_event(WorkflowName="ev", Detail={"x": "y" * 300_000})
    with pytest.raises(InvalidInputException, match="JSON"):
        c.notify_event(WorkflowName="ev", Detail="{not json")
    with pytest.raises(InvalidInputException, match="JSON object"):
        c.notify_event(WorkflowName="ev", Detail=[1, 2])
    first = c.notify_event(WorkflowName="ev", EventId="id-1", Detail='{"k": 1}')
    again = c.notify_event(WorkflowName="ev", EventId="id-1", Detail={"k": 2})
    assert (first["EventId"], first["Duplicate"], again["Duplicate"]) == ("id-1", False, True)
    [event] = c.get_workflow_events(WorkflowName="ev", Pending=True)["Events"]
    assert event["Detail"] == {"k": 1} and event.get("RunId") is None  # null: left out
    evented(c, name="ev2")
    with pytest.raises(AlreadyExistsException):
        c.notify_event(WorkflowName="ev2", EventId="id-1")
    with pytest.raises(InvalidInputException, match="EVENT cannot be started"):
        c.start_trigger(Name="ev-start")
    with pytest.raises(InvalidInputException, match="EVENT cannot be stopped"):
        c.stop_trigger(Name="ev-start")


# -- folder watches ------------------------------------------------------------------------------
def test_a_folder_watch_turns_new_files_into_events(c: GlueClient, tmp_path: Path) -> None:
    evented(c, size=1)
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "old.csv").write_text("present before the first watch\n")
    watch = watch_folder("ev", folder, home=c.store, rescan_every=None)
    try:
        assert "watching" in repr(watch)
        (folder / "a.csv").write_text("1\n")
        wait_for(lambda: len(list_events(c.store, "ev")) == 1)
        (folder / "b.csv.tmp").write_text("2\n")  # ignored until renamed
        (folder / "b.csv.tmp").rename(folder / "b.csv")
        (folder / "sub").mkdir()
        (folder / "sub" / "c.csv").write_text("3\n")
        events = wait_for(lambda: (e := list_events(c.store, "ev")) and len(e) == 3 and e)
    finally:
        watch.stop()
    keys = [e["Detail"]["object"]["key"] for e in events]
    assert keys == ["a.csv", "b.csv", "sub/c.csv"]
    assert events[0]["Source"] == "glue-nb.folder"
    assert events[0]["DetailType"] == "Object Created"
    assert events[0]["Detail"]["path"] == str(folder / "a.csv")
    # files arriving while nothing watches are posted when watching starts again, once
    (folder / "d.csv").write_text("4\n")
    again = FolderWatch(c.store, "ev", folder, rescan_every=None)
    assert again.scan() == 1
    assert again.scan() == 0
    s = make(c)
    fired = s.tick(time.time())
    assert [f.event_ids for f in fired] == [[e["EventId"]] for e in list_events(c.store, "ev")]
    assert len(settle(c, "ev")) == 4


def test_watching_needs_an_event_workflow(c: GlueClient, tmp_path: Path) -> None:
    scheduled(c)
    with pytest.raises(InvalidInputException, match="Type EVENT"):
        watch_folder("wf", tmp_path / "x", home=c.store)
    with pytest.raises(InvalidInputException, match="Type EVENT"):
        Scheduler(c, watch={"wf": tmp_path}).check()


def test_a_scheduler_watches_folders_while_it_holds_the_lease(
    c: GlueClient, tmp_path: Path
) -> None:
    evented(c, size=1)
    folder = tmp_path / "in"
    s = make(c, watch={"ev": folder})
    s.tick(time.time())
    assert [w.folder for w in s.watches] == [folder]
    (folder / "x.json").write_text("{}")
    wait_for(lambda: list_events(c.store, "ev"))
    assert len(s.tick(time.time())) == 1
    s.release()
    assert s.watches == []


# -- background, main, queries ---------------------------------------------------------------------
def test_background_scheduler(c: GlueClient) -> None:
    evented(c, size=1)
    bg = sched.start_background(c, tick=0.05, executor=Instant())
    try:
        assert sched.start_background(c) is bg
        assert sched.background(c) is bg
        wait_for(lambda: bg.scheduler.holds_lease)
        assert "running, holds the lease" in repr(bg)
        c.notify_event(WorkflowName="ev", EventId="e")
        wait_for(lambda: runs(c, "ev"))
        wait_for(lambda: bg.firings)
        assert "'ev' event-batch" in repr(bg)
    finally:
        assert sched.stop_background(c) == [bg]
    assert not bg.running and "stopped" in repr(bg)
    assert sched.status(c)["Lease"] is None
    settle(c, "ev")


def test_main_once_fires_what_is_due_and_waits(c: GlueClient) -> None:
    evented(c, size=2)
    c.notify_event(WorkflowName="ev", EventId="1")
    c.notify_event(WorkflowName="ev", EventId="2")
    code = sched.main(c.home, once=True, executor="test-instant", log_level="WARNING")
    assert code == 0
    [run] = runs(c, "ev")
    assert run["Status"] == "COMPLETED"
    assert sched.cli(["--home", str(c.home), "--once", "--watch", "nope"]) == 2
    with pytest.raises(InvalidInputException, match="WORKFLOW=PATH"):
        sched.main(c.home, once=True, watch=["nope"])


def test_next_fires_status_and_history(c: GlueClient) -> None:
    trigger = scheduled(c)
    evented(c, size=4)
    after = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert sched.next_fires(c, "wf", 2, now=after) == [
        datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 6, 10, 0, tzinfo=UTC),
    ]
    assert sched.next_fires(c.home, "wf", 1, now=after.timestamp())[0].day == 5
    with pytest.raises(InvalidInputException, match="EVENT start trigger"):
        sched.next_fires(c, "ev", 3)
    with pytest.raises(EntityNotFoundException):
        sched.next_fires(c, "missing", 3)
    s = make(c)
    s.tick(T0)
    s.tick(TEN + 1)
    c.notify_event(WorkflowName="ev")
    info = sched.status(c, now=T0)
    assert info["Lease"]["Active"] is True
    rows = {r["TriggerName"]: r for r in info["Triggers"]}
    assert rows[trigger]["NextFire"] == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert rows["ev-start"]["PendingEvents"] == 1
    [fired] = sched.fire_history(c, "wf")
    assert fired["Kind"] == "scheduled" and fired["FireTime"].hour == 10
    settle(c, "wf")


# -- standalone scheduled triggers (no workflow) -------------------------------------------------
@pytest.fixture
def activate_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[float | None], None]:
    """Set the activation time (schedule clock) that triggers entering ACTIVATED get; until set,
    the wall clock, which is ahead of T0: the scheduler then counts it as its first sight."""
    import glue_nb.definitions

    at: list[float | None] = [None]
    real = glue_nb.definitions.activation_time
    monkeypatch.setattr(
        glue_nb.definitions, "activation_time", lambda: real() if at[0] is None else at[0]
    )

    def set_at(t: float | None) -> None:
        at[0] = t

    return set_at


def with_crawler(c: GlueClient) -> str:
    """A crawler over a folder with one small CSV file (into database ``db``)."""
    data = Path(c.home).parent / "data" / "sales"
    data.mkdir(parents=True)
    (data / "part-0.csv").write_text("id,amount\n1,9.5\n2,3.25\n")
    c.create_database(DatabaseInput={"Name": "db"})
    c.create_crawler(Name="crawl", Targets={"S3Targets": [{"Path": str(data.parent)}]},
                     DatabaseName="db")  # fmt: skip
    return "crawl"


def standalone(
    c: GlueClient, name: str = "solo", schedule: str = DAILY, *, crawler: bool = False
) -> str:
    actions: list[dict[str, Any]] = [
        {"JobName": "job", "Arguments": {"--label": "nightly"}, "Timeout": 7}
    ]
    if crawler:
        actions.append({"CrawlerName": with_crawler(c)})
    c.create_trigger(Name=name, Type="SCHEDULED", Schedule=schedule, StartOnCreation=True,
                     Actions=actions)  # fmt: skip
    return name


def count(c: GlueClient, sql: str, *args: Any) -> int:
    conn = sqlite3.connect(c.store.path)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def test_a_standalone_trigger_starts_its_job_and_crawl_once_per_fire_time(
    c: GlueClient,
) -> None:
    trigger = standalone(c, crawler=True)
    instant = Instant()
    s = make(c, executor=instant)
    assert s.tick(T0) == []
    assert s.tick(TEN - 1) == []
    [firing] = s.tick(TEN + 0.5)
    assert (firing.kind, firing.workflow, firing.trigger, firing.fire_time) == (
        "scheduled", None, trigger, TEN,
    )  # fmt: skip
    assert (firing.run_id, firing.status, firing.error) == (None, "RUNNING", None)
    job_entry, crawl_entry = firing.started
    assert job_entry["JobName"] == "job" and job_entry["JobRunId"].startswith("jr_")
    assert crawl_entry["CrawlerName"] == "crawl" and crawl_entry["CrawlId"].startswith("cr_")
    assert "trigger 'solo' (no workflow): scheduled fire" in firing.describe()
    assert job_entry["JobRunId"] in firing.describe()
    # the job run: a standalone StartJobRun with the action's Arguments and Timeout
    assert c.engine.wait(job_entry["JobRunId"], timeout=30)
    job_run = c.get_job_run(JobName="job", RunId=job_entry["JobRunId"])["JobRun"]
    assert job_run["JobRunState"] == "SUCCEEDED"
    assert job_run["Arguments"]["--label"] == "nightly"
    assert job_run["Timeout"] == 7
    assert job_run["TriggerName"] == trigger
    assert "WorkflowName" not in job_run or job_run["WorkflowName"] is None
    notebooks = [t for t in instant.submitted if t.kind == "notebook"]
    assert [t.spec.job_run_id for t in notebooks] == [job_entry["JobRunId"]]
    # the crawl: StartCrawler, run in a thread of the scheduler's process
    crawler = c.crawlers.wait_for_crawler("crawl", timeout=30)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert c.get_table(DatabaseName="db", Name="sales")["Table"]["Name"] == "sales"
    assert count(c, "SELECT COUNT(*) FROM crawls WHERE crawl_id=? AND state='SUCCEEDED'",
                 crawl_entry["CrawlId"]) == 1  # fmt: skip
    # never twice for one fire time; the next day's fire starts both again
    assert s.tick(TEN + 5) == []
    assert s.tick(TEN + 3600) == []
    [second] = s.tick(TEN + DAY + 1)
    assert second.fire_time == TEN + DAY and len(second.started) == 2
    c.crawlers.wait_for_crawler("crawl", timeout=30)
    assert s.wait_runs(timeout=30)  # the second fire's job run too
    assert count(c, "SELECT COUNT(*) FROM job_runs WHERE job_name='job'") == 2
    assert count(c, "SELECT COUNT(*) FROM crawls WHERE crawler_name='crawl'") == 2
    assert count(c, "SELECT COUNT(*) FROM workflow_runs") == 0
    rows = fires(c)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (trigger, TEN, "scheduled", None),
        (trigger, TEN + DAY, "scheduled", None),
    ]
    [newest, oldest] = sched.fire_history(c, trigger=trigger)
    assert newest["WorkflowName"] is None and newest["RunId"] is None
    assert oldest["Started"] == [
        {"JobName": "job", "JobRunId": job_entry["JobRunId"]},
        {"CrawlerName": "crawl", "CrawlId": crawl_entry["CrawlId"]},
    ]
    assert oldest["ErrorMessage"] is None
    assert s.active_runs() == []


def test_two_schedulers_never_double_fire_a_standalone_trigger(
    c: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    standalone(c, schedule="cron(0/5 * * * ? *)")
    # 12 fire times pass in moments here: their job runs may overlap
    job = c.get_job(JobName="job")["Job"]
    update = {"Command": job["Command"], "ExecutionProperty": {"MaxConcurrentRuns": 12}}
    c.update_job(JobName="job", JobUpdate=update)
    monkeypatch.setattr(Lease, "ensure", lambda self: True)
    monkeypatch.setattr(Lease, "still_held", lambda self: True)
    a, b = make(c), make(c)
    a.tick(T0)
    b.tick(T0)
    out = tick_in_lock_step(a, b)
    rows = fires(c)
    assert len(rows) == len({r[1] for r in rows}) == 12
    assert len(out) == 12
    job_runs = [f.started[0]["JobRunId"] for f in out]
    assert len(set(job_runs)) == 12
    assert count(c, "SELECT COUNT(*) FROM job_runs WHERE job_name='job'") == 12
    assert all(f.started[0].get("ErrorMessage") is None for f in out)


def test_a_restarted_scheduler_catches_up_a_standalone_trigger_once(c: GlueClient) -> None:
    trigger = standalone(c)
    first = make(c)
    first.tick(T0)
    [regular] = first.tick(TEN + 1)
    first.release()  # the process ends; three daily fires pass
    second = make(c)
    [catch_up] = second.tick(TEN + 3 * DAY + 5 * 3600)
    assert (catch_up.kind, catch_up.fire_time, catch_up.missed) == ("catch-up", TEN + 3 * DAY, 3)
    assert catch_up.workflow is None and len(catch_up.started) == 1
    assert "3 fire(s) missed, one catch-up run" in catch_up.describe()
    assert second.tick(TEN + 3 * DAY + 5 * 3600 + 1) == []
    second.release()
    # restarted again, with catch_up="none": missed fires start nothing
    third = make(c, catch_up="none")
    assert third.tick(TEN + 6 * DAY + 60) == []
    [on_time] = third.tick(TEN + 7 * DAY + 1)
    assert on_time.kind == "scheduled"
    assert [r[2] for r in fires(c)] == ["scheduled", "catch-up", "scheduled"]
    job_runs = c.get_job_runs(JobName="job")["JobRuns"]
    assert len(job_runs) == 3
    assert {r["Id"] for r in job_runs} == {
        f.started[0]["JobRunId"] for f in (regular, catch_up, on_time)
    }
    assert [h["Kind"] for h in sched.fire_history(c, trigger=trigger)] == [
        "scheduled", "catch-up", "scheduled",
    ]  # fmt: skip


def test_a_busy_job_or_running_crawler_does_not_crash_the_tick(c: GlueClient) -> None:
    trigger = standalone(c, crawler=True)
    blocking = Blocking()
    s = make(c, executor=blocking)
    s.tick(T0)
    [first] = s.tick(TEN + 1)
    job_run = first.started[0]["JobRunId"]
    assert first.started[0]["JobRunState"] == "RUNNING"
    c.crawlers.wait_for_crawler("crawl", timeout=30)
    busy_crawl, _ = c.crawlers.begin_crawl("crawl", owner_token=other_owner(c.store))  # busy
    [second] = s.tick(TEN + DAY + 1)  # the job is at MaxConcurrentRuns=1, the crawler RUNNING
    job, crawl = second.started
    assert job["JobRunState"] == "FAILED" and job["JobRunId"] != job_run
    assert job["ErrorMessage"].startswith("ConcurrentRunsExceededException")
    failed = c.get_job_run(JobName="job", RunId=job["JobRunId"])["JobRun"]
    assert failed["JobRunState"] == "FAILED"
    assert "exceeded its maximum allowed concurrent runs (1)" in failed["ErrorMessage"]
    assert failed["Arguments"]["--label"] == "nightly"
    assert crawl["CrawlId"] is None
    assert crawl["ErrorMessage"].startswith("CrawlerRunningException")
    assert second.status == "ERROR"  # nothing of it could start
    assert "job 'job'" in second.error and "crawler 'crawl'" in second.error
    assert c.get_crawler(Name="crawl")["Crawler"]["State"] == "RUNNING"  # left alone
    assert s.tick(TEN + DAY + 2) == []  # recorded: not retried every tick
    [history] = sched.fire_history(c, trigger=trigger, limit=1)
    assert history["ErrorMessage"] == second.error
    assert history["Started"][1] == {"CrawlerName": "crawl", "CrawlId": None,
                                     "ErrorMessage": crawl["ErrorMessage"]}  # fmt: skip
    # the scheduler stops what it started (the first fire's job run) and waits for it
    assert s.active_runs() == [job_run]
    assert s.stop_runs() == [job_run]
    assert s.wait_runs(timeout=10)
    assert c.get_job_run(JobName="job", RunId=job_run)["JobRun"]["JobRunState"] == "STOPPED"
    c.crawlers.finish_crawl(busy_crawl, {"State": "CANCELLED"})


# -- what the scheduler started: followed through the engine and the ledger ----------------------
def ended_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if " ended " in r.getMessage()]


def test_the_end_of_a_run_it_started_is_logged_once(
    c: GlueClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="glue_nb")
    scheduled(c)
    blocking = Blocking()
    s = make(c, executor=blocking)
    s.tick(T0)
    [firing] = s.tick(TEN + 1)
    assert s.active_runs() == [firing.run_id]  # its driver (the engine's) is going
    assert ended_lines(caplog) == []
    blocking.release()
    assert s.wait_runs(timeout=10)
    assert s.active_runs() == [] and s.tick(TEN + 2) == []
    assert ended_lines(caplog) == [f"run {firing.run_id} of 'wf' ended COMPLETED"]
    assert s.stop_runs() == []


def test_a_failed_standalone_job_run_is_followed_to_its_retry(
    c: GlueClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="glue_nb")
    job = c.get_job(JobName="job")["Job"]
    c.update_job(JobName="job", JobUpdate={"Command": job["Command"], "MaxRetries": 1})
    standalone(c)
    executor = FailsFirst()
    s = make(c, executor=executor)
    s.tick(T0)
    [firing] = s.tick(TEN + 1)
    first = firing.started[0]["JobRunId"]
    retry = wait_for(lambda: c.engine.ledger.job_runs.retry_of(first))["id"]
    # the first attempt has ended; its retry, run by the same driver, is what is going now
    wait_for(lambda: s.active_runs() == [retry])
    assert ended_lines(caplog) == [f"job run {first} of 'job' ended FAILED: FAILED on purpose"]
    executor.release()
    assert s.wait_runs(timeout=10)
    assert ended_lines(caplog)[1:] == [f"job run {retry} of 'job' ended SUCCEEDED"]
    attempts = {r["Id"]: r for r in c.get_job_runs(JobName="job")["JobRuns"]}
    assert attempts[retry]["PreviousRunId"] == first and attempts[retry]["Attempt"] == 1
    assert s.active_runs() == []


def test_a_scheduler_that_finds_its_lease_taken_stops_watching(
    c: GlueClient, tmp_path: Path
) -> None:
    evented(c, size=1)
    s = make(c, watch={"ev": tmp_path / "in"})
    s.tick(time.time())
    assert s.holds_lease and len(s.watches) == 1
    # another scheduler takes the lease while this one still counts on it (between renewals)
    other = {**s.info, "holder": "other"}
    conn = sqlite3.connect(c.store.path)
    conn.execute("UPDATE scheduler_lease SET holder='other', info=?, expires=?",
                 (json.dumps(other), time.time() + 3600))  # fmt: skip
    conn.commit()
    conn.close()
    c.notify_event(WorkflowName="ev", EventId="e")
    assert s.tick(time.time()) == []  # the batch's transaction finds the lease gone
    assert not s.holds_lease
    assert s.tick(time.time()) == []
    assert s.watches == []  # only the holder watches folders
    assert runs(c, "ev") == []


def test_the_scheduler_and_events_hold_no_sql() -> None:
    """Every statement of theirs is store/schedules.py's or store/events.py's."""
    import ast
    import re

    package = Path(sched.__file__).parent
    sql = r"\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE)\s"
    found = []
    for path in [*sorted(package.glob("*.py")), package.parent / "events.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("execute"):
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
            elif isinstance(node, ast.Constant) and re.match(sql, str(node.value)):
                found.append(f"{path.name}:{node.lineno}: {node.value[:40]!r}")
    assert len(list(package.glob("*.py"))) >= 10
    assert found == []


# -- activation times ----------------------------------------------------------------------------
def test_a_trigger_activated_while_no_scheduler_ran_gets_one_catch_up(
    c: GlueClient, activate_at: Callable[[float | None], None]
) -> None:
    activate_at(T0)  # 09:30 on day 0: three daily fires come due before any scheduler runs
    scheduled(c, "early")
    activate_at(TEN + 2 * DAY + 60)  # just after day 2's fire: nothing due before it
    scheduled(c, "late")
    activate_at(T0)
    standalone(c)
    s = make(c)
    fired = s.tick(TEN + 2 * DAY + 3600)
    by_trigger = {f.trigger: f for f in fired}
    assert set(by_trigger) == {"early-start", "solo"}
    for firing in by_trigger.values():
        assert (firing.kind, firing.fire_time, firing.missed) == ("catch-up", TEN + 2 * DAY, 3)
    assert s.tick(TEN + 2 * DAY + 3601) == []
    assert len(settle(c, "early")) == 1 and runs(c, "late") == []
    [regular] = [f for f in s.tick(TEN + 3 * DAY + 1) if f.trigger == "late-start"]
    assert regular.kind == "scheduled"


def test_a_trigger_activated_while_the_scheduler_ticks_fires_on_time(
    c: GlueClient, activate_at: Callable[[float | None], None]
) -> None:
    s = make(c)
    s.tick(T0)
    activate_at(TEN - 0.5)
    scheduled(c)
    [firing] = s.tick(TEN + 0.5)  # first seen after its fire time, but activated before it
    assert (firing.kind, firing.fire_time, firing.missed) == ("scheduled", TEN, 0)
    settle(c, "wf")


def test_paused_time_is_never_caught_up_even_when_no_scheduler_watched(
    c: GlueClient, activate_at: Callable[[float | None], None]
) -> None:
    activate_at(T0)
    trigger = scheduled(c)
    s = make(c)
    s.tick(T0)
    [first] = s.tick(TEN + 1)
    s.release()  # no scheduler runs from here on
    c.stop_trigger(Name=trigger)  # day 0, after its fire; paused over days 1, 2 and 3
    assert sched.status(c)["Triggers"][0]["ActivatedOn"] is None
    activate_at(TEN + 3 * DAY + 3600)  # started again on day 3 at 11:00
    c.start_trigger(Name=trigger)
    again = make(c)
    assert again.tick(TEN + 3 * DAY + 7200) == []  # the paused fires are not missed ones
    [regular] = again.tick(TEN + 4 * DAY + 1)
    assert (regular.kind, regular.missed) == ("scheduled", 0)
    again.release()
    # stopped and started again (day 5, 09:00) while none ran: only day 5's fire is missed
    c.stop_trigger(Name=trigger)
    activate_at(TEN + 5 * DAY - 3600)
    c.start_trigger(Name=trigger)
    [catch_up] = make(c).tick(TEN + 5 * DAY + 7200)
    assert (catch_up.kind, catch_up.fire_time, catch_up.missed) == ("catch-up", TEN + 5 * DAY, 1)
    assert [r["WorkflowRunId"] for r in settle(c, "wf")] == [
        first.run_id, regular.run_id, catch_up.run_id,
    ]  # fmt: skip


def test_activation_time_is_recorded_when_a_trigger_enters_activated(
    c: GlueClient, activate_at: Callable[[float | None], None], tmp_path: Path
) -> None:
    def activated(name: str) -> float | None:
        rows = {r["TriggerName"]: r for r in sched.status(c)["Triggers"]}
        value = rows[name]["ActivatedOn"]
        return None if value is None else value.timestamp()

    activate_at(100.0)
    c.create_workflow(Name="wf")
    c.create_trigger(Name="t", WorkflowName="wf", Type="SCHEDULED", Schedule=DAILY,
                     Actions=[{"JobName": "job"}])  # fmt: skip
    assert activated("t") is None  # CREATED
    c.start_trigger(Name="t")
    assert activated("t") == 100.0
    activate_at(200.0)
    c.start_trigger(Name="t")  # already ACTIVATED: it keeps its activation
    c.update_trigger(Name="t", TriggerUpdate={"Schedule": "cron(0 11 * * ? *)"})
    assert activated("t") == 100.0
    c.stop_trigger(Name="t")
    assert activated("t") is None
    c.start_trigger(Name="t")
    assert activated("t") == 200.0
    # the fluent API: a redeploy keeps the activation; deployed inactive and active again: anew
    job = glue_nb.NotebookJob("fluent-job", str(tmp_path / "tiny.ipynb"))
    glue_nb.Workflow("fl", home=c.home).on_schedule("fl-start", DAILY).run(job).deploy()
    assert activated("fl-start") == 200.0
    activate_at(300.0)
    glue_nb.Workflow("fl", home=c.home).on_schedule("fl-start", DAILY).run(job).deploy()
    assert activated("fl-start") == 200.0
    paused = glue_nb.Workflow("fl", home=c.home).on_schedule("fl-start", DAILY, active=False)
    paused.run(job).deploy()
    assert activated("fl-start") is None
    glue_nb.Workflow("fl", home=c.home).on_schedule("fl-start", DAILY).run(job).deploy()
    assert activated("fl-start") == 300.0


def test_an_older_scheduler_store_is_migrated(tmp_path: Path) -> None:
    """A version-4 store keeps its fires and schedule state; its ACTIVATED triggers have no
    activation time and are scheduled from when a scheduler first sees them."""
    from importlib import resources

    from glue_nb.store import Store
    from glue_nb.store import db as store_module

    home = tmp_path / "v4"
    home.mkdir()
    conn = sqlite3.connect(home / "glue_nb.sqlite")
    for names in store_module.MIGRATIONS[:4]:
        for name in names:
            sql = resources.files("glue_nb.store").joinpath(name).read_text("utf-8")
            for statement in store_module._statements(sql):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 4")
    conn.execute(
        "INSERT INTO trigger_fires(trigger_name, fire_time, workflow_name, kind, run_id, "
        "fired_on, missed) VALUES ('t', 10.0, 'wf', 'scheduled', 'wr_1', 11.0, 0)"
    )
    conn.execute("INSERT INTO schedule_state VALUES ('t', 'wf', ?, 11.0, 5.0)", (DAILY,))
    conn.execute("INSERT INTO triggers(name, workflow_name, type, state, body) VALUES "
                 "('t', 'wf', 'SCHEDULED', 'ACTIVATED', '{}')")  # fmt: skip
    conn.commit()
    conn.close()
    store = Store(home)
    assert store.schema_version == store_module.SCHEMA_VERSION
    with store.read() as db:
        assert [tuple(r) for r in db.execute(
            "SELECT trigger_name, fire_time, workflow_name, run_id, started FROM trigger_fires"
        )] == [("t", 10.0, "wf", "wr_1", None)]  # fmt: skip
        [state] = db.execute("SELECT * FROM schedule_state").fetchall()
        assert (state["checked_until"], state["activated_on"]) == (11.0, None)
        assert db.execute("SELECT activated_on FROM triggers").fetchone()[0] is None
        # standalone triggers can be recorded now
        db.execute("INSERT INTO trigger_fires(trigger_name, fire_time, kind, fired_on) "
                   "VALUES ('solo', 1.0, 'scheduled', 1.0)")  # fmt: skip


def test_next_fires_and_status_of_a_standalone_trigger(c: GlueClient) -> None:
    standalone(c)
    c.create_trigger(Name="off", Type="SCHEDULED", Schedule="cron(0 3 * * ? *)",
                     Actions=[{"JobName": "job"}])  # fmt: skip
    c.create_trigger(Name="by-hand", Type="ON_DEMAND", Actions=[{"JobName": "job"}])
    after = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert sched.next_fires(c, trigger="solo", count=2, now=after) == [
        datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 6, 10, 0, tzinfo=UTC),
    ]
    assert sched.next_fires(c.home, count=1, now=after, trigger="off")[0].hour == 3
    with pytest.raises(InvalidInputException, match="'by-hand' has Type ON_DEMAND"):
        sched.next_fires(c, trigger="by-hand")
    with pytest.raises(EntityNotFoundException, match="'nope' not found"):
        sched.next_fires(c, trigger="nope")
    with pytest.raises(InvalidInputException, match="one of the two"):
        sched.next_fires(c, "wf", trigger="solo")
    rows = {r["TriggerName"]: r for r in sched.status(c, now=T0)["Triggers"]}
    assert set(rows) == {"solo", "off"}
    assert rows["solo"]["WorkflowName"] is None
    assert rows["solo"]["NextFire"] == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert rows["solo"]["Actions"][0]["JobName"] == "job"
    assert rows["off"]["NextFire"] is None and rows["off"]["State"] == "CREATED"
    s = make(c)
    s.tick(T0)
    assert sched.status(c, now=T0)["Triggers"][-1]["CheckedUntil"] is not None


def test_main_once_catches_up_a_standalone_trigger_and_waits_for_its_job_and_crawl(
    c: GlueClient, activate_at: Callable[[float | None], None]
) -> None:
    activate_at(time.time() - 2 * DAY)  # activated two days ago; no scheduler ran since
    trigger = standalone(c, crawler=True)
    assert sched.main(c.home, once=True, executor="test-instant", log_level="WARNING") == 0
    [fire] = sched.fire_history(c, trigger=trigger)
    assert fire["Kind"] == "catch-up" and fire["Missed"] == 2
    job, crawl = fire["Started"]
    assert c.get_job_run(JobName="job", RunId=job["JobRunId"])["JobRun"]["JobRunState"] == (
        "SUCCEEDED"
    )
    # main returned after the crawl it started had ended (it waits for what it started)
    assert count(c, "SELECT COUNT(*) FROM crawls WHERE state='SUCCEEDED'") == 1
    assert count(c, "SELECT COUNT(*) FROM crawls WHERE crawl_id=? AND state='SUCCEEDED'",
                 crawl["CrawlId"]) == 1  # fmt: skip
