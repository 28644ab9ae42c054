"""glue_nb.builder: the fluent API builds Glue-shaped definitions; load, change, deploy, run."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import JOB_NB, states, wait_run

import glue_nb as gn
from glue_nb.exceptions import InvalidInputException, OperationTimeoutException


def jobs(*names: str, **kw: object) -> list[gn.NotebookJob]:
    return [gn.NotebookJob(n, JOB_NB, **kw) for n in names]  # type: ignore[arg-type]


def trig(wf: gn.Workflow, name: str) -> dict:
    return next(t for t in wf.to_glue()["Triggers"] if t["Name"] == name)


# -- shapes (no store) --------------------------------------------------------------------------
def test_seed_example_shapes() -> None:
    dedupe, phones, report = jobs("De-duplicate", "Fix phone numbers", "Report")
    wf = (
        gn.Workflow("month-close", default_run_properties={"period": "2026-10"})
        .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
        .run(dedupe, phones)
        .when_all_succeeded("Fix/De-dupe succeeded")
        .run(report)
    )
    glue = wf.to_glue()
    assert glue["Workflow"] == {
        "Name": "month-close",
        "DefaultRunProperties": {"period": "2026-10"},
    }
    start = trig(wf, "Month-close1")
    assert start["Type"] == "SCHEDULED" and start["Schedule"] == "cron(0 6 1 * ? *)"
    assert [a["JobName"] for a in start["Actions"]] == ["De-duplicate", "Fix phone numbers"]
    cond = trig(wf, "Fix/De-dupe succeeded")
    assert cond["Predicate"] == {
        "Logical": "AND",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": "De-duplicate", "State": "SUCCEEDED"},
            {"LogicalOperator": "EQUALS", "JobName": "Fix phone numbers", "State": "SUCCEEDED"},
        ],
    }
    assert cond["Actions"] == [{"JobName": "Report", "Arguments": {}}]
    assert {t["WorkflowName"] for t in glue["Triggers"]} == {"month-close"}
    assert [j["Name"] for j in glue["Jobs"]] == ["De-duplicate", "Fix phone numbers", "Report"]


def test_branches_any_failure_fan_out_fan_in() -> None:
    a, b, c, fix, alert, merge, late = jobs("a", "b", "c", "fix", "alert", "merge", "late")
    wf = (
        gn.Workflow("w")
        .run(a, b, c)  # fan-out from an implicit on-demand start trigger
        .when_all_succeeded("all")
        .run(merge)  # fan-in
        .after(a, b)
        .when_any_failed("a or b failed")
        .run(fix)
        .after(c)
        .when_any("TIMEOUT", "c timed out")
        .run(alert)
        .after(merge)
        .when_any_succeeded()
        .run(late)
    )
    assert wf.start_trigger["Type"] == "ON_DEMAND"
    assert trig(wf, "all")["Predicate"]["Logical"] == "AND"
    assert len(trig(wf, "all")["Predicate"]["Conditions"]) == 3
    failed = trig(wf, "a or b failed")["Predicate"]
    assert failed["Logical"] == "ANY"
    assert {(c["JobName"], c["State"]) for c in failed["Conditions"]} == {
        ("a", "FAILED"),
        ("b", "FAILED"),
    }
    assert trig(wf, "c timed out")["Predicate"]["Conditions"][0]["State"] == "TIMEOUT"
    assert len(wf.triggers) == 5  # the unnamed one got a generated name
    stopped = gn.Workflow("w2").run(a).when_all("STOPPED").run(b)
    assert next(iter(stopped.triggers.values()))  # start trigger
    assert any(
        c.get("State") == "STOPPED"
        for t in stopped.to_glue()["Triggers"]
        for c in (t.get("Predicate") or {}).get("Conditions", [])
    )
    explicit = (
        gn.Workflow("w3").run(a, b).when("mixed", {a: "SUCCEEDED", b: "FAILED"}, logical="ANY")
    )
    explicit.run(c)
    assert trig(explicit, "mixed")["Predicate"]["Logical"] == "ANY"


def test_per_action_arguments_and_timeouts() -> None:
    a, b = jobs("a", "b", parameters={"n": 1, "flag": True, "cols": ["x"], "label": "s"})
    assert a.to_request()["DefaultArguments"] == {
        "--n": "1",
        "--flag": "true",
        "--cols": '["x"]',
        "--label": "s",
    }
    wf = gn.Workflow("w").run(a.with_arguments(timeout=0.5, n=2), b, arguments={"label": "t"})
    acts = {x["JobName"]: x for x in wf.start_trigger["Actions"]}
    assert acts["a"] == {"JobName": "a", "Arguments": {"--n": "2", "--label": "t"}, "Timeout": 0.5}
    assert acts["b"] == {"JobName": "b", "Arguments": {"--label": "t"}}
    timed = gn.Workflow("w").run(a, timeout=0.25)
    assert timed.start_trigger["Actions"][0]["Timeout"] == 0.25


def test_job_definition_fields() -> None:
    job = gn.NotebookJob("j", "tests/notebooks/job.ipynb", max_retries=2, timeout=0.5,
                         max_concurrent_runs=3, queue_runs=True, description="d")  # fmt: skip
    assert Path(job.notebook).is_absolute()
    req = job.to_request()
    assert req["MaxRetries"] == 2 and req["Timeout"] == 0.5
    assert req["ExecutionProperty"] == {"MaxConcurrentRuns": 3}
    assert req["JobRunQueuingEnabled"] is True and req["Description"] == "d"
    assert gn.NotebookJob.from_glue({**req, "Command": req["Command"]}) == job


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda a, b: gn.Workflow("w").run(), "at least one"),
        (lambda a, b: gn.Workflow("w").run(a).run(b), "needs a trigger first"),
        (lambda a, b: gn.Workflow("w").when_all_succeeded(), "nothing to watch"),
        (lambda a, b: gn.Workflow("w").run(a).after("ghost"), "'ghost' is not a job"),
        (lambda a, b: gn.Workflow("w").run(a).when_all("RUNNING"), "cannot watch 'RUNNING'"),
        (lambda a, b: gn.Workflow("w").run(a).when("t", {}), "at least one condition"),
        (
            lambda a, b: (
                gn.Workflow("w").run(a).when_all_succeeded("t").run(b).when("t", {b: "FAILED"})
            ),
            "trigger 't' exists already",
        ),
        (
            lambda a, b: (
                gn.Workflow("w")
                .run(a)
                .when_all_succeeded()
                .run(gn.NotebookJob("a", JOB_NB, max_retries=3))
            ),
            "two different definitions named 'a'",
        ),
        (lambda a, b: gn.Workflow("w").run(a).when_all_succeeded("t").to_glue(), "starts nothing"),
        (lambda a, b: gn.Workflow("w").to_glue(), "no start trigger"),
    ],
)
def test_builder_errors(build: object, match: str) -> None:
    a, b = jobs("a", "b")
    with pytest.raises(InvalidInputException, match=match):
        build(a, b)  # type: ignore[operator]


def test_one_job_reused_in_two_workflows(tmp_path: Path) -> None:
    shared, other = jobs("shared", "other")
    home = tmp_path / "home"
    gn.Workflow("one", home=home).run(shared).deploy()
    gn.Workflow("two", home=home).run(other).when_all_succeeded().run(shared).deploy()
    c = gn.client(home).nb
    assert c.list_jobs()["JobNames"] == ["other", "shared"]
    for name in ("one", "two"):
        graph = c.get_workflow(Name=name, IncludeGraph=True)["Workflow"]["Graph"]
        assert "shared" in {n["Name"] for n in graph["Nodes"] if n["Type"] == "JOB"}
    # deploying again replaces the workflow's triggers, it does not add to them
    gn.Workflow("one", home=home).on_demand("go").run(shared).deploy()
    assert [t["Name"] for t in c.definitions.workflow_triggers("one")] == ["go"]


# -- load, change, deploy, run ------------------------------------------------------------------
@pytest.mark.kernel
def test_load_change_deploy_run_and_resume(tmp_path: Path) -> None:
    home = tmp_path / "home"
    c = gn.client(home).nb
    # built with the client ...
    c.create_workflow(Name="w", DefaultRunProperties={"period": "2026-10"})
    c.create_job(Name="a", Command={"Name": "notebook", "ScriptLocation": JOB_NB},
                 DefaultArguments={"--fail": "broken"})  # fmt: skip
    c.create_trigger(Name="go", WorkflowName="w", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    # ... loaded and extended with the fluent API
    wf = gn.Workflow.load("w", home=home)
    assert wf.jobs["a"].parameters == {"fail": "broken"}
    wf.after("a").when_all_succeeded("a ok").run(gn.NotebookJob("b", JOB_NB))
    run = wf.start()
    run.wait(timeout=90, progress=False)
    assert run.status == "COMPLETED" and not run.succeeded
    table = run.table()
    assert list(table["node"]) == ["a"] and list(table["state"]) == ["FAILED"]
    assert table["error"][0] == "ValueError: broken (cell 4)"
    assert Path(table["output_notebook"][0]).is_file()
    nodes = {n["Name"]: n["UniqueId"] for n in run.describe()["Graph"]["Nodes"]}
    assert run.failed_nodes() == [nodes["a"]]

    # fix the job through the fluent API, deploy, resume the failed node
    wf = gn.Workflow.load("w", home=home)
    wf.replace(gn.NotebookJob("a", JOB_NB, parameters={"label": "fixed"}))
    wf.deploy()
    assert c.get_job(JobName="a")["Job"]["DefaultArguments"] == {"--label": "fixed"}
    resumed = run.resume()
    resumed.wait(timeout=90, progress=False)
    assert resumed.succeeded
    done = wait_run(c, "w", resumed.run_id)
    assert done["PreviousRunId"] == run.run_id
    assert states(done) == {"a": "SUCCEEDED", "b": "SUCCEEDED"}
    assert resumed.properties["period"] == "2026-10"
    other = gn.Run.get("w", home=home)  # a handle made elsewhere sees the same run
    assert other.run_id == resumed.run_id and other.status == "COMPLETED"
    assert len(wf.runs()) == 2


@pytest.mark.kernel
def test_wait_times_out_on_a_run_still_running_then_stop_ends_it(tmp_path: Path) -> None:
    slow = gn.NotebookJob("slow", JOB_NB, parameters={"sleep": 30})
    run = gn.Workflow("slow-wf", home=tmp_path / "home").run(slow).start()
    with pytest.raises(OperationTimeoutException, match="still RUNNING"):
        run.wait(timeout=0.5, progress=False)
    run.stop().wait(timeout=60, progress=False)
    assert run.status == "STOPPED"
    assert list(run.table()["state"]) == ["STOPPED"]
