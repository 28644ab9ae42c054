"""Bookmarks and lineage through ``glue-nb serve``: boto3 and the AWS CLI get Glue's job bookmark
shapes, and glue-nb's own client gets lineage, from a real server process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore_shapes import assert_output
from conftest import write_notebook
from test_endpoint import KEY, SECRET, Server, aws, boto, start_server

import glue_nb
from glue_nb import history
from glue_nb.store import Store
from glue_nb.store.io import IoRecord, IoRecords

pytestmark = [pytest.mark.endpoint, pytest.mark.kernel]

CELLS = [
    'out = ""',
    """\
from glue_nb import runtime
files = runtime.bookmark.new_files("incoming", pattern="*.csv")
with open(out, "a") as fh:
    fh.write(",".join(sorted(f.rsplit("/", 1)[-1] for f in files)) + "\\n")""",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served-lineage")
    write_notebook(root / "ingest.ipynb", CELLS)
    (root / "incoming").mkdir()
    srv = start_server(root / "home", root)
    yield srv
    srv.stop()


def wait_ended(glue: Any, job: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "WAITING", "STOPPING"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.2)


def test_bookmarks_through_the_server(served: Server) -> None:
    glue = boto(served.url)
    root = served.root
    (root / "incoming" / "a.csv").write_text("1")
    out = root / "handed.txt"
    glue.create_job(
        Name="ingest", Role="arn:aws:iam::123456789012:role/GlueRole",
        Command={"Name": "notebook", "ScriptLocation": str(root / "ingest.ipynb")},
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable", "--out": str(out)},
    )  # fmt: skip
    first = glue.start_job_run(JobName="ingest")["JobRunId"]
    assert wait_ended(glue, "ingest", first)["JobRunState"] == "SUCCEEDED"
    (root / "incoming" / "b.csv").write_text("2")
    second = glue.start_job_run(JobName="ingest")["JobRunId"]
    assert wait_ended(glue, "ingest", second)["JobRunState"] == "SUCCEEDED"
    assert out.read_text().splitlines() == ["a.csv", "b.csv"]
    got = glue.get_job_bookmark(JobName="ingest")
    assert_output("GetJobBookmark", got)
    entry = got["JobBookmarkEntry"]
    assert (entry["Run"], entry["RunId"], entry["PreviousRunId"]) == (2, second, first)
    cli = json.loads(aws(served, "get-job-bookmark", "--job-name", "ingest").stdout)
    assert cli["JobBookmarkEntry"]["RunId"] == second
    reset = json.loads(
        aws(served, "reset-job-bookmark", "--job-name", "ingest", "--run-id", first).stdout
    )
    assert reset["JobBookmarkEntry"]["Run"] == 1
    assert_output("ResetJobBookmark", glue.reset_job_bookmark(JobName="ingest"))
    missing = aws(served, "get-job-bookmark", "--job-name", "nosuch", check=False)
    assert missing.returncode != 0 and "EntityNotFoundException" in missing.stderr


def test_lineage_through_the_server(served: Server) -> None:
    glue = boto(served.url)
    runs = glue.get_job_runs(JobName="ingest")["JobRuns"]
    first, second = sorted(runs, key=lambda r: r["StartedOn"])[:2]
    remote = glue_nb.client(endpoint_url=served.url, aws_access_key_id=KEY,
                            aws_secret_access_key=SECRET, region_name="us-east-1")  # fmt: skip
    # what the job kernels' recorder saw: both runs appended to the file they were handed
    handed = str(served.root / "handed.txt")
    df = history.lineage(remote, resource=handed)
    df = df[df.resource == handed]
    assert {(str(d), i) for d, i in zip(df.direction, df["id"], strict=True)} == {
        ("write", first["Id"]), ("write", second["Id"]),
    }  # fmt: skip
    # a producer and its reader, written to the server's store, read remotely
    store = Store(served.home)
    derived = str(served.root / "derived.parquet")
    IoRecords(store).record("job", first["Id"], [IoRecord("write", "file", derived, digest="d1")])
    IoRecords(store).record("job", second["Id"], [IoRecord("read", "file", derived, digest="d1")])
    df = history.lineage(remote, resource=derived)
    df = df[df.resource == derived]  # (not what the producer read, nor the reader wrote)
    assert {(str(d), i) for d, i in zip(df.direction, df["id"], strict=True)} == {
        ("write", first["Id"]), ("read", second["Id"]),
    }  # fmt: skip
    assert list(df[df.direction == "read"].source_id) == [first["Id"]]
    assert set(df.name.astype(str)) == {"ingest"}
