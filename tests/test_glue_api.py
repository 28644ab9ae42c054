"""glue_nb.client() is botocore's Glue client, answered in-process: every answer has exactly
Glue's output shape, paginators and errors are botocore's, and the operations Glue users reach
for (tags, batch gets, crawler schedules, crawl filters, run resources) behave as in Glue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import Stubber
from conftest import JOB_NB, snapshot, wait_for
from endpoint_shapes import problems

import glue_nb
from glue_nb.api import operations, wire
from glue_nb.executors.instant import InstantExecutor

ROLE = "arn:aws:iam::123456789012:role/GlueRole"
NB_COMMAND = {"Name": "notebook", "ScriptLocation": JOB_NB}


class QuickExecutor(InstantExecutor):
    """Notebook jobs end at once (``outcomes``: job → state); crawls really crawl."""

    name = "quick"


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every answer of Glue's API in this test, by operation (what the handlers returned)."""
    seen: dict[str, list[dict[str, Any]]] = {}
    for name, handler in list(operations.GLUE.items()):

        def record(svc: Any, p: Any, name: str = name, handler: Any = handler) -> Any:
            answers = seen.setdefault(name, [])  # called, even if it answers with an error
            out = handler(svc, p)
            answers.append(out)
            return out

        monkeypatch.setitem(operations.GLUE, name, record)
    monkeypatch.setattr(wire, "_services", None)
    yield seen


@pytest.fixture
def glue(home: Path, clean_env: None) -> Any:
    return glue_nb.client(home)


def csv_folder(path: Path) -> Path:
    for part in ("2026-10", "2026-11"):
        folder = path / f"period={part}"
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("id,name,amount\n1,a,1.5\n2,b,2.5\n")
    return path


LAYOUT = """\
from glue_nb.blueprint.workflow import Workflow, Entities
from glue_nb.blueprint.job import Job
from glue_nb.blueprint import boto3


def generate_layout(user_params, system_params):
    glue = boto3.Session(region_name=system_params["region"]).client("glue")
    glue.create_database(DatabaseInput={"Name": user_params["WorkflowName"] + "_db"})
    job = Job(Name="step", Role="r", Command={"Name": "notebook", "ScriptLocation": "%s"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]))
"""


def blueprint_package(parent: Path) -> Path:
    folder = parent / "bp_one"
    folder.mkdir(parents=True)
    spec = {"WorkflowName": {"type": "String", "collection": False}}
    cfg = {"layoutGenerator": "bp_one.layout.generate_layout", "parameterSpec": spec}
    (folder / "blueprint.cfg").write_text(json.dumps(cfg))
    (folder / "layout.py").write_text(LAYOUT % JOB_NB)
    return folder


def wait_crawler(glue: Any, name: str) -> dict[str, Any]:
    return wait_for(
        lambda: (c := glue.get_crawler(Name=name)["Crawler"])["State"] == "READY" and c,
        60,
        f"crawler {name} to be READY",
    )


def test_every_answer_has_glues_exact_output_shape(
    glue: Any,
    answers: dict[str, list[dict[str, Any]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drive every operation glue-nb answers (errors included) and check each answer against
    botocore's output shape: no member Glue lacks, no null, every type Glue's."""
    from glue_nb.executors import register_executor

    register_executor("quick", QuickExecutor)
    monkeypatch.setenv("GLUE_NB_EXECUTOR", "quick")  # what Glue's API starts runs on here
    quick = QuickExecutor({"b": "FAILED"})
    data = csv_folder(tmp_path / "sales")
    arn = "arn:aws:glue:us-east-1:123456789012"
    # catalog
    glue.create_database(DatabaseInput={"Name": "lake"}, Tags={"team": "data"})
    glue.get_database(Name="lake")
    glue.get_databases()
    glue.update_database(Name="lake", DatabaseInput={"Name": "lake", "Description": "d"})
    columns = [{"Name": "id", "Type": "int"}]
    table = {
        "Name": "t",
        "StorageDescriptor": {"Columns": columns, "Location": str(data)},
        "PartitionKeys": [{"Name": "period", "Type": "string"}],
    }
    glue.create_table(DatabaseName="lake", TableInput=table)
    glue.update_table(DatabaseName="lake", TableInput={**table, "Description": "v2"})
    glue.get_table(DatabaseName="lake", Name="t")
    glue.get_tables(DatabaseName="lake")
    versions = glue.get_table_versions(DatabaseName="lake", TableName="t")["TableVersions"]
    glue.get_table_version(DatabaseName="lake", TableName="t", VersionId=versions[-1]["VersionId"])
    part = {"Values": ["2026-10"], "StorageDescriptor": {"Location": str(data / "period=2026-10")}}
    glue.create_partition(DatabaseName="lake", TableName="t", PartitionInput=part)
    glue.get_partition(DatabaseName="lake", TableName="t", PartitionValues=["2026-10"])
    glue.get_partitions(DatabaseName="lake", TableName="t")
    for name, call in (
        ("BatchCreatePartition", lambda: glue.batch_create_partition(
            DatabaseName="lake", TableName="t", PartitionInputList=[
                {"Values": ["2026-11"], "StorageDescriptor": {"Location": str(data)}}])),
        ("BatchGetPartition", lambda: glue.batch_get_partition(
            DatabaseName="lake", TableName="t", PartitionsToGet=[{"Values": ["2026-10"]}])),
        ("UpdatePartition", lambda: glue.update_partition(
            DatabaseName="lake", TableName="t", PartitionValueList=["2026-10"],
            PartitionInput=part)),
        ("BatchUpdatePartition", lambda: glue.batch_update_partition(
            DatabaseName="lake", TableName="t", Entries=[
                {"PartitionValueList": ["2026-10"], "PartitionInput": part}])),
        ("BatchDeletePartition", lambda: glue.batch_delete_partition(
            DatabaseName="lake", TableName="t", PartitionsToDelete=[{"Values": ["2026-11"]}])),
        ("DeleteTableVersion", lambda: glue.delete_table_version(
            DatabaseName="lake", TableName="t", VersionId=versions[-1]["VersionId"])),
        ("BatchDeleteTableVersion", lambda: glue.batch_delete_table_version(
            DatabaseName="lake", TableName="t", VersionIds=["99"])),
    ):  # fmt: skip
        try:
            call()
        except glue.exceptions.OperationNotSupportedException:
            assert not hasattr(glue.service.catalog, operations._snake(name))
    glue.delete_partition(DatabaseName="lake", TableName="t", PartitionValues=["2026-10"])
    # jobs
    glue.create_job(Name="a", Role=ROLE, Command=NB_COMMAND, Tags={"team": "data"}, Timeout=30)
    glue.create_job(Name="b", Role=ROLE, Command=NB_COMMAND, DefaultArguments={"--n": "2"})
    glue.update_job(JobName="b", JobUpdate={"Role": ROLE, "Command": NB_COMMAND, "MaxRetries": 0})
    glue.get_job(JobName="a")
    glue.get_jobs()
    glue.list_jobs(Tags={"team": "data"})
    glue.batch_get_jobs(JobNames=["a", "nope"])
    run_id = glue.nb.start_job_run(
        JobName="a", Executor=quick, WorkerType="G.1X", NumberOfWorkers=2, Timeout=5
    )["JobRunId"]
    wait_for(lambda: glue.get_job_run(JobName="a", RunId=run_id)["JobRun"].get("CompletedOn"))
    glue.start_job_run(JobName="b", Arguments={"--n": "1"}, AllocatedCapacity=2)
    glue.get_job_runs(JobName="a")
    glue.batch_stop_job_run(JobName="a", JobRunIds=[run_id, "jr_nope"])
    # job bookmarks (the run's advance written as a bookmarked run's end writes it)
    from glue_nb.store.bookmarks import BookmarkRows

    BookmarkRows(glue.store).advance("a", run_id, 0, {str(data / "x.csv"): (str(data), 1, 2)})
    glue.get_job_bookmark(JobName="a")
    glue.get_job_bookmark(JobName="a", RunId=run_id)
    glue.reset_job_bookmark(JobName="a", RunId=run_id)
    glue.reset_job_bookmark(JobName="a")
    # crawlers
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="lake", Tags={"team": "data"},
                        Targets={"S3Targets": [{"Path": str(data)}], "JdbcTargets": []},
                        Schedule="cron(0 6 * * ? *)")  # fmt: skip
    glue.create_crawler(Name="nodb", Role=ROLE, Targets={"S3Targets": [{"Path": str(data)}]})
    glue.update_crawler(Name="c", TablePrefix="raw_")
    glue.get_crawlers()
    glue.list_crawlers(Tags={"team": "data"})
    glue.batch_get_crawlers(CrawlerNames=["c", "nope"])
    glue.start_crawler(Name="c")
    wait_crawler(glue, "c")
    with pytest.raises(glue.exceptions.CrawlerNotRunningException):
        glue.stop_crawler(Name="c")
    glue.start_crawler(Name="nodb")
    assert wait_crawler(glue, "nodb")["LastCrawl"]["Status"] == "FAILED"
    glue.list_crawls(CrawlerName="c", Filters=[{"FieldName": "STATE", "FilterOperator": "EQ",
                                                "FieldValue": "COMPLETED"}])  # fmt: skip
    glue.get_crawler_metrics(CrawlerNameList=["c"])
    glue.stop_crawler_schedule(CrawlerName="c")
    glue.update_crawler_schedule(CrawlerName="c", Schedule="cron(0 7 * * ? *)")
    glue.start_crawler_schedule(CrawlerName="c")
    glue.get_crawler(Name="c")
    # workflows and triggers
    glue.create_workflow(Name="w", DefaultRunProperties={"p": "1"}, Tags={"team": "data"})
    glue.update_workflow(Name="w", Description="demo", DefaultRunProperties={"p": "1"})
    glue.create_trigger(Name="start", WorkflowName="w", Type="ON_DEMAND",
                        Actions=[{"JobName": "a", "Timeout": 10}, {"JobName": "b"}])  # fmt: skip
    glue.create_trigger(
        Name="then", WorkflowName="w", Type="CONDITIONAL", StartOnCreation=True,
        Predicate={"Logical": "ANY", "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": "a", "State": "SUCCEEDED"}]},
        Actions=[{"CrawlerName": "c"}], Tags={"team": "data"},
    )  # fmt: skip
    glue.create_trigger(Name="nightly", Type="SCHEDULED", Schedule="cron(0 2 * * ? *)",
                        Actions=[{"JobName": "b", "Arguments": {"--n": "3"}}])  # fmt: skip
    glue.update_trigger(Name="nightly", TriggerUpdate={"Description": "every night"})
    glue.start_trigger(Name="nightly")
    glue.stop_trigger(Name="nightly")
    glue.get_trigger(Name="then")
    glue.get_triggers(DependentJobName="b")
    glue.list_triggers(Tags={"team": "data"})
    glue.batch_get_triggers(TriggerNames=["start", "nope"])
    run = glue.nb.start_workflow_run(Name="w", RunProperties={"q": "2"}, Executor=quick)["RunId"]
    wait_for(lambda: glue.get_workflow_run(Name="w", RunId=run)["Run"]["Status"] == "COMPLETED", 60)
    with pytest.raises(glue.exceptions.IllegalWorkflowStateException):
        glue.stop_workflow_run(Name="w", RunId=run)
    got = glue.get_workflow_run(Name="w", RunId=run, IncludeGraph=True)["Run"]
    assert {n["Type"] for n in got["Graph"]["Nodes"]} == {"TRIGGER", "JOB", "CRAWLER"}
    crawled = [n for n in got["Graph"]["Nodes"] if n["Type"] == "CRAWLER"]
    assert crawled[0]["CrawlerDetails"]["Crawls"][0]["State"] == "SUCCEEDED"
    glue.put_workflow_run_properties(Name="w", RunId=run, RunProperties={"q": "3"})
    glue.get_workflow_run_properties(Name="w", RunId=run)
    b_node = next(n["UniqueId"] for n in got["Graph"]["Nodes"] if n["Name"] == "b")
    resumed = glue.nb.resume_workflow_run(Name="w", RunId=run, NodeIds=[b_node], Executor=quick)
    wait_for(lambda: glue.get_workflow_run(Name="w", RunId=resumed["RunId"])["Run"]["Status"]
             == "COMPLETED", 60)  # fmt: skip
    glue.get_workflow_runs(Name="w", IncludeGraph=True)
    again = glue.start_workflow_run(Name="w")["RunId"]
    wait_for(lambda: glue.get_workflow_run(Name="w", RunId=again)["Run"]["Status"]
             == "COMPLETED", 60)  # fmt: skip
    glue.resume_workflow_run(Name="w", RunId=again, NodeIds=[b_node])
    glue.get_workflow(Name="w", IncludeGraph=True)
    glue.list_workflows()
    glue.batch_get_workflows(Names=["w", "nope"], IncludeGraph=True)
    # tags
    glue.tag_resource(ResourceArn=f"{arn}:workflow/w", TagsToAdd={"stage": "dev"})
    glue.untag_resource(ResourceArn=f"{arn}:workflow/w", TagsToRemove=["team"])
    glue.get_tags(ResourceArn=f"{arn}:workflow/w")
    # blueprints
    package = blueprint_package(tmp_path / "bp")
    glue.create_blueprint(Name="bp", BlueprintLocation=str(package), Tags={"team": "data"})
    glue.update_blueprint(Name="bp", BlueprintLocation=str(package), Description="one job")
    glue.get_blueprint(Name="bp", IncludeBlueprint=True, IncludeParameterSpec=True)
    glue.list_blueprints()
    glue.batch_get_blueprints(Names=["bp", "nope"])
    bp_run = glue.start_blueprint_run(BlueprintName="bp", RoleArn=ROLE,
                                      Parameters=json.dumps({"WorkflowName": "made"}))  # fmt: skip
    glue.get_blueprint_run(BlueprintName="bp", RunId=bp_run["RunId"])
    glue.get_blueprint_runs(BlueprintName="bp")
    # deletes
    glue.delete_blueprint(Name="bp")
    glue.delete_trigger(Name="nightly")
    glue.delete_workflow(Name="w")
    glue.delete_crawler(Name="nodb")
    glue.delete_job(JobName="b")
    glue.delete_table(DatabaseName="lake", Name="t")
    for name, call in (
        ("BatchDeleteTable", lambda: glue.batch_delete_table(DatabaseName="lake",
                                                             TablesToDelete=["none"])),
    ):  # fmt: skip
        try:
            call()
        except glue.exceptions.OperationNotSupportedException:
            assert not hasattr(glue.service.catalog, operations._snake(name))
    glue.delete_database(Name="lake")

    model = glue.meta.service_model
    found = []
    for name, outs in sorted(answers.items()):
        shape = model.operation_model(name).output_shape
        for out in outs:
            found += [f"{name}: {p}" for p in problems(out, shape)]
    assert found == []
    catalog_missing = {
        n for n in operations.CATALOG_OPERATIONS
        if not hasattr(glue.service.catalog, operations._snake(n))
    }  # fmt: skip
    assert set(operations.GLUE) - catalog_missing - set(answers) == set()


def test_exact_shapes_what_glue_nb_used_to_add(glue: Any, tmp_path: Path) -> None:
    """The extras and type slips of the old client are gone from Glue's API, and kept in
    glue-nb's own (client.nb)."""
    quick = QuickExecutor()
    glue.create_job(Name="a", Role=ROLE, Command=NB_COMMAND, Tags={"k": "v"})
    glue.nb.create_job(Name="frac", Command=NB_COMMAND, Timeout=0.5)  # glue-nb: minutes
    assert "Tags" not in glue.get_job(JobName="a")["Job"]
    assert glue.get_job(JobName="frac")["Job"]["Timeout"] == 1
    assert glue.nb.get_job(JobName="frac")["Job"]["Timeout"] == 0.5
    glue.create_workflow(Name="w")
    glue.create_trigger(Name="s", WorkflowName="w", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    assert glue.get_trigger(Name="s")["Trigger"]["Actions"] == [{"JobName": "a"}]
    run_id = glue.nb.start_workflow_run(Name="w", Executor=quick)["RunId"]
    wait_for(lambda: glue.get_workflow_run(Name="w", RunId=run_id)["Run"]["Status"] != "RUNNING")
    run = glue.get_workflow_run(Name="w", RunId=run_id, IncludeGraph=True)["Run"]
    job_node = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB")
    [job_run] = job_node["JobDetails"]["JobRuns"]
    for extra in ("OutputLocation", "LogLocation", "WorkflowName", "WorkflowRunId"):
        assert extra not in job_run
    assert isinstance(job_run["Timeout"], int)
    trigger = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "TRIGGER")
    assert "Fired" not in trigger["TriggerDetails"]
    rich = glue.nb.get_workflow_run(Name="w", RunId=run_id, IncludeGraph=True)["Run"]
    rich_job = next(n for n in rich["Graph"]["Nodes"] if n["Type"] == "JOB")
    assert rich_job["JobDetails"]["JobRuns"][0]["WorkflowRunId"] == run_id
    assert next(n for n in rich["Graph"]["Nodes"] if n["Type"] == "TRIGGER")["TriggerDetails"][
        "Fired"
    ]
    data = csv_folder(tmp_path / "d")
    given = {"S3Targets": [{"Path": str(data)}], "JdbcTargets": [], "CatalogTargets": []}
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="db", Targets=given)
    targets = glue.get_crawler(Name="c")["Crawler"]["Targets"]
    assert targets["S3Targets"] == [{"Path": str(data)}]  # no Exclusions it was not given
    assert targets["JdbcTargets"] == [] and targets["CatalogTargets"] == []


def test_botocore_behaviours(glue: Any) -> None:
    """ClientError, ParamValidationError before anything is written, can_paginate, meta,
    Stubber: what code written for boto3 relies on."""
    glue.create_workflow(Name="w")
    before = snapshot(glue.home)
    with pytest.raises(ParamValidationError):
        glue.create_job(Name="j", Command=NB_COMMAND)  # Role is required by Glue
    with pytest.raises(ParamValidationError):
        glue.start_workflow_run(Name="w", Executor="local")  # not a Glue parameter
    with pytest.raises(ClientError) as err:
        glue.create_workflow(Name="w")
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert snapshot(glue.home) == before
    assert glue.meta.service_model.service_name == "glue"
    assert glue.meta.region_name == "us-east-1"
    assert glue.can_paginate("get_workflow_runs") and not glue.can_paginate("get_workflow")
    assert glue.waiter_names == []
    assert glue.list_workflows()["ResponseMetadata"]["HTTPStatusCode"] == 200
    with Stubber(glue) as stub:  # a stubbed answer never reaches glue-nb
        stub.add_response("list_workflows", {"Workflows": ["stubbed"]})
        assert glue.list_workflows()["Workflows"] == ["stubbed"]
    assert glue.list_workflows()["Workflows"] == ["w"]


def test_paginators_page_through_everything(glue: Any, tmp_path: Path) -> None:
    """Every operation Glue paginates (botocore's paginators-1.json) that glue-nb answers: page
    by page (PageSize 1) gives what one call gives."""
    from botocore import xform_name

    from glue_nb.api.models import glue_paginators

    quick = QuickExecutor()
    package = blueprint_package(tmp_path / "bp")
    glue.create_database(DatabaseInput={"Name": "db"})
    for i in range(3):
        glue.create_database(DatabaseInput={"Name": f"other{i}"})
        glue.create_workflow(Name=f"w{i}")
        glue.create_job(Name=f"j{i}", Role=ROLE, Command=NB_COMMAND)
        glue.create_trigger(Name=f"t{i}", WorkflowName=f"w{i}", Type="ON_DEMAND",
                            Actions=[{"JobName": f"j{i}"}])  # fmt: skip
        glue.create_crawler(Name=f"c{i}", Role=ROLE, DatabaseName="db",
                            Targets={"S3Targets": [{"Path": str(tmp_path)}]})  # fmt: skip
        glue.create_blueprint(Name=f"b{i}", BlueprintLocation=str(package))
        glue.create_table(DatabaseName="db", TableInput={"Name": f"t{i}", "PartitionKeys": [
            {"Name": "p", "Type": "string"}]})  # fmt: skip
        glue.update_table(DatabaseName="db", TableInput={"Name": "t0", "Description": str(i),
                          "PartitionKeys": [{"Name": "p", "Type": "string"}]})  # fmt: skip
        glue.create_partition(DatabaseName="db", TableName="t0",
                              PartitionInput={"Values": [str(i)]})  # fmt: skip
        started = glue.nb.start_job_run(JobName="j0", Executor=quick)["JobRunId"]
        assert glue.engine.wait(started, 30)  # job runs end asynchronously: one at a time
        run = glue.nb.start_workflow_run(Name="w0", Executor=quick)["RunId"]
        assert glue.engine.wait(run, 30)  # w0 runs j0 too (MaxConcurrentRuns 1)
    required = {
        "GetJobRuns": {"JobName": "j0"}, "GetWorkflowRuns": {"Name": "w0"},
        "GetTables": {"DatabaseName": "db"},
        "GetTableVersions": {"DatabaseName": "db", "TableName": "t0"},
        "GetPartitions": {"DatabaseName": "db", "TableName": "t0"},
    }  # fmt: skip
    pagination = glue_paginators()["pagination"]
    paginated = sorted(set(pagination) & set(operations.GLUE))
    assert set(paginated) >= {
        "GetCrawlerMetrics", "GetCrawlers", "GetDatabases", "GetJobRuns", "GetJobs",
        "GetPartitions", "GetTableVersions", "GetTables", "GetTriggers", "GetWorkflowRuns",
        "ListBlueprints", "ListJobs", "ListTriggers", "ListWorkflows",
    }  # fmt: skip
    for op in paginated:
        method = xform_name(op)
        assert glue.can_paginate(method), op
        key = pagination[op]["result_key"]
        whole = getattr(glue, method)(**required.get(op, {}))[key]
        pages = list(
            glue.get_paginator(method).paginate(
                **required.get(op, {}), PaginationConfig={"PageSize": 1}
            )
        )
        items = [x for page in pages for x in page[key]]
        assert len(whole) >= 3 and len(pages) >= len(whole), op
        assert items == whole, op


def test_tags(glue: Any) -> None:
    arn = "arn:aws:glue:us-east-1:123456789012"
    glue.create_job(Name="a", Role=ROLE, Command=NB_COMMAND, Tags={"team": "x"})
    glue.create_job(Name="b", Role=ROLE, Command=NB_COMMAND)
    assert glue.get_tags(ResourceArn=f"{arn}:job/a")["Tags"] == {"team": "x"}
    assert glue.list_jobs(Tags={"team": "x"})["JobNames"] == ["a"]
    glue.tag_resource(ResourceArn=f"{arn}:job/b", TagsToAdd={"team": "x", "tier": "1"})
    assert glue.list_jobs(Tags={"team": "x"})["JobNames"] == ["a", "b"]
    glue.untag_resource(ResourceArn=f"{arn}:job/a", TagsToRemove=["team", "absent"])
    assert glue.get_tags(ResourceArn=f"{arn}:job/a")["Tags"] == {}
    assert glue.list_jobs(Tags={"team": "x"})["JobNames"] == ["b"]
    glue.create_database(DatabaseInput={"Name": "db"}, Tags={"k": "v"})
    glue.create_table(DatabaseName="db", TableInput={"Name": "t"})
    glue.tag_resource(ResourceArn=f"{arn}:table/db/t", TagsToAdd={"pii": "no"})
    assert glue.get_tags(ResourceArn=f"{arn}:table/db/t")["Tags"] == {"pii": "no"}
    assert glue.get_tags(ResourceArn=f"{arn}:database/db")["Tags"] == {"k": "v"}
    glue.delete_database(Name="db")
    glue.create_database(DatabaseInput={"Name": "db"})
    assert glue.get_tags(ResourceArn=f"{arn}:database/db")["Tags"] == {}  # gone with it
    with pytest.raises(glue.exceptions.EntityNotFoundException, match="job 'ghost'"):
        glue.get_tags(ResourceArn=f"{arn}:job/ghost")
    with pytest.raises(glue.exceptions.InvalidInputException, match="not a Glue ARN"):
        glue.tag_resource(ResourceArn="job/a", TagsToAdd={"a": "b"})
    with pytest.raises(glue.exceptions.InvalidInputException, match="at most 50"):
        glue.tag_resource(ResourceArn=f"{arn}:job/b",
                          TagsToAdd={f"k{i}": "v" for i in range(50)})  # fmt: skip
    glue.delete_job(JobName="b")
    glue.create_job(Name="b", Role=ROLE, Command=NB_COMMAND)
    assert glue.get_tags(ResourceArn=f"{arn}:job/b")["Tags"] == {}  # tags went with the job


def test_batch_gets_and_crawler_schedules(glue: Any, tmp_path: Path) -> None:
    glue.create_job(Name="a", Role=ROLE, Command=NB_COMMAND)
    out = glue.batch_get_jobs(JobNames=["a", "x"])
    assert [j["Name"] for j in out["Jobs"]] == ["a"] and out["JobsNotFound"] == ["x"]
    glue.create_trigger(Name="t", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    out = glue.batch_get_triggers(TriggerNames=["t", "x"])
    assert [t["Name"] for t in out["Triggers"]] == ["t"] and out["TriggersNotFound"] == ["x"]
    target = {"S3Targets": [{"Path": str(tmp_path)}]}
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="d", Targets=target)
    glue.create_crawler(Name="s", Role=ROLE, DatabaseName="d", Targets=target,
                        Schedule="cron(0 6 * * ? *)")  # fmt: skip
    out = glue.batch_get_crawlers(CrawlerNames=["c", "x"])
    assert [c["Name"] for c in out["Crawlers"]] == ["c"] and out["CrawlersNotFound"] == ["x"]
    with pytest.raises(glue.exceptions.NoScheduleException):
        glue.start_crawler_schedule(CrawlerName="c")
    schedule = lambda: glue.get_crawler(Name="s")["Crawler"]["Schedule"]  # noqa: E731
    assert schedule() == {"ScheduleExpression": "cron(0 6 * * ? *)", "State": "SCHEDULED"}
    with pytest.raises(glue.exceptions.SchedulerRunningException):
        glue.start_crawler_schedule(CrawlerName="s")
    glue.stop_crawler_schedule(CrawlerName="s")
    assert schedule()["State"] == "NOT_SCHEDULED"
    with pytest.raises(glue.exceptions.SchedulerNotRunningException):
        glue.stop_crawler_schedule(CrawlerName="s")
    glue.update_crawler_schedule(CrawlerName="s", Schedule="cron(30 7 * * ? *)")
    assert schedule() == {"ScheduleExpression": "cron(30 7 * * ? *)", "State": "NOT_SCHEDULED"}
    glue.start_crawler_schedule(CrawlerName="s")
    assert schedule()["State"] == "SCHEDULED"
    with pytest.raises(glue.exceptions.InvalidInputException, match="Minutes"):
        glue.update_crawler_schedule(CrawlerName="s", Schedule="cron(99 7 * * ? *)")


def test_list_crawls_filters_and_run_resources(glue: Any, tmp_path: Path) -> None:
    data = csv_folder(tmp_path / "d")
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="d",
                        Targets={"S3Targets": [{"Path": str(data)}]})  # fmt: skip
    for _ in range(2):
        glue.start_crawler(Name="c")
        wait_crawler(glue, "c")
    crawls = glue.list_crawls(CrawlerName="c")["Crawls"]
    assert len(crawls) == 2 and all(c["State"] == "COMPLETED" for c in crawls)
    newest = crawls[0]
    by_id = glue.list_crawls(
        CrawlerName="c",
        Filters=[
            {"FieldName": "CRAWL_ID", "FilterOperator": "EQ", "FieldValue": newest["CrawlId"]}
        ],
    )
    assert [c["CrawlId"] for c in by_id["Crawls"]] == [newest["CrawlId"]]
    since = str(newest["StartTime"].timestamp())
    later = glue.list_crawls(CrawlerName="c", Filters=[
        {"FieldName": "START_TIME", "FilterOperator": "GE", "FieldValue": since}])  # fmt: skip
    assert [c["CrawlId"] for c in later["Crawls"]] == [newest["CrawlId"]]
    none = glue.list_crawls(CrawlerName="c", Filters=[
        {"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "FAILED"}])  # fmt: skip
    assert none["Crawls"] == []
    glue.create_job(Name="j", Role=ROLE, Command=NB_COMMAND)
    run_id = glue.nb.start_job_run(
        JobName="j", Executor=QuickExecutor(), WorkerType="G.2X", NumberOfWorkers=4,
        MaxCapacity=8.0, SecurityConfiguration="sec",
    )["JobRunId"]  # fmt: skip
    job_run = glue.get_job_run(JobName="j", RunId=run_id)["JobRun"]
    assert (job_run["WorkerType"], job_run["NumberOfWorkers"], job_run["MaxCapacity"]) == (
        "G.2X", 4, 8.0,
    )  # fmt: skip
    assert job_run["SecurityConfiguration"] == "sec"
    assert glue.get_job_runs(JobName="j")["JobRuns"][0]["WorkerType"] == "G.2X"


def test_executor_objects_only_in_process(glue: Any) -> None:
    """``Executor=`` is glue-nb's (client.nb): a name, or in-process an executor object."""
    glue.create_job(Name="j", Role=ROLE, Command=NB_COMMAND)
    quick = QuickExecutor({"j": "FAILED"})
    run_id = glue.nb.start_job_run(JobName="j", Executor=quick)["JobRunId"]
    assert glue.engine.wait(run_id, 30)  # it ends in this process's engine
    job_run = glue.nb.get_job_run(JobName="j", RunId=run_id)["JobRun"]
    assert job_run["JobRunState"] == "FAILED" and job_run["ErrorMessage"] == "FAILED on purpose"
    with pytest.raises(glue.exceptions.InvalidInputException, match="unknown executor"):
        glue.nb.start_job_run(JobName="j", Executor="nowhere")


def test_a_process_reads_glues_model_json_once(tmp_path: Path) -> None:
    """Glue's model JSON is large: a process reads it once, for the client and for the
    answers alike."""
    import subprocess
    import sys

    code = (
        "import botocore.loaders as L, glue_nb\n"
        "from glue_nb.api.models import JSONFiles\n"
        "reads = []\n"
        "def spying(cls):\n"
        "    load = cls.load_file\n"
        "    def spy(self, path):\n"
        "        reads.append(path)\n"
        "        return load(self, path)\n"
        "    cls.load_file = spy\n"
        "spying(L.JSONFileLoader); spying(JSONFiles)\n"
        "c = glue_nb.client(home='home')\n"
        "c.list_workflows(); c.nb.list_workflows()\n"
        "print(sum('/glue/' in p and p.endswith('service-2') for p in reads))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "1", out.stdout + out.stderr


def test_plain_json_files_read_what_botocore_reads(tmp_path: Path) -> None:
    """glue-nb reads botocore's data files into plain dicts: the same data, faster."""
    from botocore.loaders import JSONFileLoader, Loader

    from glue_nb.api.models import JSONFiles

    data = Path(Loader.BUILTIN_DATA_PATH)
    for name in ("endpoints", "partitions", "glue/2017-03-31/service-2",
                 "glue/2017-03-31/paginators-1"):  # fmt: skip
        mine = JSONFiles().load_file(str(data / name))
        assert mine is not None and mine == JSONFileLoader().load_file(str(data / name)), name
        assert type(mine) is dict
    (tmp_path / "plain.json").write_text('{"b": 1, "a": [2]}')
    assert list(JSONFiles().load_file(str(tmp_path / "plain"))) == ["b", "a"]  # order kept
    assert JSONFiles().load_file(str(tmp_path / "absent")) is None
    (tmp_path / "folder.json").mkdir()
    assert JSONFiles().load_file(str(tmp_path / "folder")) is None


def _comparable(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dt.datetime):
        return round(value.timestamp(), 3)
    return value


def test_in_process_answers_equal_the_json_round_trip(
    glue: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process successes skip the JSON round trip; with GLUE_NB_IN_PROCESS_WIRE=1 they make
    it (encode, botocore's parser): both give the same answers, for Glue's API and glue-nb's."""
    data = csv_folder(tmp_path / "d")
    glue.create_job(Name="a", Role=ROLE, Command=NB_COMMAND, Tags={"k": "v"}, Timeout=7)
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="db",
                        Targets={"S3Targets": [{"Path": str(data)}]})  # fmt: skip
    glue.create_workflow(Name="w")
    glue.create_trigger(Name="s", WorkflowName="w", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    glue.create_trigger(Name="t", WorkflowName="w", Type="CONDITIONAL", StartOnCreation=True,
                        Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": "a",
                                                   "State": "SUCCEEDED"}]},
                        Actions=[{"CrawlerName": "c"}])  # fmt: skip
    run_id = glue.nb.start_workflow_run(Name="w", Executor=QuickExecutor())["RunId"]
    wait_for(lambda: glue.get_workflow_run(Name="w", RunId=run_id)["Run"]["Status"]
             == "COMPLETED", 60)  # fmt: skip

    def calls(c: Any) -> list[Any]:
        return [
            c.get_workflow_run(Name="w", RunId=run_id, IncludeGraph=True),
            c.get_workflow(Name="w", IncludeGraph=True),
            c.get_job_runs(JobName="a"),
            c.get_crawler(Name="c"),
            c.get_tables(DatabaseName="db"),
            c.list_crawls(CrawlerName="c"),
            c.get_job(JobName="a"),
        ]

    direct = [_comparable(x) for x in calls(glue) + calls(glue.nb)]
    monkeypatch.setenv("GLUE_NB_IN_PROCESS_WIRE", "1")
    wired = [_comparable(x) for x in calls(glue) + calls(glue.nb)]
    assert direct == wired
    assert direct[0]["Run"]["Graph"]["Nodes"] and direct[4]["TableList"]


def test_a_failure_inside_glue_nb_is_an_internal_error_without_traceback(
    glue: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(svc: Any, p: Any) -> Any:
        raise RuntimeError("a bug, with secrets in its traceback")

    monkeypatch.setitem(operations.GLUE, "ListWorkflows", broken)
    monkeypatch.setattr(wire, "_services", None)
    with pytest.raises(glue.exceptions.InternalServiceException) as err:
        glue.list_workflows()
    message = err.value.response["Error"]["Message"]
    assert "ListWorkflows failed inside glue-nb (request " in message
    assert "secrets" not in message and "Traceback" not in message
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "a bug, with secrets" in caplog.text  # the traceback is in the log


def test_server_credentials_file(tmp_path: Path) -> None:
    from glue_nb.api.auth import load_credentials

    path = tmp_path / "credentials"
    path.write_text(
        "[alice]\naws_access_key_id = AKIDA\naws_secret_access_key = sa\n"
        "[bob]\naws_access_key_id=AKIDB\naws_secret_access_key=sb\n"
    )
    assert load_credentials(path=path) == {"AKIDA": "sa", "AKIDB": "sb"}
    assert load_credentials("K", "S", path) == {"AKIDA": "sa", "AKIDB": "sb", "K": "S"}
    with pytest.raises(ValueError, match="both"):
        load_credentials("K", None)
    (tmp_path / "empty").write_text("[x]\nregion = us-east-1\n")
    with pytest.raises(ValueError, match="no aws_access_key_id"):
        load_credentials(path=tmp_path / "empty")
