"""Where a chain-20 started through ``glue-nb serve`` spends its time, per notebook.

    python benchmarks/profile_chain.py [--chains 5]

1. A warm ``glue-nb serve`` (under ``/usr/bin/time`` when it exists), chain-20s of trivial
   notebooks started through it by a minimal JSON 1.1 client process each: the store's own
   record of every job run (its wall time, and the gap between one job's end and the next one's
   start: the engine's transactions and trigger evaluation), and the CPU the server and every
   process it started (kernels, their fork server) used per notebook.
2. One notebook job in-process on the warm kernel pool, as ``execute_notebook_job`` runs it: wall
   time per phase (reading and parameterizing the notebook, writing it, papermill and nbclient,
   releasing the kernel) and the CPU one kernel costs from fork to exit.

For a sampling profile of the server while chains run: ``py-spy record -p <server pid>
--subprocesses`` (py-spy is not a dependency of glue-nb; ``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_endpoint  # noqa: E402
import bench_peers  # noqa: E402
import common  # noqa: E402


def serve(home: Path, root: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """The server under ``/usr/bin/time`` (its CPU time is printed when it exits)."""
    timer = ["/usr/bin/time", "-f", "SERVER-CPU %U %S"] if Path("/usr/bin/time").exists() else []
    return common.serve(home, root, "--root", str(root), prefix=timer)


def job_runs(db: Path) -> list[tuple[str, list[float], list[float], float]]:
    """Per workflow run: (name, job wall times, gaps between jobs, run wall time)."""
    out = []
    with sqlite3.connect(db) as conn:
        runs = conn.execute(
            "SELECT run_id, workflow_name, started_on, completed_on FROM workflow_runs "
            "ORDER BY started_on"
        ).fetchall()
        for run_id, name, start, end in runs:
            rows = conn.execute(
                "SELECT started_on, completed_on FROM job_runs WHERE workflow_run_id=? "
                "ORDER BY started_on",
                (run_id,),
            ).fetchall()
            walls = [b - a for a, b in rows]
            gaps = [rows[i + 1][0] - rows[i][1] for i in range(len(rows) - 1)]
            out.append((name, walls, gaps, end - start))
    return out


def through_server(chains: int) -> None:
    import psutil

    root = Path(tempfile.mkdtemp(prefix="profile-chain-"))
    folder = bench_peers.build(root, "chain-20")
    process, url, lines = serve(root / "home", root)

    def chain(label: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", bench_endpoint.RAW_CLIENT, url,
                        str(folder / "dag.json"), label], check=True)  # fmt: skip
        return time.perf_counter() - started

    chain("warm-up")
    time.sleep(2)
    server = psutil.Process(process.pid)
    if server.name() == "time":
        server = server.children()[0]
    tree_before = _tree_cpu(server)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    walls = [chain(f"chain-{i}") for i in range(chains)]
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    time.sleep(1)
    tree_after = _tree_cpu(server)
    server.terminate()
    process.wait(60)
    time.sleep(0.5)
    notebooks = 20 * chains
    runs = [r for r in job_runs(root / "home" / "glue_nb.sqlite") if r[0] != "warm-up"]
    job_wall = statistics.median(w for r in runs for w in r[1])
    gap = statistics.median(g for r in runs for g in r[2])
    client_cpu = (client_after.ru_utime + client_after.ru_stime
                  - client_before.ru_utime - client_before.ru_stime)  # fmt: skip
    print(f"## {chains} chain-20s through a warm glue-nb serve (minimal client)\n")
    print(f"- whole client process: median {statistics.median(walls):.2f} s "
          f"({', '.join(f'{w:.2f}' for w in walls)})")  # fmt: skip
    print(
        f"- the run, as recorded: median {statistics.median(r[3] for r in runs):.2f} s; per "
        f"notebook: job run {job_wall * 1e3:.0f} ms, gap to the next {gap * 1e3:.1f} ms"
    )
    print(
        f"- CPU per notebook: server and its processes (kernels, fork server) "
        f"{(tree_after - tree_before) / notebooks * 1e3:.0f} ms (live processes; kernels that "
        f"ended count through their fork server), client processes "
        f"{client_cpu / notebooks * 1e3:.0f} ms"
    )
    total = next((line for line in lines if line.startswith("SERVER-CPU")), "")
    if total:
        user, system = map(float, total.split()[1:3])
        print(
            f"- the server process tree over its whole life (start, warm-up, {chains} chains): "
            f"user {user:.2f} s, system {system:.2f} s"
        )


def _tree_cpu(process: Any) -> float:
    import psutil

    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            c = p.cpu_times()
            total += c.user + c.system + c.children_user + c.children_system
        except psutil.Error:
            pass
    return total


def one_job(jobs: int) -> None:
    import papermill
    import psutil

    import glue_nb.jobs.notebook as notebook
    from glue_nb.jobs.spec import JobSpec
    from glue_nb.kernels.launch import kernel_process
    from glue_nb.kernels.pool import default_pool

    spent: dict[str, float] = collections.defaultdict(float)

    def timed(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(notebook, "_prepare", "parameterize (papermill) and the context cell")
    timed(notebook, "_write", "write the notebook before it runs")
    timed(papermill, "execute_notebook", "papermill + nbclient on the kernel (4 cells)")
    import papermill.iorw

    timed(papermill.iorw, "load_notebook_node", "read the notebook")
    root = Path(tempfile.mkdtemp(prefix="profile-job-"))
    folder = bench_peers.build(root, "chain-20")
    source = str(sorted((folder / "nbs").glob("*.ipynb"))[0])
    pool = default_pool()
    assert pool is not None
    pool.warm("python3")
    notebook.import_job_modules()
    timed(pool, "acquire", "take a ready kernel from the pool")
    timed(pool, "release", "hand the kernel to the reaper")
    walls, kernel_cpu = [], []
    for i in range(jobs + 3):
        time.sleep(0.4)  # the pool refills, as between two nodes of a chain
        spec = JobSpec(job_run_id=f"jr_{i:064x}", job_name="j", notebook=source,
                       arguments={"--x": "1"}, output_path=str(root / "out" / f"{i}.ipynb"),
                       log_path=str(root / "out" / str(i)), workflow_name="w",
                       workflow_run_id="wr_profile", home=str(root / "home"))  # fmt: skip
        if i == 3:
            spent.clear()
        started = time.perf_counter()
        result = notebook.execute_notebook_job(spec, lambda: False, kernel_factory=pool)
        if i >= 3:
            walls.append(time.perf_counter() - started)
        assert result.state == "SUCCEEDED", result.error_message
        km = pool.acquire("python3")  # one kernel's CPU from fork to ready (and its handshake)
        process = kernel_process(km)
        if process is not None and i >= 3:
            c = psutil.Process(process.pid).cpu_times()
            kernel_cpu.append(c.user + c.system)
        pool.release(km)
    print(f"\n## one notebook job in-process, warm pool (median of {jobs})\n")
    print(f"- execute_notebook_job: {statistics.median(walls) * 1e3:.0f} ms wall")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if "kernel from" in label or "reaper" in label:
            seconds /= 2  # the extra acquire/release per round above
        print(f"  - {label}: {seconds / jobs * 1e3:.1f} ms")
    print(
        f"- a forked kernel's own CPU until it is ready: "
        f"{statistics.median(kernel_cpu) * 1e3:.0f} ms (clock ticks of 10 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chains", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    print(f"# profile_chain.py: {bench_endpoint.machine()}\n")
    through_server(args.chains)
    one_job(args.jobs)
    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
