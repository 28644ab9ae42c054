"""Job runs' traces, static parts and reuse decisions: the ``traces`` table (see
``schema_traces.sql``), the ground of reuse and of ``why``."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import JobRunState
from glue_nb.store.db import Store, dumps, loads
from glue_nb.timeutil import now

__all__ = ["Traces"]

_JOINED = (
    "SELECT t.*, j.state, j.started_on, j.completed_on, j.output_location, j.log_location, "
    "j.property_updates, j.workflow_name, j.workflow_run_id, j.node_id "
    "FROM traces t JOIN job_runs j ON j.id = t.job_run_id"
)


class Traces:
    """Reads and writes of ``traces``. Writes join the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _upsert(self, job_run_id: str, job_name: str, **values: Any) -> None:
        columns = ["job_run_id", "job_name", *values, "recorded_on"]
        params = [job_run_id, job_name, *values.values(), now()]
        updates = ", ".join(f"{c}=COALESCE(excluded.{c}, {c})" for c in values)
        marks = ",".join("?" * len(columns))
        with self.store.transaction() as conn:
            conn.execute(
                f"INSERT INTO traces({', '.join(columns)}) VALUES ({marks}) "
                f"ON CONFLICT(job_run_id) DO UPDATE SET {updates}, "
                "recorded_on=excluded.recorded_on",
                params,
            )

    def record_trace(
        self, job_run_id: str, job_name: str, static: Mapping[str, Any], trace: Mapping[str, Any]
    ) -> None:
        """What a job run recorded, when it ends (its decision, if any, is kept)."""
        self._upsert(job_run_id, job_name, static_key=static.get("key"), static=dumps(static),
                     trace=dumps(trace))  # fmt: skip

    def record_decision(
        self,
        job_run_id: str,
        job_name: str,
        decision: Mapping[str, Any],
        *,
        static: Mapping[str, Any] | None = None,
    ) -> None:
        """The reuse decision made before a job run started."""
        self._upsert(
            job_run_id, job_name, decision=dumps(decision),
            static_key=static.get("key") if static else None,
            static=dumps(static) if static else None,
        )  # fmt: skip

    def record_reused(
        self,
        job_run_id: str,
        job_name: str,
        *,
        reused_from: str,
        static: Mapping[str, Any],
        trace: Mapping[str, Any],
        decision: Mapping[str, Any],
    ) -> None:
        """A job run recorded SUCCEEDED at once, taking ``reused_from``'s results."""
        self._upsert(
            job_run_id, job_name, static_key=static.get("key"), static=dumps(static),
            trace=dumps(trace), decision=dumps(decision), reused_from=reused_from,
        )  # fmt: skip

    # -- reads -------------------------------------------------------------------------------------
    def get(self, job_run_id: str) -> dict[str, Any] | None:
        """One job run's trace row with its job run's state and results, JSON decoded."""
        with self.store.read() as conn:
            row = conn.execute(f"{_JOINED} WHERE t.job_run_id=?", (job_run_id,)).fetchone()
        return _decoded(row)

    def of_runs(self, job_run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The reuse columns (``reused_from``, ``decision``) of some job runs that have them."""
        if not job_run_ids:
            return {}
        marks = ",".join("?" * len(job_run_ids))
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT job_run_id, reused_from, decision FROM traces "
                f"WHERE job_run_id IN ({marks})",
                job_run_ids,
            ).fetchall()
        return {
            r["job_run_id"]: {"reused_from": r["reused_from"], "decision": loads(r["decision"])}
            for r in rows
        }

    def candidates(self, job_name: str, static_key: str, limit: int = 3) -> list[dict[str, Any]]:
        """The latest SUCCEEDED runs of a job with this static part and a trace, that ran
        (not reused ones), newest first."""
        with self.store.read() as conn:
            rows = conn.execute(
                f"{_JOINED} WHERE t.job_name=? AND t.static_key=? AND t.trace IS NOT NULL "
                "AND t.reused_from IS NULL AND j.state=? ORDER BY j.completed_on DESC LIMIT ?",
                (job_name, static_key, JobRunState.SUCCEEDED, limit),
            ).fetchall()
        return [d for d in map(_decoded, rows) if d is not None]

    def latest_success(
        self, job_name: str, *, before: float | None = None, exclude: str | None = None
    ) -> dict[str, Any] | None:
        """The latest SUCCEEDED run of a job with a trace that ran (started before ``before``)."""
        where = "t.job_name=? AND t.trace IS NOT NULL AND t.reused_from IS NULL AND j.state=?"
        params: list[Any] = [job_name, JobRunState.SUCCEEDED]
        if before is not None:
            where += " AND j.started_on < ?"
            params.append(before)
        if exclude is not None:
            where += " AND t.job_run_id != ?"
            params.append(exclude)
        with self.store.read() as conn:
            row = conn.execute(
                f"{_JOINED} WHERE {where} ORDER BY j.completed_on DESC LIMIT 1", params
            ).fetchone()
        return _decoded(row)


def _decoded(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for key in ("static", "trace", "decision", "property_updates"):
        out[key] = loads(out.get(key))
    return out
