"""The engine's reuse decision, made before a job run starts: its static part, the latest
SUCCEEDED runs of the same job with the same static part, each checked against the world now.
The first one nothing has changed for is reused; otherwise the run runs, and the decision says
what changed (against the newest candidate, or the job's latest successful run)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from glue_nb.reuse.fingerprint import notebook_json, static_part
from glue_nb.reuse.verify import check_trace, diff_static
from glue_nb.store.io import IoRecords
from glue_nb.store.job_runs import JobRuns
from glue_nb.store.traces import Traces

__all__ = ["decide"]

#: How many earlier runs with the same static part are checked (newest first).
CANDIDATES = 3


def _writer_of(store: Any) -> Any:
    io, runs = IoRecords(store), JobRuns(store)

    def writer_of(path: str) -> str | None:
        for row in io.touching(path, "write"):
            if row["run_kind"] != "job":
                continue
            job_run = runs.get(row["run_key"])
            if job_run is not None:
                return f"job {job_run['job_name']!r} ({row['run_key']})"
        return None

    return writer_of


def decide(
    store: Any,
    *,
    job_name: str,
    notebook: str,
    arguments: Mapping[str, str],
    kernel_name: str | None,
    properties: Mapping[str, str],
) -> dict[str, Any]:
    """``{"reuse": bool, "from": job run id, "changes", "compared_with", "static", "source"}``
    (``source``: the reused run's row, with its trace; not stored)."""
    try:
        static = static_part(notebook_json(notebook), arguments, kernel_name)
    except Exception as exc:  # unreadable notebook, bad parameter: it runs, and says why there
        reason = f"the notebook's static part cannot be computed: {type(exc).__name__}: {exc}"
        return {"reuse": False, "changes": [{"what": "unknown", "name": reason, "old": None,
                                             "new": None}], "static": None}  # fmt: skip
    traces = Traces(store)
    writer_of = _writer_of(store)
    reported: list[dict[str, Any]] | None = None
    compared = None
    for i, candidate in enumerate(traces.candidates(job_name, static["key"], CANDIDATES)):
        changes = []
        location = candidate.get("output_location")
        if location and "://" not in location and not os.path.exists(location):
            changes.append({"what": "notebook", "name": location, "old": "kept", "new": "gone"})
        if not changes or i == 0:
            changes += check_trace(candidate["trace"], properties=properties, store=store,
                                   first_only=i > 0, writer_of=writer_of)  # fmt: skip
        if not changes:
            return {"reuse": True, "from": candidate["job_run_id"], "changes": [],
                    "compared_with": candidate["job_run_id"], "static": static,
                    "source": candidate}  # fmt: skip
        if reported is None:
            reported, compared = changes, candidate["job_run_id"]
    if reported is None:
        last = traces.latest_success(job_name)
        if last is not None and last.get("static"):
            reported, compared = diff_static(last["static"], static), last["job_run_id"]
        if not reported:
            reported = [{"what": "first", "old": None, "new": None,
                         "name": f"no earlier successful run of job {job_name!r} with a "
                                 "recorded trace"}]  # fmt: skip
    return {"reuse": False, "from": None, "changes": reported, "compared_with": compared,
            "static": static}  # fmt: skip
