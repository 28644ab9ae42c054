"""glue_nb.engine: workflow runs with real papermill, real kernels and a real SQLite store.

Each test builds its workflow with the Glue-shaped client in a temporary home and drives it for
real. ``tests/notebooks/job.ipynb`` records what it saw (parameters with their types, the injected
ids, the run properties) as the run property ``seen.<job>``; its parameters make it sleep,
raise in cell 4, ``sys.exit`` in cell 5 or kill its kernel in cell 6. Tests that only exercise
the state machine use an in-process executor that ends every job at once (no kernels).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from conftest import (
    JOB_NB,
    PROPS_NB,
    HeldExecutor,
    InstantExecutor,
    action,
    condition,
    fired,
    gone,
    job_request,
    job_runs,
    make_workflow,
    seen,
    snapshot,
    states,
    wait_for,
    wait_printed,
    wait_run,
    write_notebook,
)

import glue_nb
from glue_nb.client import GlueClient
from glue_nb.exceptions import (
    ConcurrentRunsExceededException,
    EntityNotFoundException,
    IllegalWorkflowStateException,
    InvalidInputException,
)

kernel = pytest.mark.kernel


def job_state(c: GlueClient, name: str, run_id: str, job: str) -> str | None:
    run = c.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
    return states(run).get(job)


def wait_job_running(c: GlueClient, name: str, run_id: str, job: str) -> None:
    wait_for(lambda: job_state(c, name, run_id, job) == "RUNNING", 60, f"{job} RUNNING")


# -- outcomes of notebooks, AND / ANY, failure branches, statistics ------------------------------
@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run: six jobs in parallel ending every way a notebook can end, and branches on them."""
    c = glue_nb.client(tmp_path_factory.mktemp("outcomes") / "home").nb
    jobs = ["ok", "fail", "exit0", "exit1", "killed", "slow", "h_fail", "h_timeout", "h_any"]
    make_workflow(
        c,
        "outcomes",
        {j: {} for j in [*jobs, "never"]},
        start=[
            "ok",
            action("fail", fail="boom"),
            action("exit0", exit_code="0"),
            action("exit1", exit_code="1"),
            action("killed", kill="true"),
            {**action("slow", sleep="60"), "Timeout": 0.05},  # 3 seconds, as an action Timeout
        ],
        conditional=[
            ("on fail", [condition("fail", "FAILED")], "AND", ["h_fail"]),
            ("on timeout", [condition("slow", "TIMEOUT")], "AND", ["h_timeout"]),
            ("all ok", [condition("ok"), condition("fail")], "AND", ["never"]),
            (
                "any ok",
                [condition("ok"), condition("exit0"), condition("fail")],
                "ANY",
                ["h_any"],
            ),
        ],
    )
    run_id = c.start_workflow_run(Name="outcomes")["RunId"]
    run = wait_run(c, "outcomes", run_id, timeout=120)
    return {"client": c, "run": run, "run_id": run_id}


@kernel
def test_run_completes_even_when_actions_fail(outcomes: dict[str, Any]) -> None:
    run = outcomes["run"]
    assert run["Status"] == "COMPLETED"
    assert run["CompletedOn"] >= run["StartedOn"]
    [slow] = job_runs(run)["slow"]  # the 60 s sleeper was cut off by its 3 s timeout
    assert (slow["CompletedOn"] - slow["StartedOn"]).total_seconds() < 30
    assert states(run) == {
        "ok": "SUCCEEDED",
        "fail": "FAILED",
        "exit0": "SUCCEEDED",
        "exit1": "FAILED",
        "killed": "FAILED",
        "slow": "TIMEOUT",
        "h_fail": "SUCCEEDED",
        "h_timeout": "SUCCEEDED",
        "h_any": "SUCCEEDED",
        "never": None,
    }


@kernel
def test_statistics_count_what_happened(outcomes: dict[str, Any]) -> None:
    assert outcomes["run"]["Statistics"] == {
        "TotalActions": 10,  # 'never' was never started: counters do not sum to the total
        "SucceededActions": 5,
        "FailedActions": 3,
        "TimeoutActions": 1,
        "StoppedActions": 0,
        "RunningActions": 0,
        "ErroredActions": 0,
        "WaitingActions": 0,
    }


@kernel
def test_and_needs_every_condition_any_needs_one(outcomes: dict[str, Any]) -> None:
    run = outcomes["run"]
    assert fired(run) == {
        "outcomes: start": True,
        "on fail": True,
        "on timeout": True,
        "all ok": False,  # 'fail' did not succeed: the AND branch is skipped
        "any ok": True,
    }
    runs = job_runs(run)
    assert runs["never"] == []
    assert len(runs["h_any"]) == 1  # two conditions held, the trigger fired once
    assert runs["h_any"][0]["TriggerName"] == "any ok"
    assert runs["h_fail"][0]["TriggerName"] == "on fail"
    assert runs["h_timeout"][0]["TriggerName"] == "on timeout"
    # a branch starts after what it watches ended
    assert runs["h_timeout"][0]["StartedOn"] >= runs["slow"][0]["CompletedOn"]


@kernel
def test_failing_cell_message_and_traceback(outcomes: dict[str, Any]) -> None:
    fail = job_runs(outcomes["run"])["fail"][0]
    assert fail["ErrorMessage"] == "ValueError: boom (Cell In[6])"
    detail = fail["ErrorDetail"]
    assert detail["ename"] == "ValueError" and detail["evalue"] == "boom"
    assert detail["cell_index"] == 3
    assert "raise ValueError(fail)" in detail["traceback"]
    assert "\x1b[" not in detail["traceback"]  # ANSI colours stripped
    assert Path(fail["OutputLocation"]).is_file()  # the executed notebook is kept on failure


@kernel
def test_exit_codes_kill_and_timeout_messages(outcomes: dict[str, Any]) -> None:
    runs = job_runs(outcomes["run"])
    assert "ErrorMessage" not in runs["exit0"][0]  # sys.exit(0) is a normal end
    assert runs["exit1"][0]["ErrorMessage"].startswith("SystemExit: 1 (Cell In[7])")
    assert "kernel died" in runs["killed"][0]["ErrorMessage"].lower()
    slow = runs["slow"][0]
    assert "timed out" in slow["ErrorMessage"] and slow["Timeout"] == 0.05
    assert slow["ExecutionTime"] < 30


# -- fan-out / fan-in, many kernels at once -----------------------------------------------------
@kernel
def test_fan_out_six_kernels_at_once_then_fan_in(client: GlueClient) -> None:
    fan = [f"part{i}" for i in range(6)]
    make_workflow(
        client,
        "fan",
        {j: {} for j in [*fan, "merge"]},
        start=fan,
        conditional=[("all parts", [condition(j) for j in fan], "AND", ["merge"])],
    )
    run_id = client.start_workflow_run(Name="fan")["RunId"]
    run = wait_run(client, "fan", run_id, timeout=120)
    assert run["Status"] == "COMPLETED"
    assert set(states(run).values()) == {"SUCCEEDED"}, states(run)  # no port collision
    runs = job_runs(run)
    parts = [runs[j][0] for j in fan]
    assert max(r["StartedOn"] for r in parts) < min(r["CompletedOn"] for r in parts)  # parallel
    assert len(runs["merge"]) == 1
    assert runs["merge"][0]["StartedOn"] >= max(r["CompletedOn"] for r in parts)
    merge_saw = seen(run, "merge")["properties"]
    assert {f"done.{j}" for j in fan} <= set(merge_saw)  # fan-in sees every part's updates
    assert run["Statistics"]["SucceededActions"] == 7


# -- arguments, parameters, injected ids, run properties ----------------------------------------
@kernel
def test_arguments_parameters_and_injected_ids(client: GlueClient) -> None:
    make_workflow(
        client,
        "args",
        {
            "typed": {
                "DefaultArguments": {
                    "--label": "job-default",
                    "--n": "2",
                    "--ratio": "0.25",
                    "--flag": "false",
                },
                "NonOverridableArguments": {"--flag": "true"},
            },
            "bad": {},
        },
        start=[
            action("typed", label="from-action", flag="false", extra="x"),
            action("bad", n="abc"),
        ],
        DefaultRunProperties={"period": "2026-10", "region": "eu"},
    )
    run_id = client.start_workflow_run(Name="args", RunProperties={"period": "2026-11"})["RunId"]
    run = wait_run(client, "args", run_id)
    typed = seen(run, "typed")
    # DefaultArguments < action Arguments < NonOverridableArguments; --name -> name; typed
    assert typed["label"] == "from-action"
    assert typed["n"] == 2 and typed["ratio"] == 0.25 and typed["flag"] is True
    assert typed["types"] == ["int", "float", "bool", "str"]
    jr = job_runs(run)["typed"][0]
    assert jr["Arguments"] == {
        "--label": "from-action",
        "--n": "2",
        "--ratio": "0.25",
        "--flag": "true",
        "--extra": "x",
    }
    # always injected
    assert typed["WORKFLOW_NAME"] == "args" and typed["WORKFLOW_RUN_ID"] == run_id
    assert typed["JOB_NAME"] == "typed" and typed["JOB_RUN_ID"] == jr["Id"]
    # the kernel runs in the notebook's folder
    assert typed["cwd"] == str(Path(JOB_NB).parent)
    # run properties: defaults merged with the start's RunProperties
    assert typed["properties"] == {"period": "2026-11", "region": "eu"}
    # a value that does not fit the parameter's type fails before execution
    bad = job_runs(run)["bad"][0]
    assert bad["JobRunState"] == "FAILED"
    assert "'n'" in bad["ErrorMessage"] and "'abc'" in bad["ErrorMessage"]
    assert "int" in bad["ErrorMessage"]
    assert "seen.bad" not in run["WorkflowRunProperties"]  # no cell ran
    assert bad.get("OutputLocation") is None
    wf = client.get_workflow(Name="args")["Workflow"]
    assert wf["DefaultRunProperties"] == {"period": "2026-10", "region": "eu"}  # unchanged


@kernel
def test_run_properties_flow_between_jobs(client: GlueClient) -> None:
    """A's puts (the Glue pattern inside the notebook) reach B, which starts after A ends; C,
    started beside A, does not see them; the workflow's defaults never change."""
    make_workflow(
        client,
        "props",
        {"A": {"notebook": PROPS_NB}, "B": {}, "C": {}},
        start=[action("A", key="rows_in", value="1200"), "C"],
        conditional=[("A done", [condition("A")], "AND", ["B"])],
        DefaultRunProperties={"period": "2026-10"},
    )
    run_id = client.start_workflow_run(Name="props")["RunId"]
    run = wait_run(client, "props", run_id)
    assert states(run) == {"A": "SUCCEEDED", "B": "SUCCEEDED", "C": "SUCCEEDED"}, run
    props = run["WorkflowRunProperties"]
    assert props["rows_in"] == "1200"
    assert json.loads(props["saw.A"]) == {"period": "2026-10"}  # get_workflow_run_properties
    assert seen(run, "B")["properties"]["rows_in"] == 1200  # typed by runtime.get_run_properties
    assert "rows_in" not in seen(run, "C")["properties"]
    assert client.get_workflow_run_properties(Name="props", RunId=run_id)["RunProperties"] == props
    assert client.get_workflow(Name="props")["Workflow"]["DefaultRunProperties"] == {
        "period": "2026-10"
    }


# -- retries and timeouts -----------------------------------------------------------------------
@kernel
def test_retries_are_attempts_linked_by_previous_run_id(client: GlueClient, tmp_path: Path) -> None:
    marker = tmp_path / "first-attempt-done"
    once = write_notebook(
        tmp_path / "once.ipynb",
        [
            'marker = ""',
            "import os\nif not os.path.exists(marker):\n"
            "    open(marker, 'w').close()\n    raise RuntimeError('first attempt fails')",
        ],
    )
    make_workflow(
        client,
        "retries",
        {
            "flaky": {"MaxRetries": 2, "DefaultArguments": {"--fail": "always"}},
            "recovers": {
                "notebook": str(once),
                "MaxRetries": 3,
                "DefaultArguments": {"--marker": str(marker)},
            },
            "on_flaky": {},
            "on_recovered": {},
        },
        start=["flaky", "recovers"],
        conditional=[
            ("flaky failed", [condition("flaky", "FAILED")], "AND", ["on_flaky"]),
            ("recovered", [condition("recovers")], "AND", ["on_recovered"]),
        ],
    )
    run_id = client.start_workflow_run(Name="retries")["RunId"]
    run = wait_run(client, "retries", run_id, timeout=120)
    runs = job_runs(run)
    flaky = runs["flaky"]
    assert [r["Attempt"] for r in flaky] == [0, 1, 2]
    assert [r["JobRunState"] for r in flaky] == ["FAILED"] * 3
    assert "PreviousRunId" not in flaky[0]
    assert flaky[1]["PreviousRunId"] == flaky[0]["Id"]
    assert flaky[2]["PreviousRunId"] == flaky[1]["Id"]
    assert len({r["Id"] for r in flaky}) == 3
    assert [r["JobRunState"] for r in runs["recovers"]] == ["FAILED", "SUCCEEDED"]
    assert runs["recovers"][1]["PreviousRunId"] == runs["recovers"][0]["Id"]
    # the FAILED branch fires once, after the last attempt
    assert len(runs["on_flaky"]) == 1
    assert runs["on_flaky"][0]["StartedOn"] >= flaky[2]["CompletedOn"]
    assert states(run)["on_recovered"] == "SUCCEEDED"
    stats = run["Statistics"]
    assert (stats["FailedActions"], stats["SucceededActions"]) == (1, 3)
    # get_job_runs lists every attempt, newest first
    listed = client.get_job_runs(JobName="flaky")["JobRuns"]
    assert [r["Attempt"] for r in listed] == [2, 1, 0]


@kernel
def test_job_timeout_in_fractional_minutes_kills_the_kernel(client: GlueClient) -> None:
    make_workflow(
        client,
        "timeout",
        {"sleepy": {"Timeout": 0.04, "DefaultArguments": {"--sleep": "60"}}},  # 2.4 seconds
        start=["sleepy"],
    )
    started = time.monotonic()
    run_id = client.start_workflow_run(Name="timeout")["RunId"]
    run = wait_run(client, "timeout", run_id)
    assert time.monotonic() - started < 30
    jr = job_runs(run)["sleepy"][0]
    assert jr["JobRunState"] == "TIMEOUT" and jr["Timeout"] == 0.04
    assert "timed out" in jr["ErrorMessage"]
    assert run["Statistics"]["TimeoutActions"] == 1
    pid = seen(run, "sleepy")["pid"]  # recorded by the notebook before it slept
    wait_for(lambda: gone(pid), 10, "the kernel to be gone")


# -- stop, concurrency limits, resume -----------------------------------------------------------
@kernel
def test_stop_then_resume_the_stopped_run(client: GlueClient) -> None:
    nodes = make_workflow(
        client,
        "stoppable",
        {"sleeper": {"DefaultArguments": {"--sleep": "60"}}, "after_stop": {}, "after_ok": {}},
        start=["sleeper"],
        conditional=[
            ("on stopped", [condition("sleeper", "STOPPED")], "AND", ["after_stop"]),
            ("on ok", [condition("sleeper")], "AND", ["after_ok"]),
        ],
        MaxConcurrentRuns=1,
    )
    run_id = client.start_workflow_run(Name="stoppable")["RunId"]
    wait_job_running(client, "stoppable", run_id, "sleeper")
    # the workflow's MaxConcurrentRuns: a second start is refused, nothing is written
    rows = snapshot(client.home)["workflow_runs"]
    with pytest.raises(ConcurrentRunsExceededException, match="stoppable"):
        client.start_workflow_run(Name="stoppable")
    assert snapshot(client.home)["workflow_runs"] == rows
    with pytest.raises(IllegalWorkflowStateException, match="RUNNING"):
        client.resume_workflow_run(Name="stoppable", RunId=run_id, NodeIds=[nodes["sleeper"]])
    wait_printed(client.home, "sleeper")  # the notebook is in its sleep
    started = time.monotonic()
    client.stop_workflow_run(Name="stoppable", RunId=run_id)
    statuses = [client.get_workflow_run(Name="stoppable", RunId=run_id)["Run"]["Status"]]
    run = wait_run(client, "stoppable", run_id)
    statuses.append(run["Status"])
    assert statuses == ["STOPPING", "STOPPED"]
    assert time.monotonic() - started < 20
    assert states(run) == {"sleeper": "STOPPED", "after_stop": None, "after_ok": None}
    assert fired(run)["on stopped"] is False  # nothing further starts
    assert run["Statistics"]["StoppedActions"] == 1
    wait_for(lambda: gone(seen(run, "sleeper")["pid"]), 10, "the kernel to be gone")
    with pytest.raises(IllegalWorkflowStateException, match="STOPPED"):
        client.stop_workflow_run(Name="stoppable", RunId=run_id)

    # fix the job (its definition changes take effect at once), resume the STOPPED run
    client.update_job(
        JobName="sleeper",
        JobUpdate={"Command": {"Name": "notebook", "ScriptLocation": JOB_NB},
                   "DefaultArguments": {"--sleep": "0"}},
    )  # fmt: skip
    out = client.resume_workflow_run(Name="stoppable", RunId=run_id, NodeIds=[nodes["sleeper"]])
    assert out["NodeIds"] == [nodes["sleeper"]] and out["RunId"] != run_id
    resumed = wait_run(client, "stoppable", out["RunId"])
    assert resumed["Status"] == "COMPLETED" and resumed["PreviousRunId"] == run_id
    assert states(resumed) == {"sleeper": "SUCCEEDED", "after_stop": None, "after_ok": "SUCCEEDED"}
    # the stopped run keeps its record
    old = client.get_workflow_run(Name="stoppable", RunId=run_id, IncludeGraph=True)["Run"]
    assert old["Status"] == "STOPPED" and states(old)["sleeper"] == "STOPPED"


@kernel
def test_stopping_one_job_run_fires_stopped_branches(client: GlueClient) -> None:
    """BatchStopJobRun stops that job run alone: its run goes on, STOPPED conditions fire."""
    make_workflow(
        client,
        "stop-one",
        {"sleeper": {"DefaultArguments": {"--sleep": "60"}}, "quick": {}, "on_stop": {}},
        start=["sleeper", "quick"],
        conditional=[("sleeper stopped", [condition("sleeper", "STOPPED")], "AND", ["on_stop"])],
    )
    run_id = client.start_workflow_run(Name="stop-one")["RunId"]
    wait_printed(client.home, "sleeper")
    run = client.get_workflow_run(Name="stop-one", RunId=run_id, IncludeGraph=True)["Run"]
    sleeper_id = job_runs(run)["sleeper"][0]["Id"]
    out = client.batch_stop_job_run(JobName="sleeper", JobRunIds=[sleeper_id])
    assert out["SuccessfulSubmissions"] == [{"JobName": "sleeper", "JobRunId": sleeper_id}]
    run = wait_run(client, "stop-one", run_id)
    assert run["Status"] == "COMPLETED"
    assert states(run) == {"sleeper": "STOPPED", "quick": "SUCCEEDED", "on_stop": "SUCCEEDED"}
    assert fired(run)["sleeper stopped"] is True
    assert run["Statistics"]["StoppedActions"] == 1
    assert gone(seen(run, "sleeper")["pid"]) or wait_for(lambda: gone(seen(run, "sleeper")["pid"]))


def test_stop_crawler_cancels_a_workflow_crawl_at_once(client: GlueClient, tmp_path: Path) -> None:
    """StopCrawler of a crawler crawling for a workflow run stops that crawl now (not when it
    would have ended): it ends CANCELLED and a trigger watching for CANCELLED fires."""
    import threading

    from glue_nb.executors.base import Handle

    class CrawlUntilStopped(Handle):
        def __init__(self) -> None:
            self.callbacks: list[Any] = []
            self.started = threading.Event()

        def stop(self) -> None:
            for fn in self.callbacks:
                fn({"State": "CANCELLED"}, None)

        def add_done_callback(self, fn: Any) -> None:
            self.callbacks.append(fn)
            self.started.set()

    crawl = CrawlUntilStopped()

    class Executor(InstantExecutor):
        def submit(self, task: Any) -> Handle:
            return crawl if task.kind == "crawl" else super().submit(task)

    (tmp_path / "data" / "t").mkdir(parents=True)
    (tmp_path / "data" / "t" / "a.csv").write_text("x\n1\n")
    client.create_crawler(
        Name="c", Role="r", DatabaseName="db", Targets={"S3Targets": [{"Path": str(tmp_path)}]}
    )
    make_workflow(client, "w", {"after": {}}, start=[{"CrawlerName": "c"}])
    client.create_trigger(
        Name="c cancelled", WorkflowName="w", Type="CONDITIONAL", Actions=[{"JobName": "after"}],
        Predicate={"Conditions": [{"CrawlerName": "c", "CrawlState": "CANCELLED"}]},
    )  # fmt: skip
    run_id = client.start_workflow_run(Name="w", Executor=Executor())["RunId"]
    assert crawl.started.wait(10)
    assert client.get_crawler(Name="c")["Crawler"]["State"] == "RUNNING"
    client.stop_crawler(Name="c")
    run = wait_run(client, "w", run_id, timeout=10)
    crawls = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "CRAWLER")["CrawlerDetails"]
    assert [c["State"] for c in crawls["Crawls"]] == ["CANCELLED"]
    assert states(run) == {"after": "SUCCEEDED"}
    assert client.get_crawler(Name="c")["Crawler"]["State"] == "READY"
    assert client.get_databases()["DatabaseList"] == []  # nothing was written


def test_stopping_a_waiting_job_run(client: GlueClient, held: HeldExecutor) -> None:
    make_workflow(
        client, "w", {"j": {"JobRunQueuingEnabled": True}, "k": {}}, start=["j"],
        conditional=[("j stopped", [condition("j", "STOPPED")], "AND", ["k"])],
    )  # fmt: skip
    client.start_job_run(JobName="j", Executor=held)  # holds j's only slot
    run_id = client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]

    def waiting() -> dict[str, Any] | None:
        run = client.get_workflow_run(Name="w", RunId=run_id, IncludeGraph=True)["Run"]
        return run if states(run)["j"] == "WAITING" else None

    run = wait_for(waiting, what="j WAITING")
    assert run["Statistics"]["WaitingActions"] == 1
    waiting_id = job_runs(run)["j"][0]["Id"]
    client.batch_stop_job_run(JobName="j", JobRunIds=[waiting_id])
    run = wait_run(client, "w", run_id)
    assert states(run) == {"j": "STOPPED", "k": "SUCCEEDED"}
    assert "Stopped before it started" in job_runs(run)["j"][0]["ErrorMessage"]
    with pytest.raises(InvalidInputException, match="STOPPED"):
        client.engine.stop_job_run("j", waiting_id)


def test_resume_respects_max_concurrent_runs(client: GlueClient, held: HeldExecutor) -> None:
    nodes = make_workflow(client, "w", {"a": {}}, start=["a"], MaxConcurrentRuns=1)
    first = client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    done = wait_run(client, "w", first)
    busy = client.start_workflow_run(Name="w", Executor=held)["RunId"]
    with pytest.raises(ConcurrentRunsExceededException, match="exceeded for workflow: w"):
        client.resume_workflow_run(Name="w", RunId=done["WorkflowRunId"], NodeIds=[nodes["a"]])
    assert len(client.get_workflow_runs(Name="w")["Runs"]) == 2  # no run was added
    wait_for(lambda: "a" in held.handles)
    held.finish("a")
    assert wait_run(client, "w", busy)["Status"] == "COMPLETED"
    out = client.resume_workflow_run(
        Name="w", RunId=first, NodeIds=[nodes["a"]], Executor=InstantExecutor()
    )
    assert wait_run(client, "w", out["RunId"])["Status"] == "COMPLETED"


def test_scheduled_start_trigger_runs_on_demand(client: GlueClient) -> None:
    """start_workflow_run runs the start trigger's actions whatever its type."""
    client.create_workflow(Name="w")
    client.create_job(**job_request("a"))
    client.create_trigger(Name="nightly", WorkflowName="w", Type="SCHEDULED",
                          Schedule="cron(0 6 * * ? *)", Actions=[{"JobName": "a"}])  # fmt: skip
    run = wait_run(
        client, "w", client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    )
    assert states(run) == {"a": "SUCCEEDED"}
    assert job_runs(run)["a"][0]["TriggerName"] == "nightly"


@kernel
def test_resume_after_fixing_a_notebook(client: GlueClient, tmp_path: Path) -> None:
    fixable = tmp_path / "fixable.ipynb"
    write_notebook(fixable, ["x = 1", "raise RuntimeError('not fixed yet')"])
    nodes = make_workflow(
        client,
        "resume",
        {"A": {}, "X": {}, "F": {"notebook": str(fixable)}, "D": {}, "E": {}},
        start=["A", "F"],
        conditional=[
            ("A ok", [condition("A")], "AND", ["X"]),
            ("both ok", [condition("A"), condition("F")], "AND", ["D"]),
            ("F ok", [condition("F")], "AND", ["E"]),
        ],
    )
    first_id = client.start_workflow_run(Name="resume")["RunId"]
    first = wait_run(client, "resume", first_id)
    assert first["Status"] == "COMPLETED"
    assert states(first) == {"A": "SUCCEEDED", "X": "SUCCEEDED", "F": "FAILED", "D": None,
                             "E": None}  # fmt: skip
    assert job_runs(first)["F"][0]["ErrorMessage"] == "RuntimeError: not fixed yet (Cell In[4])"

    write_notebook(fixable, ["x = 1", "print('fixed')"])
    out = client.resume_workflow_run(
        Name="resume", RunId=first_id, NodeIds=[nodes["F"], nodes["D"]]
    )
    assert out["NodeIds"] == [nodes["F"]]  # D is downstream of F: dropped, it runs anyway
    second = wait_run(client, "resume", out["RunId"])
    assert second["WorkflowRunId"] != first_id and second["PreviousRunId"] == first_id
    assert second["Status"] == "COMPLETED"
    assert set(states(second).values()) == {"SUCCEEDED"}
    old, new = job_runs(first), job_runs(second)
    assert new["A"] == old["A"] and new["X"] == old["X"]  # untouched nodes keep their runs
    assert new["F"][-1]["Id"] != old["F"][0]["Id"]
    assert new["D"][0]["TriggerName"] == "both ok" and new["E"][0]["TriggerName"] == "F ok"
    assert second["Statistics"]["SucceededActions"] == 5
    # the first run is unchanged
    again = client.get_workflow_run(Name="resume", RunId=first_id, IncludeGraph=True)["Run"]
    assert states(again)["F"] == "FAILED" and states(again)["D"] is None
    runs = client.get_workflow_runs(Name="resume")["Runs"]
    assert [r["WorkflowRunId"] for r in runs] == [out["RunId"], first_id]  # newest first


@kernel
def test_job_max_concurrent_runs_fail_or_queue(client: GlueClient) -> None:
    make_workflow(
        client,
        "limits",
        {
            "single": {"DefaultArguments": {"--sleep": "60"}},
            "queued": {"DefaultArguments": {"--sleep": "10"}, "JobRunQueuingEnabled": True},
        },
        start=["single", "queued"],
    )
    first = client.start_workflow_run(Name="limits")["RunId"]
    wait_job_running(client, "limits", first, "single")
    wait_job_running(client, "limits", first, "queued")
    with pytest.raises(ConcurrentRunsExceededException, match="'single'"):
        client.start_job_run(JobName="single")
    second = client.start_workflow_run(Name="limits")["RunId"]
    run = wait_for(
        lambda: (
            (r := client.get_workflow_run(Name="limits", RunId=second, IncludeGraph=True)["Run"])[
                "Statistics"
            ]["WaitingActions"]
            and r
        ),
        30,
        "the queued job to wait",
    )
    single = job_runs(run)["single"][0]
    assert single["JobRunState"] == "FAILED"
    assert "exceeded its maximum allowed concurrent runs" in single["ErrorMessage"]
    assert states(run)["queued"] == "WAITING"
    done = wait_run(client, "limits", second, timeout=60)  # 'single' of the first still sleeps
    assert states(done) == {"single": "FAILED", "queued": "SUCCEEDED"}
    assert done["Statistics"]["WaitingActions"] == 0
    queued_first = job_runs(
        client.get_workflow_run(Name="limits", RunId=first, IncludeGraph=True)["Run"]
    )["queued"][0]
    queued_second = job_runs(done)["queued"][0]
    assert queued_first["JobRunState"] == "SUCCEEDED"
    assert queued_second["StartedOn"] >= queued_first["CompletedOn"]  # it waited for the slot
    client.stop_workflow_run(Name="limits", RunId=first)
    assert states(wait_run(client, "limits", first))["single"] == "STOPPED"


# -- output notebooks and logs ------------------------------------------------------------------
@kernel
def test_output_notebooks_and_logs_stay_inside_the_home(client: GlueClient) -> None:
    names = ["Fix/De-dupe succeeded", "../x"]
    make_workflow(client, "../x", {n: {} for n in names}, start=names)
    run_id = client.start_workflow_run(Name="../x")["RunId"]
    run = wait_run(client, "../x", run_id)
    root = (client.home / "runs").resolve()
    for name in names:
        jr = job_runs(run)[name][0]
        assert jr["JobRunState"] == "SUCCEEDED"
        output = Path(jr["OutputLocation"]).resolve()
        assert root in output.parents and output.is_file()
        import nbformat

        nb = nbformat.read(str(output), as_version=4)
        tags = [t for cell in nb.cells for t in cell.metadata.get("tags", [])]
        assert "glue-nb-context" in tags and "injected-parameters" in tags
        log = Path(jr["LogLocation"])
        assert root in log.resolve().parents
        assert "SEEN " in Path(f"{log}.stdout.txt").read_text()
        assert "a line for stderr" in Path(f"{log}.stderr.txt").read_text()


# -- the state machine alone (no kernels) -------------------------------------------------------
def test_only_runs_of_the_same_workflow_run_count(client: GlueClient) -> None:
    instant = InstantExecutor()
    # two runs at once: each job may run twice at a time (Glue's default limit is 1, which would
    # fail one run's "a" with "exceeded its maximum allowed concurrent runs")
    two = {"ExecutionProperty": {"MaxConcurrentRuns": 2}}
    make_workflow(
        client, "w", {"a": two, "b": two}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    client.start_job_run(JobName="a", Executor=instant)  # outside the workflow
    wait_for(lambda: client.get_job_runs(JobName="a")["JobRuns"][0]["JobRunState"] == "SUCCEEDED")
    assert client.get_job_runs(JobName="b")["JobRuns"] == []  # no run's trigger reacted
    r1 = client.start_workflow_run(Name="w", Executor=instant)["RunId"]
    r2 = client.start_workflow_run(Name="w", Executor=instant)["RunId"]
    for rid in (r1, r2):
        run = wait_run(client, "w", rid)
        assert states(run) == {"a": "SUCCEEDED", "b": "SUCCEEDED"}
        assert {k: len(v) for k, v in job_runs(run).items()} == {"a": 1, "b": 1}
        assert all(jr["WorkflowRunId"] == rid for runs in job_runs(run).values() for jr in runs)


def test_a_failed_attempt_and_its_retry_are_committed_together(
    client: GlueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process never sees a node failed for good while its retry is on its way (the
    live view would draw its branch as "will never run" for a moment)."""
    import sqlite3

    from glue_nb.store.job_runs import JobRuns

    make_workflow(client, "w", {"a": {"MaxRetries": 1}}, start=["a"])
    seen_outside: list[list[tuple[int, str]]] = []
    finish = JobRuns.finish

    def finish_and_look(self: JobRuns, job_run_id: str, *args: Any, **kwargs: Any) -> Any:
        old = finish(self, job_run_id, *args, **kwargs)
        other = sqlite3.connect(self.store.path)  # what any other reader sees at this moment
        try:
            rows = other.execute("SELECT attempt, state FROM job_runs ORDER BY attempt")
            seen_outside.append(list(rows))
        finally:
            other.close()
        return old

    monkeypatch.setattr(JobRuns, "finish", finish_and_look)
    executor = InstantExecutor({"a": "FAILED"})
    run = wait_run(client, "w", client.start_workflow_run(Name="w", Executor=executor)["RunId"])
    assert [jr["JobRunState"] for jr in job_runs(run)["a"]] == ["FAILED", "FAILED"]
    assert seen_outside[0] == [
        (0, "RUNNING")
    ]  # not yet FAILED alone: retry and failure commit together
    assert seen_outside[1] == [(0, "FAILED"), (1, "RUNNING")]


def test_get_job_run_lists_its_predecessors(client: GlueClient) -> None:
    make_workflow(
        client, "w", {"a": {}, "b": {}, "c": {}, "d": {}}, start=["a", "b"],
        conditional=[
            ("a and b ok", [condition("a"), condition("b")], "AND", ["c"]),
            ("a failed or c ok", [condition("a", "FAILED"), condition("c")], "ANY", ["d"]),
        ],
    )  # fmt: skip
    run = wait_run(
        client, "w", client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    )
    ids = {job: runs[0]["Id"] for job, runs in job_runs(run).items()}

    def predecessors(job: str) -> list[dict[str, str]]:
        out = client.get_job_run(JobName=job, RunId=ids[job], PredecessorsIncluded=True)
        return out["JobRun"]["PredecessorRuns"]

    assert predecessors("a") == []  # started by the start trigger
    assert predecessors("c") == [
        {"JobName": "a", "RunId": ids["a"]},
        {"JobName": "b", "RunId": ids["b"]},
    ]
    assert predecessors("d") == [{"JobName": "c", "RunId": ids["c"]}]  # only the condition met
    assert "PredecessorRuns" not in client.get_job_run(JobName="c", RunId=ids["c"])["JobRun"]
    # resumed from c: its predecessors are the runs of a and b that the new run inherited
    c_node = next(n["UniqueId"] for n in run["Graph"]["Nodes"] if n["Name"] == "c")
    out = client.resume_workflow_run(
        Name="w", RunId=run["WorkflowRunId"], NodeIds=[c_node], Executor=InstantExecutor()
    )
    new_c = job_runs(wait_run(client, "w", out["RunId"]))["c"][-1]["Id"]
    assert new_c != ids["c"]
    again = client.get_job_run(JobName="c", RunId=new_c, PredecessorsIncluded=True)["JobRun"]
    assert again["PredecessorRuns"] == [
        {"JobName": "a", "RunId": ids["a"]},
        {"JobName": "b", "RunId": ids["b"]},
    ]


def test_deleted_job_ends_in_error(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}, "b": {}}, start=["a", "b"])
    client.delete_job(JobName="b")
    run = wait_run(
        client, "w", client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    )
    assert run["Status"] == "COMPLETED"
    assert states(run) == {"a": "SUCCEEDED", "b": "ERROR"}
    assert "Job 'b' does not exist" in job_runs(run)["b"][0]["ErrorMessage"]
    assert run["Statistics"]["ErroredActions"] == 1


def test_glue_commands_are_refused_when_run(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    client.create_job(Name="etl", Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
    client.update_trigger(Name="w: start", TriggerUpdate={"Actions": [{"JobName": "etl"}]})
    run = wait_run(
        client, "w", client.start_workflow_run(Name="w", Executor=InstantExecutor())["RunId"]
    )
    assert states(run) == {"etl": "FAILED"}
    assert "glueetl" in job_runs(run)["etl"][0]["ErrorMessage"]
    with pytest.raises(InvalidInputException, match="glueetl"):
        client.start_job_run(JobName="etl", Executor=InstantExecutor())


def test_run_snapshot_ignores_later_trigger_edits(client: GlueClient) -> None:
    """Editing triggers does not change a run already started (its graph is a snapshot)."""
    nodes = make_workflow(
        client, "w", {"a": {}, "b": {}, "c": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    instant = InstantExecutor()
    first = wait_run(client, "w", client.start_workflow_run(Name="w", Executor=instant)["RunId"])
    client.update_trigger(Name="a ok", TriggerUpdate={"Actions": [{"JobName": "c"}]})
    again = client.get_workflow_run(Name="w", RunId=first["WorkflowRunId"], IncludeGraph=True)
    assert states(again["Run"]) == {"a": "SUCCEEDED", "b": "SUCCEEDED"}
    second = wait_run(client, "w", client.start_workflow_run(Name="w", Executor=instant)["RunId"])
    assert states(second) == {"a": "SUCCEEDED", "c": "SUCCEEDED"}
    assert nodes["a"] == next(n["UniqueId"] for n in second["Graph"]["Nodes"] if n["Name"] == "a")


def test_resume_chain_and_bad_node_ids(client: GlueClient) -> None:
    """A resumed run can itself be resumed; inherited node runs travel along."""
    instant = InstantExecutor({"b": "FAILED"})
    nodes = make_workflow(
        client, "w", {"a": {}, "b": {}, "c": {}}, start=["a", "b"],
        conditional=[("b ok", [condition("b")], "AND", ["c"])],
    )  # fmt: skip
    first = wait_run(client, "w", client.start_workflow_run(Name="w", Executor=instant)["RunId"])
    assert states(first) == {"a": "SUCCEEDED", "b": "FAILED", "c": None}
    rid = first["WorkflowRunId"]
    for bad, match in (
        ([], "NodeIds must be a non-empty list"),
        ([nodes["b ok"]], "not a job or crawler node"),
        (["wnode_nope"], "'wnode_nope'"),
    ):
        with pytest.raises(InvalidInputException, match=match):
            client.resume_workflow_run(Name="w", RunId=rid, NodeIds=bad, Executor=instant)
    with pytest.raises(EntityNotFoundException, match="wr_nope"):
        client.resume_workflow_run(Name="w", RunId="wr_nope", NodeIds=[nodes["b"]])
    # still failing: resume, then resume the resumed run after the "fix"
    out = client.resume_workflow_run(Name="w", RunId=rid, NodeIds=[nodes["b"]], Executor=instant)
    second = wait_run(client, "w", out["RunId"])
    assert states(second) == {"a": "SUCCEEDED", "b": "FAILED", "c": None}
    instant.outcomes.clear()
    out3 = client.resume_workflow_run(
        Name="w", RunId=out["RunId"], NodeIds=[nodes["b"]], Executor=instant
    )
    third = wait_run(client, "w", out3["RunId"])
    assert third["PreviousRunId"] == out["RunId"]
    assert states(third) == {"a": "SUCCEEDED", "b": "SUCCEEDED", "c": "SUCCEEDED"}
    assert job_runs(third)["a"] == job_runs(first)["a"]  # inherited through two resumes
    assert len(instant.submitted) == 2 + 1 + 2  # a, b; b; b, c — 'a' never re-ran


def test_start_workflow_run_bad_input_writes_nothing(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    client.create_workflow(Name="empty")
    before = snapshot(client.home)
    with pytest.raises(ParamValidationError, match=r"RunProperties\.rows"):  # botocore checks it
        client.start_workflow_run(Name="w", RunProperties={"rows": 12})
    with pytest.raises(EntityNotFoundException, match="workflow 'nope' not found"):
        client.start_workflow_run(Name="nope")
    with pytest.raises(InvalidInputException, match="'empty' has no start trigger"):
        client.start_workflow_run(Name="empty")
    assert snapshot(client.home) == before


def test_job_run_arguments_and_standalone_runs(client: GlueClient) -> None:
    client.create_job(
        **job_request("j", DefaultArguments={"--a": "1", "--b": "1"},
                      NonOverridableArguments={"--c": "fixed"})
    )  # fmt: skip
    instant = InstantExecutor()
    rid = client.start_job_run(JobName="j", Arguments={"--b": "2", "--c": "x"}, Executor=instant)[
        "JobRunId"
    ]
    wait_for(
        lambda: client.get_job_run(JobName="j", RunId=rid)["JobRun"]["JobRunState"] != "RUNNING"
    )
    jr = client.get_job_run(JobName="j", RunId=rid)["JobRun"]
    assert jr["JobRunState"] == "SUCCEEDED"
    assert jr["Arguments"] == {"--a": "1", "--b": "2", "--c": "fixed"}
    assert "WorkflowRunId" not in jr
    spec = instant.submitted[0].spec
    assert spec.workflow_name is None and spec.arguments == jr["Arguments"]


def test_properties_put_from_outside_reach_later_jobs(
    client: GlueClient, held: HeldExecutor
) -> None:
    make_workflow(
        client, "w", {"a": {}, "b": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
        DefaultRunProperties={"period": "2026-10"},
    )  # fmt: skip
    run_id = client.start_workflow_run(Name="w", Executor=held)["RunId"]
    wait_for(lambda: "a" in held.handles)
    assert held.handles["a"].task.spec.run_properties == {"period": "2026-10"}
    client.put_workflow_run_properties(Name="w", RunId=run_id, RunProperties={"cutoff": "5"})
    held.finish("a")
    wait_for(lambda: "b" in held.handles)
    assert held.handles["b"].task.spec.run_properties == {"period": "2026-10", "cutoff": "5"}
    held.finish("b")
    assert wait_run(client, "w", run_id)["Status"] == "COMPLETED"


def test_standalone_retries_keep_their_executor(client: GlueClient) -> None:
    """MaxRetries for StartJobRun outside a workflow, and an explicit retry with JobRunId."""
    client.create_job(**job_request("j", MaxRetries=1))
    instant = InstantExecutor({"j": "FAILED"})
    first = client.start_job_run(JobName="j", Arguments={"--n": "4"}, Executor=instant)["JobRunId"]

    def attempts() -> list[dict[str, Any]]:
        runs = client.get_job_runs(JobName="j")["JobRuns"]
        return runs if all(r["JobRunState"] == "FAILED" for r in runs) else []

    runs = wait_for(lambda: len(attempts()) == 2 and attempts(), what="two failed attempts")
    assert [r["Attempt"] for r in runs] == [1, 0]
    assert runs[0]["PreviousRunId"] == first and runs[0]["Arguments"] == {"--n": "4"}
    assert len(instant.submitted) == 2  # the retry ran where the first attempt ran
    instant.outcomes.clear()
    again = client.start_job_run(JobName="j", JobRunId=runs[0]["Id"], Executor=instant)["JobRunId"]
    wait_for(
        lambda: client.get_job_run(JobName="j", RunId=again)["JobRun"]["JobRunState"] == "SUCCEEDED"
    )
    retried = client.get_job_run(JobName="j", RunId=again)["JobRun"]
    assert retried["Attempt"] == 2 and retried["PreviousRunId"] == runs[0]["Id"]
    assert retried["Arguments"] == {"--n": "4"}


@kernel
def test_configured_output_root(
    client: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "outputs"
    monkeypatch.setenv("GLUE_NB_OUTPUT_ROOT", str(root))
    make_workflow(client, "w", {"a": {}}, start=["a"])
    run = wait_run(client, "w", client.start_workflow_run(Name="w")["RunId"])
    jr = job_runs(run)["a"][0]
    assert jr["JobRunState"] == "SUCCEEDED"
    assert Path(jr["OutputLocation"]).resolve().is_relative_to(root.resolve())
    assert Path(jr["OutputLocation"]).is_file()
    assert not (client.home / "runs").exists()
