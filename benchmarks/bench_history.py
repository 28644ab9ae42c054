"""History benchmark (issue 3 §3): run as ``python benchmarks/bench_history.py``.

Writes 100,000 job runs (2,000 workflow runs of two workflows, 50 job runs each with retries,
failures, arguments and run properties) plus 4,000 crawls straight into a temporary store, then
times, as medians:

- ``job_runs``: :func:`glue_nb.history.job_runs` of the whole store into a typed DataFrame
  (goal: < 1 s); baseline: ``pandas.read_sql`` of the same rows, untyped.
- ``job_runs(workflow=...)``: half of them through the workflow filter.
- the one-liners on the full frame: ``failure_rate``, ``duration_percentiles``, ``slowest_steps``.
- ``job_runs`` through a ``glue-nb serve`` on the same store (HTTP on this machine, pages of
  columns from ``GetJobRunHistory``), against the in-process read.

Exit status 1 when the goal is missed. Options: ``--runs N`` (default 3), ``--rows N``,
``--no-server``.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import insert_history, serve, timed

import glue_nb as gn
from glue_nb import history

GOAL = 1.0
PER_RUN = 50


def fill(client: gn.GlueClient, rows: int) -> None:
    """Insert ``rows`` job runs (and a crawl per 25 job runs) as the engine writes them."""
    rng = random.Random(3)
    t0 = time.time() - 400 * 86400
    runs, jobs, crawls = [], [], []
    n_runs = rows // PER_RUN
    for r in range(n_runs):
        workflow = ("month-close", "daily-sales")[r % 2]
        run_id = f"wr_{r:064x}"
        start = t0 + r * 3600
        props = json.dumps(
            {"period": f"2026-{r % 12 + 1:02d}", "rows_in": str(rng.randint(1, 9999))}
        )
        runs.append((run_id, workflow, "COMPLETED", start, start + 3000, props, "{}"))
        count = 0
        step = 0
        while count < PER_RUN:
            job = f"step {step:02d}"
            attempt = 0
            previous = None
            while count < PER_RUN:
                failed = rng.random() < 0.04
                state = "FAILED" if failed else ("TIMEOUT" if rng.random() < 0.005 else "SUCCEEDED")
                jr = f"jr_{r:032x}{count:032x}"
                begin = start + step * 60 + attempt * 20
                seconds = rng.lognormvariate(2.5, 0.6)
                args = json.dumps({"--output_dir": f"/data/{workflow}", "--step": str(step)})
                jobs.append(
                    (jr, job, workflow, run_id, f"wnode_{step:064x}", "start", attempt, previous,
                     state, args, begin, begin + seconds, begin + seconds,
                     "ValueError: bad row (cell 3)" if state == "FAILED" else None,
                     f"/runs/{workflow}/{run_id}/{jr}.ipynb")
                )  # fmt: skip
                count += 1
                if state != "FAILED" or attempt >= 2:
                    break
                previous, attempt = jr, attempt + 1
            step += 1
        for c in range(PER_RUN // 25):
            begin = start + 10 + c
            crawls.append(
                (f"cr_{r:032x}{c:032x}", f"crawler {c}", workflow, run_id, f"wnode_c{c:063x}",
                 "start", "SUCCEEDED", begin, begin + 5)
            )  # fmt: skip
    with client.store.transaction() as conn:
        insert_history(conn, runs, jobs)
        conn.executemany(
            "INSERT INTO crawls(crawl_id, crawler_name, workflow_name, workflow_run_id, node_id, "
            "trigger_name, state, started_on, completed_on) VALUES (?,?,?,?,?,?,?,?,?)",
            crawls,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--no-server", dest="server", action="store_false",
        help="skip job_runs through a glue-nb serve on the same store",
    )  # fmt: skip
    args = parser.parse_args()
    import datetime
    import os
    import platform

    print(
        f"# bench_history.py: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPU, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="glue-nb-bench-history-") as tmp:
        client = gn.client(tmp)
        t = time.perf_counter()
        fill(client, args.rows)
        print(f"store filled with {args.rows:,} job runs in {time.perf_counter() - t:.1f} s")

        def baseline() -> pd.DataFrame:
            with sqlite3.connect(client.store.path) as conn:
                return pd.read_sql("SELECT * FROM job_runs ORDER BY started_on", conn)

        base_s, _ = timed(baseline, args.runs)
        full_s, df = timed(lambda: history.job_runs(client), args.runs)
        half_s, half = timed(lambda: history.job_runs(client, "month-close"), args.runs)
        jobs = int((df["type"] == "JOB").sum())
        print(
            f"{'job_runs (all)':<28} {full_s * 1000:>7.0f} ms  {len(df):,} rows ({jobs:,} job runs)"
        )
        print(f"{'job_runs(workflow=...)':<28} {half_s * 1000:>7.0f} ms  {len(half):,} rows")
        print(f"{'baseline pandas.read_sql':<28} {base_s * 1000:>7.0f} ms  (untyped)")
        for name, fn in (
            ("failure_rate", lambda: history.failure_rate(df)),
            ("duration_percentiles", lambda: history.duration_percentiles(df)),
            ("slowest_steps", lambda: history.slowest_steps(df, 10)),
        ):
            seconds, _ = timed(fn, args.runs)
            print(f"{name:<28} {seconds * 1000:>7.0f} ms")
        if args.server:
            process, url, _ = serve(Path(tmp), Path(tmp))
            try:
                remote = gn.client(endpoint_url=url)
                history.job_runs(remote)  # the server's first history read, the client's model
                http_s, over = timed(lambda: history.job_runs(remote), args.runs)
                assert len(over) == len(df)
                print(f"{'job_runs via glue-nb serve':<28} {http_s * 1000:>7.0f} ms  "
                      f"{len(over):,} rows ({http_s / full_s:.1f}x in-process)")  # fmt: skip
            finally:
                process.terminate()
                process.wait(60)
        ok = full_s < GOAL
        print(
            f"goal: 100,000 job runs into a DataFrame in < {GOAL:g} s: {'ok' if ok else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
