"""Lineage for real: crawls record what they wrote (tables and partitions with their VersionId)
in their own transaction; job runs' reads and writes (recorded here with the store API, as the
job kernel's recorder does) and real crawls link runs across workflows; the DataFrame, the
graphviz picture and OpenLineage events are built from that."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import make_workflow, wait_run, write_notebook

import glue_nb
from glue_nb import history
from glue_nb.client import GlueClient
from glue_nb.crawlers import CrawlerService
from glue_nb.engine import Engine
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.store import Store
from glue_nb.store.io import IoRecord, IoRecords

#: Reads ``inp`` (if given) and writes ``out`` (if given): what the recorder would see.
CELLS = [
    'inp = ""\nout = ""\ntext = "x"',
    """\
import os
if inp:
    with open(inp) as fh:
        fh.read()
if out:
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("id,value\\n1," + text + "\\n")""",
]


def file_record(direction: str, path: Path) -> IoRecord:
    data = path.read_bytes()
    st = path.stat()
    return IoRecord(direction, "file", str(path), size=st.st_size, mtime_ns=st.st_mtime_ns,
                    digest="sha256:" + hashlib.sha256(data).hexdigest())  # fmt: skip


def job_run_ids(run: dict[str, Any]) -> dict[str, str]:
    out = {}
    for node in run["Graph"]["Nodes"]:
        for jr in (node.get("JobDetails") or {}).get("JobRuns") or []:
            out[node["Name"]] = jr["Id"]
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls") or []:
            out[node["Name"]] = crawl["CrawlId"]
    return out


# -- crawls record what they wrote ---------------------------------------------------------------
def crawl_now(svc: CrawlerService, name: str) -> str:
    engine = Engine.for_store(svc.store)
    crawl_id = engine.start_crawl(name)
    assert engine.wait(crawl_id, timeout=60)
    return crawl_id


def written(store: Store, crawl_id: str) -> dict[str, tuple[str, str | None]]:
    return {
        r.resource: (r.kind, r.version)
        for r in IoRecords(store).of_run(crawl_id)
        if r.direction == "write"
    }


def test_a_crawl_records_the_tables_and_partitions_it_created_or_changed(tmp_path: Path) -> None:
    svc = CrawlerService(Store(tmp_path / "home"))
    lake = tmp_path / "lake"
    for month in (1, 2):
        (lake / "sales" / f"month={month}").mkdir(parents=True)
        (lake / "sales" / f"month={month}" / "x.csv").write_text(f"id,v\n{month},2\n")
    (lake / "refs").mkdir()
    (lake / "refs" / "r.json").write_text('{"k": "v"}\n')
    svc.create_crawler(Name="c", Targets={"S3Targets": [{"Path": str(lake)}]}, DatabaseName="db")
    first = crawl_now(svc, "c")
    assert written(svc.store, first) == {
        "db.sales": ("table", "0"), "db.refs": ("table", "0"),
        "db.sales/month=1": ("partition", "0"), "db.sales/month=2": ("partition", "0"),
    }  # fmt: skip
    reads = {r.resource for r in IoRecords(svc.store).of_run(first) if r.direction == "read"}
    assert reads == {f"{lake}/sales/", f"{lake}/refs/"}

    # a new partition: only it is written; a changed schema: a new table version
    (lake / "sales" / "month=3").mkdir()
    (lake / "sales" / "month=3" / "x.csv").write_text("id,v\n3,2\n")
    second = crawl_now(svc, "c")
    assert written(svc.store, second).get("db.sales/month=3") == ("partition", "0")
    assert "db.sales/month=1" not in written(svc.store, second)
    assert "db.refs" not in written(svc.store, second)
    (lake / "refs" / "r.json").write_text('{"k": "v", "n": 1}\n')
    (lake / "sales" / "month=1" / "x.csv").unlink()
    (lake / "sales" / "month=1").rmdir()
    third = crawl_now(svc, "c")
    w = written(svc.store, third)
    assert w["db.refs"] == ("table", "1")
    assert w["db.sales/month=1"] == ("partition", "0")  # deprecated: a change
    # a crawl that fails writes no record
    svc.update_crawler(Name="c", Targets={"S3Targets": [{"Path": str(tmp_path / "gone")}]})
    failed = crawl_now(svc, "c")
    assert svc.get_crawl(failed)["State"] == "FAILED"
    assert IoRecords(svc.store).of_run(failed) == []


def test_records_are_written_in_the_crawls_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl's records commit with its catalog changes and its end, or not at all."""
    from glue_nb.crawl import execute_crawl

    svc = CrawlerService(Store(tmp_path / "home"))
    (tmp_path / "lake" / "t").mkdir(parents=True)
    (tmp_path / "lake" / "t" / "x.csv").write_text("a,b\n1,2\n3,4\n")
    svc.create_crawler(Name="c", Targets={"S3Targets": [{"Path": str(tmp_path / "lake")}]},
                       DatabaseName="db")  # fmt: skip
    crawl_id, spec = svc.begin_crawl("c")
    result = execute_crawl(spec)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the crawl's end cannot be written")

    with monkeypatch.context() as m:
        m.setattr(svc.crawls, "end", broken)
        with pytest.raises(RuntimeError):
            svc.finish_crawl(crawl_id, result)
    assert IoRecords(svc.store).of_run(crawl_id) == []
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_table(DatabaseName="db", Name="t")
    assert svc.finish_crawl(crawl_id, result)["State"] == "SUCCEEDED"
    assert written(svc.store, crawl_id) == {"db.t": ("table", "0")}


# -- lineage across workflows --------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two workflows sharing files and a table, each run for real, twice for ``ingest``:

    ingest: extract (writes lake/sales/month=1/part-0.csv) -> crawl (table lake.sales)
            -> report (reads lake.sales, writes out/report.csv)
    publish: publish (reads out/report.csv, writes memory://pub/report.csv)
    """
    root = tmp_path_factory.mktemp("lineage")
    home = root / "home"
    nb = write_notebook(root / "nb" / "step.ipynb", CELLS)
    c = glue_nb.client(home).nb
    part = root / "lake" / "sales" / "month=1" / "part-0.csv"
    report = root / "out" / "report.csv"
    c.create_crawler(Name="sales_crawler", DatabaseName="lake",
                     Targets={"S3Targets": [{"Path": str(root / "lake")}]})  # fmt: skip
    make_workflow(
        c, "ingest",
        {"extract": {"notebook": str(nb)}, "report": {"notebook": str(nb)}},
        start=[{"JobName": "extract", "Arguments": {"--out": str(part)}}],
        conditional=[
            ("crawl after extract", [{"LogicalOperator": "EQUALS", "JobName": "extract",
                                      "State": "SUCCEEDED"}], "AND",
             [{"CrawlerName": "sales_crawler"}]),
            ("report after crawl", [{"LogicalOperator": "EQUALS",
                                     "CrawlerName": "sales_crawler", "CrawlState": "SUCCEEDED"}],
             "AND", [{"JobName": "report", "Arguments": {"--out": str(report)}}]),
        ],
    )  # fmt: skip
    make_workflow(
        c, "publish", {"publish": {"notebook": str(nb)}},
        start=[{"JobName": "publish", "Arguments": {"--inp": str(report)}}],
    )  # fmt: skip
    io = IoRecords(c.store)
    runs = []
    for text in ("first", "second"):
        c.update_job(JobName="extract", JobUpdate={
            "Command": {"Name": "notebook", "ScriptLocation": str(nb)},
            "DefaultArguments": {"--text": text},
        })  # fmt: skip
        run_id = c.start_workflow_run(Name="ingest")["RunId"]
        run = wait_run(c, "ingest", run_id)
        assert run["Status"] == "COMPLETED", run
        ids = job_run_ids(run)
        # what the job kernel's recorder records for each job run, once it has ended
        io.record("job", ids["extract"], [file_record("write", part)])
        io.record("job", ids["report"], [IoRecord("read", "table", "lake.sales", version="0"),
                                         file_record("write", report)])  # fmt: skip
        runs.append({"run_id": run_id, **ids, "report_digest": file_record("read", report).digest})
        time.sleep(0.05)
    pub_run = c.start_workflow_run(Name="publish")["RunId"]
    pub = job_run_ids(wait_run(c, "publish", pub_run))["publish"]
    published = IoRecord("write", "url", "memory://pub/report.csv", etag="e1")
    io.record("job", pub, [file_record("read", report), published])
    return {"client": c, "home": home, "root": root, "part": part, "report": report,
            "runs": runs, "publish": pub, "publish_run": pub_run}  # fmt: skip


def edges(df: pd.DataFrame) -> set[tuple[int, str, str, str]]:
    return {(int(h), str(d), str(n), str(r)) for h, d, n, r in
            zip(df.hop, df.direction, df.name, df.resource, strict=True)}  # fmt: skip


@pytest.mark.kernel
def test_what_produced_a_file_and_everything_downstream_of_it(world: dict[str, Any]) -> None:
    c, part, report = world["client"], world["part"], world["report"]
    second = world["runs"][1]
    df = history.lineage(c, resource=str(part))
    writers = df[(df.direction == "write") & (df.resource == str(part))]
    assert set(writers["id"]) == {r["extract"] for r in world["runs"]}  # produced it, twice
    assert set(writers["hop"]) == {-1}
    lake = str(world["root"] / "lake") + "/sales/"
    crawl_reads = df[(df.type == "CRAWLER") & (df.direction == "read")]
    assert set(crawl_reads.resource) == {lake} and set(crawl_reads.hop) == {1}
    # each crawl read the extract of its own workflow run (the one that ended just before it)
    assert {(r["sales_crawler"], r["extract"]) for r in world["runs"]} == set(
        zip(crawl_reads["id"], crawl_reads["source_id"], strict=True)
    )
    e = edges(df)
    assert (1, "write", "sales_crawler", "lake.sales") in e
    # report read the table, whose data is the file under its Location: one hop away
    assert (1, "read", "report", "lake.sales") in e
    assert (1, "write", "report", str(report)) in e
    assert (2, "read", "publish", str(report)) in e  # another workflow, through the file
    assert (2, "write", "publish", "memory://pub/report.csv") in e
    table_reads = df[(df.name == "report") & (df.direction == "read")]
    sources = set(zip(table_reads["id"], table_reads["source_id"], strict=True))
    for r in world["runs"]:  # each report read its own run's extract, and the crawl's table
        assert (r["report"], r["extract"]) in sources
    assert (world["runs"][1]["report"], world["runs"][0]["extract"]) not in sources
    # publish read the second report (its digest says so), not the first
    pub_read = df[(df.name == "publish") & (df.direction == "read")]
    assert list(pub_read.source_id) == [second["report"]]
    assert set(df[df.name == "publish"].workflow) == {"publish"}

    # typed like the rest of history
    assert isinstance(df.dtypes["state"], pd.CategoricalDtype)
    assert str(df.dtypes["started"]) == "datetime64[us, UTC]"
    assert df.dtypes["hop"] == "int64" and str(df.dtypes["size"]) == "Int64"
    assert set(df.state.astype(str)) == {"SUCCEEDED"}

    # depth 1: the runs that wrote it, and those that read it (the crawls, the table's reader)
    near = history.lineage(c, resource=str(part), depth=1)
    assert set(near.hop) == {-1, 1}
    assert set(near.name.astype(str)) == {"extract", "sales_crawler", "report"}
    # the folder: what was written under it
    folder = history.lineage(c, resource=str(part.parent), direction="upstream")
    assert set(folder.name.astype(str)) == {"extract"}


@pytest.mark.kernel
def test_upstream_of_a_run_across_workflows(world: dict[str, Any]) -> None:
    c = world["client"]
    first, second = world["runs"]
    up = history.lineage(c, run=world["publish"], direction="upstream")
    hops = {(str(n), i): int(h) for n, i, h in zip(up.name, up["id"], up.hop, strict=True)}
    assert hops[("publish", world["publish"])] == 0
    assert hops[("report", second["report"])] == -1
    assert hops[("extract", second["extract"])] == -2  # the data under lake.sales's Location
    crawls = {i for (n, i), h in hops.items() if n == "sales_crawler" and h == -2}
    assert crawls  # the crawl that wrote the table's latest definition
    assert first["report"] not in set(up["id"])  # the first report is not upstream of it
    assert not (up.hop > 0).any()

    # downstream of the first report: nobody read its output before it was replaced
    down = history.lineage(c, run=first["report"], direction="downstream")
    assert set(down["id"]) == {first["report"]}
    # the second report's output reached publish
    down = history.lineage(c, run=second["report"], direction="downstream")
    assert world["publish"] in set(down["id"])

    # a whole workflow: publish's upstream reaches into ingest
    wf = history.lineage(c, workflow="publish", direction="upstream")
    assert {"ingest", "publish"} <= set(wf.workflow.dropna().astype(str))
    # a workflow run: its job runs and crawls are the seeds
    run = history.lineage(c, run=second["run_id"], depth=0)
    assert set(run["id"]) == {second["extract"], second["sales_crawler"], second["report"]}
    assert set(run.hop) == {0}


@pytest.mark.kernel
def test_tables_and_partitions_and_bad_requests(world: dict[str, Any]) -> None:
    c = world["client"]
    second = world["runs"][1]
    table = history.lineage(c, resource="lake.sales", depth=1)
    producers = table[(table.direction == "write") & (table.hop == -1)]
    assert set(producers["id"]) == {r[k] for r in world["runs"] for k in ("sales_crawler",
                                                                          "extract")}  # fmt: skip
    assert set(producers[producers.type == "JOB"].resource) == {str(world["part"])}
    readers = table[(table.direction == "read") & (table.hop == 1)]
    assert set(readers.name.astype(str)) == {"report"}
    part = history.lineage(c, resource="lake.sales/month=1", direction="upstream", depth=1)
    made = part[(part.direction == "write") & (part.kind == "partition")]
    assert world["runs"][0]["sales_crawler"] in set(made["id"])  # the first crawl created it
    assert set(made.version) == {"0"} and set(made.hop) == {-1}
    data = part[(part.direction == "write") & (part.kind == "file")]
    assert set(data["id"]) == {r["extract"] for r in world["runs"]}  # under its Location
    with pytest.raises(InvalidInputException, match="one of Resource"):
        history.lineage(c)
    with pytest.raises(InvalidInputException, match="Direction"):
        history.lineage(c, run=second["report"], direction="sideways")
    with pytest.raises(EntityNotFoundException, match="jr_nope"):
        history.lineage(c, run="jr_nope")
    with pytest.raises(EntityNotFoundException, match="nope"):
        history.lineage(c, workflow="nope")
    assert history.lineage(c, resource=str(world["root"] / "never.csv")).empty


def test_resource_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_nb.lineage.graph import resource_key

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "a.csv").write_text("")
    assert resource_key("data") == ("file", f"{tmp_path}/data/")
    assert resource_key("a.csv") == ("file", f"{tmp_path}/a.csv")  # exists: a file
    assert resource_key("db.t") == ("table", "db.t")
    assert resource_key("DB.Sales/year=2026") == ("partition", "db.sales/year=2026")
    assert resource_key("s3://b/k/") == ("url", "s3://b/k/")
    assert resource_key(f"file://{tmp_path}/a.csv") == ("file", f"{tmp_path}/a.csv")
    assert resource_key("x.csv", "file") == ("file", f"{tmp_path}/x.csv")
    assert resource_key("DB.T", "table") == ("table", "db.t")
    with pytest.raises(InvalidInputException, match="kind must be 'file', 'url', 'table' or"):
        resource_key("a.csv", "bogus")


# -- the picture ---------------------------------------------------------------------------------
@pytest.mark.kernel
def test_the_picture_draws_kinds_as_shapes_and_links_runs(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_nb import lineage

    c, second = world["client"], world["runs"][1]
    df = history.lineage(c, run=world["publish"], direction="upstream")
    monkeypatch.chdir(world["root"])
    pic = lineage.view(df, links="notebook")
    dot = pic.source
    for shape in ("box", "hexagon", "cylinder", "note", "tab"):
        assert f'shape="{shape}"' in dot, shape
    assert "report.csv" in dot and "lake.sales" in dot
    svg = pic.svg()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    # a job run links to its executed notebook, relative to the working directory
    report_run = next(r for r in pic.runs if r["Id"] == second["report"])
    href = pic.href(report_run)
    assert href is not None and not href.startswith("/") and href.endswith(".ipynb")
    assert (world["root"] / href).exists()
    assert f'href="{href}"' in svg or f'xlink:href="{href}"' in svg
    crawl = next(r for r in pic.runs if r["Type"] == "CRAWLER")
    assert pic.href(crawl) is None  # a crawl has no notebook
    bundle = pic._repr_mimebundle_()
    assert "image/svg+xml" in bundle and "publish" in bundle["text/plain"]

    # with glue-nb's server extension: the run's page, under the server's base URL
    served = lineage.view(df, links="server", base_url="/user/me/")
    served.home = str(world["home"])
    link = served.href(report_run)
    assert link is not None and link.startswith("/user/me/glue-nb/report?home=")
    assert f"run_id={second['run_id']}" in link and "workflow=ingest" in link
    # auto: the Jupyter server that started this kernel (its runtime file names our parent)
    runtime_dir = tmp_path / "runtime"
    runtime_dir.mkdir()
    (runtime_dir / f"jpserver-{os.getppid()}.json").write_text(json.dumps({"base_url": "/lab1/"}))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime_dir))
    auto = lineage.view(df)
    assert auto.links == "server" and auto.href(report_run).startswith("/lab1/glue-nb/report?")
    # many runs of a job: one node each
    merged = lineage.view(history.lineage(c, workflow="ingest", depth=0), by="job")
    assert merged.source.count("2 job runs") == 2 and "2 crawler runs" in merged.source
    out = merged.render(tmp_path / "lineage.png")
    assert Path(out).read_bytes()[:4] == b"\x89PNG"


# -- OpenLineage ---------------------------------------------------------------------------------
#: The OpenLineage spec's RunEvent as JSON Schema: the required members and their forms.
RUN_EVENT = {
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "eventType", "run", "job"],
    "properties": {
        "eventTime": {"type": "string"},
        "producer": {"type": "string", "pattern": "^https?://"},
        "schemaURL": {"type": "string", "pattern": "^https://openlineage.io/spec/"},
        "eventType": {"enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "run": {
            "type": "object",
            "required": ["runId"],
            "properties": {"runId": {"type": "string"}, "facets": {"$ref": "#/$defs/facets"}},
        },
        "job": {
            "type": "object",
            "required": ["namespace", "name"],
            "properties": {
                "namespace": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "facets": {"$ref": "#/$defs/facets"},
            },
        },
        "inputs": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
        "outputs": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
    },
    "$defs": {
        "facets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["_producer", "_schemaURL"],
                "properties": {"_schemaURL": {"type": "string", "pattern": "^https://"}},
            },
        },
        "dataset": {
            "type": "object",
            "required": ["namespace", "name"],
            "properties": {
                "namespace": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "facets": {"$ref": "#/$defs/facets"},
            },
        },
    },
}


def check_event(event: dict[str, Any]) -> None:
    """Valid as the spec says: the schema above, then openlineage-python's own model of the spec
    (its classes check the run id, the time and the URIs) built from the JSON."""
    import uuid
    from datetime import datetime

    import jsonschema
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent
    from openlineage.client.event_v2 import RunState as EventType

    jsonschema.validate(event, RUN_EVENT)
    uuid.UUID(event["run"]["runId"])
    assert datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")).tzinfo is not None
    RunEvent(
        eventType=EventType(event["eventType"]),
        eventTime=event["eventTime"],
        producer=event["producer"],
        run=Run(runId=event["run"]["runId"]),
        job=Job(namespace=event["job"]["namespace"], name=event["job"]["name"]),
        inputs=[InputDataset(namespace=d["namespace"], name=d["name"])
                for d in event.get("inputs", [])],
        outputs=[OutputDataset(namespace=d["namespace"], name=d["name"])
                 for d in event.get("outputs", [])],
    )  # fmt: skip


@pytest.mark.kernel
def test_openlineage_events_of_past_runs(world: dict[str, Any], tmp_path: Path) -> None:
    from glue_nb import lineage
    from glue_nb.api.service import DEFAULT_ACCOUNT, DEFAULT_REGION
    from glue_nb.lineage.openlineage import CATALOG_NAMESPACE, events_json, run_uuid

    assert f"arn:aws:glue:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}" == CATALOG_NAMESPACE
    c, second = world["client"], world["runs"][1]
    events = events_json(lineage.run_events(c, workflow="ingest"))
    assert len(events) == 12  # 2 runs x 3 nodes x START + COMPLETE
    for event in events:
        check_event(event)
    by_run: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_run.setdefault(event["run"]["runId"], []).append(event)
    report = by_run[run_uuid(second["report"])]
    assert [e["eventType"] for e in report] == ["START", "COMPLETE"]
    done = report[1]
    assert done["job"] == {"namespace": "glue-nb", "name": "job/report",
                           "facets": done["job"]["facets"]}  # fmt: skip
    assert done["job"]["facets"]["jobType"]["jobType"] == "JOB"
    parent = done["run"]["facets"]["parent"]
    assert parent["run"]["runId"] == run_uuid(second["run_id"])
    assert parent["job"]["name"] == "workflow/ingest"
    [table] = done["inputs"]
    assert (table["namespace"], table["name"]) == (CATALOG_NAMESPACE, "table/lake/sales")
    assert table["facets"]["version"]["datasetVersion"] == "0"  # the table's VersionId
    assert [(o["namespace"], o["name"]) for o in done["outputs"]] == [
        ("file", str(world["report"]))
    ]
    crawl = by_run[run_uuid(second["sales_crawler"])][1]
    assert crawl["job"]["name"] == "crawler/sales_crawler"
    assert ("file", str(world["root"] / "lake" / "sales")) in {
        (i["namespace"], i["name"]) for i in crawl["inputs"]
    }
    published = events_json(lineage.run_events(c, run=world["publish"]))[1]
    assert [(o["namespace"], o["name"]) for o in published["outputs"]] == [
        ("memory://pub", "report.csv")
    ]
    path = tmp_path / "events.jsonl"
    assert lineage.write_events(lineage.run_events(c, run=world["publish"]), path) == 2
    assert [json.loads(line)["eventType"] for line in path.read_text().splitlines()] == [
        "START", "COMPLETE",
    ]  # fmt: skip


@pytest.mark.kernel
def test_openlineage_events_are_sent_live_to_a_collector_and_a_file(
    client: GlueClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real HTTP collector on the loopback receives START then COMPLETE / FAIL / ABORT of each
    job run and crawl as it happens; the same events go to a file."""
    import http.server
    import threading

    from glue_nb.lineage.openlineage import flush, run_uuid

    received: list[tuple[str, dict[str, Any]]] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    events_file = tmp_path / "events.jsonl"
    monkeypatch.setenv("GLUE_NB_OPENLINEAGE_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("GLUE_NB_OPENLINEAGE_FILE", str(events_file))
    try:
        nb = write_notebook(tmp_path / "nb" / "step.ipynb", [
            'fail = ""\nsleep = 0.0', "import time\nif sleep:\n    time.sleep(sleep)",
            "if fail:\n    raise ValueError(fail)",
        ])  # fmt: skip
        (tmp_path / "lake" / "t").mkdir(parents=True)
        (tmp_path / "lake" / "t" / "x.csv").write_text("a,b\n1,2\n")
        lake = {"S3Targets": [{"Path": str(tmp_path / "lake")}]}
        client.create_crawler(Name="crawl", DatabaseName="db", Targets=lake)
        make_workflow(
            client, "w", {"ok": {"notebook": str(nb)}, "bad": {"notebook": str(nb)}},
            start=["ok", {"JobName": "bad", "Arguments": {"--fail": "boom"}},
                   {"CrawlerName": "crawl"}],
        )  # fmt: skip
        run = wait_run(client, "w", client.start_workflow_run(Name="w")["RunId"])
        ids = job_run_ids(run)
        client.create_job(Name="slow", Command={"Name": "notebook", "ScriptLocation": str(nb)})
        slow = client.start_job_run(JobName="slow", Arguments={"--sleep": "60"})["JobRunId"]
        wait_for_state = time.monotonic() + 120
        while client.get_job_run(JobName="slow", RunId=slow)["JobRun"]["JobRunState"] != "RUNNING":
            assert time.monotonic() < wait_for_state
            time.sleep(0.1)
        client.batch_stop_job_run(JobName="slow", JobRunIds=[slow])
        deadline = time.monotonic() + 120
        while client.get_job_run(JobName="slow", RunId=slow)["JobRun"]["JobRunState"] != "STOPPED":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert flush(30)
        expected = {
            run_uuid(ids["ok"]): ["START", "COMPLETE"],
            run_uuid(ids["bad"]): ["START", "FAIL"],
            run_uuid(ids["crawl"]): ["START", "COMPLETE"],
            run_uuid(slow): ["START", "ABORT"],
        }
        got: dict[str, list[str]] = {}
        for path, event in received:
            assert path == "/api/v1/lineage"
            check_event(event)
            got.setdefault(event["run"]["runId"], []).append(event["eventType"])
        assert got == expected
        fail = next(e for _, e in received if e["eventType"] == "FAIL")
        assert "boom" in fail["run"]["facets"]["errorMessage"]["message"]
        crawl_end = next(
            e
            for _, e in received
            if e["job"]["name"] == "crawler/crawl" and e["eventType"] == "COMPLETE"
        )
        assert [o["name"] for o in crawl_end["outputs"]] == ["table/db/t"]  # fmt: skip
        lines = [json.loads(line) for line in events_file.read_text().splitlines()]
        assert sorted(json.dumps(e, sort_keys=True) for e in lines) == sorted(
            json.dumps(e, sort_keys=True) for _, e in received
        )
    finally:
        server.shutdown()
