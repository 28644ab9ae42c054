"""Live-view benchmarks (issue 3 §2): run as ``python benchmarks/bench_views.py``.

Builds workflows of about 100 and 500 nodes in a temporary store (stages of 2-8 parallel jobs,
each stage started by an ALL trigger on the previous one), records a run of each with half of
its jobs done and some running (rows written straight into the store, as the engine writes them),
then times, as medians:

- ``layout``: the one ``dot`` call per design (not part of a refresh);
- ``recolour``: node states + filling the laid-out SVG template;
- ``refresh``: a full ``RunView.refresh()`` - read the run from the store, compute node states,
  recolour, rebuild header, table and details (goal: < 50 ms at 100 nodes, < 200 ms at 500).

Between refreshes a few job runs change state, so every refresh has something to show.
Exit status 1 when a goal is missed. Options: ``--runs N`` (default 15), ``--sizes 100,500``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat

import glue_nb as gn
from glue_nb.ids import new_job_run_id, new_run_id
from glue_nb.owner import current_owner
from glue_nb.run import Run
from glue_nb.store import dumps
from glue_nb.views.live import RunView
from glue_nb.views.states import node_states, slots
from glue_nb.views.static import template_for

GOALS = {100: 0.050, 500: 0.200}


def timed(fn: Callable[[], Any], runs: int) -> float:
    """Median seconds over ``runs`` calls."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build(home: Path, size: int) -> tuple[gn.GlueClient, str, list[str]]:
    """A workflow of about ``size`` nodes and a half-finished run of it; returns the client,
    the run id and the ids of the job runs still RUNNING."""
    home.mkdir(parents=True, exist_ok=True)
    notebook = home / "noop.ipynb"
    if not notebook.exists():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
        nbformat.write(nb, notebook)
    name = f"bench-{size}"
    wf = gn.Workflow(name, home=home)
    widths = [2, 4, 8, 3, 6, 5]
    count, stage = 0, 0
    while count < size:
        width = widths[stage % len(widths)]
        jobs = [gn.NotebookJob(f"s{stage:03d} job {i}", notebook) for i in range(width)]
        if stage:
            wf.when_all_succeeded(f"s{stage:03d} start")
        wf.run(*jobs)
        count += width + 1
        stage += 1
    wf.deploy()
    client = wf.client()
    graph = client.definitions.graph(name)
    triggers = client.definitions.workflow_triggers(name)
    run_id, t0 = new_run_id(), time.time() - 3600
    running = []
    jobs = [n for n in graph.nodes.values() if n.type == "JOB"]
    done = len(jobs) // 2
    with client.store.transaction() as conn:
        conn.execute(
            "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, run_properties, "
            "design, owner, heartbeat_on, options) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                name,
                "RUNNING",
                t0,
                dumps({"period": "2026-10"}),
                dumps({"triggers": triggers}),
                dumps(current_owner()),
                time.time(),
                "{}",
            ),
        )
        conn.executemany(
            "INSERT INTO run_fired_triggers(run_id, trigger_name, fired_on) VALUES (?,?,?)",
            [(run_id, t["Name"], t0) for t in triggers[: stage // 2]],
        )
        for i, node in enumerate(jobs[: done + 10]):
            state = "SUCCEEDED" if i < done else "RUNNING"
            if i % 37 == 5 and state == "SUCCEEDED":
                state = "FAILED"
            jr = new_job_run_id()
            if state == "RUNNING":
                running.append(jr)
            start = t0 + i * 5
            conn.execute(
                "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, node_id, "
                "trigger_name, attempt, state, arguments, started_on, last_modified_on, "
                "completed_on, error_message, error_detail, output_location) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    jr,
                    node.name,
                    name,
                    run_id,
                    node.id,
                    "t",
                    0,
                    state,
                    "{}",
                    start,
                    start,
                    None if state == "RUNNING" else start + 4,
                    "ValueError: bad row (cell 3)" if state == "FAILED" else None,
                    json.dumps({"traceback": "Traceback...\nValueError: bad row"})
                    if state == "FAILED"
                    else None,
                    str(home / "runs" / f"{jr}.ipynb"),
                ),
            )
    return client, run_id, running


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sizes", default="100,500")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    failed = False
    print(f"{'nodes':>6} {'layout':>10} {'recolour':>10} {'refresh':>10} {'goal':>8}")
    with tempfile.TemporaryDirectory(prefix="glue-nb-bench-views-") as tmp:
        for size in sizes:
            home = Path(tmp) / str(size)
            client, run_id, running = build(home, size)
            run = Run(client, f"bench-{size}", run_id)
            described = run.describe()
            nodes = len(described["Graph"]["Nodes"])
            t = time.perf_counter()
            template = template_for(described)
            layout = time.perf_counter() - t

            def recolour(d: dict[str, Any] = described, tpl: Any = template) -> None:
                tpl.render(slots(d, node_states(d)))

            view = RunView(run, auto_refresh=False)
            flips = iter(running * (args.runs + 2))

            def refresh(
                c: gn.GlueClient = client, v: RunView = view, f: Iterator[str] = flips
            ) -> None:
                jr = next(f, None)
                if jr is not None:  # something changes between refreshes
                    with c.store.transaction() as conn:
                        conn.execute(
                            "UPDATE job_runs SET state=CASE state WHEN 'RUNNING' THEN "
                            "'SUCCEEDED' ELSE 'RUNNING' END, completed_on=? WHERE id=?",
                            (time.time(), jr),
                        )
                v.refresh()

            recolour_s = timed(recolour, args.runs)
            refresh_s = timed(refresh, args.runs)
            view.close()
            goal = GOALS.get(size)
            ok = goal is None or refresh_s < goal
            failed |= not ok
            goal_text = f"<{goal * 1000:.0f} ms" if goal else "-"
            print(
                f"{nodes:>6} {layout * 1000:>8.0f} ms {recolour_s * 1000:>7.1f} ms "
                f"{refresh_s * 1000:>7.1f} ms {goal_text:>8} {'ok' if ok else 'MISSED'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
