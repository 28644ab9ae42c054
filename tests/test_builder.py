"""glue_nb.builder: the fluent API builds Glue-shaped definitions; load, change, deploy, run."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import JOB_NB, snapshot, states, wait_run, write_notebook

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
        (  # two different jobs of one name in one run(): named as such, not as "given twice"
            lambda a, b: gn.Workflow("w").run(a, gn.NotebookJob("a", JOB_NB, max_retries=3)),
            "two different definitions named 'a'",
        ),
        (lambda a, b: gn.Workflow("w").run(a, a), "'a' is given twice to trigger"),
        (lambda a, b: gn.Workflow("w").run(a).when_all_succeeded("t").to_glue(), "starts nothing"),
        (lambda a, b: gn.Workflow("w").to_glue(), "no start trigger"),
    ],
)
def test_builder_errors(build: object, match: str) -> None:
    a, b = jobs("a", "b")
    with pytest.raises(InvalidInputException, match=match):
        build(a, b)  # type: ignore[operator]


# -- every argument is checked where it is given -------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"parameters": {1: 2}},
            r"NotebookJob 'x': parameters: parameter name 1 must be a non-empty",
        ),
        ({"parameters": ["a"]}, r"NotebookJob 'x': parameters must be a map .*got list \['a'\]"),
        ({"parameters": "a=1"}, "parameters must be a map"),
        ({"parameters": {"": 1}}, "parameter name '' must be a non-empty string"),
        ({"parameters": {"class": "c"}}, "'--class' cannot become a notebook parameter"),
        ({"parameters": {"s": "a\udc80"}}, "value of '--s' .* lone surrogate"),
        ({"parameters": {"cols": [object()]}}, "the value of parameter 'cols' cannot be passed"),
        ({"notebook": None}, r"NotebookJob 'x': notebook must be the path .*got NoneType None"),
        ({"notebook": 5}, "notebook must be the path"),
        ({"notebook": ""}, "notebook must be the path"),
        ({"notebook": "a\x00.ipynb"}, "contains a NUL"),
        ({"max_retries": -1}, "NotebookJob 'x': max_retries must be an integer from 0 to 10"),
        ({"max_retries": "2"}, "max_retries must be an integer"),
        ({"timeout": "0.02"}, r"NotebookJob 'x': timeout \(minutes\) must be a number"),
        ({"timeout": -1}, "timeout"),
        ({"max_concurrent_runs": 0}, "max_concurrent_runs must be an integer >= 1"),
        ({"queue_runs": "yes"}, "NotebookJob 'x': queue_runs must be true or false"),
        ({"kernel_name": 3}, "kernel_name must be the name of a Jupyter kernel"),
        ({"description": 5}, "description must be a string"),
        ({"name": None}, "Job name must be a string of 1-255 characters, got None"),
        ({"name": "a\udc80"}, "Job name .* lone surrogate"),
    ],
)
def test_notebook_job_checks_every_field(kwargs: dict, match: str) -> None:
    args = {"name": "x", "notebook": JOB_NB, **kwargs}
    with pytest.raises(InvalidInputException, match=match):
        gn.NotebookJob(**args)


def test_notebook_job_normalises_what_it_accepts(tmp_path: Path) -> None:
    job = gn.NotebookJob("x", tmp_path / "a.ipynb", parameters={"--n": 1}, timeout=1)
    assert job.notebook == str(tmp_path / "a.ipynb")  # a pathlib.Path becomes its string
    assert job.to_request()["DefaultArguments"] == {"--n": "1"}
    assert gn.NotebookJob("x", "s3://bucket/a.ipynb").notebook == "s3://bucket/a.ipynb"


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda a, b: a.with_arguments(timeout=-1), r"action 'a': timeout \(minutes\) must be"),
        (lambda a, b: a.with_arguments(**{"class": "x"}), "'--class' cannot become"),
        (lambda a, b: gn.Action("a"), "an action starts a NotebookJob or a Crawler, got str"),
        (lambda a, b: gn.Workflow(None), "Workflow name must be a string"),
        (lambda a, b: gn.Workflow("w", default_run_properties={"n": 1}), "value of 'n' must be"),
        (lambda a, b: gn.Workflow("w", default_run_properties=["a"]), "must be a map of strings"),
        (lambda a, b: gn.Workflow("w", max_concurrent_runs=0), "max_concurrent_runs"),
        (lambda a, b: gn.Workflow("w", description=7), "description must be a string"),
        (lambda a, b: gn.Workflow("w", home=5), "home must be a folder path"),
        (lambda a, b: gn.Workflow("w").run("a"), "run\\(\\) takes NotebookJob, Crawler .*got str"),
        (lambda a, b: gn.Workflow("w").run(None), "run\\(\\) takes NotebookJob"),
        (lambda a, b: gn.Workflow("w").run(a, a), "'a' is given twice to trigger 'w: on demand'"),
        (lambda a, b: gn.Workflow("w").run(a, arguments=["x"]), "run\\(\\) arguments must be"),
        (lambda a, b: gn.Workflow("w").run(a, timeout="1"), "run\\(\\) timeout"),
        (lambda a, b: gn.Workflow("w").on_demand(5), "Trigger name must be a string"),
        (lambda a, b: gn.Workflow("w").on_schedule("t", "cron(0 6 * * ? *)", active="no"),
         "on_schedule active must be true or false"),
        (lambda a, b: gn.Workflow("w").run(a).when("t", 5), "conditions must be"),
        (lambda a, b: gn.Workflow("w").run(a).when("t", [(a,)]), "a \\(node, state\\) pair"),
        (lambda a, b: gn.Workflow("w").run(a).when("t", {a: "SUCCEEDED"}, logical="OR"),
         "logical must be 'AND' or 'ANY'"),
        (lambda a, b: gn.Workflow("w").run(a).when("t", {5: "SUCCEEDED"}), "got int 5"),
        (lambda a, b: gn.Workflow("w").run(a).when_all(["SUCCEEDED"]), "cannot watch"),
        (lambda a, b: gn.Workflow("w").run(a).after(None), "expected a job, a crawler"),
        (lambda a, b: gn.Workflow("w").run(a).remove_trigger([]), "has no trigger \\[\\]"),
        (lambda a, b: gn.Workflow("w").run(a).replace("a"), "replace\\(\\) takes a NotebookJob"),
        (lambda a, b: gn.Workflow("w").run(a).job("nope"), "has no job 'nope' \\(known: a\\)"),
        (lambda a, b: gn.Crawler("c", "data/", "db"), "targets must be a list .*got str"),
        (lambda a, b: gn.Crawler("c", [5], "db"), "each target must be a path"),
        (lambda a, b: gn.Crawler("c", ["d"], "db", configuration=5), "configuration must be"),
        (lambda a, b: gn.Crawler("c", ["d"], "db", configuration={"x": {1}}).to_request(),
         "cannot be written as JSON"),
    ],
)  # fmt: skip
def test_fluent_calls_check_their_arguments(build: object, match: str) -> None:
    a, b = jobs("a", "b")
    with pytest.raises(InvalidInputException, match=match):
        build(a, b)  # type: ignore[operator]


def test_generated_trigger_names_stay_within_glue_limits(tmp_path: Path) -> None:
    long = "w" * 250
    a, b = (gn.NotebookJob(n * 200, JOB_NB) for n in "ab")
    wf = gn.Workflow(long, home=tmp_path / "home").run(a).when_all_succeeded().run(b)
    names = [t["Name"] for t in wf.to_glue()["Triggers"]]
    assert all(len(n) <= 255 for n in names) and len(set(names)) == 2
    wf.deploy()  # Glue's rules hold: the names are valid
    assert len(gn.client(tmp_path / "home").definitions.workflow_triggers(long)) == 2


def test_start_refused_for_its_run_properties_deploys_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    wf = gn.Workflow("w", home=home).run(*jobs("a"))
    with pytest.raises(InvalidInputException, match="Workflow 'w' RunProperties: value of 'n'"):
        wf.start({"n": 1})
    with pytest.raises(InvalidInputException, match="unknown executor 'nope'"):
        wf.start(executor="nope")
    assert not snapshot(home) or not any(snapshot(home).values())
    assert gn.client(home).list_workflows()["Workflows"] == []


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
    assert table["error"][0] == "ValueError: broken (Cell In[6])"
    assert Path(table["output_notebook"][0]).is_file()
    nodes = {n["Name"]: n["UniqueId"] for n in run.describe()["Graph"]["Nodes"]}
    assert run.failed_nodes() == [nodes["a"]]

    # fix the job through the fluent API, deploy, resume the failed node
    wf = gn.Workflow.load("w", home=home)
    wf = wf.replace(gn.NotebookJob("a", JOB_NB, parameters={"label": "fixed"}))
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


@pytest.mark.kernel
def test_old_and_kernel_less_notebooks_run(tmp_path: Path) -> None:
    """An nbformat 3 notebook (upgraded in memory, the file untouched) and a notebook without a
    kernelspec both run, with the default kernel; before, every run failed with papermill's
    "No kernel name found in notebook"."""
    from nbformat import v3, writes

    old = tmp_path / "old.ipynb"
    cells = [v3.new_code_cell(input="n = 1", metadata={"tags": ["parameters"]}),
             v3.new_code_cell(input="print('n is', n)")]  # fmt: skip
    old.write_text(writes(v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)]), version=3))
    text = old.read_text()
    bare = write_notebook(tmp_path / "bare.ipynb", ["n = 1", "print('n is', n)"], kernelspec=False)
    jobs_ = [gn.NotebookJob("old", old, parameters={"n": 2}), gn.NotebookJob("bare", bare)]
    run = gn.Workflow("w", home=tmp_path / "home").run(*jobs_).start()
    run.wait(timeout=120, progress=False)
    table = run.table().set_index("node")
    assert dict(table["state"]) == {"old": "SUCCEEDED", "bare": "SUCCEEDED"}, dict(table["error"])
    import nbformat

    out = nbformat.read(table["output_notebook"]["old"], as_version=4)
    assert out.nbformat == 4 and out.metadata.kernelspec.name == "python3"
    printed = [o["text"] for c in out.cells for o in c.get("outputs", []) if "text" in o]
    assert printed == ["n is 2\n"]  # the parameter reached the old notebook
    assert old.read_text() == text  # the file itself is not upgraded


def test_deploying_never_changes_a_job_another_workflow_runs(tmp_path: Path) -> None:
    """Jobs are global, as in Glue: a workflow that reuses a job's name with another definition
    is refused (naming the workflow that runs it) and writes nothing."""
    from glue_nb.exceptions import AlreadyExistsException

    home = tmp_path / "home"
    other_nb = write_notebook(tmp_path / "other.ipynb", ["n = 1", "pass"])
    clean = gn.NotebookJob("clean", JOB_NB, parameters={"n": 5})
    gn.Workflow("a", home=home).run(clean).deploy()
    with pytest.raises(AlreadyExistsException, match=r"job 'clean' .* workflow 'a' runs it"):
        gn.Workflow("b", home=home).run(gn.NotebookJob("clean", other_nb)).deploy()
    c = gn.client(home)
    assert c.list_workflows()["Workflows"] == ["a"]  # nothing written
    assert c.get_job(JobName="clean")["Job"]["DefaultArguments"] == {"--n": "5"}
    # the same definition is shared freely, and a workflow may change a job only it runs
    gn.Workflow("b", home=home).run(clean).deploy()
    changed = gn.NotebookJob("clean", JOB_NB, parameters={"n": 6})
    with pytest.raises(AlreadyExistsException, match=r"workflow 'b' runs it"):
        gn.Workflow("a", home=home).run(changed).deploy()
    gn.Workflow("b", home=home).run(gn.NotebookJob("clean-b", other_nb)).deploy()
    gn.Workflow("a", home=home).run(changed).deploy()
    assert c.get_job(JobName="clean")["Job"]["DefaultArguments"] == {"--n": "6"}


def test_a_value_the_notebook_never_reads_is_warned_about(tmp_path: Path) -> None:
    """A parameter that the notebook's parameters cell does not assign (a typo), or values for a
    notebook without a parameters cell, are warned about at deploy, naming job and notebook."""
    from glue_nb.builder.checks import ParameterWarning

    ok = write_notebook(tmp_path / "ok.ipynb", ["n = 1", "print(n)"])
    plain = write_notebook(tmp_path / "plain.ipynb", ["n = 1", "print(n)"], parameters_cell=None)
    typo = gn.NotebookJob("typo", ok, parameters={"n": 2, "nn": 3, "--enable-metrics": "true"})
    wf = (
        gn.Workflow("w", home=tmp_path / "home")
        .run(typo, gn.NotebookJob("plain", plain, parameters={"n": 2}))
        .when_all_succeeded()
        .run(gn.NotebookJob("fine", ok).with_arguments(n=4))
    )
    with pytest.warns(ParameterWarning) as seen:
        wf.deploy()
    messages = sorted(str(w.message) for w in seen)
    assert len(messages) == 2, messages
    assert messages[0].startswith("NotebookJob 'plain': plain.ipynb has no cell tagged")
    assert "'typo': its parameters set 'nn', which ok.ipynb's parameters cell does not assign " \
           "(it assigns n)" in messages[1]  # fmt: skip
    assert seen[0].filename == __file__  # the user's deploy() line
    import warnings

    fine = gn.NotebookJob("f", ok).with_arguments(n=4)  # an action's arguments, declared
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gn.Workflow("w2", home=tmp_path / "home").run(fine).deploy()
    assert gn.client(tmp_path / "home").get_job(JobName="f")["Job"]["Name"] == "f"


def test_a_value_that_cannot_take_its_parameters_type_is_refused_before_writing(
    tmp_path: Path,
) -> None:
    ok = write_notebook(tmp_path / "ok.ipynb", ["n = 1\nrate = 0.5\nlabel = 'x'", "print(n)"])
    home = tmp_path / "home"
    for bad, match in (({"n": "abc"}, "parameter 'n' expects int"),
                       ({"rate": "fast"}, "parameter 'rate' expects float")):  # fmt: skip
        with pytest.raises(InvalidInputException, match=rf"NotebookJob 'j' \(ok.ipynb\): {match}"):
            gn.Workflow("w", home=home).run(gn.NotebookJob("j", ok, parameters=bad)).deploy()
    with pytest.raises(InvalidInputException, match=r"argument '--n' has value '2\.5'"):
        gn.Workflow("w", home=home).run(gn.NotebookJob("j", ok).with_arguments(n="2.5")).start()
    assert not (home / "glue_nb.sqlite").exists() or gn.client(home).list_workflows()[
        "Workflows"] == []  # fmt: skip
    gn.Workflow("w", home=home).run(
        gn.NotebookJob("j", ok, parameters={"n": "7", "rate": 2, "label": 3})
    ).deploy()  # "7" is an int, 2 a float, and a string parameter takes anything
