"""glue_nb.client(): Glue's operation names and shapes, errors like botocore's, pagination, and the
same stored definitions whether a workflow is built with the client or the fluent API."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from conftest import (
    JOB_NB,
    ROOT,
    InstantExecutor,
    condition,
    job_request,
    make_workflow,
    snapshot,
    states,
    wait_for,
    wait_run,
)

import glue_nb
from glue_nb.client import GlueClient
from glue_nb.exceptions import (
    ERRORS,
    AlreadyExistsException,
    EntityNotFoundException,
    GlueNbError,
    InvalidInputException,
)


# -- the client object --------------------------------------------------------------------------
def test_client_home_resolution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    a = glue_nb.client(tmp_path / "a")
    assert glue_nb.client(tmp_path / "a") is a  # cached per home
    assert glue_nb.client(str(tmp_path / "a")) is a
    assert glue_nb.client(tmp_path / "b") is not a
    monkeypatch.setenv("GLUE_NB_HOME", str(tmp_path / "env"))
    assert Path(glue_nb.client().home) == tmp_path / "env"
    monkeypatch.delenv("GLUE_NB_HOME")
    monkeypatch.chdir(tmp_path)
    assert Path(glue_nb.client().home) == tmp_path / ".glue_nb"
    assert isinstance(a, GlueClient) and "glue_nb.client(" in repr(a)


def test_keyword_arguments_only(client: GlueClient) -> None:
    """botocore's own checks, before anything is sent (or written)."""
    before = snapshot(client.home)
    with pytest.raises(TypeError, match="only accepts keyword arguments"):
        client.get_workflow("w")
    with pytest.raises(ParamValidationError, match='Unknown parameter in input: "Bogus"'):
        client.get_workflow(Name="w", Bogus=1)
    with pytest.raises(ParamValidationError, match="Invalid type for parameter Name"):
        client.create_workflow(Name=5)
    with pytest.raises(AttributeError, match="get_blueprint_thing"):
        client.get_blueprint_thing  # noqa: B018
    assert snapshot(client.home) == before


# -- errors -------------------------------------------------------------------------------------
def test_errors_look_like_botocore(client: GlueClient) -> None:
    with pytest.raises(client.exceptions.EntityNotFoundException) as err:
        client.get_workflow(Name="nope")
    exc = err.value
    assert isinstance(exc, GlueNbError) and isinstance(exc, client.exceptions.ClientError)
    assert exc.response["Error"]["Code"] == "EntityNotFoundException"
    assert "workflow 'nope' not found" in exc.response["Error"]["Message"]
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert exc.operation_name == "GetWorkflow"
    assert str(exc).startswith(
        "An error occurred (EntityNotFoundException) when calling the GetWorkflow operation: "
    )
    client.create_workflow(Name="w")
    try:
        client.create_workflow(Name="w")
    except GlueNbError as caught:  # code written for boto3's ClientError
        assert caught.response["Error"]["Code"] == "AlreadyExistsException"
        assert isinstance(caught, AlreadyExistsException)
    else:  # pragma: no cover
        pytest.fail("no error")


def test_client_exceptions_namespace(client: GlueClient) -> None:
    """Every error of Glue's model, each a botocore ClientError and glue-nb's class of that
    code, the same classes for Glue's API and glue-nb's."""
    glue = client.glue
    codes = {str(s.error_code) for s in glue.meta.service_model.error_shapes}
    assert len(codes) >= 48
    for code in codes:
        cls = getattr(glue.exceptions, code)
        assert glue.exceptions.from_code(code) is cls and cls.__name__ == code
        assert issubclass(cls, ClientError) and issubclass(cls, GlueNbError)
        if code in ERRORS:
            assert issubclass(cls, ERRORS[code])
    assert glue.exceptions.from_code("NoSuchCode") is ClientError
    assert client.exceptions.EntityNotFoundException is glue.exceptions.EntityNotFoundException


@pytest.mark.parametrize("cls", list(ERRORS.values()), ids=list(ERRORS))
def test_exceptions_pickle(cls: type[GlueNbError]) -> None:
    exc = cls("job 'x' is wrong", "StartJobRun")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls
    assert back.message == exc.message and back.operation_name == "StartJobRun"
    assert back.response == exc.response and str(back) == str(exc)


def test_deleting_what_does_not_exist_is_not_an_error(client: GlueClient) -> None:
    assert client.delete_workflow(Name="ghost")["Name"] == "ghost"
    assert client.delete_job(JobName="ghost")["JobName"] == "ghost"
    assert client.delete_trigger(Name="ghost")["Name"] == "ghost"


def test_unknown_names_and_run_ids(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    cases = [
        (lambda: client.get_workflow_run(Name="w", RunId="wr_nope"), "wr_nope"),
        (lambda: client.get_workflow_run(Name="nope", RunId="wr_nope"), "workflow 'nope'"),
        (lambda: client.get_workflow_runs(Name="nope"), "workflow 'nope'"),
        (lambda: client.get_workflow_run_properties(Name="w", RunId="wr_nope"), "wr_nope"),
        (lambda: client.put_workflow_run_properties(Name="w", RunId="wr_nope",
                                                    RunProperties={"a": "b"}), "wr_nope"),
        (lambda: client.stop_workflow_run(Name="w", RunId="wr_nope"), "wr_nope"),
        (lambda: client.get_job(JobName="nope"), "job 'nope'"),
        (lambda: client.get_job_run(JobName="a", RunId="jr_nope"), "jr_nope"),
        (lambda: client.get_job_runs(JobName="nope"), "job 'nope'"),
        (lambda: client.get_trigger(Name="nope"), "trigger 'nope'"),
        (lambda: client.start_job_run(JobName="nope"), "job 'nope'"),
        (lambda: client.get_triggers(DependentJobName="nope"), "job 'nope'"),
    ]  # fmt: skip
    before = snapshot(client.home)
    for call, fragment in cases:
        with pytest.raises(EntityNotFoundException) as err:
            call()
        assert fragment in err.value.message
    assert snapshot(client.home) == before


# -- reading definitions --------------------------------------------------------------------------
def test_workflow_graph_and_batch_get(client: GlueClient) -> None:
    nodes = make_workflow(
        client, "w", {"a": {}, "b": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    wf = client.get_workflow(Name="w", IncludeGraph=True)["Workflow"]
    graph = wf["Graph"]
    assert {(n["Type"], n["Name"]) for n in graph["Nodes"]} == {
        ("TRIGGER", "w: start"), ("TRIGGER", "a ok"), ("JOB", "a"), ("JOB", "b"),
    }  # fmt: skip
    edges = {(e["SourceId"], e["DestinationId"]) for e in graph["Edges"]}
    assert edges == {
        (nodes["w: start"], nodes["a"]),
        (nodes["a"], nodes["a ok"]),
        (nodes["a ok"], nodes["b"]),
    }
    assert "Graph" not in client.get_workflow(Name="w")["Workflow"]
    assert "LastRun" not in wf
    got = client.batch_get_workflows(Names=["w", "nope"])
    assert [w["Name"] for w in got["Workflows"]] == ["w"] and got["MissingWorkflows"] == ["nope"]
    with pytest.raises(ParamValidationError, match="Names"):
        client.batch_get_workflows(Names=[])
    assert [t["Name"] for t in client.get_triggers(DependentJobName="b")["Triggers"]] == ["a ok"]
    assert client.get_job(JobName="a")["Job"]["Command"]["ScriptLocation"] == JOB_NB


def test_pagination_of_workflows_and_jobs(client: GlueClient) -> None:
    for i in range(7):
        client.create_workflow(Name=f"w{i}")
    names, token, pages = [], None, 0
    while True:
        kw: dict[str, Any] = {"MaxResults": 3} | ({"NextToken": token} if token else {})
        page = client.list_workflows(**kw)
        names += page["Workflows"]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert names == [f"w{i}" for i in range(7)] and pages == 3
    assert "NextToken" not in client.list_workflows()
    with pytest.raises(InvalidInputException, match="MaxResults must be 1-25"):
        client.list_workflows(MaxResults=26)
    client.create_job(**job_request("j"))
    client.create_job(**job_request("k"))
    assert client.list_jobs(MaxResults=1)["JobNames"] == ["j"]
    assert [j["Name"] for j in client.get_jobs()["Jobs"]] == ["j", "k"]


def test_pagination_of_job_runs(client: GlueClient) -> None:
    client.create_job(**job_request("j", ExecutionProperty={"MaxConcurrentRuns": 10}))
    instant = InstantExecutor()
    ids = []
    for i in range(5):
        ids.append(
            client.start_job_run(JobName="j", Arguments={"--n": str(i)}, Executor=instant)[
                "JobRunId"
            ]
        )
    wait_for(
        lambda: all(
            r["JobRunState"] == "SUCCEEDED" for r in client.get_job_runs(JobName="j")["JobRuns"]
        )
    )
    seen, token = [], None
    while True:
        page = client.get_job_runs(
            JobName="j", MaxResults=2, **({"NextToken": token} if token else {})
        )
        assert len(page["JobRuns"]) <= 2
        seen += [r["Id"] for r in page["JobRuns"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    assert seen == [r["Id"] for r in client.get_job_runs(JobName="j")["JobRuns"]]  # newest first
    with pytest.raises(ParamValidationError, match="MaxResults"):
        client.get_job_runs(JobName="j", MaxResults=0)
    with pytest.raises(InvalidInputException, match="MaxResults must be 1-200"):
        client.get_job_runs(JobName="j", MaxResults=201)


# -- runs through the client ----------------------------------------------------------------------
def test_run_properties_put_is_an_upsert_and_defaults_stay(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"], DefaultRunProperties={"period": "2026-10"})
    run_id = client.start_workflow_run(
        Name="w", RunProperties={"region": "eu"}, Executor=InstantExecutor()
    )["RunId"]
    wait_run(client, "w", run_id)
    get = lambda: client.get_workflow_run_properties(Name="w", RunId=run_id)["RunProperties"]  # noqa: E731
    assert get() == {"period": "2026-10", "region": "eu"}
    client.put_workflow_run_properties(
        Name="w", RunId=run_id, RunProperties={"region": "us", "x": "1"}
    )
    assert get() == {"period": "2026-10", "region": "us", "x": "1"}
    before = snapshot(client.home)
    with pytest.raises(ParamValidationError, match=r"RunProperties\.x"):
        client.put_workflow_run_properties(Name="w", RunId=run_id, RunProperties={"x": 2})
    with pytest.raises(InvalidInputException, match="at least one"):
        client.put_workflow_run_properties(Name="w", RunId=run_id, RunProperties={})
    assert snapshot(client.home) == before
    assert client.get_workflow(Name="w")["Workflow"]["DefaultRunProperties"] == {
        "period": "2026-10"
    }
    run = client.get_workflow_run(Name="w", RunId=run_id)["Run"]
    assert run["WorkflowRunProperties"] == get() and "Graph" not in run
    last = client.get_workflow(Name="w")["Workflow"]["LastRun"]
    assert last["WorkflowRunId"] == run_id


def test_get_workflow_runs_pages_newest_first(client: GlueClient) -> None:
    make_workflow(client, "w", {"a": {}}, start=["a"])
    instant = InstantExecutor()
    ids = [client.start_workflow_run(Name="w", Executor=instant)["RunId"] for _ in range(3)]
    for rid in ids:
        wait_run(client, "w", rid)
    page = client.get_workflow_runs(Name="w", MaxResults=2)
    assert [r["WorkflowRunId"] for r in page["Runs"]] == ids[::-1][:2]
    rest = client.get_workflow_runs(Name="w", MaxResults=2, NextToken=page["NextToken"])
    assert [r["WorkflowRunId"] for r in rest["Runs"]] == [ids[0]] and "NextToken" not in rest
    assert all("Graph" not in r for r in page["Runs"])
    assert "Graph" in client.get_workflow_runs(Name="w", IncludeGraph=True)["Runs"][0]


def test_triggers_start_stop(client: GlueClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_nb import executors

    monkeypatch.setitem(executors.EXECUTORS, "instant-test", lambda: InstantExecutor())
    monkeypatch.setattr(executors, "_shared", {})
    monkeypatch.setenv("GLUE_NB_EXECUTOR", "instant-test")
    make_workflow(
        client, "w", {"a": {}, "b": {}}, start=["a"],
        conditional=[("a ok", [condition("a")], "AND", ["b"])],
    )  # fmt: skip
    # ON_DEMAND start trigger: StartTrigger starts a workflow run
    client.start_trigger(Name="w: start")
    run = wait_for(lambda: client.get_workflow_runs(Name="w")["Runs"], what="a run")[0]
    run = wait_run(client, "w", run["WorkflowRunId"])
    assert states(run) == {"a": "SUCCEEDED", "b": "SUCCEEDED"}
    with pytest.raises(InvalidInputException, match="ON_DEMAND"):
        client.stop_trigger(Name="w: start")
    # a deactivated conditional trigger does not fire
    client.stop_trigger(Name="a ok")
    assert client.get_trigger(Name="a ok")["Trigger"]["State"] == "DEACTIVATED"
    run = wait_run(client, "w", client.start_workflow_run(Name="w")["RunId"])
    assert states(run) == {"a": "SUCCEEDED", "b": None}
    client.start_trigger(Name="a ok")
    assert client.get_trigger(Name="a ok")["Trigger"]["State"] == "ACTIVATED"
    assert "a ok" in client.list_triggers()["TriggerNames"]


def test_batch_stop_job_run_reports_errors(client: GlueClient) -> None:
    client.create_job(**job_request("j"))
    instant = InstantExecutor()
    rid = client.start_job_run(JobName="j", Executor=instant)["JobRunId"]
    wait_for(
        lambda: client.get_job_run(JobName="j", RunId=rid)["JobRun"]["JobRunState"] == "SUCCEEDED"
    )
    out = client.batch_stop_job_run(JobName="j", JobRunIds=[rid, "jr_nope"])
    assert out["SuccessfulSubmissions"] == []
    codes = {e["JobRunId"]: e["ErrorDetail"]["ErrorCode"] for e in out["Errors"]}
    assert codes == {rid: "InvalidInputException", "jr_nope": "EntityNotFoundException"}


# -- both paths produce the same definitions ------------------------------------------------------
DEMO = ROOT / "notebooks" / "jobs"


def month_close_fluent(home: Path) -> None:
    import glue_nb as gn

    dedupe = gn.NotebookJob("De-duplicate", DEMO / "dedupe.ipynb")
    phones = gn.NotebookJob("Fix phone numbers", DEMO / "fix_phones.ipynb",
                            parameters={"country": "US"})  # fmt: skip
    report = gn.NotebookJob("Month-close report", DEMO / "report.ipynb", max_retries=1)
    (
        gn.Workflow("month-close", default_run_properties={"period": "2026-10"}, home=home)
        .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
        .run(dedupe, phones)
        .when_all_succeeded("Fix/De-dupe succeeded")
        .run(report)
        .deploy()
    )


def month_close_client(home: Path) -> None:
    c = glue_nb.client(home).nb  # Role is optional in glue-nb's API
    c.create_workflow(Name="month-close", DefaultRunProperties={"period": "2026-10"})
    c.create_job(
        Name="De-duplicate",
        Command={"Name": "notebook", "ScriptLocation": str(DEMO / "dedupe.ipynb")},
    )
    c.create_job(
        Name="Fix phone numbers",
        Command={"Name": "notebook", "ScriptLocation": str(DEMO / "fix_phones.ipynb")},
        DefaultArguments={"--country": "US"},
    )
    c.create_job(
        Name="Month-close report",
        MaxRetries=1,
        Command={"Name": "notebook", "ScriptLocation": str(DEMO / "report.ipynb")},
    )
    c.create_trigger(
        Name="Month-close1",
        WorkflowName="month-close",
        Type="SCHEDULED",
        Schedule="cron(0 6 1 * ? *)",
        StartOnCreation=True,
        Actions=[{"JobName": "De-duplicate"}, {"JobName": "Fix phone numbers"}],
    )
    c.create_trigger(Name="Fix/De-dupe succeeded", WorkflowName="month-close",
                     Type="CONDITIONAL", StartOnCreation=True,
                     Predicate={"Logical": "AND", "Conditions": [
                         {"LogicalOperator": "EQUALS", "JobName": "De-duplicate",
                          "State": "SUCCEEDED"},
                         {"LogicalOperator": "EQUALS", "JobName": "Fix phone numbers",
                          "State": "SUCCEEDED"}]},
                     Actions=[{"JobName": "Month-close report"}])  # fmt: skip


def stored(home: Path) -> dict[str, Any]:
    c = glue_nb.client(home)

    def strip(d: dict[str, Any]) -> dict[str, Any]:
        dropped = ("CreatedOn", "LastModifiedOn", "ResponseMetadata")
        return {k: v for k, v in d.items() if k not in dropped}

    wf = c.get_workflow(Name="month-close", IncludeGraph=True)["Workflow"]
    graph = wf.pop("Graph")
    return {
        "workflow": strip(wf),
        "nodes": sorted(graph["Nodes"], key=lambda n: n["UniqueId"]),
        "edges": sorted((e["SourceId"], e["DestinationId"]) for e in graph["Edges"]),
        "jobs": [strip(j) for j in c.get_jobs()["Jobs"]],
        "triggers": c.get_triggers()["Triggers"],
    }


def test_fluent_and_client_store_the_same_definitions(tmp_path: Path, clean_env: None) -> None:
    month_close_fluent(tmp_path / "fluent")
    month_close_client(tmp_path / "client")
    fluent, by_client = stored(tmp_path / "fluent"), stored(tmp_path / "client")
    assert fluent == by_client
    assert len(fluent["nodes"]) == 5 and len(fluent["edges"]) == 5
    assert {t["State"] for t in fluent["triggers"]} == {"ACTIVATED"}
    # what one path built, the other changes: the fluent API loads a client-built workflow
    wf = glue_nb.Workflow.load("month-close", home=tmp_path / "client")
    assert set(wf.jobs) == {"De-duplicate", "Fix phone numbers", "Month-close report"}
    assert wf.jobs["Fix phone numbers"].parameters == {"country": "US"}
    wf.deploy()  # an unchanged round trip stores the same again
    assert stored(tmp_path / "client") == fluent


def test_relative_notebook_paths_resolve_at_definition_time(
    client: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import write_notebook

    write_notebook(tmp_path / "project" / "jobs" / "clean.ipynb", ["x = 1"])
    monkeypatch.chdir(tmp_path / "project")
    client.create_job(
        Name="clean", Command={"Name": "notebook", "ScriptLocation": "jobs/clean.ipynb"}
    )
    monkeypatch.chdir(tmp_path)
    stored = client.get_job(JobName="clean")["Job"]["Command"]["ScriptLocation"]
    assert stored == str(tmp_path / "project" / "jobs" / "clean.ipynb")
    with pytest.raises(InvalidInputException, match="does not exist"):
        client.create_job(Name="other", Command={"ScriptLocation": "jobs/clean.ipynb"})


def test_bad_input_through_the_client(client: GlueClient) -> None:
    """Each rejected request: the Glue exception class and code, the operation, the entity
    named, and nothing written."""
    make_workflow(client, "w", {"a": {}}, start=["a"])
    cases = [
        ("CreateWorkflow", "AlreadyExistsException", "'w'",
         lambda: client.create_workflow(Name="w")),
        ("CreateJob", "InvalidInputException", "/nope.ipynb",
         lambda: client.create_job(**job_request("b", "/nope.ipynb"))),
        ("CreateTrigger", "EntityNotFoundException", "'ghost'",
         lambda: client.create_trigger(Name="t", WorkflowName="w", Type="CONDITIONAL",
                                       Predicate={"Conditions": [condition("a")]},
                                       Actions=[{"JobName": "ghost"}])),
        ("CreateTrigger", "InvalidInputException", "Trigger 't'",
         lambda: client.create_trigger(Name="t", WorkflowName="w", Type="CONDITIONAL",
                                       Actions=[{"JobName": "a"}])),
        ("CreateTrigger", "InvalidInputException", "Minutes",
         lambda: client.create_trigger(Name="t", Type="SCHEDULED", Schedule="cron(99 * * * ? *)",
                                       Actions=[{"JobName": "a"}])),
        ("StartWorkflowRun", "InvalidInputException", "executor 'nope'",
         lambda: client.start_workflow_run(Name="w", RunProperties={"n": ""}, Executor="nope")),
        ("GetWorkflow", "EntityNotFoundException", "'ghost'",
         lambda: client.get_workflow(Name="ghost")),
    ]  # fmt: skip
    before = snapshot(client.home)
    for operation, code, fragment, call in cases:
        with pytest.raises(getattr(client.exceptions, code)) as err:
            call()
        assert err.value.response["Error"]["Code"] == code
        assert err.value.operation_name == operation
        assert fragment in err.value.response["Error"]["Message"]
    assert snapshot(client.home) == before
