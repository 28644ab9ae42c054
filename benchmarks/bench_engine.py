"""The engine's own overhead per node, excluding notebook execution.

    python benchmarks/bench_engine.py [--sizes 100 300 1000] [--repeat 3]

A trivial in-process executor ends every job at once (SUCCEEDED), so what is timed is the
engine: trigger evaluation, job specs, and the SQLite transactions that record every transition
(job run start and end, fired triggers, run start and end). Two shapes:

- chain-N: start -> j0 -> j1 -> ... (one conditional trigger per link, all sequential);
- fan-out-N: start -> root, then N jobs started by conditional triggers on root (Glue allows
  50 actions per trigger, so N/50 triggers), then the run ends.

It also times validating and planning a 1,000-node workflow: ``Definitions.apply`` (model
validation of every job, trigger and the workflow, the cycle and start-trigger checks, one write
transaction) and building its design graph. Medians are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glue_nb.definitions import Definitions  # noqa: E402
from glue_nb.engine import Engine  # noqa: E402
from glue_nb.graph import check_design, design_graph  # noqa: E402
from glue_nb.store import Store  # noqa: E402

NOTEBOOK = ROOT / "tests" / "notebooks" / "job.ipynb"
if not NOTEBOOK.exists():
    NOTEBOOK = ROOT / "notebooks" / "jobs" / "report.ipynb"


from glue_nb.executors.instant import InstantExecutor  # noqa: E402


def job(name: str) -> dict[str, Any]:
    return {"Name": name, "Command": {"Name": "notebook", "ScriptLocation": str(NOTEBOOK)}}


def cond(name: str) -> dict[str, str]:
    return {"LogicalOperator": "EQUALS", "JobName": name, "State": "SUCCEEDED"}


def chain(n: int) -> tuple[list[dict], list[dict]]:
    jobs = [job(f"j{i}") for i in range(n)]
    triggers = [{"Name": "start", "Type": "ON_DEMAND", "Actions": [{"JobName": "j0"}]}]
    triggers += [
        {"Name": f"t{i}", "Type": "CONDITIONAL", "Predicate": {"Conditions": [cond(f"j{i}")]},
         "Actions": [{"JobName": f"j{i + 1}"}]}
        for i in range(n - 1)
    ]  # fmt: skip
    return jobs, triggers


def fan_out(n: int) -> tuple[list[dict], list[dict]]:
    jobs = [job("root"), *(job(f"f{i}") for i in range(n - 1))]
    triggers = [{"Name": "start", "Type": "ON_DEMAND", "Actions": [{"JobName": "root"}]}]
    names = [f"f{i}" for i in range(n - 1)]
    for k in range(0, len(names), 50):
        triggers.append(
            {"Name": f"fan{k // 50}", "Type": "CONDITIONAL",
             "Predicate": {"Conditions": [cond("root")]},
             "Actions": [{"JobName": x} for x in names[k : k + 50]]}
        )  # fmt: skip
    return jobs, triggers


def run_once(shape: Callable[[int], tuple[list, list]], n: int) -> float:
    """Seconds of engine time per node for one run of an n-node workflow."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "home")
        jobs, triggers = shape(n)
        Definitions(store).apply({"Name": "bench"}, jobs, triggers)
        engine = Engine(store, executor=InstantExecutor())
        started = time.perf_counter()
        run_id = engine.start_workflow_run("bench")
        driver = engine.driver(run_id)
        assert driver is not None
        driver.finished.wait()
        elapsed = time.perf_counter() - started
        with store.read() as conn:
            done = conn.execute(
                "SELECT COUNT(*) FROM job_runs WHERE workflow_run_id=? AND state='SUCCEEDED'",
                (run_id,),
            ).fetchone()[0]
            status = conn.execute(
                "SELECT status FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()[0]
        store.close()
        assert done == n and status == "COMPLETED", (done, n, status)
        return elapsed / n


def plan_once(n: int) -> tuple[float, float]:
    """Seconds to validate and store an n-node chain (apply), and to build its design graph."""
    jobs, triggers = chain(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "home")
        defs = Definitions(store)
        t0 = time.perf_counter()
        defs.apply({"Name": "plan"}, jobs, triggers)
        t1 = time.perf_counter()
        graph = design_graph("plan", defs.workflow_triggers("plan"))
        check_design(graph)
        t2 = time.perf_counter()
        store.close()
        assert len(graph.nodes) == 2 * n - 1 + 1  # n jobs + n triggers
    return t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"engine overhead per node (instant executor, median of {args.repeat} runs)")
    print(f"{'shape':<10} {'nodes':>6} {'ms/node':>9} {'run total s':>12}")
    for label, shape in (("chain", chain), ("fan-out", fan_out)):
        for n in args.sizes:
            per_node = statistics.median(run_once(shape, n) for _ in range(args.repeat))
            print(f"{label:<10} {n:>6} {per_node * 1000:>9.3f} {per_node * n:>12.2f}")

    plans = [plan_once(1000) for _ in range(args.repeat)]
    apply_s = statistics.median(p[0] for p in plans)
    graph_s = statistics.median(p[1] for p in plans)
    print()
    print("1,000-node workflow (1,000 jobs, 1,000 triggers):")
    print(f"  validate + store (Definitions.apply): {apply_s * 1000:8.1f} ms")
    print(f"  design graph + checks (cycle, start):  {graph_s * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
