"""What several benchmark scripts share: timing a call, starting ``glue-nb serve``, and seeding a
store with a made-up history in bulk."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds over ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def serve(
    home: Path, cwd: Path, *args: str, prefix: Sequence[str] = ()
) -> tuple[subprocess.Popen[str], str, list[str]]:
    """``glue-nb serve --home home --port 0 *args`` started in ``cwd`` (``prefix``: a command
    to run it under, e.g. ``/usr/bin/time``) → the process, its URL, and the lines it prints
    after that (collected in the background)."""
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "glue_nb", "serve", "--home", str(home), "--port", "0",
         *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if "listening on" in line:
            url = line.split("listening on ")[1].split()[0]
            break
    else:
        raise RuntimeError("glue-nb serve did not start")
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True).start()
    return process, url, lines


def insert_history(
    conn: Any, runs: Sequence[tuple[Any, ...]], jobs: Sequence[tuple[Any, ...]]
) -> None:
    """Workflow runs ``(run_id, workflow_name, status, started_on, completed_on,
    run_properties, design)`` and job runs ``(id, job_name, workflow_name, workflow_run_id,
    node_id, trigger_name, attempt, previous_run_id, state, arguments, started_on,
    last_modified_on, completed_on, error_message, output_location)``, in bulk, inside the
    caller's transaction (as the engine would have written them, one at a time)."""
    conn.executemany(
        "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, completed_on, "
        "run_properties, design) VALUES (?,?,?,?,?,?,?)",
        runs,
    )
    conn.executemany(
        "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, node_id, "
        "trigger_name, attempt, previous_run_id, state, arguments, started_on, "
        "last_modified_on, completed_on, error_message, output_location) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        jobs,
    )
