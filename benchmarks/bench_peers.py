"""glue-nb against its peers on the same notebooks (issue 7 §3).

Run: ``python benchmarks/bench_peers.py``.

Builds trivial 2-cell notebooks (a ``parameters`` cell, then ``y = x + 1``) into three DAGs in a
temporary folder: ``chain-20`` (20 in a line), ``diamond-10`` (1, then 8 in parallel, then 1) and
``fan-30`` (30 independent). Then times, as whole processes (start to exit, so every tool pays
its own start-up), alternating tool and shape in every repetition:

- **glue-nb**: a fresh home, the workflow defined with the fluent API, deployed, started on the
  local executor (warm kernel pool on) and waited for: all in one ``python`` process;
- **papermill loop**: ``python -c`` looping ``papermill.execute_notebook`` in topological order;
- **Ploomber 0.23.3**: ``ploomber build --force`` with ``executor: parallel``, following the recipe
  in ``../shared/reference/peers.md``; Ploomber lives in its own venv
  (``benchmarks/.venv-ploomber``, created on first use: ``python -m venv`` + ``pip install
  'ploomber==0.23.3' papermill ipykernel 'networkx<3.4'``), never in the project's.

In this process, it also measures: one kernel's start alone (``jupyter_client.start_new_kernel``
to ready, glue-nb's cold start + connect, a warm kernel handed out by the pool), the Dask executor
on a ``LocalCluster`` (2 worker processes) against the local executor on the same workflows, the
engine's own overhead per node (an executor that ends every job at once) and how long a
1,000-node workflow takes to validate, store and plan.

Prints medians and ratios and writes them, with the machine and the load, to
``benchmarks/results.md``. Options: ``--reps N`` (default 5), ``--shapes chain-20,diamond-10``,
``--skip-ploomber``, ``--skip-dask``, ``--out FILE``, ``--keep DIR``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLOOMBER = "ploomber==0.23.3"
PLOOMBER_VENV = ROOT / "benchmarks" / ".venv-ploomber"
SHAPES = ("chain-20", "diamond-10", "fan-30")
TOOLS = ("glue-nb", "papermill loop", "Ploomber")


# -- the workloads --------------------------------------------------------------------------------
def dag(shape: str) -> list[tuple[str, list[str]]]:
    """``[(node, parents)]`` in topological order."""
    kind, n = shape.rsplit("-", 1)
    size = int(n)
    names = [f"nb{i:02d}" for i in range(size)]
    if kind == "chain":
        return [(name, names[i - 1 : i]) for i, name in enumerate(names)]
    if kind == "fan":
        return [(name, []) for name in names]
    if kind == "diamond":
        middle = names[1:-1]
        return [(names[0], []), *((m, [names[0]]) for m in middle), (names[-1], middle)]
    raise ValueError(f"unknown shape {shape!r}")


def write_notebook(path: Path, parents: list[str], x: int) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    upstream = repr(parents) if parents else "None"
    first = nbformat.v4.new_code_cell(f"upstream = {upstream}\nproduct = None\nx = {x}")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_code_cell("y = x + 1")]
    nbformat.write(nb, path)


def build(workdir: Path, shape: str) -> Path:
    """A folder with the notebooks, ``dag.json`` (glue-nb, papermill) and ``pipeline.yaml``."""
    folder = workdir / shape
    (folder / "nbs").mkdir(parents=True, exist_ok=True)
    nodes = []
    lines = ["executor: parallel", "tasks:"]
    for i, (name, parents) in enumerate(dag(shape)):
        notebook = folder / "nbs" / f"{name}.ipynb"
        write_notebook(notebook, parents, 0)
        nodes.append({"name": name, "notebook": str(notebook), "parents": parents, "x": i})
        lines += [
            f"  - source: nbs/{name}.ipynb",
            f"    product: out/{name}.ipynb",
            f"    params: {{x: {i}}}",
        ]
    (folder / "pipeline.yaml").write_text("\n".join(lines) + "\n")
    (folder / "dag.json").write_text(json.dumps({"name": shape, "nodes": nodes}))
    return folder


#: A script's first part: the workflow of ``dag.json`` (argv[1]) in the home argv[2], as ``wf``.
GLUE_NB_WORKFLOW = textwrap.dedent(
    """
    import json, sys
    import glue_nb as gn

    spec = json.load(open(sys.argv[1]))
    jobs = {n["name"]: gn.NotebookJob(n["name"], n["notebook"], parameters={"x": n["x"]})
            for n in spec["nodes"]}
    wf = gn.Workflow(spec["name"], home=sys.argv[2])
    groups = {}
    for n in spec["nodes"]:
        groups.setdefault(tuple(n["parents"]), []).append(jobs[n["name"]])
    wf.run(*groups.pop(()))
    for parents, children in groups.items():
        wf.after(*(jobs[p] for p in parents)).when_all_succeeded().run(*children)
    """
)

GLUE_NB_RUNNER = GLUE_NB_WORKFLOW + textwrap.dedent(
    """
    run = wf.deploy().start().wait(progress=False, poll=0.02)
    stats = run.statistics
    if run.status != "COMPLETED" or stats["SucceededActions"] != len(jobs):
        sys.exit(f"glue-nb run failed: {run.status} {stats}")
    """
)

PAPERMILL_RUNNER = textwrap.dedent(
    """
    import json, sys
    import papermill
    spec = json.load(open(sys.argv[1]))
    for n in spec["nodes"]:
        papermill.execute_notebook(n["notebook"], f"{sys.argv[2]}/{n['name']}.ipynb",
                                   parameters={"x": n["x"]}, progress_bar=False)
    """
)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLUE_NB_", "JUPYTER_"))}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env.update(extra or {})
    return env


def ensure_ploomber() -> Path:
    """The Ploomber venv's bin folder (created on first use)."""
    bin_dir = PLOOMBER_VENV / "bin"
    if not (bin_dir / "ploomber").exists():
        print(f"creating {PLOOMBER_VENV} ({PLOOMBER}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PLOOMBER_VENV)], check=True)
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "-q", PLOOMBER, "papermill",
             "ipykernel", "networkx<3.4"],
            check=True,
        )  # fmt: skip
    return bin_dir


def command(tool: str, folder: Path, scratch: Path) -> tuple[list[str], Path, dict[str, str]]:
    """The process to time for ``tool`` on the DAG in ``folder``: argv, cwd, env."""
    if tool == "glue-nb":
        home = tempfile.mkdtemp(prefix="home-", dir=scratch)
        argv = [sys.executable, "-c", GLUE_NB_RUNNER, str(folder / "dag.json"), home]
        return argv, folder, clean_env({"PYTHONPATH": str(ROOT)})
    if tool == "papermill loop":
        out = tempfile.mkdtemp(prefix="pm-", dir=scratch)
        argv = [sys.executable, "-c", PAPERMILL_RUNNER, str(folder / "dag.json"), out]
        return argv, folder, clean_env()
    if tool == "Ploomber":
        bin_dir = PLOOMBER_VENV / "bin"
        env = clean_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
        return [str(bin_dir / "ploomber"), "build", "--force"], folder, env
    raise ValueError(tool)


def time_process(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"{argv[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return took


# -- in-process measurements ----------------------------------------------------------------------
def kernel_start(reps: int) -> dict[str, float]:
    """Median seconds for one kernel: jupyter_client's start-to-ready, glue-nb's cold start and
    connect, and a warm kernel handed out by the pool."""
    from jupyter_client.manager import start_new_kernel

    from glue_nb.kernels.connect import close_client, preconnect
    from glue_nb.kernels.launch import destroy_kernel, start_kernel
    from glue_nb.kernels.pool import KernelPool
    from glue_nb.kernels.zygotes import Zygotes

    jc, cold, forked, warm = [], [], [], []
    zygotes = Zygotes()
    km = start_kernel("python3", None, zygotes)  # the zygote's own start is not counted
    destroy_kernel(km)
    with KernelPool(size=1, min_available_memory=0) as pool:
        for _ in range(reps):
            t = time.perf_counter()
            km, kc = start_new_kernel(kernel_name="python3")
            jc.append(time.perf_counter() - t)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            t = time.perf_counter()
            km = start_kernel("python3", None)
            kc, _ = preconnect(km)
            cold.append(time.perf_counter() - t)
            close_client(kc)
            destroy_kernel(km)
            t = time.perf_counter()
            km = start_kernel("python3", None, zygotes)
            kc, _ = preconnect(km)
            forked.append(time.perf_counter() - t)
            close_client(kc)
            destroy_kernel(km)
            pool.warm("python3")
            while pool.stats()["idle"] < 1:
                time.sleep(0.01)
            t = time.perf_counter()
            km = pool.acquire("python3")
            warm.append(time.perf_counter() - t)
            pool.release(km)
    zygotes.close()
    return {
        "jupyter_client `start_new_kernel` → ready (what papermill and Ploomber wait for)": (
            statistics.median(jc)
        ),
        "glue-nb new process + connect (pool off, `GLUE_NB_KERNEL_POOL=0`)": (
            statistics.median(cold)
        ),
        "glue-nb kernel forked from the zygote + connect": statistics.median(forked),
        "glue-nb warm kernel handed out by the pool": statistics.median(warm),
    }


def workflow_for(shape: str, folder: Path, home: Path, name: str | None = None) -> Any:
    import glue_nb as gn

    spec = json.loads((folder / "dag.json").read_text())
    jobs = {
        n["name"]: gn.NotebookJob(n["name"], n["notebook"], parameters={"x": n["x"]})
        for n in spec["nodes"]
    }
    wf = gn.Workflow(name or shape, home=home)
    groups: dict[tuple[str, ...], list[Any]] = {}
    for n in spec["nodes"]:
        groups.setdefault(tuple(n["parents"]), []).append(jobs[n["name"]])
    wf.run(*groups.pop(()))
    for parents, children in groups.items():
        wf.after(*(jobs[p] for p in parents)).when_all_succeeded().run(*children)
    return wf.deploy()


def dask_vs_local(folders: dict[str, Path], scratch: Path, reps: int) -> list[dict[str, Any]]:
    """The same workflows on the local executor and on a LocalCluster, alternating."""
    import logging

    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=logging.ERROR,
    )  # fmt: skip
    client = distributed.Client(cluster)
    rows = []
    try:
        for shape, folder in folders.items():
            wf = workflow_for(shape, folder, scratch / f"dask-home-{shape}")
            nodes = len(dag(shape))
            times: dict[str, list[float]] = {"local": [], "dask": []}
            for rep in range(reps + 1):  # the first round warms both sides up
                for name, executor in (("local", "local"), ("dask", client)):
                    t = time.perf_counter()
                    run = wf.start(executor=executor).wait(600, progress=False, poll=0.02)
                    took = time.perf_counter() - t
                    if run.statistics["SucceededActions"] != nodes:
                        raise RuntimeError(f"{name} run of {shape} failed: {run.statistics}")
                    if rep:
                        times[name].append(took)
            local, dask = statistics.median(times["local"]), statistics.median(times["dask"])
            rows.append(
                {"shape": shape, "local": local, "dask": dask,
                 "per_job_ms": (dask - local) / nodes * 1000}
            )  # fmt: skip
    finally:
        client.close()
        cluster.close()
    return rows


def engine_overhead(folder: Path, scratch: Path, reps: int) -> dict[str, float]:
    """Per node: a 100-node chain and a 50-node fan (Glue's limit of actions per trigger) on an
    executor that does nothing; and a 1,000-node workflow validated, stored and planned."""
    import glue_nb as gn
    from glue_nb.graph import design_graph

    notebook = next((folder / "nbs").glob("*.ipynb"))
    from glue_nb.executors.instant import InstantExecutor

    executor = InstantExecutor()  # every job ends at once: what is left is the engine's work
    out: dict[str, float] = {}
    for kind, size in (("chain", 100), ("fan", 50)):
        jobs = [gn.NotebookJob(f"{kind}{i:03d}", notebook) for i in range(size)]
        wf = gn.Workflow(f"noop-{kind}", home=scratch / "noop-home")
        if kind == "chain":
            wf.run(jobs[0])
            for job in jobs[1:]:
                wf.when_all_succeeded().run(job)
        else:
            wf.run(*jobs)
        wf.deploy()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            run = wf.start(executor=executor).wait(600, progress=False, poll=0.005)
            times.append(time.perf_counter() - t)
            assert run.statistics["SucceededActions"] == size, run.statistics
        out[f"engine overhead per node, {kind}-{size} (no-op jobs)"] = (
            statistics.median(times) / size
        )
    times = []
    for rep in range(max(1, reps // 2)):
        jobs = [gn.NotebookJob(f"big{i:04d}", notebook) for i in range(1000)]
        wf = gn.Workflow("big", home=scratch / f"big-home-{rep}")
        wf.run(*jobs[:10])
        for i in range(10, 1000, 10):
            wf.after(jobs[i - 10]).when_all_succeeded().run(*jobs[i : i + 10])
        t = time.perf_counter()
        wf.deploy()
        triggers = wf.client().definitions.workflow_triggers("big")
        design_graph("big", triggers)
        times.append(time.perf_counter() - t)
    out["1,000-node workflow: validate, store and plan"] = statistics.median(times)
    return out


# -- reporting ------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def versions() -> str:
    import ipykernel
    import jupyter_client
    import papermill

    import glue_nb

    return (
        f"glue-nb {glue_nb.__version__}, papermill {papermill.__version__}, "
        f"ipykernel {ipykernel.__version__}, jupyter_client {jupyter_client.__version__}, "
        f"Ploomber {PLOOMBER.split('==')[1]} in its own venv"
    )


def fmt_s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.2f} s"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms" if ms >= 0.1 else f"{ms * 1000:.0f} µs"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:.2f}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--skip-ploomber", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    parser.add_argument("--keep", help="build the workloads here and keep them")
    args = parser.parse_args()
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    tools = [t for t in TOOLS if not (t == "Ploomber" and args.skip_ploomber)]
    if "Ploomber" in tools:
        ensure_ploomber()

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="glue-nb-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = workdir / "scratch"
    scratch.mkdir(exist_ok=True)
    folders = {shape: build(workdir, shape) for shape in shapes}
    info, load_before = machine(), load()
    print(f"{info['nproc']} CPUs ({info['cpu']}), {info['ram']}, Python {info['python']}")
    print(f"load average before: {load_before}; {args.reps} repetitions; work in {workdir}")

    # warm-up (not timed): caches, .pyc files, the Ploomber venv's first start
    for tool in tools:
        time_process(*command(tool, folders[shapes[0]], scratch))

    times: dict[tuple[str, str], list[float]] = {}
    for rep in range(args.reps):
        for i, shape in enumerate(shapes):
            order = tools[(rep + i) % len(tools) :] + tools[: (rep + i) % len(tools)]
            for tool in order:
                took = time_process(*command(tool, folders[shape], scratch))
                times.setdefault((tool, shape), []).append(took)
                print(f"  rep {rep + 1} {shape:<11} {tool:<15} {took:6.2f} s", flush=True)
    medians = {key: statistics.median(v) for key, v in times.items()}

    print("kernel start alone ...", flush=True)
    kernels = kernel_start(max(args.reps, 5))
    print("engine overhead ...", flush=True)
    engine = engine_overhead(folders[shapes[0]], scratch, args.reps)
    dask_rows = []
    if not args.skip_dask:
        print("dask executor vs local ...", flush=True)
        dask_rows = dask_vs_local(
            {s: folders[s] for s in shapes if not s.startswith("fan")} or folders,
            scratch,
            args.reps,
        )
    load_after = load()

    lines = [
        "# glue-nb against its peers",
        "",
        f"Run with `python benchmarks/bench_peers.py --reps {args.reps}` on {info['date']}.",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, Python "
        f"{info['python']}, {info['os']}. Load average (1, 5, 15 min) before: {load_before}, "
        f"after: {load_after}.",
        f"Versions: {versions()}.",
        "",
        "Whole processes, start to exit, trivial 2-cell notebooks; median of "
        f"{args.reps} runs, tools and shapes alternating in every round. glue-nb: fresh home, "
        "define + deploy + run + wait in one `python` process, local executor with the warm "
        "kernel pool (default size). papermill loop: `papermill.execute_notebook` in "
        "topological order. Ploomber: `ploomber build --force`, `executor: parallel`.",
        "",
        "| workflow | glue-nb | papermill loop | Ploomber | glue-nb / Ploomber | "
        "glue-nb / papermill loop |",
        "|---|---|---|---|---|---|",
    ]
    for shape in shapes:
        g = medians.get(("glue-nb", shape))
        p = medians.get(("papermill loop", shape))
        pl = medians.get(("Ploomber", shape))
        lines.append(
            f"| {shape} | {fmt_s(g)} | {fmt_s(p)} | {fmt_s(pl)} | {ratio(g, pl)} | {ratio(g, p)} |"
        )
    lines += ["", "All runs (seconds):", ""]
    for (tool, shape), values in sorted(times.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"- {shape}, {tool}: " + ", ".join(f"{v:.2f}" for v in values))
    lines += ["", "| one kernel | median |", "|---|---|"]
    lines += [f"| {name} | {fmt_ms(seconds)} |" for name, seconds in kernels.items()]
    lines += ["", "| engine | median |", "|---|---|"]
    for name, seconds in engine.items():
        shown = fmt_ms(seconds) if seconds < 0.1 else f"{seconds:.2f} s"
        lines.append(f"| {name} | {shown} |")
    if dask_rows:
        lines += [
            "",
            "Dask executor on a `LocalCluster` (2 worker processes, 1 thread each, warm kernel "
            "pool per worker) against the local executor, same process, same workflows, "
            f"median of {args.reps} after a warm-up round:",
            "",
            "| workflow | local | dask | dask overhead per job |",
            "|---|---|---|---|",
        ]
        for row in dask_rows:
            lines.append(
                f"| {row['shape']} | {fmt_s(row['local'])} | {fmt_s(row['dask'])} | "
                f"{row['per_job_ms']:+.0f} ms |"
            )
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    Path(args.out).write_text(text)
    print(f"written to {args.out}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
