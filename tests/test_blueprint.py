"""Blueprints: packages, Glue's classes, parameters, client operations, rollback, shipped ones."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import write_notebook

import glue_nb
from glue_nb.blueprint.crawler import Crawler
from glue_nb.blueprint.job import Job
from glue_nb.blueprint.params import parse_spec, validate_parameters
from glue_nb.blueprint.service import BlueprintService
from glue_nb.blueprint.workflow import Entities, Workflow
from glue_nb.client import GlueClient
from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    IllegalBlueprintStateException,
    InvalidInputException,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "notebooks" / "blueprints"


# -- helpers ------------------------------------------------------------------------------------
def write_package(parent: Path, name: str, layout: str, spec: dict[str, Any], **files: str) -> Path:
    """A package folder ``parent/name`` with blueprint.cfg, layout.py and extra files."""
    folder = parent / name
    folder.mkdir(parents=True, exist_ok=True)
    cfg = {"layoutGenerator": f"{name}.layout.generate_layout", "parameterSpec": spec}
    (folder / "blueprint.cfg").write_text(json.dumps(cfg, indent=2))
    (folder / "layout.py").write_text(textwrap.dedent(layout))
    for filename, text in files.items():
        (folder / filename).write_text(textwrap.dedent(text))
    return folder


def data_folder(path: Path, rows: int = 2, partitions: tuple[str, ...] = ()) -> Path:
    """CSV files under ``path`` (in ``period=...`` folders when partitions are given)."""
    for part in partitions or ("",):
        folder = path / f"period={part}" if part else path
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["id,name,amount"] + [f"{i},n{i},{i * 1.5}" for i in range(rows)]
        (folder / "data.csv").write_text("\n".join(lines) + "\n")
    return path


def everything(home: Path) -> dict[str, list[tuple]]:
    """Every row of every table but the blueprint run records (for before/after comparisons)."""
    conn = sqlite3.connect(home / "glue_nb.sqlite")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall()))
            for t in tables
            if t not in ("blueprint_runs", "sqlite_sequence")
        }
    finally:
        conn.close()


def run_blueprint(c: GlueClient, name: str, params: dict[str, Any]) -> dict[str, Any]:
    run_id = c.start_blueprint_run(BlueprintName=name, Parameters=json.dumps(params))["RunId"]
    return c.get_blueprint_run(BlueprintName=name, RunId=run_id)["BlueprintRun"]


def run_workflow(c: GlueClient, name: str, timeout: float = 120) -> glue_nb.Run:
    run_id = c.start_workflow_run(Name=name)["RunId"]
    return glue_nb.Run(c, name, run_id).wait(timeout)


# Glue's crawl_s3_locations sample, restated; only the imports differ from a Glue layout.
GLUE_STYLE_LAYOUT = """\
from glue_nb.blueprint.workflow import *
from glue_nb.blueprint.job import *
from glue_nb.blueprint.crawler import *
from glue_nb.blueprint import boto3

s3_client = boto3.client("s3")


def generate_layout(user_params, system_params):
    session = boto3.Session(region_name=system_params["region"])
    glue = session.client("glue")
    try:
        glue.create_database(DatabaseInput={"Name": user_params["DatabaseName"]})
        print("New database is created.")
    except glue.exceptions.AlreadyExistsException:
        print("Existing database is used.")

    workflow_name = user_params["WorkflowName"]
    crawlers = []
    previous_crawler = None
    for i, path in enumerate(user_params["S3Paths"]):
        targets = {"S3Targets": [{"Path": path}]}
        common = dict(
            Name="{}_crawler".format(workflow_name) + "_" + str(i),
            Role=user_params["IAMRole"],
            DatabaseName=user_params["DatabaseName"],
            TablePrefix=user_params["TableNamePrefix"],
            Targets=targets,
        )
        if previous_crawler:
            crawler = Crawler(DependsOn={previous_crawler: "SUCCEEDED"}, **common)
        else:
            crawler = Crawler(**common)
        crawlers.append(crawler)
        previous_crawler = crawler

    return Workflow(Name=workflow_name, Entities=Entities(Jobs=[], Crawlers=crawlers))
"""
GLUE_STYLE_SPEC = {
    "WorkflowName": {
        "type": "String",
        "collection": False,
        "description": "Name for the workflow.",
    },
    "IAMRole": {"type": "IAMRoleName", "collection": False, "description": "Crawler role."},
    "S3Paths": {"type": "S3Uri", "collection": True, "description": "Paths to crawl."},
    "DatabaseName": {"type": "String", "collection": False, "description": "Catalog database."},
    "TableNamePrefix": {"type": "String", "collection": False, "defaultValue": ""},
}


@pytest.fixture
def glue(client: GlueClient) -> GlueClient:
    return client


# -- Glue's classes -----------------------------------------------------------------------------
def test_glue_classes_emit_glue_triggers() -> None:
    raw = Crawler(Name="raw", Role="r", DatabaseName="db", Targets={"S3Targets": [{"Path": "/d"}]})
    ref = Crawler(Name="ref", Role="r", DatabaseName="db", Targets={"S3Targets": [{"Path": "/e"}]})
    etl = Job(
        Name="etl",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": "s3://bucket/etl.py"},
        description="Glue reads the lowercase spelling",
        DependsOn={raw: "SUCCEEDED", ref: "SUCCEEDED"},
        WaitForDependencies="ANY",
    )
    report = Job(
        Name="report",
        Role="r",
        Command={"Name": "notebook", "ScriptLocation": "r.ipynb"},
        DependsOn={etl: "FAILED"},
    )
    wf = Workflow(
        Name="wf",
        Entities=Entities(Jobs=[etl, report], Crawlers=[raw, ref]),
        OnSchedule="cron(0 6 * * ? *)",
        DefaultRunProperties={"k": "v"},
    )
    assert wf.validate()
    out = wf.to_json("x1")
    assert out["Workflow"] == {"Name": "wf", "DefaultRunProperties": {"k": "v"}}
    assert [c["Name"] for c in out["Crawlers"]] == ["raw_x1", "ref_x1"]
    assert out["Jobs"][0]["Description"] == "Glue reads the lowercase spelling"
    assert "DependsOn" not in out["Jobs"][0] and "WaitForDependencies" not in out["Jobs"][0]
    triggers = {t["Name"]: t for t in out["Triggers"]}
    start = triggers["wf_starting_trigger"]
    assert start["Type"] == "SCHEDULED" and start["StartOnCreation"] is True
    assert start["Schedule"] == "cron(0 6 * * ? *)"
    assert start["Actions"] == [{"CrawlerName": "raw_x1"}, {"CrawlerName": "ref_x1"}]
    etl_trigger = triggers["wf_etl_x1_trigger"]
    assert etl_trigger["Type"] == "CONDITIONAL" and etl_trigger["StartOnCreation"] is True
    assert etl_trigger["Predicate"] == {
        "Logical": "ANY",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "CrawlerName": "raw_x1", "CrawlState": "SUCCEEDED"},
            {"LogicalOperator": "EQUALS", "CrawlerName": "ref_x1", "CrawlState": "SUCCEEDED"},
        ],
    }
    assert triggers["wf_report_x1_trigger"]["Predicate"]["Conditions"] == [
        {"LogicalOperator": "EQUALS", "JobName": "etl_x1", "State": "FAILED"}
    ]
    on_demand = Workflow(Name="w2", Entities=Entities(Jobs=[], Crawlers=[raw])).to_json()
    assert on_demand["Triggers"] == [
        {
            "WorkflowName": "w2",
            "Name": "w2_starting_trigger",
            "Actions": [{"CrawlerName": "raw"}],
            "Type": "ON_DEMAND",
        }
    ]


def test_glue_classes_check_like_glue() -> None:
    with pytest.raises(TypeError, match="Name"):
        Job(Name=3, Role="r", Command={"Name": "notebook", "ScriptLocation": "x.ipynb"})
    with pytest.raises(TypeError, match="not a valid value for key Name in Command"):
        Job(Name="j", Role="r", Command={"Name": "spark", "ScriptLocation": "x.py"})
    with pytest.raises(TypeError, match="missing: Role"):
        Job(Name="j", Command={"ScriptLocation": "x.ipynb"}).validate()
    with pytest.warns(UserWarning, match="Grouping"):
        Crawler(Name="c", Role="r", Targets={"S3Targets": [{"Path": "/d"}]}, Grouping={})
    lone = Crawler(Name="lone", Role="r", Targets={"S3Targets": [{"Path": "/d"}]})
    job = Job(
        Name="j", Role="r", Command={"ScriptLocation": "x.ipynb"}, DependsOn={lone: "SUCCEEDED"}
    )
    with pytest.raises(TypeError, match="not among the workflow's Entities"):
        Workflow(Name="w", Entities=Entities(Jobs=[job])).validate()
    bad = Job(Name="k", Role="r", Command={"ScriptLocation": "x.ipynb"}, DependsOn={lone: "DONE"})
    with pytest.raises(TypeError, match="can be watched for SUCCEEDED, FAILED, CANCELLED"):
        Workflow(Name="w", Entities=Entities(Jobs=[bad], Crawlers=[lone])).validate()


def test_glue_style_layout_runs_after_changing_imports(
    glue: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_folder(tmp_path / "data" / "orders")
    data_folder(tmp_path / "data" / "customers")
    package = write_package(
        tmp_path / "pkgs", "crawl_s3_locations", GLUE_STYLE_LAYOUT, GLUE_STYLE_SPEC
    )
    glue.create_blueprint(Name="crawl-s3", BlueprintLocation=str(package))
    params = {
        "WorkflowName": "ingest",
        "IAMRole": "AWSGlueServiceRole-unused",
        "S3Paths": [str(tmp_path / "data" / "orders"), "data/customers"],
        "DatabaseName": "sales",
    }
    run = run_blueprint(glue, "crawl-s3", params)
    assert run["State"] == "SUCCEEDED", run
    assert run["WorkflowName"] == "ingest"
    wf = glue.get_workflow(Name="ingest", IncludeGraph=True)["Workflow"]
    assert wf["BlueprintDetails"] == {"BlueprintName": "crawl-s3", "RunId": run["RunId"]}
    suffix = run["RunId"].replace("-", "")[:8]  # Glue suffixes entity names per run
    names = sorted(n["Name"] for n in wf["Graph"]["Nodes"] if n["Type"] == "CRAWLER")
    assert names == [f"ingest_crawler_0_{suffix}", f"ingest_crawler_1_{suffix}"]
    assert glue.get_database(Name="sales")["Database"]["Name"] == "sales"
    assert "crawl_s3_locations" not in sys.modules
    result = run_workflow(glue, "ingest")
    assert result.status == "COMPLETED" and result.statistics["SucceededActions"] == 2
    tables = sorted(t["Name"] for t in glue.get_tables(DatabaseName="sales")["TableList"])
    assert tables == ["customers", "orders"]


def test_glue_commands_are_stored_but_refused_at_run_time(glue: GlueClient, tmp_path: Path) -> None:
    layout = """\
    from glue_nb.blueprint.workflow import Workflow, Entities
    from glue_nb.blueprint.job import Job

    def generate_layout(user_params, system_params):
        job = Job(Name="etl", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/etl.py"})
        return Workflow(Name="spark", Entities=Entities(Jobs=[job]))
    """
    glue.create_blueprint(
        Name="spark", BlueprintLocation=str(write_package(tmp_path, "spark", layout, {}))
    )
    run = run_blueprint(glue, "spark", {})
    assert run["State"] == "SUCCEEDED", run
    job = glue.get_job(JobName="etl_" + run["RunId"].replace("-", "")[:8])["Job"]
    assert job["Command"] == {"Name": "glueetl", "ScriptLocation": "s3://b/etl.py"}
    with pytest.raises(InvalidInputException, match="point it at a notebook"):
        glue.start_job_run(JobName=job["Name"])


# -- parameters ---------------------------------------------------------------------------------
SPEC = {
    "Name": {"type": "String"},
    "Count": {"type": "Integer", "defaultValue": 3},
    "Ratio": {"type": "Double", "defaultValue": 0.5},
    "Flag": {"type": "Boolean", "defaultValue": False},
    "Paths": {"type": "S3Uri", "collection": True},
    "Bucket": {"type": "S3Bucket", "defaultValue": "bucket"},
    "Role": {"type": "IAMRoleArn", "defaultValue": "arn:aws:iam::1:role/x"},
    "Mode": {"type": "String", "allowedValues": ["fast", "safe"], "defaultValue": "safe"},
}


def test_parameters_resolve_with_defaults_and_text_forms() -> None:
    spec = parse_spec(SPEC)
    got = validate_parameters(
        spec,
        json.dumps(
            {"Name": "n", "Count": "7", "Flag": "true", "Paths": ["a", "s3://b/c"], "Ratio": 2}
        ),
    )
    assert got == {
        "Name": "n",
        "Count": 7,
        "Ratio": 2.0,
        "Flag": True,
        "Paths": ["a", "s3://b/c"],
        "Bucket": "bucket",
        "Role": "arn:aws:iam::1:role/x",
        "Mode": "safe",
    }


def test_every_parameter_problem_in_one_message() -> None:
    spec = parse_spec(SPEC)
    bad = {"Count": 1.5, "Ratio": "lots", "Flag": "maybe", "Paths": "a", "Mode": "slow", "Extra": 1}
    with pytest.raises(InvalidInputException) as err:
        validate_parameters(spec, json.dumps(bad), "bp")
    message = err.value.message
    assert message.startswith("Invalid parameters for blueprint 'bp' (7 problems):")
    for expected in (
        "Name: missing: required String",
        "Count: expects Integer, got 1.5",
        "Ratio: expects Double",
        "Flag: expects Boolean",
        "Paths: expects a list",
        'Mode: "slow" is not allowed; choose one of "fast", "safe"',
        "Extra: unknown parameter",
    ):
        assert expected in message, message
    with pytest.raises(InvalidInputException, match="not valid JSON"):
        validate_parameters(spec, '{"Name": ')
    with pytest.raises(InvalidInputException, match="must be a JSON object"):
        validate_parameters(spec, "[1]")


def test_parameter_spec_problems_reported_together(glue: GlueClient, tmp_path: Path) -> None:
    spec = {
        "A": {"type": "Text"},
        "B": {"type": "Integer", "defaultValue": "x"},
        "C": {"type": "String", "allowedValues": []},
        "D": {"type": "String", "colection": True},
    }
    package = write_package(tmp_path, "broken", "def generate_layout(u, s): pass\n", spec)
    with pytest.raises(InvalidInputException) as err:
        glue.create_blueprint(Name="broken", BlueprintLocation=str(package))
    message = err.value.message
    assert "(4 problems)" in message
    assert all(f"- {k}:" in message for k in "ABCD"), message
    assert glue.list_blueprints()["Blueprints"] == []


# -- client operations --------------------------------------------------------------------------
def test_blueprint_operations(glue: GlueClient, tmp_path: Path) -> None:
    package = write_package(
        tmp_path / "v1", "crawl_s3_locations", GLUE_STYLE_LAYOUT, GLUE_STYLE_SPEC
    )
    glue.create_blueprint(
        Name="a", BlueprintLocation=str(package), Description="first", Tags={"t": "1"}
    )
    glue.create_blueprint(Name="b", BlueprintLocation=str(package))
    with pytest.raises(AlreadyExistsException):
        glue.create_blueprint(Name="a", BlueprintLocation=str(package))
    with pytest.raises(InvalidInputException, match="no such folder"):
        glue.create_blueprint(Name="c", BlueprintLocation=str(tmp_path / "nowhere"))
    assert glue.list_blueprints()["Blueprints"] == ["a", "b"]
    assert glue.list_blueprints(Tags={"t": "1"})["Blueprints"] == ["a"]
    bp = glue.get_blueprint(Name="a", IncludeBlueprint=True, IncludeParameterSpec=True)["Blueprint"]
    assert bp["Status"] == "ACTIVE" and bp["Description"] == "first"
    assert json.loads(bp["ParameterSpec"]) == GLUE_STYLE_SPEC
    assert bp["BlueprintServiceLocation"] == str(package)
    assert "ParameterSpec" not in glue.get_blueprint(Name="a")["Blueprint"]

    v2 = write_package(
        tmp_path / "v2",
        "crawl_s3_locations",
        GLUE_STYLE_LAYOUT,
        {**GLUE_STYLE_SPEC, "Extra": {"type": "String", "defaultValue": "e"}},
    )
    glue.update_blueprint(Name="a", BlueprintLocation=str(v2))
    bp = glue.get_blueprint(Name="a", IncludeParameterSpec=True)["Blueprint"]
    assert "Extra" in json.loads(bp["ParameterSpec"])

    with pytest.raises(InvalidInputException, match="IAMRole: missing"):
        glue.start_blueprint_run(BlueprintName="a", Parameters="{}")
    assert glue.get_blueprint_runs(BlueprintName="a")["BlueprintRuns"] == []  # nothing recorded
    first = run_blueprint(
        glue,
        "a",
        {"WorkflowName": "w1", "IAMRole": "r", "S3Paths": [str(tmp_path)], "DatabaseName": "d"},
    )
    second = run_blueprint(
        glue,
        "a",
        {"WorkflowName": "w1", "IAMRole": "r", "S3Paths": [str(tmp_path)], "DatabaseName": "d"},
    )
    assert first["State"] == "SUCCEEDED" and second["State"] == "FAILED"
    assert "AlreadyExistsException" in second["ErrorMessage"] and "'w1'" in second["ErrorMessage"]
    runs = glue.get_blueprint_runs(BlueprintName="a")["BlueprintRuns"]
    assert [r["RunId"] for r in runs] == [second["RunId"], first["RunId"]]
    assert runs[1]["StartedOn"] <= runs[1]["CompletedOn"]
    with pytest.raises(EntityNotFoundException):
        glue.get_blueprint_run(BlueprintName="a", RunId="nope")
    with pytest.raises(EntityNotFoundException):
        glue.get_blueprint(Name="zzz")

    (v2 / "blueprint.cfg").write_text("{not json")
    bp = glue.get_blueprint(Name="a")["Blueprint"]
    assert bp["Status"] == "FAILED" and "not valid JSON" in bp["ErrorMessage"]
    with pytest.raises(IllegalBlueprintStateException):
        glue.start_blueprint_run(BlueprintName="a", Parameters="{}")

    glue.delete_blueprint(Name="a")
    glue.delete_blueprint(Name="a")  # absent: no error, as in Glue
    assert glue.list_blueprints()["Blueprints"] == ["b"]
    assert glue.get_workflow(Name="w1")["Workflow"]["BlueprintDetails"]["BlueprintName"] == "a"


def test_zip_package(glue: GlueClient, tmp_path: Path) -> None:
    package = write_package(
        tmp_path / "src", "crawl_s3_locations", GLUE_STYLE_LAYOUT, GLUE_STYLE_SPEC
    )
    archive = tmp_path / "crawl_s3_locations.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in package.iterdir():
            zf.write(path, f"crawl_s3_locations/{path.name}")
    shutil.rmtree(package)
    glue.create_blueprint(Name="zipped", BlueprintLocation=str(archive))
    bp = glue.get_blueprint(Name="zipped", IncludeBlueprint=True)["Blueprint"]
    assert bp["BlueprintServiceLocation"].startswith(str(glue.home / "blueprints" / "packages"))
    run = run_blueprint(
        glue,
        "zipped",
        {"WorkflowName": "z", "IAMRole": "r", "S3Paths": [str(tmp_path)], "DatabaseName": "d"},
    )
    assert run["State"] == "SUCCEEDED", run


def test_layouts_are_imported_in_isolation(glue: GlueClient, tmp_path: Path) -> None:
    layout = """\
    import glue_nb
    from pkg import helpers

    def generate_layout(user_params, system_params):
        crawler = glue_nb.Crawler(helpers.NAME + "_c", ["/d"], "db")
        return glue_nb.Workflow(helpers.NAME).run(crawler)
    """
    path_before = list(sys.path)
    for version in ("one", "two"):
        package = write_package(
            tmp_path / version, "pkg", layout, {}, **{"helpers.py": f"NAME = {version!r}\n"}
        )
        glue.create_blueprint(Name=version, BlueprintLocation=str(package))
        assert run_blueprint(glue, version, {})["State"] == "SUCCEEDED"
    assert glue.list_workflows()["Workflows"] == ["one", "two"]
    assert not [m for m in sys.modules if m == "pkg" or m.startswith("pkg.")]
    assert sys.path == path_before
    assert not list(tmp_path.rglob("__pycache__"))


def test_a_layout_gets_the_runs_client_without_touching_the_process_environment(
    glue: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``glue_nb.client()`` in a layout is the run's client (its writes join the run), through
    a context variable: the process's GLUE_NB_HOME, which a server's other threads read, stays
    as it was."""
    layout = """\
    import os
    import glue_nb

    def generate_layout(user_params, system_params):
        same = glue_nb.client() is system_params["glue_client"]
        home = os.environ.get("GLUE_NB_HOME", "unset")
        return glue_nb.Workflow(f"seen-{same}-{home == 'unset'}").run(
            glue_nb.Crawler("seen_c", ["/d"], "db")
        )
    """
    monkeypatch.delenv("GLUE_NB_HOME", raising=False)
    package = write_package(tmp_path, "envpkg", layout, {})
    glue.create_blueprint(Name="env", BlueprintLocation=str(package))
    assert run_blueprint(glue, "env", {})["State"] == "SUCCEEDED"
    assert "seen-True-True" in glue.list_workflows()["Workflows"]


# -- rollback -----------------------------------------------------------------------------------
FAILING_LAYOUT = """\
import glue_nb

def generate_layout(user_params, system_params):
    glue = system_params["glue_client"]
    glue.create_database(DatabaseInput={"Name": "made_by_layout"})
    glue_nb.client().nb.create_job(Name="side_job", Command={"Name": "glueetl", "ScriptLocation": "x"})
    how = user_params["How"]
    if how == "raise":
        raise RuntimeError("layout gave up")
    if how == "missing-notebook":
        job = glue_nb.NotebookJob("j", "does_not_exist.ipynb")
        return glue_nb.Workflow("rolled").run(job)
    if how == "cycle":
        a = glue_nb.NotebookJob("a", system_params["package_dir"] + "/nb.ipynb")
        wf = glue_nb.Workflow("rolled").run(a).when_all_succeeded("again").run(a)
        return wf
    return "not a workflow"
"""  # noqa: E501


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("raise", "RuntimeError: layout gave up (at layout.py, line 9, in generate_layout)"),
        ("missing-notebook", "does_not_exist.ipynb' does not exist"),
        ("cycle", "InvalidInputException"),
        ("type", "generate_layout must return a glue_nb.Workflow"),
    ],
)
def test_failed_run_leaves_the_store_as_before(
    glue: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, expected: str
) -> None:
    package = write_package(tmp_path, "failing", FAILING_LAYOUT, {"How": {"type": "String"}})
    write_notebook(package / "nb.ipynb", ["x = 1"])
    glue.create_blueprint(Name="failing", BlueprintLocation=str(package))
    glue.create_workflow(Name="existing")
    before = everything(glue.home)
    states = []
    original = BlueprintService._leftover

    def spy(self: BlueprintService, workflow: str | None) -> str | None:
        with self.store.read() as conn:
            states.append(conn.execute("SELECT state FROM blueprint_runs").fetchone()[0])
        return original(self, workflow)

    monkeypatch.setattr(BlueprintService, "_leftover", spy)
    run = run_blueprint(glue, "failing", {"How": how})
    assert run["State"] == "FAILED"
    assert states == ["ROLLING_BACK"]
    assert expected in run["ErrorMessage"], run["ErrorMessage"]
    assert "RollbackErrorMessage" not in run
    assert everything(glue.home) == before


# -- the shipped blueprints ---------------------------------------------------------------------
def test_shipped_crawl_folders(
    glue: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_folder(tmp_path / "raw" / "orders", partitions=("2026-10", "2026-11"))
    data_folder(tmp_path / "raw" / "refunds")
    glue.create_blueprint(Name="crawl-folders", BlueprintLocation=str(SHIPPED / "crawl_folders"))
    run = run_blueprint(
        glue,
        "crawl-folders",
        {
            "WorkflowName": "raw-tables",
            "Folders": ["raw/orders", "raw/refunds"],
            "DatabaseName": "raw",
            "TableNamePrefix": "t_",
        },
    )
    assert run["State"] == "SUCCEEDED", run
    triggers = glue.get_workflow(Name="raw-tables", IncludeGraph=True)["Workflow"]["Graph"]
    assert {n["Name"] for n in triggers["Nodes"] if n["Type"] == "CRAWLER"} == {
        "raw-tables_crawler_0",
        "raw-tables_crawler_1",
    }
    result = run_workflow(glue, "raw-tables")
    assert result.status == "COMPLETED" and result.statistics["SucceededActions"] == 2
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName="raw")["TableList"]}
    assert sorted(tables) == ["t_orders", "t_refunds"]
    assert [k["Name"] for k in tables["t_orders"]["PartitionKeys"]] == ["period"]
    preview = glue.blueprints.preview(
        "crawl-folders",
        {
            "WorkflowName": "nightly",
            "Folders": ["raw/orders"],
            "DatabaseName": "raw",
            "Schedule": "cron(0 2 * * ? *)",
        },
    )
    start = next(t for t in preview["Triggers"] if t["Type"] != "CONDITIONAL")
    assert start["Type"] == "SCHEDULED" and start["StartOnCreation"] is True
    assert glue.list_workflows()["Workflows"] == ["raw-tables"]  # the preview kept nothing
    with pytest.raises(InvalidInputException, match="Folders: missing"):
        glue.start_blueprint_run(
            BlueprintName="crawl-folders",
            Parameters=json.dumps({"WorkflowName": "x", "DatabaseName": "raw"}),
        )


@pytest.mark.kernel
def test_shipped_csv_to_parquet_end_to_end(
    glue: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_folder(tmp_path / "csv" / "sales", rows=3, partitions=("2026-10", "2026-11"))
    glue.create_blueprint(Name="csv-to-parquet", BlueprintLocation=str(SHIPPED / "csv_to_parquet"))
    params = {
        "WorkflowName": "sales-parquet",
        "SourceFolder": "csv/sales",
        "TargetFolder": "lake/sales",
        "DatabaseName": "lake",
        "Compression": "zstd",
    }
    run = run_blueprint(glue, "csv-to-parquet", params)
    assert run["State"] == "SUCCEEDED", run
    result = run_workflow(glue, "sales-parquet", timeout=240)
    assert result.status == "COMPLETED", result.table()
    assert result.statistics["SucceededActions"] == 2, result.table()
    props = result.properties
    assert props["parquet_files"] == 2 and props["parquet_rows"] == 6
    files = sorted(
        p.relative_to(tmp_path / "lake" / "sales").as_posix()
        for p in (tmp_path / "lake" / "sales").rglob("*.parquet")
    )
    assert files == ["period=2026-10/data.parquet", "period=2026-11/data.parquet"]
    table = glue.get_table(DatabaseName="lake", Name="sales")["Table"]
    assert table["Parameters"]["classification"] == "parquet"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["period"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns == {"id": "bigint", "name": "string", "amount": "double"}
    partitions = glue.get_partitions(DatabaseName="lake", TableName="sales")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2026-10"], ["2026-11"]]


@pytest.mark.kernel
@pytest.mark.slow
def test_tour_runs_with_papermill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    import papermill as pm

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    pm.execute_notebook(
        str(SHIPPED / "tour.ipynb"),
        str(tmp_path / "tour.ipynb"),
        cwd=str(SHIPPED),
        progress_bar=False,
    )
    assert [p.name for p in tmp_path.iterdir()] == ["tour.ipynb"]  # its scratch folder is gone
    assert not list(SHIPPED.rglob("__pycache__"))


@pytest.mark.kernel
def test_convert_notebook_runs_standalone_with_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    import papermill as pm

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the default target is a new temporary folder
    folder = SHIPPED / "csv_to_parquet"
    out = pm.execute_notebook(
        str(folder / "convert.ipynb"),
        str(tmp_path / "out.ipynb"),
        cwd=str(folder),
        progress_bar=False,
    )
    assert out is not None
    written = sorted(tmp_path.glob("parquet-*/country=*/*.parquet"))
    shipped = sorted((SHIPPED.parent / "data" / "partitioned" / "customers").glob("country=*"))
    assert [p.parent.name for p in written] == [p.name for p in shipped]  # one file per partition
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("*.parquet"))
