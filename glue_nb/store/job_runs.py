"""Job runs: the ``job_runs`` table, for standalone job runs and a workflow run's nodes alike.
State changes go through :func:`glue_nb.states.advance`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_nb.states import (
    JOB_RUN_ACTIVE,
    JOB_RUN_HOLDING_A_SLOT,
    JobRunState,
    advance,
    check_initial,
    sql_set,
)
from glue_nb.store.db import Store, dumps
from glue_nb.timeutil import now

__all__ = ["JobRunRow", "JobRuns"]

_ACTIVE = sql_set(JOB_RUN_ACTIVE)
_HOLDING_A_SLOT = sql_set(JOB_RUN_HOLDING_A_SLOT)


@dataclass
class JobRunRow:
    """A new job run, as recorded."""

    id: str
    job_name: str
    state: JobRunState
    arguments: Mapping[str, str]
    timeout: int | float | None
    owner_token: str | None
    attempt: int = 0
    previous_run_id: str | None = None
    trigger_name: str | None = None
    workflow_name: str | None = None
    workflow_run_id: str | None = None
    node_id: str | None = None
    error: str | None = None
    glue_fields: Mapping[str, Any] = field(default_factory=dict)


class JobRuns:
    """Reads and writes of job runs. Writes join the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writes ---------------------------------------------------------------------------------
    def insert(self, row: JobRunRow) -> None:
        check_initial(row.state, what=f"job run {row.id} of {row.job_name!r}")
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO job_runs(id, job_name, workflow_name, workflow_run_id, node_id, "
                "trigger_name, attempt, previous_run_id, state, arguments, started_on, "
                "last_modified_on, completed_on, error_message, timeout, owner_token, "
                "glue_fields) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    row.job_name,
                    row.workflow_name,
                    row.workflow_run_id,
                    row.node_id,
                    row.trigger_name,
                    row.attempt,
                    row.previous_run_id,
                    row.state,
                    dumps(dict(row.arguments)),
                    t,
                    t,
                    t if row.state.final else None,
                    row.error,
                    row.timeout,
                    row.owner_token,
                    dumps(dict(row.glue_fields)) if row.glue_fields else None,
                ),
            )

    def set_state(
        self,
        job_run_id: str,
        new: JobRunState,
        *,
        error: str | None = None,
        restart: bool = False,
    ) -> JobRunState:
        """Move a job run to ``new`` (checked) → its old state. A final state records the
        completion time; ``restart`` (a waiting run that starts) its start time."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT job_name, state FROM job_runs WHERE id=?", (job_run_id,)
            ).fetchone()
            if row is None:
                raise KeyError(job_run_id)
            old = JobRunState(row["state"])
            advance(old, new, what=f"job run {job_run_id} of {row['job_name']!r}")
            t = now()
            conn.execute(
                "UPDATE job_runs SET state=?, last_modified_on=?, "
                "completed_on=CASE WHEN ? THEN ? ELSE completed_on END, "
                "started_on=CASE WHEN ? THEN ? ELSE started_on END, "
                "error_message=COALESCE(?, error_message) WHERE id=?",
                (new, t, new.final, t, restart, t, error, job_run_id),
            )
        return old

    def finish(
        self,
        job_run_id: str,
        state: JobRunState,
        *,
        completed_on: float,
        error: str | None,
        error_detail: Mapping[str, Any] | None,
        output_location: str | None,
        log_location: str | None,
        property_updates: Mapping[str, str] | None,
    ) -> JobRunState:
        """Record how a job run ended (checked) → its old state."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT job_name, state FROM job_runs WHERE id=?", (job_run_id,)
            ).fetchone()
            if row is None:
                raise KeyError(job_run_id)
            old = JobRunState(row["state"])
            advance(old, state, what=f"job run {job_run_id} of {row['job_name']!r}")
            conn.execute(
                "UPDATE job_runs SET state=?, completed_on=?, last_modified_on=?, "
                "error_message=?, error_detail=?, output_location=?, log_location=?, "
                "property_updates=? WHERE id=?",
                (
                    state,
                    completed_on,
                    completed_on,
                    error,
                    dumps(dict(error_detail)) if error_detail else None,
                    output_location,
                    log_location,
                    dumps(dict(property_updates)) if property_updates else None,
                    job_run_id,
                ),
            )
        return old

    def mark_stopping(self, ids: Iterable[str]) -> None:
        """Job runs asked to stop: STARTING or RUNNING → STOPPING (others stay as they are)."""
        keys = list(ids)
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        with self.store.transaction() as conn:
            conn.execute(
                f"UPDATE job_runs SET state=?, last_modified_on=? WHERE id IN ({marks}) "
                f"AND state IN {sql_set((JobRunState.STARTING, JobRunState.RUNNING))}",
                (JobRunState.STOPPING, now(), *keys),
            )

    def end_active(
        self, where: str, params: Iterable[Any], state: JobRunState, error: str
    ) -> list[str]:
        """End every active job run matching ``where`` (an SQL condition of this module's
        callers in store/) in ``state`` → their ids."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                f"SELECT id, job_name, state FROM job_runs WHERE state IN {_ACTIVE} AND ({where})",
                tuple(params),
            ).fetchall()
            t = now()
            for row in rows:
                advance(row["state"], state, what=f"job run {row['id']} of {row['job_name']!r}")
            conn.executemany(
                "UPDATE job_runs SET state=?, completed_on=?, last_modified_on=?, "
                "error_message=? WHERE id=?",
                [(state, t, t, error, row["id"]) for row in rows],
            )
        return [str(row["id"]) for row in rows]

    # -- reads ----------------------------------------------------------------------------------
    def get(self, job_run_id: str, job_name: str | None = None) -> sqlite3.Row | None:
        with self.store.read() as conn:
            if job_name is None:
                cursor = conn.execute("SELECT * FROM job_runs WHERE id=?", (job_run_id,))
            else:
                cursor = conn.execute(
                    "SELECT * FROM job_runs WHERE id=? AND job_name=?", (job_run_id, job_name)
                )
            row: sqlite3.Row | None = cursor.fetchone()
            return row

    def of_job(self, job_name: str) -> list[sqlite3.Row]:
        """A job's runs, newest first."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM job_runs WHERE job_name=? ORDER BY started_on DESC, attempt DESC",
                (job_name,),
            ).fetchall()

    def of_runs(self, run_ids: Iterable[str]) -> list[sqlite3.Row]:
        """The job runs of some workflow runs, in start order."""
        ids = list(run_ids)
        marks = ",".join("?" * len(ids))
        with self.store.read() as conn:
            return conn.execute(
                f"SELECT * FROM job_runs WHERE workflow_run_id IN ({marks}) "
                "ORDER BY started_on, attempt",
                ids,
            ).fetchall()

    def states(self, ids: Iterable[str]) -> dict[str, JobRunState]:
        """The states of some job runs (those that exist)."""
        keys = list(ids)
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self.store.read() as conn:
            rows = conn.execute(f"SELECT id, state FROM job_runs WHERE id IN ({marks})", keys)
            return {str(r[0]): JobRunState(r[1]) for r in rows}

    def holding_a_slot(self, job_name: str) -> int:
        """How many runs of a job count against its MaxConcurrentRuns now."""
        with self.store.read() as conn:
            return int(
                conn.execute(
                    f"SELECT COUNT(*) FROM job_runs WHERE job_name=? AND state IN "
                    f"{_HOLDING_A_SLOT}",
                    (job_name,),
                ).fetchone()[0]
            )

    def stopping_of(self, owner_token: str) -> list[str]:
        """The job runs a process drives that were asked to stop."""
        return self.store.column(
            "SELECT id FROM job_runs WHERE owner_token=? AND state=?",
            (owner_token, JobRunState.STOPPING),
        )

    def active_standalone_of(self, owner_token: str) -> list[str]:
        return self.store.column(
            f"SELECT id FROM job_runs WHERE owner_token=? AND workflow_run_id IS NULL "
            f"AND state IN {_ACTIVE}",
            (owner_token,),
        )

    def retry_of(self, job_run_id: str) -> sqlite3.Row | None:
        """The attempt that retries a job run, if one was made."""
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM job_runs WHERE previous_run_id=?", (job_run_id,)
            ).fetchone()
            return row

    def latest_of_node(self, run_id: str, node_id: str) -> sqlite3.Row | None:
        """The latest job run of one node of a workflow run."""
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM job_runs WHERE workflow_run_id=? AND node_id=? "
                "ORDER BY started_on DESC, attempt DESC LIMIT 1",
                (run_id, node_id),
            ).fetchone()
            return row

    def predecessor(
        self, run_id: str, node_id: str, state: str, before: float
    ) -> sqlite3.Row | None:
        """The latest job run of a node that ended in ``state`` by ``before``."""
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT id FROM job_runs WHERE workflow_run_id=? AND node_id=? AND state=? "
                "AND completed_on <= ? ORDER BY completed_on DESC LIMIT 1",
                (run_id, node_id, state, before),
            ).fetchone()
            return row
