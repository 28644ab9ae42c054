"""Reuse of unchanged job runs, measured (issue 13).

Run: ``python benchmarks/bench_reuse.py`` (options: ``--reps N``, default 5; ``--shapes
chain-20,diamond-10``; ``--skip-ploomber``; ``--out FILE``, default
``benchmarks/results-reuse.md``).

On the DAGs of ``bench_peers.py`` (trivial 2-cell notebooks: ``chain-20``, ``diamond-10``), as
whole processes (start to exit), alternating tools in every repetition:

- **glue-nb re-run with reuse**: the workflow ran once with reuse on; nothing changed; a new run
  with reuse on, every job reused. Three ways of starting it: a Python script through the engine
  (``Engine.for_store(Store(home)).start_workflow_run(name, reuse=True)``), the same through
  ``glue_nb.client(home).nb.start_workflow_run(..., Reuse=True)`` (botocore's client), and the
  command line ``glue-nb run NAME --reuse``. The script checks that every job was reused and that
  no kernel was started and neither papermill, jupyter_client nor pandas was imported.
- **Ploomber's incremental build** of the same DAG: ``ploomber build`` (no ``--force``) after a
  first build (Ploomber in its own venv, as in ``bench_peers.py``).
- **Fingerprinting overhead on a first run**: a fresh home, the whole workflow run with recording
  and reuse on, against ``GLUE_NB_RECORD=0`` and reuse off; both whole processes.
- **In the kernel**: the recorder's cost per opened file and for a job that opens 100 files
  (``open`` + ``read`` of 100 small files, best of 20, with and without the recorder), and the
  executor's work after the notebook ends (stats and hashes of 100 files).

Prints medians and ratios and writes them, with the machine, its load and the date, to the
output file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_peers as peers  # noqa: E402

SHAPES = ("chain-20", "diamond-10")

#: The first run of a workflow (a fresh home): argv dag.json home reuse(0|1).
FIRST_RUN = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[4])
    from bench_peers import workflow_for
    from pathlib import Path
    spec = json.load(open(sys.argv[1]))
    wf = workflow_for(spec["name"], Path(sys.argv[1]).parent, Path(sys.argv[2]))
    run = wf.start(reuse=sys.argv[3] == "1").wait(progress=False, poll=0.02)
    stats = run.statistics
    if run.status != "COMPLETED" or stats["SucceededActions"] != len(spec["nodes"]):
        sys.exit(f"glue-nb run failed: {run.status} {stats}")
    """
)

#: A re-run through the engine: argv name home.
RERUN_ENGINE = textwrap.dedent(
    """
    import sys
    from glue_nb.store import Store
    from glue_nb.engine import Engine
    engine = Engine.for_store(Store(sys.argv[2]))
    run_id = engine.start_workflow_run(sys.argv[1], reuse=True)
    engine.wait(run_id)
    from glue_nb.store.traces import Traces
    rows = engine.ledger.job_runs.of_runs([run_id])
    reused = Traces(engine.store).of_runs([r["id"] for r in rows])
    if engine.ledger.runs.status(run_id) != "COMPLETED" or len(reused) != len(rows) or not all(
        v["reused_from"] for v in reused.values()
    ):
        sys.exit(f"not every job was reused: {len(reused)} of {len(rows)}")
    heavy = [m for m in ("papermill", "jupyter_client", "pandas", "nbclient") if m in sys.modules]
    if heavy:
        sys.exit(f"the reuse path imported {heavy}")
    """
)

#: The same through botocore's client (glue-nb's own API): argv name home.
RERUN_CLIENT = textwrap.dedent(
    """
    import sys
    import glue_nb
    c = glue_nb.client(sys.argv[2]).nb
    run_id = c.start_workflow_run(Name=sys.argv[1], Reuse=True)["RunId"]
    c.engine.wait(run_id)
    run = c.get_workflow_run(Name=sys.argv[1], RunId=run_id, IncludeGraph=True)["Run"]
    nodes = run["Graph"]["Nodes"]
    jobs = [jr for n in nodes for jr in (n.get("JobDetails") or {}).get("JobRuns", [])]
    if run["Status"] != "COMPLETED" or not all(jr.get("ReusedFrom") for jr in jobs):
        sys.exit("not every job was reused")
    """
)

#: The recorder's in-kernel cost: argv folder (holding f0.txt .. f99.txt).
RECORDER_COST = textwrap.dedent(
    """
    import os, sys, time
    os.chdir(sys.argv[1])
    def opens():
        t = time.perf_counter()
        for i in range(100):
            with open(f"f{i}.txt") as fh:
                fh.read()
        return time.perf_counter() - t
    for _ in range(5):
        opens()
    base = min(opens() for _ in range(20))
    import importlib, json, site, threading, types, typing  # what a kernel has loaded already
    t = time.perf_counter()
    from glue_nb.reuse import recorder
    imported = time.perf_counter() - t
    t = time.perf_counter()
    recorder.install()
    install = time.perf_counter() - t
    recorded = min(opens() for _ in range(20))
    recorder._events.clear()  # what one job that opens 100 files leaves to write
    opens()
    t = time.perf_counter()
    recorder.dump(os.path.join(sys.argv[1], "trace.json"))
    dump = time.perf_counter() - t
    from glue_nb.reuse.trace import complete_trace
    import json
    raw = json.load(open("trace.json"))
    t = time.perf_counter()
    trace = complete_trace(raw)
    after = time.perf_counter() - t
    print(json.dumps({"base": base, "recorded": recorded, "import": imported,
                      "install": install, "dump": dump,
                      "after": after, "files": len(trace["reads"])}))
    """
)


#: Per job, in one process on a warm kernel pool: recording on vs off, alternating; argv
#: notebook-trivial notebook-100-files reps home.
JOB_OVERHEAD = textwrap.dedent(
    """
    import json, os, statistics, sys, time
    from glue_nb.jobs.notebook import execute_notebook_job
    from glue_nb.jobs.spec import JobSpec
    from glue_nb.kernels.pool import default_pool
    pool = default_pool()
    pool.warm("python3")
    out = {}
    for label, nb in (("trivial", sys.argv[1]), ("opens 100 files", sys.argv[2])):
        times = {"on": [], "off": []}
        for i in range(int(sys.argv[3]) + 2):
            for mode in ("on", "off") if i % 2 else ("off", "on"):
                os.environ["GLUE_NB_RECORD"] = "1" if mode == "on" else "0"
                spec = JobSpec(job_run_id=f"jr_{i}{mode}", job_name="j", notebook=nb,
                               arguments={}, output_path=f"{sys.argv[4]}/{label}-{i}{mode}.ipynb",
                               home=sys.argv[4])
                t = time.perf_counter()
                result = execute_notebook_job(spec, kernel_factory=pool)
                if result.state != "SUCCEEDED":
                    sys.exit(result.error_message)
                if i >= 2:
                    times[mode].append(time.perf_counter() - t)
        out[label] = {**{m: statistics.median(v) for m, v in times.items()},
                      **{m + " min": min(v) for m, v in times.items()}}
    pool.close()
    print(json.dumps(out))
    """
)

#: The engine's reuse check of one job with a recorded trace: argv home job.
DECIDE_COST = textwrap.dedent(
    """
    import json, statistics, sys, time
    from glue_nb.definitions import Definitions
    from glue_nb.reuse.decide import decide
    from glue_nb.store import Store
    store = Store(sys.argv[1])
    job = Definitions(store).job(sys.argv[2])
    times = []
    for _ in range(30):
        t = time.perf_counter()
        d = decide(store, job_name=job["Name"], notebook=job["Command"]["ScriptLocation"],
                   arguments=job["DefaultArguments"], kernel_name=None, properties={})
        times.append(time.perf_counter() - t)
    assert d["reuse"], d
    print(json.dumps(statistics.median(times[5:])))
    """
)


def run_ok(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    return peers.time_process(argv, cwd, env)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--skip-ploomber", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results-reuse.md"))
    args = parser.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    scratch = Path(tempfile.mkdtemp(prefix="bench-reuse-"))
    env = peers.clean_env({"PYTHONPATH": str(ROOT)})
    # as in any installed package, modules are imported from cached bytecode (the first,
    # untimed runs below write it)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    bin_dir = Path(sys.executable).parent
    folders = {shape: peers.build(scratch, shape) for shape in shapes}
    machine, load_before = peers.machine(), peers.load()
    print(f"{machine['date']} · {machine['nproc']} CPUs ({machine['cpu']}) · load {load_before}")

    ploomber_env = None
    if not args.skip_ploomber:
        peers.ensure_ploomber()
        ploomber_bin = peers.PLOOMBER_VENV / "bin"
        ploomber_env = peers.clean_env(
            {"PATH": f"{ploomber_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        )
        for folder in folders.values():  # the first build, untimed
            run_ok([str(ploomber_bin / "ploomber"), "build", "--force"], folder, ploomber_env)

    homes = {}
    for shape, folder in folders.items():  # the first run with reuse on, untimed
        homes[shape] = scratch / f"home-{shape}"
        run_ok([sys.executable, "-c", FIRST_RUN, str(folder / "dag.json"), str(homes[shape]), "1",
                str(HERE)], folder, env)  # fmt: skip

    times: dict[str, dict[str, list[float]]] = {s: {} for s in shapes}
    for rep in range(args.reps):
        for shape, folder in folders.items():
            home = str(homes[shape])
            ways = {
                "glue-nb re-run, engine script": [sys.executable, "-c", RERUN_ENGINE, shape, home],
                "glue-nb re-run, client script": [sys.executable, "-c", RERUN_CLIENT, shape, home],
                "glue-nb run --reuse (CLI)": [
                    *(str(bin_dir / "glue-nb"), "run", shape, "--reuse", "-q", "--home", home)
                ],
            }
            if ploomber_env is not None:
                ways["Ploomber incremental build"] = [
                    str(peers.PLOOMBER_VENV / "bin" / "ploomber"),
                    "build",
                ]
            for label, argv in ways.items():
                took = run_ok(argv, folder, ploomber_env if "Ploomber" in label else env)
                times[shape].setdefault(label, []).append(took)
            for label, flag, extra in (
                ("first run, recording and reuse on", "1", {}),
                ("first run, GLUE_NB_RECORD=0, reuse off", "0", {"GLUE_NB_RECORD": "0"}),
            ):
                fresh = tempfile.mkdtemp(prefix="home-", dir=scratch)
                took = run_ok([sys.executable, "-c", FIRST_RUN, str(folder / "dag.json"), fresh,
                               flag, str(HERE)], folder, {**env, **extra})  # fmt: skip
                times[shape].setdefault(label, []).append(took)
        print(f"rep {rep + 1}/{args.reps} done", flush=True)

    # imports of the reuse path, as python -X importtime reports them
    shape0 = shapes[0]
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", RERUN_ENGINE, shape0, str(homes[shape0])],
        capture_output=True, text=True, env=env, cwd=folders[shape0], check=True,
    )  # fmt: skip
    imported = [line.rsplit("|", 1)[-1].strip() for line in probe.stderr.splitlines()]
    glue_modules = sorted({m for m in imported if m.startswith("glue_nb")})

    files = scratch / "files"
    files.mkdir()
    for i in range(100):
        (files / f"f{i}.txt").write_text(f"file {i}\n" * 10)
    costs = []
    for _ in range(max(3, args.reps)):
        out = subprocess.run([sys.executable, "-c", RECORDER_COST, str(files)], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        costs.append(json.loads(out.stdout))
    cost = {k: median([c[k] for c in costs]) for k in costs[0]}

    # per job, in process: the whole-process first runs above are too noisy to resolve a few %
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import write_notebook

    trivial = write_notebook(scratch / "trivial.ipynb", ["x = 1", "y = x + 1"])
    reader = write_notebook(
        scratch / "reader.ipynb",
        [f"folder = {str(files)!r}", "import os\nn = 0\nfor i in range(100):\n"
         "    with open(os.path.join(folder, f'f{i}.txt')) as fh:\n        n += len(fh.read())"],
    )  # fmt: skip
    per_job_home = scratch / "per-job"
    per_job_home.mkdir()
    out = subprocess.run([sys.executable, "-c", JOB_OVERHEAD, str(trivial), str(reader),
                          str(max(10, 4 * args.reps)), str(per_job_home)], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    per_job = json.loads(out.stdout)
    first_job = peers.dag(shape0)[0][0]
    out = subprocess.run([sys.executable, "-c", DECIDE_COST, str(homes[shape0]), first_job],
                         env=env, capture_output=True, text=True, check=True)  # fmt: skip
    decide_cost = json.loads(out.stdout)

    lines = [
        "# Reuse benchmarks",
        "",
        f"`python benchmarks/bench_reuse.py --reps {args.reps}` on {machine['date']}: "
        f"{machine['nproc']} CPUs ({machine['cpu']}), {machine['ram']}, Python "
        f"{machine['python']}, {machine['os']}; load average before {load_before}, after "
        f"{peers.load()}. Medians of {args.reps} whole processes (start to exit), Python "
        "modules imported from cached bytecode (`PYTHONDONTWRITEBYTECODE` unset).",
        "",
        "## Re-running an unchanged workflow",
        "",
        "| shape | way | median | vs Ploomber incremental |",
        "|---|---|---|---|",
    ]
    results: dict[str, Any] = {}
    for shape in shapes:
        base = times[shape].get("Ploomber incremental build")
        for label, values in times[shape].items():
            if label.startswith("first run"):
                continue
            m = median(values)
            results[f"{shape} {label}"] = m
            vs = peers.ratio(m, median(base)) if base else "—"
            lines.append(f"| {shape} | {label} | {peers.fmt_s(m)} | {vs} |")
    lines += [
        "",
        "## Fingerprinting overhead on a first run",
        "",
        "| shape | recording + reuse on | GLUE_NB_RECORD=0, reuse off | overhead |",
        "|---|---|---|---|",
    ]
    for shape in shapes:
        on = median(times[shape]["first run, recording and reuse on"])
        off = median(times[shape]["first run, GLUE_NB_RECORD=0, reuse off"])
        results[f"{shape} overhead"] = (on - off) / off
        lines.append(
            f"| {shape} | {peers.fmt_s(on)} | {peers.fmt_s(off)} | {100 * (on - off) / off:+.1f}% |"
        )
    per_open = (cost["recorded"] - cost["base"]) / 100
    trivial_cost = cost["import"] + cost["install"] + decide_cost + 0.001  # + a small dump
    reader_cost = trivial_cost + cost["recorded"] - cost["base"] + cost["dump"] + cost["after"]
    first = median(times[shape0]["first run, GLUE_NB_RECORD=0, reuse off"])
    share = trivial_cost * len(peers.dag(shape0)) / first
    results["per job estimate"] = {"trivial": trivial_cost, "opens 100 files": reader_cost}
    lines += [
        "",
        "Whole processes vary by more than the overhead on this shared machine. Its parts, "
        "measured one by one, per job: importing the recorder in the kernel (with what a kernel "
        "has loaded already) "
        f"{peers.fmt_ms(cost['import'])}, installing it {peers.fmt_ms(cost['install'])}, the "
        f"reuse check before the job {peers.fmt_ms(decide_cost)}, writing the trace after the "
        "last cell about 1 ms; and for each file it opens, "
        f"{peers.fmt_ms(per_open)} in the kernel plus its stat and hash after the notebook "
        f"({peers.fmt_ms(cost['after'] / max(cost['files'], 1))}). So about "
        f"**{peers.fmt_ms(trivial_cost)} per trivial job** ({100 * share:.1f}% of {shape0}'s "
        f"first run, {peers.fmt_s(first)} for {len(peers.dag(shape0))} jobs) and "
        f"**{peers.fmt_ms(reader_cost)} per job that opens 100 files**.",
        "",
        "The same measured directly, per job in one process on a warm kernel pool "
        f"({max(10, 4 * args.reps)} alternating pairs; the minimum is the least disturbed):",
        "",
        "| job | recording off (median / min) | recording on (median / min) |",
        "|---|---|---|",
    ]
    for label, m in per_job.items():
        lines.append(
            f"| {label} | {peers.fmt_ms(m['off'])} / {peers.fmt_ms(m['off min'])} | "
            f"{peers.fmt_ms(m['on'])} / {peers.fmt_ms(m['on min'])} |"
        )
    results["per job"] = per_job
    results["decide"] = decide_cost
    lines += [
        "",
        "## In the kernel, and after the notebook",
        "",
        f"- 100 files opened and read: {peers.fmt_ms(cost['base'])} without the recorder, "
        f"{peers.fmt_ms(cost['recorded'])} with it: "
        f"**{peers.fmt_ms(cost['recorded'] - cost['base'])} more per job that opens 100 files**, "
        f"{peers.fmt_ms(per_open)} per opened file.",
        f"- installing the recorder (context cell): {peers.fmt_ms(cost['install'])}; writing what "
        f"it recorded after the last cell (100 files opened): {peers.fmt_ms(cost['dump'])}.",
        f"- after the notebook, in the executor: stats and SHA-256 of {cost['files']} files "
        f"{peers.fmt_ms(cost['after'])}.",
        "",
        "## What the reuse path imports",
        "",
        f"`python -X importtime` of the engine re-run of {shape0}: {len(imported)} modules, none "
        "of papermill, nbclient, jupyter_client, pandas (the script checks it); glue-nb's: "
        + ", ".join(f"`{m}`" for m in glue_modules)
        + ".",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text)
    summary = {"machine": machine, "times": times, "recorder": cost, "results": results}
    Path(args.out).with_suffix(".json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
