"""Lineage benchmark: run as ``python benchmarks/bench_lineage.py``.

Writes a history of 10,000 job runs and 100,000 io_records into a temporary store: two workflows
of 50-step chains run 100 times each; step k reads the four part files step k-1 wrote (the same
paths every run, so each file has 100 writes and a read must be matched to the right one by time
and digest), writes four of its own and a log, and reads a lookup file that one job wrote once
(so the lookup's downstream is all 10,000 job runs). Job runs go in as the engine writes them; the
records through the store's ``IoRecords``, as the job kernel's recorder does. Then it times, as
medians, each query end to end (``glue_nb.history.lineage``: glue-nb's API in-process, the typed
DataFrame) and the store query alone (``glue_nb.lineage.graph.lineage``):

- a file's whole upstream (the last step's output: 50 runs back);
- a job run in the middle of a chain, both ways, all the way;
- a job run, one hop;
- the lookup file's readers, one hop (10,000 job runs);
- a workflow run's own records (depth 0).

Exit status 1 when the one-hop query of a job run, or a workflow run's own records, take 0.5 s or
more (the lookup's 10,000 readers are a 60,000-row answer: timed, not held to it). Options:
``--runs N`` (default 3), ``--repeats N`` (runs of each workflow, default 100).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import insert_history, timed

import glue_nb as gn
from glue_nb import history
from glue_nb.lineage.graph import lineage as store_lineage
from glue_nb.store.io import IoRecord, IoRecords

STEPS = 50
PARTS = 4
GOAL = 0.5  # seconds, one-hop queries


def digest(*parts: Any) -> str:
    return "sha256:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def fill(client: gn.GlueClient, repeats: int) -> dict[str, Any]:
    """The history; returns ids to query."""
    t0 = time.time() - 400 * 86400
    runs, jobs = [], []
    records: list[tuple[str, list[IoRecord]]] = []
    lookup = "/data/ref/lookup.csv"
    ref = "jr_" + "f" * 64
    jobs.append((ref, "ref", None, None, None, None, 0, None, "SUCCEEDED", "{}", t0 - 60,
                 t0 - 50, t0 - 50, None, "/runs/_jobs/ref.ipynb"))  # fmt: skip
    records.append((ref, [IoRecord("write", "file", lookup, digest=digest("lookup"))]))
    middle = None
    for r in range(repeats):
        for w, workflow in enumerate(("month-close", "daily-sales")):
            run_id = f"wr_{w:032x}{r:032x}"
            start = t0 + (r * 2 + w) * 3600
            runs.append((run_id, workflow, "COMPLETED", start, start + 3000, "{}", "{}"))
            for step in range(STEPS):
                jr = f"jr_{w:021x}{r:021x}{step:022x}"
                begin = start + step * 60
                jobs.append(
                    (jr, f"step {step:02d}", workflow, run_id, f"wnode_{step:064x}", "start", 0,
                     None, "SUCCEEDED", "{}", begin, begin + 30, begin + 30, None,
                     f"/runs/{workflow}/{run_id}/{jr}.ipynb")
                )  # fmt: skip
                mine = [IoRecord("read", "file", lookup, digest=digest("lookup"))]
                for part in range(PARTS):
                    if step:
                        path = f"/data/{workflow}/step{step - 1:02d}/part-{part}.csv"
                        mine.append(IoRecord("read", "file", path,
                                             digest=digest(w, r, step - 1, part)))  # fmt: skip
                    path = f"/data/{workflow}/step{step:02d}/part-{part}.csv"
                    mine.append(IoRecord("write", "file", path, digest=digest(w, r, step, part)))
                mine.append(IoRecord("write", "file", f"/logs/{workflow}/{run_id}/{step}.txt"))
                records.append((jr, mine))
                if r == repeats // 2 and w == 0 and step == STEPS // 2:
                    middle = jr
    with client.store.transaction() as conn:  # as the engine writes them, in bulk
        insert_history(conn, runs, jobs)
        io = IoRecords(client.store)
        for key, recs in records:
            io.record("job", key, recs)
    last_run = f"wr_{0:032x}{repeats - 1:032x}"
    return {
        "jobs": len(jobs),
        "records": sum(len(r) for _, r in records),
        "last_output": f"/data/month-close/step{STEPS - 1:02d}/part-0.csv",
        "middle": middle,
        "lookup": lookup,
        "workflow_run": last_run,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glue-nb-bench-lineage-") as tmp:
        client = gn.client(tmp)
        t = time.perf_counter()
        ids = fill(client, args.repeats)
        print(f"store filled with {ids['jobs']:,} job runs and {ids['records']:,} io_records "
              f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
        queries: list[tuple[str, dict[str, Any], bool]] = [
            ("file, all upstream", {"resource": ids["last_output"], "direction": "upstream"},
             False),
            ("job run, both ways, all", {"run": ids["middle"]}, False),
            ("job run, one hop", {"run": ids["middle"], "depth": 1}, True),
            ("lookup's readers, one hop", {"resource": ids["lookup"], "depth": 1,
                                           "direction": "downstream"}, False),
            ("workflow run, depth 0", {"run": ids["workflow_run"], "depth": 0}, True),
        ]  # fmt: skip
        ok = True
        print(f"{'query':<28} {'history.lineage':>16} {'store query':>12}  rows  runs")
        for name, kwargs, goal in queries:
            full_s, df = timed(lambda kw=kwargs: history.lineage(client, **kw), args.runs)
            store_kwargs = {("run_id" if k == "run" else k): v for k, v in kwargs.items()}
            store_kwargs["direction"] = str(store_kwargs.get("direction", "both")).upper()
            if "resource" in store_kwargs:
                store_kwargs["kind"] = "file"
            raw_s, _ = timed(lambda kw=store_kwargs: store_lineage(client.store, **kw), args.runs)
            runs = df["id"].nunique()
            print(f"{name:<28} {full_s * 1000:>13.0f} ms {raw_s * 1000:>9.0f} ms  "
                  f"{len(df):>5,} {runs:>5,}")  # fmt: skip
            if goal and full_s >= GOAL:
                ok = False
        print(json.dumps({"goal_one_hop_s": GOAL, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
