"""``glue-nb serve`` for real: a server process on a free port, real boto3 and the real AWS CLI
against it, SigV4 signatures, AWS's protocol errors, concurrent clients, and a server killed or
stopped in the middle of a run."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from conftest import JOB_NB, NOTEBOOKS, PYTHON, wait_for

import glue_nb
from glue_nb.api import operations

pytestmark = [pytest.mark.endpoint, pytest.mark.kernel]

KEY, SECRET = "AKIDGLUENBTEST", "glue-nb-secret"
ROLE = "arn:aws:iam::123456789012:role/GlueRole"
AWS = str(Path(sys.executable).parent / "aws")


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    home: Path
    root: Path
    output: list[str]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def start_server(home: Path, root: Path, *extra: str, credentials: bool = True) -> Server:
    """``glue-nb serve`` on a free port; returns once it listens."""
    env = {**os.environ, "GLUE_NB_KERNEL_POOL": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("GLUE_NB_HOME", None)
    args = [PYTHON, "-m", "glue_nb", "serve", "--home", str(home), "--port", "0",
            "--root", str(root), "--root", str(NOTEBOOKS), *extra]  # fmt: skip
    if credentials:
        args += ["--access-key-id", KEY, "--secret-access-key", SECRET]
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=root
    )
    output: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        output.append(line)
        if "listening on" in line:
            url = line.split("listening on ")[1].split()[0]
            break
        if time.monotonic() > deadline:
            break
    else:
        raise AssertionError(f"server did not start: {''.join(output)}")
    threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True).start()
    return Server(process, url, home, root, output)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    srv = start_server(root / "home", root)
    yield srv
    srv.stop()


def boto(url: str, key: str = KEY, secret: str = SECRET, **config: Any) -> Any:
    return boto3.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1"
    ).client("glue", endpoint_url=url, config=Config(**config) if config else None)


@pytest.fixture
def glue(server: Server) -> Any:
    return boto(server.url)


def aws(server: Server, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}  # fmt: skip
    out = subprocess.run(
        [AWS, "glue", *args, "--endpoint-url", server.url, "--output", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    if check:
        assert out.returncode == 0, out.stderr
    return out


def raw(
    server: Server, target: str | None, body: bytes, *, sign: bool = True,
    key: str = KEY, secret: str = SECRET, when: dt.datetime | None = None,
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """POST a request as written (signed with botocore's signer, at ``when``)."""
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers=headers)
    if sign:
        signer = SigV4Auth(Credentials(key, secret), "glue", "us-east-1")
        stamp = (when or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        request.context["timestamp"] = stamp
        request.headers["X-Amz-Date"] = stamp
        request.headers["Host"] = server.url.split("//")[1]
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        scope = signer.credential_scope(request)
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
            f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, "
            f"Signature={signature}"
        )
    prepared = urllib.request.Request(
        server.url + "/", data=body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(prepared, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def wait_status(glue: Any, name: str, run_id: str, done: tuple[str, ...] = ("COMPLETED",),
                timeout: float = 120) -> dict[str, Any]:  # fmt: skip
    return wait_for(
        lambda: (
            (r := glue.get_workflow_run(Name=name, RunId=run_id)["Run"])["Status"] in done and r
        ),
        timeout,
        f"run {run_id} of {name} to reach {done}",
    )


# -- boto3 over HTTP --------------------------------------------------------------------------
def test_boto3_drives_every_operation_over_http(server: Server, glue: Any) -> None:
    """Every operation glue-nb answers, through real boto3 and a real server; runs and crawls
    really run (kernels, files)."""
    called: set[str] = set()
    glue.meta.events.register("after-call.glue", lambda model, **_: called.add(model.name))
    root = server.root
    data = root / "data" / "period=1"
    data.mkdir(parents=True)
    (data / "a.csv").write_text("id,name\n1,a\n2,b\n")
    arn = "arn:aws:glue:us-east-1:123456789012"
    cmd = {"Name": "notebook", "ScriptLocation": JOB_NB}
    # catalog
    glue.create_database(DatabaseInput={"Name": "lake"}, Tags={"t": "1"})
    glue.update_database(Name="lake", DatabaseInput={"Name": "lake", "Description": "d"})
    glue.get_database(Name="lake")
    glue.get_databases()
    table = {"Name": "t", "PartitionKeys": [{"Name": "p", "Type": "string"}],
             "StorageDescriptor": {"Location": str(root / "data")}}  # fmt: skip
    glue.create_table(DatabaseName="lake", TableInput=table)
    glue.update_table(DatabaseName="lake", TableInput={**table, "Description": "2"})
    glue.get_table(DatabaseName="lake", Name="t")
    glue.get_tables(DatabaseName="lake")
    version = glue.get_table_versions(DatabaseName="lake", TableName="t")["TableVersions"][-1]
    glue.get_table_version(DatabaseName="lake", TableName="t", VersionId=version["VersionId"])
    glue.create_partition(DatabaseName="lake", TableName="t", PartitionInput={"Values": ["1"]})
    glue.get_partition(DatabaseName="lake", TableName="t", PartitionValues=["1"])
    glue.get_partitions(DatabaseName="lake", TableName="t")
    glue.delete_partition(DatabaseName="lake", TableName="t", PartitionValues=["1"])
    glue.delete_table_version(DatabaseName="lake", TableName="t", VersionId=version["VersionId"])
    # jobs, triggers, workflows, runs (real kernels)
    glue.create_job(Name="a", Role=ROLE, Command=cmd, Tags={"t": "1"})
    glue.create_job(Name="b", Role=ROLE, Command=cmd, DefaultArguments={"--n": "2"})
    glue.update_job(JobName="b", JobUpdate={"Role": ROLE, "Command": cmd, "MaxRetries": 1})
    glue.get_job(JobName="a")
    glue.get_jobs()
    glue.list_jobs(Tags={"t": "1"})
    glue.batch_get_jobs(JobNames=["a", "x"])
    job_run = glue.start_job_run(JobName="a", WorkerType="G.1X", NumberOfWorkers=2)["JobRunId"]
    wait_for(lambda: glue.get_job_run(JobName="a", RunId=job_run)["JobRun"]["JobRunState"]
             == "SUCCEEDED", 120)  # fmt: skip
    assert glue.get_job_runs(JobName="a")["JobRuns"][0]["WorkerType"] == "G.1X"
    stopped = glue.batch_stop_job_run(JobName="a", JobRunIds=[job_run])
    assert stopped["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"
    assert glue.reset_job_bookmark(JobName="a")["JobBookmarkEntry"]["Run"] == 0
    with pytest.raises(ClientError, match="Continuation for job a not found"):
        glue.get_job_bookmark(JobName="a")  # its runs had no --job-bookmark-option
    glue.create_crawler(Name="c", Role=ROLE, DatabaseName="lake", Schedule="cron(0 1 * * ? *)",
                        Targets={"S3Targets": [{"Path": str(root / "data")}]})  # fmt: skip
    glue.update_crawler(Name="c", TablePrefix="raw_")
    glue.create_workflow(Name="w", DefaultRunProperties={"p": "1"})
    glue.update_workflow(Name="w", Description="demo")
    glue.create_trigger(Name="go", WorkflowName="w", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    glue.create_trigger(Name="then", WorkflowName="w", Type="CONDITIONAL", StartOnCreation=True,
                        Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": "a",
                                                   "State": "SUCCEEDED"}]},
                        Actions=[{"JobName": "b"}, {"CrawlerName": "c"}])  # fmt: skip
    glue.create_trigger(Name="n", Type="SCHEDULED", Schedule="cron(0 2 * * ? *)",
                        Actions=[{"JobName": "b"}])  # fmt: skip
    glue.update_trigger(Name="n", TriggerUpdate={"Description": "nightly"})
    glue.start_trigger(Name="n")
    glue.stop_trigger(Name="n")
    glue.get_trigger(Name="go")
    glue.get_triggers()
    glue.list_triggers()
    glue.batch_get_triggers(TriggerNames=["go", "x"])
    run_id = glue.start_workflow_run(Name="w", RunProperties={"q": "1"})["RunId"]
    run = wait_status(glue, "w", run_id)
    assert run["Statistics"]["SucceededActions"] == 3, run
    with pytest.raises(glue.exceptions.IllegalWorkflowStateException):
        glue.stop_workflow_run(Name="w", RunId=run_id)
    graph = glue.get_workflow_run(Name="w", RunId=run_id, IncludeGraph=True)["Run"]["Graph"]
    node_b = next(n["UniqueId"] for n in graph["Nodes"] if n["Name"] == "b")
    resumed = glue.resume_workflow_run(Name="w", RunId=run_id, NodeIds=[node_b])["RunId"]
    wait_status(glue, "w", resumed)
    glue.put_workflow_run_properties(Name="w", RunId=run_id, RunProperties={"q": "2"})
    assert glue.get_workflow_run_properties(Name="w", RunId=run_id)["RunProperties"]["q"] == "2"
    assert len(glue.get_workflow_runs(Name="w")["Runs"]) == 2
    glue.get_workflow(Name="w", IncludeGraph=True)
    glue.list_workflows()
    glue.batch_get_workflows(Names=["w", "x"])
    # crawlers
    glue.get_crawler(Name="c")
    glue.get_crawlers()
    glue.list_crawlers()
    glue.batch_get_crawlers(CrawlerNames=["c"])
    glue.start_crawler(Name="c")
    wait_for(lambda: glue.get_crawler(Name="c")["Crawler"]["State"] == "READY", 60)
    with pytest.raises(glue.exceptions.CrawlerNotRunningException):
        glue.stop_crawler(Name="c")
    glue.list_crawls(CrawlerName="c", Filters=[{"FieldName": "STATE", "FilterOperator": "EQ",
                                                "FieldValue": "COMPLETED"}])  # fmt: skip
    glue.get_crawler_metrics()
    glue.stop_crawler_schedule(CrawlerName="c")
    glue.update_crawler_schedule(CrawlerName="c", Schedule="cron(0 3 * * ? *)")
    glue.start_crawler_schedule(CrawlerName="c")
    # tags and blueprints
    glue.tag_resource(ResourceArn=f"{arn}:workflow/w", TagsToAdd={"k": "v"})
    glue.untag_resource(ResourceArn=f"{arn}:workflow/w", TagsToRemove=["k"])
    assert glue.get_tags(ResourceArn=f"{arn}:job/a")["Tags"] == {"t": "1"}
    package = root / "bp" / "bp_one"
    package.mkdir(parents=True)
    spec = {"WorkflowName": {"type": "String", "collection": False}}
    (package / "blueprint.cfg").write_text(
        json.dumps({"layoutGenerator": "bp_one.layout.generate_layout", "parameterSpec": spec})
    )
    (package / "layout.py").write_text(
        "from glue_nb.blueprint.workflow import Workflow, Entities\n"
        "from glue_nb.blueprint.job import Job\n"
        "def generate_layout(user_params, system_params):\n"
        f"    job = Job(Name='one', Role='r', Command={cmd!r})\n"
        "    return Workflow(Name=user_params['WorkflowName'], Entities=Entities(Jobs=[job]))\n"
    )
    glue.create_blueprint(Name="bp", BlueprintLocation=str(package))
    glue.update_blueprint(Name="bp", BlueprintLocation=str(package), Description="d")
    glue.get_blueprint(Name="bp")
    glue.list_blueprints()
    glue.batch_get_blueprints(Names=["bp"])
    bp_run = glue.start_blueprint_run(BlueprintName="bp", RoleArn=ROLE,
                                      Parameters=json.dumps({"WorkflowName": "made"}))  # fmt: skip
    state = glue.get_blueprint_run(BlueprintName="bp", RunId=bp_run["RunId"])["BlueprintRun"]
    assert state["State"] == "SUCCEEDED", state
    glue.get_blueprint_runs(BlueprintName="bp")
    # deletes
    glue.delete_blueprint(Name="bp")
    glue.delete_trigger(Name="n")
    glue.delete_workflow(Name="w")
    glue.delete_crawler(Name="c")
    glue.delete_job(JobName="b")
    glue.delete_table(DatabaseName="lake", Name="t")
    glue.delete_database(Name="lake")
    local = glue_nb.client(server.home)  # which catalog operations this build has
    missing = {
        n for n in operations.CATALOG_OPERATIONS
        if not hasattr(local.service.catalog, operations._snake(n))
        or n.startswith("Batch") or n == "UpdatePartition"
    }  # fmt: skip
    assert set(operations.GLUE) - missing - called == set()


def test_environment_endpoint_and_glue_nb_remote_client(server: Server, glue: Any) -> None:
    """AWS_ENDPOINT_URL_GLUE points unchanged code at the server; glue_nb.client(endpoint_url=)
    is the same kind of client, with glue-nb's own API beside Glue's."""
    glue.create_workflow(Name="env-wf")
    code = (
        "import boto3; print(boto3.client('glue').get_workflow(Name='env-wf')['Workflow']['Name'])"
    )
    env = {**os.environ, "AWS_ENDPOINT_URL_GLUE": server.url, "AWS_ACCESS_KEY_ID": KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "eu-west-1"}  # fmt: skip
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "env-wf", out.stderr
    remote = glue_nb.client(
        endpoint_url=server.url, aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )
    assert remote.get_workflow(Name="env-wf")["Workflow"]["Name"] == "env-wf"
    assert remote.nb.get_workflow(Name="env-wf")["Workflow"]["Name"] == "env-wf"
    assert remote.home is None and "endpoint_url=" in repr(remote)
    with pytest.raises(glue_nb.exceptions.InvalidInputException, match="server at"):
        remote.store  # noqa: B018
    with pytest.raises(remote.exceptions.EntityNotFoundException):
        remote.get_workflow(Name="nope")


def test_aws_cli(server: Server, glue: Any) -> None:
    aws(server, "create-workflow", "--name", "month-close")
    listed = json.loads(aws(server, "list-workflows").stdout)
    assert "month-close" in listed["Workflows"]
    for i in range(3):
        aws(server, "create-job", "--name", f"cli{i}", "--role", ROLE, "--command",
            json.dumps({"Name": "notebook", "ScriptLocation": JOB_NB}))  # fmt: skip
    aws(server, "create-trigger", "--name", "mc-start", "--workflow-name", "month-close",
        "--type", "ON_DEMAND", "--actions", json.dumps([{"JobName": "cli0"}]))  # fmt: skip
    run_id = json.loads(aws(server, "start-workflow-run", "--name", "month-close").stdout)["RunId"]
    wait_status(glue, "month-close", run_id)
    shown = json.loads(
        aws(server, "get-workflow-run", "--name", "month-close", "--run-id", run_id,
            "--include-graph").stdout
    )["Run"]  # fmt: skip
    assert shown["Status"] == "COMPLETED" and shown["Graph"]["Nodes"]
    assert isinstance(shown["StartedOn"], float)  # AWS CLI v1 prints epoch seconds, as from AWS
    paged = json.loads(aws(server, "get-jobs", "--page-size", "1").stdout)  # CLI paginates
    assert {j["Name"] for j in paged["Jobs"]} >= {"cli0", "cli1", "cli2"}
    missing = aws(server, "get-workflow", "--name", "nope", check=False)
    assert missing.returncode != 0
    assert "EntityNotFoundException" in missing.stderr and "nope" in missing.stderr
    bad = aws(server, "get-workflow-run", "--name", "month-close", check=False)
    assert bad.returncode != 0 and "--run-id" in bad.stderr  # the CLI's own validation


# -- protocol errors and security ---------------------------------------------------------------
def test_protocol_errors(server: Server) -> None:
    status, body = raw(server, "AWSGlue.GetWorkflow", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, body = raw(server, "AWSGlue.NoSuchThing", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = raw(server, None, b"{}")
    assert body["__type"] == "UnknownOperationException"
    status, body = raw(server, "AWSGlue.GetWorkflow", b'{"Name": 5}')
    assert (status, body["__type"]) == (400, "ValidationException")
    assert "parameter Name" in body["message"]
    status, body = raw(server, "AWSGlue.GetWorkflow", b"{}")
    assert body["__type"] == "ValidationException" and "Name" in body["message"]
    status, body = raw(
        server, "AWSGlue.CreateDevEndpoint", b'{"EndpointName": "x", "RoleArn": "r"}'
    )
    assert (status, body["__type"]) == (400, "OperationNotSupportedException")
    big = json.dumps({"Name": "x", "Description": "y" * (11 * 1024 * 1024)}).encode()
    status, body = raw(server, "AWSGlue.CreateWorkflow", big)
    assert status == 413 and body["__type"] == "ValidationException"
    _, body = raw(server, "AWSGlue.GetWorkflow", b"{bad")
    assert "Traceback" not in json.dumps(body)
    with urllib.request.urlopen(server.url + "/health", timeout=30) as resp:
        assert json.loads(resp.read())["status"] == "ok"


def test_signatures(server: Server) -> None:
    ok, body = raw(server, "AWSGlue.ListWorkflows", b"{}")
    assert ok == 200 and "Workflows" in body
    status, body = raw(server, "AWSGlue.ListWorkflows", b"{}", sign=False)
    assert (status, body["__type"]) == (403, "MissingAuthenticationTokenException")
    status, body = raw(server, "AWSGlue.ListWorkflows", b"{}", secret="wrong")
    assert (status, body["__type"]) == (403, "InvalidSignatureException")
    assert "does not match" in body["message"]
    status, body = raw(server, "AWSGlue.ListWorkflows", b"{}", key="AKIDUNKNOWN")
    assert (status, body["__type"]) == (400, "UnrecognizedClientException")
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)
    status, body = raw(server, "AWSGlue.ListWorkflows", b"{}", when=old)
    assert body["__type"] == "InvalidSignatureException" and "expired" in body["message"]
    with pytest.raises(ClientError) as err:
        boto(server.url, secret="wrong").list_workflows()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(ClientError) as err:
        boto(server.url, key="AKIDUNKNOWN").list_workflows()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_paths_are_confined_to_the_roots(server: Server, glue: Any, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text(Path(JOB_NB).read_text())
    with pytest.raises(glue.exceptions.AccessDeniedException, match="outside the folders"):
        glue.create_job(Name="x", Role=ROLE,
                        Command={"Name": "notebook", "ScriptLocation": str(outside)})  # fmt: skip
    with pytest.raises(glue.exceptions.AccessDeniedException):
        glue.create_crawler(Name="x", Role=ROLE, DatabaseName="d",
                            Targets={"S3Targets": [{"Path": "/etc"}]})  # fmt: skip
    with pytest.raises(glue.exceptions.AccessDeniedException, match="--allow-urls"):
        glue.create_crawler(Name="x", Role=ROLE, DatabaseName="d",
                            Targets={"S3Targets": [{"Path": "http://example.com/d"}]})  # fmt: skip
    glue.create_crawler(Name="lake", Role=ROLE, DatabaseName="d",
                        Targets={"S3Targets": [{"Path": "s3://bucket/data"}]})  # fmt: skip
    glue.create_job(Name="etl", Role=ROLE,  # Glue's own job types are stored, never run here
                    Command={"Name": "glueetl", "ScriptLocation": "/anywhere/etl.py"})  # fmt: skip
    (server.root / "jobs").mkdir(exist_ok=True)
    (server.root / "jobs" / "rel.ipynb").write_text(Path(JOB_NB).read_text())
    glue.create_job(Name="rel", Role=ROLE,
                    Command={"Name": "notebook", "ScriptLocation": "jobs/rel.ipynb"})  # fmt: skip
    location = glue.get_job(JobName="rel")["Job"]["Command"]["ScriptLocation"]
    assert location == str((server.root / "jobs" / "rel.ipynb").resolve())
    with pytest.raises(glue.exceptions.AccessDeniedException):
        glue.create_job(Name="up", Role=ROLE,
                        Command={"Name": "notebook", "ScriptLocation": "../x.ipynb"})  # fmt: skip


def test_concurrent_clients(server: Server) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            c = boto(server.url)
            c.create_workflow(Name=f"conc-{i}")
            for _ in range(10):
                assert c.get_workflow(Name=f"conc-{i}")["Workflow"]["Name"] == f"conc-{i}"
            c.delete_workflow(Name=f"conc-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    names = boto(server.url).list_workflows()["Workflows"]
    assert not [n for n in names if n.startswith("conc-")]


def test_a_taken_port_is_refused_before_a_home_is_made(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = subprocess.run(
            [PYTHON, "-m", "glue_nb", "serve", "--home", str(tmp_path / "new"), "--port", port],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert out.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert not (tmp_path / "new").exists()


def test_refuses_other_addresses_without_credentials(tmp_path: Path) -> None:
    out = subprocess.run(
        [PYTHON, "-m", "glue_nb", "serve", "--home", str(tmp_path), "--host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2 and "refusing to listen on 0.0.0.0" in out.stderr
    srv = start_server(tmp_path / "h", tmp_path, "--host", "0.0.0.0", "--insecure",
                       credentials=False)  # fmt: skip
    try:
        assert boto(srv.url.replace("0.0.0.0", "127.0.0.1")).list_workflows()["Workflows"] == []
    finally:
        assert srv.stop() == 0


# -- a server's runs: owned by it, killed with it, stopped with it ---------------------------------
def sleepy_workflow(glue: Any, name: str, seconds: str) -> None:
    glue.create_job(Name=f"{name}-sleep", Role=ROLE,
                    Command={"Name": "notebook", "ScriptLocation": JOB_NB},
                    DefaultArguments={"--sleep": seconds})  # fmt: skip
    glue.create_workflow(Name=name)
    glue.create_trigger(Name=f"{name}-go", WorkflowName=name, Type="ON_DEMAND",
                        Actions=[{"JobName": f"{name}-sleep"}])  # fmt: skip


def started_by_a_client_that_exits(url: str, name: str) -> str:
    code = (
        "import boto3, sys\n"
        f"c = boto3.client('glue', endpoint_url={url!r}, region_name='us-east-1',"
        f" aws_access_key_id={KEY!r}, aws_secret_access_key={SECRET!r})\n"
        f"print(c.start_workflow_run(Name={name!r})['RunId'])\n"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def running_job(glue: Any, name: str, run_id: str) -> bool:
    run = glue.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
    nodes = [n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB"]
    runs = (nodes[0].get("JobDetails") or {}).get("JobRuns") or []
    return bool(runs) and runs[-1]["JobRunState"] == "RUNNING"


def test_a_killed_server_leaves_its_run_stopped_and_resumable(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "home", tmp_path)
    glue = boto(srv.url)
    sleepy_workflow(glue, "k", "15")
    run_id = started_by_a_client_that_exits(srv.url, "k")  # the server owns the run
    wait_for(lambda: running_job(glue, "k", run_id), 120, "the job to run")
    assert glue.get_workflow_run(Name="k", RunId=run_id)["Run"]["Status"] == "RUNNING"
    srv.stop(signal.SIGKILL)
    again = start_server(tmp_path / "home", tmp_path)
    try:
        glue = boto(again.url)
        run = wait_status(glue, "k", run_id, ("STOPPED",), 60)
        assert "is gone" in run["ErrorMessage"]  # the new server saw the old one was gone
        nodes = glue.get_workflow_run(Name="k", RunId=run_id, IncludeGraph=True)["Run"]
        job = next(n for n in nodes["Graph"]["Nodes"] if n["Type"] == "JOB")
        glue.update_job(JobName="k-sleep", JobUpdate={"Role": ROLE, "Command": {
            "Name": "notebook", "ScriptLocation": JOB_NB}})  # fmt: skip
        resumed = glue.resume_workflow_run(Name="k", RunId=run_id, NodeIds=[job["UniqueId"]])
        done = wait_status(glue, "k", resumed["RunId"], timeout=120)
        assert done["Statistics"]["SucceededActions"] == 1
    finally:
        again.stop()


def test_sigterm_stops_runs_resumable_and_exits(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "home", tmp_path)
    glue = boto(srv.url)
    sleepy_workflow(glue, "t", "30")
    run_id = glue.start_workflow_run(Name="t")["RunId"]
    wait_for(lambda: running_job(glue, "t", run_id), 120, "the job to run")
    started = time.monotonic()
    assert srv.stop(signal.SIGTERM, timeout=60) == 0
    assert time.monotonic() - started < 30  # it did not wait for the 30 s notebook
    assert any("stopped" in line for line in srv.output), srv.output
    local = glue_nb.client(tmp_path / "home")
    run = local.get_workflow_run(Name="t", RunId=run_id, IncludeGraph=True)["Run"]
    assert run["Status"] == "STOPPED"
    job = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB")
    assert job["JobDetails"]["JobRuns"][-1]["JobRunState"] == "STOPPED"
