"""Layouts written as AWS's sample blueprints are (awslabs/aws-glue-blueprint-libs: compaction,
partitioning) run with only their imports changed: their Glue calls go to glue-nb (and roll back
with the run), their S3 calls (head_bucket with ExpectedBucketOwner, create_bucket,
upload_fileobj) go to real boto3, here answered by moto's S3, and their bool/number job arguments
become strings as Glue's blueprint service makes them. The layouts below are ours; they make the
samples' calls in the samples' order."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import glue_nb

moto = pytest.importorskip("moto")

ROLE = "arn:aws:iam::123456789012:role/GlueBlueprints"

# The compaction sample's calls: glue + s3 clients from one boto3.Session, ClientError from
# botocore, create_database (AlreadyExists tolerated), head_bucket → create_bucket, an upload,
# get_table → EntityNotFound → create_table, a CatalogTargets crawler, a job whose
# DefaultArguments hold a bool and a number, a destination crawler after the job, a schedule.
COMPACTION_LIKE = """\
import datetime
import os

from botocore.client import ClientError

from glue_nb.blueprint import boto3
from glue_nb.blueprint.crawler import Crawler
from glue_nb.blueprint.job import Job
from glue_nb.blueprint.workflow import Entities, Workflow


def generate_layout(user_params, system_params):
    session = boto3.Session(region_name=system_params["region"])
    glue = session.client("glue")
    s3 = session.client("s3")
    name = user_params["WorkflowName"]
    try:
        glue.create_database(DatabaseInput={"Name": user_params["SourceDatabaseName"]})
    except glue.exceptions.AlreadyExistsException:
        pass
    bucket = f"aws-glue-scripts-{system_params['accountId']}-{system_params['region']}"
    try:
        s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=system_params["accountId"])
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    with open(os.path.join(os.path.dirname(__file__), "compact.py"), "rb") as f:
        s3.upload_fileobj(f, bucket, f"{name}/compact.py")
    try:
        glue.get_table(DatabaseName=user_params["SourceDatabaseName"],
                       Name=user_params["SourceTableName"])
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=user_params["SourceDatabaseName"], TableInput={
            "Name": user_params["SourceTableName"],
            "StorageDescriptor": {"Location": user_params["InputDataLocation"]}})
    source = Crawler(Name=f"{name}_crawler_source", Role=user_params["IAMRole"],
                     Grouping={"TableGroupingPolicy": "CombineCompatibleSchemas"},
                     Targets={"CatalogTargets": [{
                         "DatabaseName": user_params["SourceDatabaseName"],
                         "Tables": [user_params["SourceTableName"]]}]},
                     SchemaChangePolicy={"DeleteBehavior": "LOG"})
    job = Job(Name=f"{name}_compaction", Role=user_params["IAMRole"],
              Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/{name}/compact.py",
                       "PythonVersion": "3"},
              DefaultArguments={"--enable_size_control": user_params["EnableSizeControl"],
                                "--desired_size_mb": user_params["DesiredFileSizeMB"],
                                "--enable-metrics": ""},
              WorkerType="G.1X", NumberOfWorkers=user_params["NumberOfWorkers"],
              GlueVersion="2.0", DependsOn={source: "SUCCEEDED"})
    now = datetime.datetime.utcnow()
    schedule = f"cron({now.minute} {now.hour} * * ? *)"
    return Workflow(Name=name, Entities=Entities(Jobs=[job], Crawlers=[source]),
                    OnSchedule=schedule)
"""
COMPACTION_SPEC = {
    "WorkflowName": {"type": "String", "collection": False},
    "IAMRole": {"type": "IAMRoleArn", "collection": False},
    "SourceDatabaseName": {"type": "String", "collection": False},
    "SourceTableName": {"type": "String", "collection": False},
    "InputDataLocation": {"type": "String", "collection": False},
    "EnableSizeControl": {"type": "Boolean", "collection": False, "defaultValue": False},
    "DesiredFileSizeMB": {"type": "Double", "collection": False, "defaultValue": 128},
    "NumberOfWorkers": {"type": "Integer", "collection": False, "defaultValue": 5},
}


def package(parent: Path, name: str, layout: str, spec: dict[str, Any]) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    cfg = {"layoutGenerator": f"{name}.layout.generate_layout", "parameterSpec": spec}
    (folder / "blueprint.cfg").write_text(json.dumps(cfg))
    (folder / "layout.py").write_text(textwrap.dedent(layout))
    (folder / "compact.py").write_text("print('compacting')\n")
    return folder


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Real boto3 S3 calls, answered by moto (no network, no AWS account)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3

    with moto.mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


def test_compaction_like_layout_runs_with_only_imports_changed(
    s3: Any, tmp_path: Path, clean_env: None
) -> None:
    glue = glue_nb.client(tmp_path / "home")
    folder = package(tmp_path / "pkg", "compaction_like", COMPACTION_LIKE, COMPACTION_SPEC)
    glue.create_blueprint(Name="compaction", BlueprintLocation=str(folder))
    params = {"WorkflowName": "compact", "IAMRole": ROLE, "SourceDatabaseName": "src",
              "SourceTableName": "events", "InputDataLocation": str(tmp_path / "in")}  # fmt: skip
    run_id = glue.start_blueprint_run(
        BlueprintName="compaction", RoleArn=ROLE, Parameters=json.dumps(params)
    )["RunId"]
    run = glue.get_blueprint_run(BlueprintName="compaction", RunId=run_id)["BlueprintRun"]
    assert run["State"] == "SUCCEEDED", run
    bucket = "aws-glue-scripts-123456789012-us-east-1"  # system_params: account and region
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]
    body = s3.get_object(Bucket=bucket, Key="compact/compact.py")["Body"].read()
    assert body == b"print('compacting')\n"
    [job_name] = [j for j in glue.list_jobs()["JobNames"] if j.startswith("compact_compaction")]
    job = glue.get_job(JobName=job_name)["Job"]
    assert job["DefaultArguments"]["--enable_size_control"] == "false"
    assert job["DefaultArguments"]["--desired_size_mb"] in ("128", "128.0")
    assert job["DefaultArguments"]["--enable-metrics"] == ""
    assert (job["WorkerType"], job["NumberOfWorkers"]) == ("G.1X", 5)
    assert glue.get_table(DatabaseName="src", Name="events")["Table"]["Name"] == "events"
    triggers = glue.get_triggers()["Triggers"]
    assert {t["Type"] for t in triggers} == {"SCHEDULED", "CONDITIONAL"}


def test_a_failing_layout_rolls_back_glue_but_not_s3(
    s3: Any, tmp_path: Path, clean_env: None
) -> None:
    """Glue writes roll back with the run (as in Glue); S3 is another service: what the
    layout did there stays, as it would on AWS."""
    layout = COMPACTION_LIKE.replace(
        "    now = datetime", '    raise RuntimeError("layout gave up")\n    now = datetime'
    )
    folder = package(tmp_path / "pkg", "failing_like", layout, COMPACTION_SPEC)
    glue = glue_nb.client(tmp_path / "home")
    glue.create_blueprint(Name="f", BlueprintLocation=str(folder))
    params = {"WorkflowName": "f", "IAMRole": ROLE, "SourceDatabaseName": "src",
              "SourceTableName": "events", "InputDataLocation": str(tmp_path / "in")}  # fmt: skip
    run_id = glue.start_blueprint_run(BlueprintName="f", RoleArn=ROLE,
                                      Parameters=json.dumps(params))["RunId"]  # fmt: skip
    run = glue.get_blueprint_run(BlueprintName="f", RunId=run_id)["BlueprintRun"]
    assert run["State"] == "FAILED" and "layout gave up" in run["ErrorMessage"]
    assert glue.get_databases()["DatabaseList"] == []  # rolled back
    assert len(s3.list_buckets()["Buckets"]) == 1  # S3 is not glue-nb's to roll back
