"""The scheduler's cost per tick when nothing is due (what a scheduler daemon does every second).

    python benchmarks/bench_scheduler.py [--scheduled 50] [--evented 10] [--ticks 300]

A store with ``--scheduled`` workflows each started by an ACTIVATED daily SCHEDULED trigger and
``--evented`` workflows each started by an EVENT trigger holding one pending event (a batch of
5 never fills, its window never ends): every tick reads every trigger, its schedule state and
the pending events, and fires nothing. The median and 90th percentile of the tick's wall time
are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

import glue_nb  # noqa: E402
from glue_nb.executors.instant import InstantExecutor  # noqa: E402
from glue_nb.scheduler import Scheduler  # noqa: E402

T0 = 1772616600.0  # Wednesday 4 March 2026, 09:30 UTC: the daily 10:00 fire is not yet due


def idle_ticks(scheduled: int, evented: int, ticks: int) -> list[float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-scheduler-"))
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, str(tmp / "tiny.ipynb"))
    c = glue_nb.client(tmp / "home")
    c.create_job(
        Name="job", Command={"Name": "notebook", "ScriptLocation": str(tmp / "tiny.ipynb")}
    )
    for i in range(scheduled):
        c.create_workflow(Name=f"s{i}")
        c.create_trigger(Name=f"s{i}-start", WorkflowName=f"s{i}", Type="SCHEDULED",
                         Schedule="cron(0 10 * * ? *)", StartOnCreation=True,
                         Actions=[{"JobName": "job"}])  # fmt: skip
    for i in range(evented):
        c.create_workflow(Name=f"e{i}")
        c.create_trigger(Name=f"e{i}-start", WorkflowName=f"e{i}", Type="EVENT",
                         EventBatchingCondition={"BatchSize": 5, "BatchWindow": 900},
                         Actions=[{"JobName": "job"}])  # fmt: skip
        c.notify_event(WorkflowName=f"e{i}")
    s = Scheduler(c, executor=InstantExecutor(), clock=lambda: T0)
    assert s.tick(T0) == []  # first sight: the triggers are anchored
    samples = []
    for k in range(ticks):
        started = time.perf_counter()
        assert s.tick(T0 + 1 + k) == []
        samples.append(time.perf_counter() - started)
    s.release()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduled", type=int, default=50)
    parser.add_argument("--evented", type=int, default=10)
    parser.add_argument("--ticks", type=int, default=300)
    args = parser.parse_args()
    samples = sorted(idle_ticks(args.scheduled, args.evented, args.ticks))
    print(
        f"idle tick, {args.scheduled} SCHEDULED + {args.evented} EVENT triggers: median "
        f"{statistics.median(samples) * 1e3:.2f} ms, p90 "
        f"{samples[int(len(samples) * 0.9)] * 1e3:.2f} ms ({len(samples)} ticks)"
    )


if __name__ == "__main__":
    main()
