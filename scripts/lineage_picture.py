"""Draw the README's lineage picture: ``python scripts/lineage_picture.py [docs/lineage.png]``.

Two workflows run for real in a temporary home: ``ingest`` (extract writes a CSV under
``lake/sales/``, a crawler makes the table ``lake.sales``, report reads it and writes
``out/report.csv``) and ``publish`` (reads the report, writes ``memory://pub/report.csv``). The job
runs' reads and writes are recorded with the store's API, as the job kernel's recorder does; the
crawl records its own. The picture is the upstream lineage of the publish run.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

import nbformat

import glue_nb
from glue_nb import history, lineage
from glue_nb.store.io import IoRecord, IoRecords

CELLS = [
    'inp = ""\nout = ""',
    "import os\nif inp:\n    open(inp).read()\nif out:\n    os.makedirs(os.path.dirname(out), "
    'exist_ok=True)\n    open(out, "w").write("id,value\\n1,2\\n")',
]


def notebook(path: Path) -> str:
    nb = nbformat.v4.new_notebook()
    for i, source in enumerate(CELLS):
        cell = nbformat.v4.new_code_cell(source)
        if i == 0:
            cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, str(path))
    return str(path)


def record(path: Path, direction: str) -> IoRecord:
    data = path.read_bytes()
    return IoRecord(direction, "file", str(path), size=len(data),
                    digest="sha256:" + hashlib.sha256(data).hexdigest())  # fmt: skip


def wait(c: glue_nb.GlueClient, name: str, run_id: str) -> dict:
    while True:
        run = c.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        if run["Status"] not in ("RUNNING", "STOPPING"):
            return run
        time.sleep(0.2)


def ids(run: dict) -> dict[str, str]:
    out = {}
    for node in run["Graph"]["Nodes"]:
        for jr in (node.get("JobDetails") or {}).get("JobRuns") or []:
            out[node["Name"]] = jr["Id"]
    return out


def main(target: str) -> None:
    with tempfile.TemporaryDirectory(prefix="glue-nb-lineage-") as tmp:
        root = Path(tmp)
        c = glue_nb.client(root / "home").nb
        nb = notebook(root / "step.ipynb")
        part = root / "lake" / "sales" / "month=1" / "part-0.csv"
        report = root / "out" / "report.csv"
        c.create_crawler(Name="sales_crawler", DatabaseName="lake",
                         Targets={"S3Targets": [{"Path": str(root / "lake")}]})  # fmt: skip
        c.create_workflow(Name="ingest")
        c.create_workflow(Name="publish")
        for job in ("extract", "report", "publish"):
            c.create_job(Name=job, Command={"Name": "notebook", "ScriptLocation": nb})
        c.create_trigger(
            Name="start",
            WorkflowName="ingest",
            Type="ON_DEMAND",
            Actions=[{"JobName": "extract", "Arguments": {"--out": str(part)}}],
        )
        c.create_trigger(
            Name="crawl",
            WorkflowName="ingest",
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={
                "Conditions": [
                    {"LogicalOperator": "EQUALS", "JobName": "extract", "State": "SUCCEEDED"}
                ]
            },
            Actions=[{"CrawlerName": "sales_crawler"}],
        )
        c.create_trigger(
            Name="report",
            WorkflowName="ingest",
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={
                "Conditions": [
                    {
                        "LogicalOperator": "EQUALS",
                        "CrawlerName": "sales_crawler",
                        "CrawlState": "SUCCEEDED",
                    }
                ]
            },
            Actions=[{"JobName": "report", "Arguments": {"--out": str(report)}}],
        )
        go = [{"JobName": "publish", "Arguments": {"--inp": str(report)}}]
        c.create_trigger(Name="go", WorkflowName="publish", Type="ON_DEMAND", Actions=go)
        io = IoRecords(c.store)
        ingest = ids(wait(c, "ingest", c.start_workflow_run(Name="ingest")["RunId"]))
        io.record("job", ingest["extract"], [record(part, "write")])
        io.record("job", ingest["report"], [IoRecord("read", "table", "lake.sales", version="0"),
                                            record(report, "write")])  # fmt: skip
        publish = ids(wait(c, "publish", c.start_workflow_run(Name="publish")["RunId"]))
        published = IoRecord("write", "url", "memory://pub/report.csv")
        io.record("job", publish["publish"], [record(report, "read"), published])
        df = history.lineage(c, run=publish["publish"], direction="upstream")
        print(df[["hop", "direction", "kind", "resource", "name", "source_id"]].to_string())
        print(lineage.view(df, links="notebook").render(target))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/lineage.png")
