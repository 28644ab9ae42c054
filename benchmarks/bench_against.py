"""glue-nb against an earlier glue-nb on the same notebooks: did a change make it slower?

    python benchmarks/bench_against.py [REV] [--shape chain-20] [--reps 7]

Checks out ``REV`` (default ``0b9f104``, glue-nb before run state moved into the ledger and
``glue_nb.client()`` became botocore's client) into a temporary git worktree and runs the same
workflow (``bench_peers.py``'s trivial notebooks) with both, alternating, in this project's Python
(``PYTHONPATH`` picks the code):

- **fresh process**: define, deploy, run and wait, start to exit (what ``bench_peers.py`` times);
- **later runs in one process**: the same process starts the workflow 4 times; the median of
  runs 2-4 (a Jupyter kernel, a script that runs more than once, ``glue-nb serve``).

Prints medians, the ratio now/then, the CPU time of the fresh processes, and the machine. The
installed package's entry points stay those of this checkout (papermill's ``glue_nb`` engine, a
thin nbclient subclass, is today's in both).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_peers import GLUE_NB_RUNNER, GLUE_NB_WORKFLOW, build, clean_env, load, machine  # noqa: E402

LATER_RUNNER = GLUE_NB_WORKFLOW + textwrap.dedent(
    """
    import time
    for i in range(4):
        t = time.perf_counter()
        run = wf.start().wait(progress=False)
        if run.statistics["SucceededActions"] != len(jobs):
            sys.exit(f"run {i} failed: {run.statistics}")
        print(time.perf_counter() - t)
    """
)


def timed(code: Path, script: str, folder: Path, scratch: Path) -> tuple[float, float, str]:
    """(wall s, CPU s of the process and its children, stdout) of one whole process."""
    home = tempfile.mkdtemp(prefix="home-", dir=scratch)
    argv = [sys.executable, "-c", script, str(folder / "dag.json"), home]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = clean_env({"PYTHONPATH": str(code)})
    proc = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{code}: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", nargs="?", default="0b9f104")
    parser.add_argument("--shape", default="chain-20")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    info = machine()
    print(f"{info['nproc']} CPUs ({info['cpu']}), {info['ram']}, Python {info['python']}, "
          f"{info['date']}; load {load()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="glue-nb-against-") as tmp:
        scratch = Path(tmp)
        then = scratch / "then"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(then), args.rev],
            check=True,
        )
        try:
            folder = build(scratch, args.shape)
            codes = {"then": then, "now": ROOT}
            fresh: dict[str, list[tuple[float, float]]] = {k: [] for k in codes}
            later: dict[str, list[float]] = {k: [] for k in codes}
            for rep in range(args.reps + 1):  # the first round warms caches and is not counted
                for name, code in codes.items():
                    wall, cpu, _ = timed(code, GLUE_NB_RUNNER, folder, scratch)
                    _, _, out = timed(code, LATER_RUNNER, folder, scratch)
                    runs = [float(x) for x in out.split()]
                    if rep:
                        fresh[name].append((wall, cpu))
                        later[name].append(statistics.median(runs[1:]))
                    shown = " ".join(f"{r:.2f}" for r in runs)
                    print(f"  rep {rep} {name:4}  fresh {wall:5.2f} s (CPU {cpu:5.2f} s)  "
                          f"later runs {shown}", flush=True)  # fmt: skip
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(then)], check=False
            )
    med = {k: statistics.median(w for w, _ in v) for k, v in fresh.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in fresh.items()}
    lat = {k: statistics.median(v) for k, v in later.items()}
    print(f"\n{args.shape}, glue-nb now (this checkout) against {args.rev}, median of {args.reps}:")
    print("| | then | now | now / then |\n|---|---|---|---|")
    print(f"| fresh process, wall | {med['then']:.2f} s | {med['now']:.2f} s | "
          f"{med['now'] / med['then']:.2f}× |")  # fmt: skip
    print(f"| fresh process, CPU | {cpu['then']:.2f} s | {cpu['now']:.2f} s | "
          f"{cpu['now'] / cpu['then']:.2f}× |")  # fmt: skip
    print(f"| later runs in one process, wall | {lat['then']:.2f} s | {lat['now']:.2f} s | "
          f"{lat['now'] / lat['then']:.2f}× |")  # fmt: skip
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
