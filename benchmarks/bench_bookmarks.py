"""Job bookmark benchmark: run as ``python benchmarks/bench_bookmarks.py``.

With 10,000 local files of which a bookmark already holds 9,000, times as medians: what the
engine does when a job run starts (the state for its spec, ``spec_bookmark``), what the notebook
does (``runtime.bookmark.new_files``: list, compare, record the 1,000 new files) and what the
engine does when the run succeeds (``advance``, in its own transaction here). Options: ``--runs N``
(default 5), ``--files N`` (default 10,000).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed

from glue_nb import runtime
from glue_nb.bookmarks import ENABLE, advance, spec_bookmark
from glue_nb.store import Store
from glue_nb.store.bookmarks import BookmarkRows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glue-nb-bench-bookmarks-") as tmp:
        root = Path(tmp)
        incoming = root / "incoming"
        for i in range(args.files):
            folder = incoming / f"day={i // 500:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"part-{i:05d}.csv").write_text("id\n1\n")
        store = Store(root / "home")
        files = sorted(str(p) for p in incoming.rglob("*.csv"))
        old = {f: (str(incoming), os.stat(f).st_mtime_ns, os.stat(f).st_size)
               for f in files[: args.files * 9 // 10]}  # fmt: skip
        with store.transaction():
            advance(store, "ingest", "jr_" + "0" * 64, 0, {"option": ENABLE, "files": {
                k: list(v) for k, v in old.items()}})  # fmt: skip
        arguments = {"--job-bookmark-option": ENABLE}
        spec_s, state = timed(lambda: spec_bookmark(store, "ingest", arguments), args.runs)
        state_path, consumed = root / "state.json", root / "consumed.json"
        state_path.write_text(json.dumps({k: v for k, v in state.items() if k != "option"}))
        os.environ[runtime.CONTEXT_ENV] = json.dumps({
            "job_name": "ingest", "bookmark": {"option": ENABLE, "state_path": str(state_path),
                                               "consumed_path": str(consumed)},
        })  # fmt: skip

        def listing() -> list[str]:
            consumed.unlink(missing_ok=True)
            return runtime.bookmark.new_files(str(incoming), "*.csv")

        list_s, new = timed(listing, args.runs)
        handed = json.loads(consumed.read_text())
        times = []
        for n in range(args.runs):  # each time the 1,000 new files join the bookmark
            with store.transaction():
                BookmarkRows(store).rewind("ingest", BookmarkRows(store).runs("ingest")[0])
            t = time.perf_counter()
            with store.transaction():
                advance(store, "ingest", f"jr_{n + 1:064x}", 0,
                        {"option": ENABLE, "files": handed})  # fmt: skip
            times.append(time.perf_counter() - t)
        advance_s = statistics.median(times)
        print(f"{args.files:,} files, {len(old):,} in the bookmark, {len(new):,} new")
        print(f"{'spec_bookmark (run start)':<36} {spec_s * 1000:>7.1f} ms")
        print(f"{'bookmark.new_files (in the kernel)':<36} {list_s * 1000:>7.1f} ms")
        print(f"{'advance (run end, its transaction)':<36} {advance_s * 1000:>7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
