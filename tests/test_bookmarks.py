"""Job bookmarks for real: notebooks on real kernels ask ``runtime.bookmark`` for the files they
have not processed; the bookmark advances only when a run succeeds (not on failure, stop or
pause), a retry is handed what its failed attempt was; GetJobBookmark and ResetJobBookmark answer
in Glue's shapes, in-process and through ``glue-nb serve``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from botocore_shapes import assert_output
from conftest import wait_for, write_notebook

import glue_nb
from glue_nb import runtime
from glue_nb.client import GlueClient
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException

pytestmark = pytest.mark.kernel

#: Lists the new CSV files, appends what it was handed to ``out`` (one JSON line per attempt),
#: then fails once if ``fail_marker`` exists (deleting it), or sleeps.
CELLS = [
    'folder = "incoming"\nout = ""\nfail_marker = ""\nsleep = 0.0',
    """\
import json, os, time
from glue_nb import runtime
files = runtime.bookmark.new_files(folder, pattern="*.csv")
again = runtime.bookmark.new_files(folder, pattern="*.csv")
with open(out, "a") as fh:
    fh.write(json.dumps({"run": JOB_RUN_ID, "files": files, "again": again,
                         "option": runtime.bookmark.option}) + "\\n")""",
    """\
if fail_marker and os.path.exists(fail_marker):
    os.remove(fail_marker)
    raise RuntimeError("failing once")""",
    "if sleep:\n    time.sleep(sleep)",
]

TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR")


@pytest.fixture
def setup(client: GlueClient, tmp_path: Path) -> dict[str, Any]:
    notebook = write_notebook(tmp_path / "nb" / "ingest.ipynb", CELLS)
    incoming = tmp_path / "nb" / "incoming"
    incoming.mkdir()
    return {"notebook": str(notebook), "incoming": incoming, "out": tmp_path / "handed.jsonl"}


def make_job(c: GlueClient, s: dict[str, Any], name: str, option: str | None, **extra: Any) -> None:
    args = {"--out": str(s["out"])}
    if option:
        args["--job-bookmark-option"] = option
    c.create_job(
        Name=name,
        Command={"Name": "notebook", "ScriptLocation": s["notebook"]},
        DefaultArguments=args,
        **extra,
    )


def run_job(c: GlueClient, name: str, executor: Any = None, **arguments: str) -> dict[str, Any]:
    extra = {"Executor": executor} if executor is not None else {}
    run_id = c.start_job_run(JobName=name, Arguments=arguments, **extra)["JobRunId"]
    return wait_job(c, name, run_id)


def wait_job(c: GlueClient, name: str, run_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        runs = c.get_job_runs(JobName=name)["JobRuns"]
        mine = [r for r in runs if r["Id"] == run_id or r.get("PreviousRunId") == run_id]
        last = max(mine, key=lambda r: r["Attempt"])
        ended = last["JobRunState"] in TERMINAL
        retrying = last["JobRunState"] == "FAILED" and any(
            r.get("PreviousRunId") == last["Id"] for r in runs
        )
        return last if ended and not retrying else None

    return wait_for(done, 120, f"job run {run_id} to end")


def handed(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in s["out"].read_text().splitlines()]


def names(entry: dict[str, Any]) -> list[str]:
    return [os.path.basename(f) for f in entry["files"]]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def bookmark(c: GlueClient, name: str, **kw: str) -> dict[str, Any]:
    return c.get_job_bookmark(JobName=name, **kw)["JobBookmarkEntry"]


def test_enabled_bookmark_hands_out_new_and_changed_files_and_advances_on_success(
    client: GlueClient, setup: dict[str, Any]
) -> None:
    incoming = setup["incoming"]
    write(incoming, "a.csv", "x\n1\n")
    write(incoming, "b.csv", "x\n2\n")
    write(incoming, "notes.txt", "not a csv")
    write(incoming, "_SUCCESS.csv", "")  # hidden, as Spark's markers are
    (incoming / "2026-11").mkdir()
    write(incoming / "2026-11", "c.csv", "x\n3\n")
    make_job(client, setup, "ingest", "job-bookmark-enable")
    with pytest.raises(EntityNotFoundException, match="Continuation for job ingest not found"):
        client.get_job_bookmark(JobName="ingest")

    first = run_job(client, "ingest")
    assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
    [one] = handed(setup)
    assert names(one) == ["c.csv", "a.csv", "b.csv"]  # 2026-11/c.csv sorts first
    assert one["files"][0].startswith("incoming/")  # joined to the path as the notebook gave it
    assert one["again"] == one["files"] and one["option"] == "job-bookmark-enable"
    entry = bookmark(client, "ingest")
    assert (entry["Version"], entry["Run"], entry["Attempt"]) == (1, 1, 0)
    assert entry["RunId"] == first["Id"] and "PreviousRunId" not in entry
    state = json.loads(entry["JobBookmark"])
    assert state["files"] == 3
    assert state["sources"][str(incoming)]["files"] == 3

    time.sleep(0.01)
    write(incoming, "b.csv", "x\n2\n22\n")  # changed: another size and mtime
    write(incoming, "d.csv", "x\n4\n")
    second = run_job(client, "ingest")
    assert sorted(names(handed(setup)[1])) == ["b.csv", "d.csv"]
    entry = bookmark(client, "ingest")
    assert (entry["Version"], entry["Run"]) == (2, 2)
    assert entry["RunId"] == second["Id"] and entry["PreviousRunId"] == first["Id"]
    assert json.loads(entry["JobBookmark"])["files"] == 4

    third = run_job(client, "ingest")
    assert third["JobRunState"] == "SUCCEEDED" and handed(setup)[2]["files"] == []
    assert bookmark(client, "ingest")["Run"] == 3  # a run with nothing new still counts
    # the bookmark as it stood after the first run
    past = bookmark(client, "ingest", RunId=first["Id"])
    assert (past["Run"], past["RunId"], json.loads(past["JobBookmark"])["files"]) == (
        1, first["Id"], 3,
    )  # fmt: skip


def test_a_failed_attempt_leaves_the_bookmark_and_its_retry_gets_the_same_files(
    client: GlueClient, setup: dict[str, Any], tmp_path: Path
) -> None:
    incoming = setup["incoming"]
    write(incoming, "a.csv", "1")
    make_job(client, setup, "retrying", "job-bookmark-enable", MaxRetries=1)
    run_job(client, "retrying")
    write(incoming, "b.csv", "2")
    marker = tmp_path / "fail-once"
    marker.write_text("")
    last = run_job(client, "retrying", **{"--fail_marker": str(marker)})
    assert last["JobRunState"] == "SUCCEEDED" and last["Attempt"] == 1
    failed, retried = handed(setup)[1:]
    assert names(failed) == names(retried) == ["b.csv"]
    entry = bookmark(client, "retrying")
    assert (entry["Run"], entry["Attempt"], entry["RunId"]) == (2, 1, last["Id"])

    # a run that fails for good changes nothing
    write(incoming, "c.csv", "3")
    marker.write_text("")
    client.update_job(
        JobName="retrying",
        JobUpdate={
            "Command": {"Name": "notebook", "ScriptLocation": setup["notebook"]},
            "DefaultArguments": {"--out": str(setup["out"]),
                                 "--job-bookmark-option": "job-bookmark-enable"},
            "MaxRetries": 0,
        },
    )  # fmt: skip
    failed_run = run_job(client, "retrying", **{"--fail_marker": str(marker)})
    assert failed_run["JobRunState"] == "FAILED"
    assert bookmark(client, "retrying") == entry
    run_job(client, "retrying")
    assert names(handed(setup)[-1]) == ["c.csv"]


def test_a_stopped_run_does_not_advance_the_bookmark(
    client: GlueClient, setup: dict[str, Any]
) -> None:
    write(setup["incoming"], "a.csv", "1")
    make_job(client, setup, "slow", "job-bookmark-enable")
    run_id = client.start_job_run(JobName="slow", Arguments={"--sleep": "60"})["JobRunId"]
    wait_for(lambda: setup["out"].exists(), 120, "the notebook to list its files")
    client.batch_stop_job_run(JobName="slow", JobRunIds=[run_id])
    assert wait_job(client, "slow", run_id)["JobRunState"] == "STOPPED"
    with pytest.raises(EntityNotFoundException):
        client.get_job_bookmark(JobName="slow")
    assert names(handed(setup)[0]) == ["a.csv"]
    run_job(client, "slow")
    assert names(handed(setup)[1]) == ["a.csv"]


def test_pause_hands_out_new_files_and_keeps_the_bookmark_and_reset_rewinds(
    client: GlueClient, setup: dict[str, Any]
) -> None:
    incoming = setup["incoming"]
    write(incoming, "a.csv", "1")
    make_job(client, setup, "paused", "job-bookmark-enable")
    first = run_job(client, "paused")
    write(incoming, "b.csv", "2")
    second = run_job(client, "paused")
    write(incoming, "c.csv", "3")
    third = run_job(client, "paused")
    write(incoming, "d.csv", "4")
    entry = bookmark(client, "paused")
    assert entry["Run"] == 3

    pause = {"--job-bookmark-option": "job-bookmark-pause"}
    assert run_job(client, "paused", **pause)["JobRunState"] == "SUCCEEDED"
    assert names(handed(setup)[-1]) == ["d.csv"]
    assert handed(setup)[-1]["option"] == "job-bookmark-pause"
    assert bookmark(client, "paused") == entry  # pause: nothing changed
    # pause over a range of past runs: what the second and third runs processed
    run_job(client, "paused", **pause, **{"--job-bookmark-from": first["Id"],
                                          "--job-bookmark-to": third["Id"]})  # fmt: skip
    assert names(handed(setup)[-1]) == ["b.csv", "c.csv"]
    with pytest.raises(InvalidInputException, match="--job-bookmark-to"):
        client.start_job_run(JobName="paused", Arguments={**pause,
                             "--job-bookmark-from": first["Id"]})  # fmt: skip

    # rewind to the first run: the next run reprocesses what came after it
    reset = client.reset_job_bookmark(JobName="paused", RunId=first["Id"])["JobBookmarkEntry"]
    assert (reset["Run"], reset["RunId"], reset["Version"]) == (1, first["Id"], 4)
    with pytest.raises(EntityNotFoundException, match=second["Id"]):
        client.get_job_bookmark(JobName="paused", RunId=second["Id"])  # rewound away
    run_job(client, "paused")
    assert names(handed(setup)[-1]) == ["b.csv", "c.csv", "d.csv"]
    # reset entirely: everything again
    reset = client.reset_job_bookmark(JobName="paused")["JobBookmarkEntry"]
    assert (reset["Run"], json.loads(reset["JobBookmark"])["files"]) == (0, 0)
    assert "RunId" not in reset
    run_job(client, "paused")
    assert names(handed(setup)[-1]) == ["a.csv", "b.csv", "c.csv", "d.csv"]
    with pytest.raises(EntityNotFoundException, match="jr_nope"):
        client.reset_job_bookmark(JobName="paused", RunId="jr_nope")
    # deleting the job deletes its bookmark (as in Glue)
    client.delete_job(JobName="paused")
    make_job(client, setup, "paused", "job-bookmark-enable")
    with pytest.raises(EntityNotFoundException, match="Continuation"):
        client.get_job_bookmark(JobName="paused")


def test_disabled_or_unset_hands_out_every_file_and_keeps_nothing(
    client: GlueClient, setup: dict[str, Any]
) -> None:
    write(setup["incoming"], "a.csv", "1")
    make_job(client, setup, "plain", None)
    run_job(client, "plain")
    run_job(client, "plain", **{"--job-bookmark-option": "job-bookmark-disable"})
    assert [names(h) for h in handed(setup)] == [["a.csv"], ["a.csv"]]
    assert handed(setup)[0]["option"] == "job-bookmark-disable"
    with pytest.raises(EntityNotFoundException, match="Continuation"):
        client.get_job_bookmark(JobName="plain")
    with pytest.raises(EntityNotFoundException, match="nosuchjob"):
        client.get_job_bookmark(JobName="nosuchjob")
    before = client.get_job_runs(JobName="plain")["JobRuns"]
    with pytest.raises(InvalidInputException, match=r"--job-bookmark-option.*job-bookmark-enable"):
        client.start_job_run(JobName="plain", Arguments={"--job-bookmark-option": "on"})
    assert client.get_job_runs(JobName="plain")["JobRuns"] == before  # nothing written


def test_a_notebook_on_its_own_gets_every_file(tmp_path: Path, clean_env: None) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    write(folder, "a.csv", "1")
    write(folder / "sub", "b.csv", "2")
    write(folder, ".hidden.csv", "")
    assert runtime.bookmark.option == "job-bookmark-disable"
    assert runtime.bookmark.new_files(str(folder), "*.csv") == [
        str(folder / "a.csv"), str(folder / "sub" / "b.csv"),
    ]  # fmt: skip
    assert runtime.bookmark.new_files(str(folder), "*.csv", recursive=False) == [
        str(folder / "a.csv")
    ]
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe(f"/{tmp_path.name}/in/p.csv", b"1")
    fs.pipe(f"/{tmp_path.name}/in/deep/q.csv", b"2")
    assert runtime.bookmark.new_files(f"memory://{tmp_path.name}/in", "*.csv") == [
        f"memory:///{tmp_path.name}/in/deep/q.csv", f"memory:///{tmp_path.name}/in/p.csv",
    ]  # fmt: skip
    with pytest.raises(FileNotFoundError, match="missing"):
        runtime.bookmark.new_files(str(tmp_path / "missing"))


def test_glue_shapes_in_process(client: GlueClient, setup: dict[str, Any], home: Path) -> None:
    write(setup["incoming"], "a.csv", "1")
    make_job(client, setup, "shaped", "job-bookmark-enable")
    run_job(client, "shaped")
    glue = glue_nb.client(home)  # Glue's own API, as boto3 answers it
    got = glue.get_job_bookmark(JobName="shaped")
    assert_output("GetJobBookmark", got)
    assert got["JobBookmarkEntry"]["Run"] == 1
    reset = glue.reset_job_bookmark(JobName="shaped")
    assert_output("ResetJobBookmark", reset)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.reset_job_bookmark(JobName="nosuchjob")


@pytest.mark.dask
@pytest.mark.slow
def test_the_bookmark_travels_to_a_dask_worker_and_back(
    client: GlueClient, setup: dict[str, Any]
) -> None:
    """A worker process has no store: the state goes in the job's spec, the files it handed out
    come back in the result, and the bookmark advances in the owner's store."""
    import logging

    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    dask = distributed.Client(cluster)
    try:
        write(setup["incoming"], "a.csv", "1")
        make_job(client, setup, "remote", "job-bookmark-enable")
        first = run_job(client, "remote", dask)
        assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
        write(setup["incoming"], "b.csv", "2")
        second = run_job(client, "remote", dask)
        assert [names(h) for h in handed(setup)] == [["a.csv"], ["b.csv"]]
        entry = bookmark(client, "remote")
        assert (entry["Run"], entry["RunId"], entry["PreviousRunId"]) == (
            2, second["Id"], first["Id"],
        )  # fmt: skip
        worker_pids = set(dask.run(os.getpid).values())
        assert os.getpid() not in worker_pids
    finally:
        dask.close()
        cluster.close()
