"""Crawler benchmarks (issue 4 §6): run as ``python benchmarks/bench_crawler.py``.

Creates its data in a temporary folder, then times, as medians of a few runs:

1. 10,000 small CSV files across 1,000 Hive partitions (goal: crawled in < 15 s), the crawl
   alone and crawl + catalog write through ``CrawlerService``; baseline: pandas ``read_csv`` of
   every file.
2. A 2 GB CSV classified (goal: < 2 s); baseline: a pyarrow streaming scan of the whole file
   (what counting its records exactly costs). The file is deleted afterwards.
3. 1,000 Parquet files (goal: < 5 s, footers only); baselines: ``pq.read_schema`` of every file
   and ``pq.read_table`` of every file.

Options: ``--runs N`` (default 3), ``--skip-big`` (no 2 GB file), ``--keep DIR`` (write the data
there and keep it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed

from glue_nb.crawl import execute_crawl
from glue_nb.crawlers import CrawlerService
from glue_nb.store import Store


def spec(path: Path, name: str = "bench") -> dict:
    return {
        "Crawler": {
            "Name": name,
            "DatabaseName": "bench",
            "Targets": {"S3Targets": [{"Path": str(path)}]},
        },
        "Catalog": {},
    }


def report(
    label: str, seconds: float, goal: float | None, baseline: tuple[str, float] | None
) -> None:
    line = f"  {label:<44} {seconds:8.3f} s"
    if goal is not None:
        line += f"   goal < {goal:g} s: {'OK' if seconds < goal else 'MISSED'}"
    print(line)
    if baseline is not None:
        name, base = baseline
        print(f"  {name:<44} {base:8.3f} s   ratio crawler/baseline = {seconds / base:.3g}")


# -- 1. many small CSV files --------------------------------------------------------------------
def make_small_csvs(root: Path) -> Path:
    table = root / "clicks"
    rows = "".join(f"{i},user{i % 97},{i * 0.25:.2f},2024-01-{1 + i % 28:02d}\n" for i in range(20))
    body = ("id,user,amount,day\n" + rows).encode()
    for region in range(10):
        for day in range(100):
            folder = table / f"region=r{region}" / f"day={day:03d}"
            folder.mkdir(parents=True)
            for part in range(10):
                (folder / f"part-{part}.csv").write_bytes(body)
    return table


def bench_small_csvs(root: Path, runs: int) -> None:
    print("1. 10,000 small CSV files in 1,000 partitions")
    start = time.perf_counter()
    table = make_small_csvs(root)
    print(f"  (data written in {time.perf_counter() - start:.1f} s)")

    def crawl() -> dict:
        return execute_crawl(spec(table))

    seconds, result = timed(crawl, runs)
    assert result["State"] == "SUCCEEDED", result["ErrorMessage"]
    [t] = result["Tables"]
    assert len(result["Partitions"]) == 1000 and t["Parameters"]["objectCount"] == "10000"

    def crawl_and_write() -> dict:
        home = Path(tempfile.mkdtemp(dir=root))
        svc = CrawlerService(Store(home))
        svc.create_crawler(
            Name="bench", Targets={"S3Targets": [{"Path": str(table)}]}, DatabaseName="bench"
        )
        crawl_id, crawl_spec = svc.begin_crawl("bench")
        done = svc.finish_crawl(crawl_id, execute_crawl(crawl_spec))
        svc.store.close()
        shutil.rmtree(home)
        return done

    full, done = timed(crawl_and_write, runs)
    assert done["State"] == "SUCCEEDED" and done["Summary"]["PartitionsAdded"] == 1000

    def pandas_scan() -> int:
        import pandas as pd

        return sum(len(pd.read_csv(p)) for p in table.rglob("*.csv"))

    base, rows = timed(pandas_scan, runs)
    assert rows == 200_000
    report("crawl (execute_crawl)", seconds, 15, ("pandas read_csv of every file", base))
    report("crawl + catalog write (CrawlerService)", full, 15, None)


# -- 2. one 2 GB CSV -----------------------------------------------------------------------------
def make_big_csv(path: Path, size: int) -> None:
    row = "1234567,some customer name,2024-01-15 10:30:00,19.99,true,EU\n"
    block = (row * ((1 << 20) // len(row))).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"id,name,at,amount,flag,region\n")
        written = 0
        while written < size:
            f.write(block)
            written += len(block)


def bench_big_csv(root: Path, runs: int) -> None:
    print("2. a 2 GB CSV")
    path = root / "big" / "huge.csv"
    start = time.perf_counter()
    make_big_csv(path, 2 << 30)
    size = path.stat().st_size
    print(f"  (wrote {size / 2**30:.2f} GiB in {time.perf_counter() - start:.1f} s)")
    try:
        seconds, result = timed(lambda: execute_crawl(spec(path.parent)), runs)
        assert result["State"] == "SUCCEEDED", result["ErrorMessage"]
        params = result["Tables"][0]["Parameters"]
        rows = size // len("1234567,some customer name,2024-01-15 10:30:00,19.99,true,EU\n")

        def arrow_scan() -> int:
            import pyarrow.csv as pacsv

            reader = pacsv.open_csv(path)
            return sum(batch.num_rows for batch in reader)

        base, counted = timed(arrow_scan, 1)
        error = abs(int(params["recordCount"]) - counted) / counted
        print(
            f"  recordCount estimate {params['recordCount']} vs exact {counted} ({error:.2%} off)"
        )
        assert abs(counted - rows) <= 1
        report("classify (execute_crawl)", seconds, 2, ("pyarrow streaming scan (1 run)", base))
    finally:
        path.unlink()


# -- 3. many Parquet files -----------------------------------------------------------------------
def make_parquets(root: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / "pq"
    folder.mkdir()
    n = 500
    data = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "name": [f"n{i}" for i in range(n)],
            "amount": [i * 0.5 for i in range(n)],
            "tags": [[i, i + 1] for i in range(n)],
            "nested": [{"a": i, "b": str(i)} for i in range(n)],
        }
    )
    for i in range(1000):
        pq.write_table(data, folder / f"part-{i:04d}.parquet")
    return folder


def bench_parquet(root: Path, runs: int) -> None:
    import pyarrow.parquet as pq

    print("3. 1,000 Parquet files")
    folder = make_parquets(root)
    seconds, result = timed(lambda: execute_crawl(spec(folder)), runs)
    assert result["State"] == "SUCCEEDED", result["ErrorMessage"]
    assert result["Tables"][0]["Parameters"]["recordCount"] == "500000"
    files = sorted(folder.glob("*.parquet"))
    footers, _ = timed(lambda: [pq.read_schema(p) for p in files], runs)
    scan, _ = timed(lambda: sum(pq.read_table(p).num_rows for p in files), runs)
    report("crawl (execute_crawl)", seconds, 5, ("pyarrow read_schema of every file", footers))
    label = "pyarrow read_table of every file"
    print(f"  {label:<44} {scan:8.3f} s   ratio crawler/baseline = {seconds / scan:.3g}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-big", action="store_true", help="skip the 2 GB CSV")
    parser.add_argument("--keep", type=Path, help="write the data here and keep it")
    args = parser.parse_args(argv)
    print(f"glue-nb crawler benchmarks: medians of {args.runs} runs, {os.cpu_count()} CPUs")
    root = args.keep or Path(tempfile.mkdtemp(prefix="glue-nb-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        bench_small_csvs(root, args.runs)
        if not args.skip_big:
            bench_big_csv(root, args.runs)
        bench_parquet(root, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
