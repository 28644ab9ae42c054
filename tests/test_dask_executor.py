"""The Dask executor on a real LocalCluster with worker processes."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import conftest
import nbformat
import psutil
import pytest

distributed = pytest.importorskip("distributed")

import glue_nb as gn  # noqa: E402
from glue_nb.executors import get_executor  # noqa: E402
from glue_nb.executors.dask import DaskExecutor  # noqa: E402

pytestmark = [pytest.mark.dask, pytest.mark.kernel, pytest.mark.slow]


def write_notebook(path: Path, *cells: str, params: str = "x = 1") -> str:
    return str(conftest.write_notebook(path, [params, *cells]))


def new_cluster(n_workers: int = 2) -> Any:
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=2,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )


@pytest.fixture(scope="module")
def client():
    cluster = new_cluster()
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def wait_for(predicate, seconds: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


VOLATILE = {
    "Id", "StartedOn", "LastModifiedOn", "CompletedOn", "ExecutionTime", "OutputLocation",
    "LogLocation", "WorkflowRunId", "PreviousRunId",
}  # fmt: skip


def comparable(job_run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job_run.items() if k not in VOLATILE}


def props_workflow(tmp_path: Path, name: str) -> gn.Workflow:
    first = write_notebook(
        tmp_path / "nbs" / "first.ipynb",
        "from glue_nb import runtime\nruntime.put_run_properties(count=x * 2, where='worker')",
        params="x = 1\nlabel = 'a'",
    )
    second = write_notebook(
        tmp_path / "nbs" / "second.ipynb",
        "from glue_nb import runtime\nprops = runtime.get_run_properties()\n"
        "runtime.put_run_properties(seen=f\"{props['count']}/{props['period']}\")",
    )
    broken = write_notebook(
        tmp_path / "nbs" / "broken.ipynb", "raise ValueError(f'bad value {x}')", params="x = 0"
    )
    a = gn.NotebookJob(f"{name}-first", first, parameters={"x": 21, "label": "b"})
    b = gn.NotebookJob(f"{name}-second", second)
    c = gn.NotebookJob(f"{name}-broken", broken, parameters={"x": 5})
    wf = gn.Workflow(name, home=tmp_path / "home", default_run_properties={"period": "2026-10"})
    return wf.run(a).when_all_succeeded().run(b, c).deploy()


def test_workflow_on_dask_matches_local(tmp_path, client):
    wf = props_workflow(tmp_path, "same")
    local = wf.start(executor="local").wait(120, progress=False)
    dask = wf.start(executor=client).wait(120, progress=False)
    assert local.status == dask.status == "COMPLETED"
    assert dask.statistics == local.statistics
    assert dask.statistics["SucceededActions"] == 2 and dask.statistics["FailedActions"] == 1
    by_job = {}
    for run in (local, dask):
        by_job[run.run_id] = {j["JobName"]: comparable(j) for j in run.job_runs()}
    assert by_job[dask.run_id] == by_job[local.run_id]
    broken = by_job[dask.run_id]["same-broken"]
    assert broken["ErrorMessage"] == "ValueError: bad value 5 (Cell In[4])"
    # run properties set on the workers were merged into the run
    assert dask.properties == local.properties == {
        "period": "2026-10", "count": 42, "where": "worker", "seen": "42/2026-10",
    }  # fmt: skip
    # parameters arrive as with the local executor
    outs = [
        {j["JobName"]: j["OutputLocation"] for j in run.job_runs()}["same-first"]
        for run in (local, dask)
    ]
    params = [nbformat.read(o, as_version=4).metadata["papermill"]["parameters"] for o in outs]
    for p in params:
        assert p.pop("JOB_RUN_ID").startswith("jr_") and p.pop("WORKFLOW_RUN_ID").startswith("wr_")
    assert params[0] == params[1]
    assert params[1]["x"] == 21 and params[1]["label"] == "b"
    row = wf.client().get_workflow_run(Name="same", RunId=dask.run_id)["Run"]
    assert row["WorkflowRunProperties"]["seen"] == "42/2026-10"


def test_describe_and_configuration(client, monkeypatch):
    executor = get_executor(client)
    assert isinstance(executor, DaskExecutor)
    assert executor.describe() == f"dask:{client.scheduler.address}"
    monkeypatch.setenv("GLUE_NB_DASK_ADDRESS", client.scheduler.address)
    from_env = DaskExecutor()
    try:
        assert from_env.describe() == executor.describe()
    finally:
        from_env.close()
    assert client.status == "running"  # closing an executor that wraps a client leaves it


def test_dask_as_the_process_default(tmp_path, client, monkeypatch):
    from glue_nb.executors import _shared

    monkeypatch.setenv("GLUE_NB_EXECUTOR", "dask")
    monkeypatch.setenv("GLUE_NB_DASK_ADDRESS", client.scheduler.address)
    notebook = write_notebook(tmp_path / "t.ipynb", "y = x + 1")
    wf = gn.Workflow("default", home=tmp_path / "home").run(gn.NotebookJob("d", notebook))
    try:
        run = wf.deploy().start().wait(120, progress=False)  # no executor given
        assert run.status == "COMPLETED" and run.statistics["SucceededActions"] == 1
        assert isinstance(_shared["dask"], DaskExecutor)
        store = wf.client().store
        with store.read() as conn:
            options = conn.execute(
                "SELECT options FROM workflow_runs WHERE run_id=?", (run.run_id,)
            ).fetchone()[0]
        assert f"dask:{client.scheduler.address}" in options  # recorded with the run
    finally:
        shared = _shared.pop("dask", None)
        if shared is not None:
            shared.close()


def test_stop_cancels_running_tasks(tmp_path, client):
    marker = tmp_path / "kernel.pid"
    slow = write_notebook(
        tmp_path / "slow.ipynb",
        "import os, pathlib, time\npathlib.Path(marker).write_text(str(os.getpid()))\n"
        "time.sleep(120)",
        params="marker = ''",
    )
    job = gn.NotebookJob("stop-slow", slow, parameters={"marker": str(marker)})
    idle = gn.NotebookJob("stop-after", slow, parameters={"marker": str(tmp_path / "never")})
    wf = gn.Workflow("stop", home=tmp_path / "home").run(job).when_all_succeeded().run(idle)
    wf.deploy()
    run = wf.start(executor=client)
    wait_for(marker.exists, 60, "the job's kernel to start")
    kernel = int(marker.read_text())
    t = time.monotonic()
    run.stop()
    run.wait(60, progress=False)
    assert time.monotonic() - t < 20
    assert run.status == "STOPPED"
    [job_run] = run.job_runs()
    assert job_run["JobRunState"] == "STOPPED"
    wait_for(lambda: gone(kernel), 10, "the kernel on the worker to be killed")


@pytest.mark.parametrize("allowed_failures", [None, 0])
def test_a_worker_killed_mid_job_fails_the_job_run_and_it_is_retried(
    tmp_path, client, allowed_failures
):
    """Dask re-runs a task whose worker died (allowed-failures, default 3): glue-nb notices the
    second start and fails the job run. With allowed-failures 0 Dask raises KilledWorker."""
    import dask

    marker = tmp_path / "first-attempt"
    notebook = write_notebook(
        tmp_path / "victim.ipynb",
        "import os, pathlib, time\nm = pathlib.Path(marker)\n"
        "if not m.exists():\n"
        "    m.write_text(str(os.getpid()))\n"
        "    time.sleep(120)",
        params="marker = ''",
    )
    job = gn.NotebookJob("victim", notebook, parameters={"marker": str(marker)}, max_retries=1)
    wf = gn.Workflow("killed", home=tmp_path / "home").run(job).deploy()
    cluster = None
    if allowed_failures is not None:
        with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
            cluster = new_cluster(1)
        client = distributed.Client(cluster)
    try:
        run = wf.start(executor=client)
        wait_for(marker.exists, 60, "the first attempt to start")
        kernel = int(marker.read_text())
        workers = set(client.run(os.getpid).values())
        [worker] = [p.pid for p in psutil.Process(kernel).parents() if p.pid in workers]
        os.kill(worker, signal.SIGKILL)
        run.wait(120, progress=False)
        attempts = sorted(run.job_runs(), key=lambda j: j["Attempt"])
        states = [(j["Attempt"], j["JobRunState"]) for j in attempts]
        assert states == [(0, "FAILED"), (1, "SUCCEEDED")]
        message = attempts[0]["ErrorMessage"]
        print(f"\n{message}")
        assert "worker" in message and "died" in message, message
        assert attempts[1]["PreviousRunId"] == attempts[0]["Id"]
        wait_for(lambda: gone(kernel), 10, "the dead worker's kernel to exit")
        client.wait_for_workers(1 if cluster else 2, timeout=60)  # the nanny restarted it
    finally:
        if cluster is not None:
            client.close()
            cluster.close()


def test_crawls_run_on_dask(tmp_path, client):
    data = tmp_path / "data" / "sales"
    data.mkdir(parents=True)
    (data / "part-0.csv").write_text("id,amount\n1,2.5\n2,4.0\n")
    crawler = gn.Crawler("sales-crawler", [str(tmp_path / "data")], "lake")
    wf = gn.Workflow("crawl", home=tmp_path / "home").run(crawler).deploy()
    glue = wf.client()
    try:
        glue.create_database(DatabaseInput={"Name": "lake"})
    except Exception:
        pass
    run = wf.start(executor=client).wait(120, progress=False)
    assert run.status == "COMPLETED"
    assert run.statistics.get("FailedActions", 0) == 0, run.describe()
    tables = glue.get_tables(DatabaseName="lake")["TableList"]
    assert [t["Name"] for t in tables] == ["sales"]


def test_a_cluster_that_goes_away_fails_running_jobs_and_the_run_is_resumable(tmp_path):
    marker = tmp_path / "started"
    notebook = write_notebook(
        tmp_path / "long.ipynb",
        "import pathlib, time\nm = pathlib.Path(marker)\n"
        "if not m.exists():\n    m.write_text('1')\n    time.sleep(120)",
        params="marker = ''",
    )
    job = gn.NotebookJob("long", notebook, parameters={"marker": str(marker)})
    wf = gn.Workflow("vanish", home=tmp_path / "home").run(job).deploy()
    cluster = new_cluster(1)
    client = distributed.Client(cluster)
    try:
        run = wf.start(executor=client)
        wait_for(marker.exists, 60, "the job to start")
        cluster.close()
        run.wait(120, progress=False)
    finally:
        client.close()
        cluster.close()
    assert run.status == "COMPLETED"
    [failed] = run.job_runs()
    assert failed["JobRunState"] == "FAILED"
    assert "Dask" in failed["ErrorMessage"], failed["ErrorMessage"]
    resumed = run.resume(executor="local").wait(120, progress=False)
    assert [j["JobRunState"] for j in resumed.job_runs()] == ["SUCCEEDED"]


def test_overhead_per_job_against_local(tmp_path, client):
    """Measured, not asserted: a chain of trivial jobs on local threads and on the cluster."""
    notebook = write_notebook(tmp_path / "t.ipynb", "y = x + 1")
    jobs = [gn.NotebookJob(f"t{i}", notebook, parameters={"x": i}) for i in range(8)]
    wf = gn.Workflow("overhead", home=tmp_path / "home").run(jobs[0])
    for job in jobs[1:]:
        wf = wf.when_all_succeeded().run(job)
    wf.deploy()
    timings: dict[str, list[float]] = {"local": [], "dask": []}
    for _ in range(2):
        for name, executor in (("local", "local"), ("dask", client)):
            t = time.perf_counter()
            run = wf.start(executor=executor).wait(120, progress=False, poll=0.02)
            timings[name].append(time.perf_counter() - t)
            assert run.statistics["SucceededActions"] == len(jobs)
    local, dask = min(timings["local"]), min(timings["dask"])
    print(
        f"\nchain of {len(jobs)}: local {local:.2f} s, dask {dask:.2f} s, "
        f"dask overhead {(dask - local) / len(jobs) * 1000:+.0f} ms per job"
    )


def test_each_worker_process_has_its_own_kernel_pool(tmp_path, client):
    notebook = write_notebook(tmp_path / "t.ipynb", "y = x + 1")
    jobs = [gn.NotebookJob(f"p{i}", notebook, parameters={"x": i}) for i in range(6)]
    wf = gn.Workflow("pools", home=tmp_path / "home").run(*jobs).deploy()
    assert wf.start(executor=client).wait(120, progress=False).statistics["SucceededActions"] == 6

    def stats() -> dict:
        from glue_nb.kernels.pool import default_pool

        pool = default_pool()
        return {"size": pool.size, **pool.stats(), "helpers": len(pool.helper_pids())}

    per_worker = client.run(stats)
    assert len(per_worker) == 2
    for s in per_worker.values():
        assert s["size"] == 2  # the worker's threads, not the host's CPUs
        assert s["idle"] + s["warming"] <= 2
    assert sum(s["hits"] + s["waits"] for s in per_worker.values()) >= 6
