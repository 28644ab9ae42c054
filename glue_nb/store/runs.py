"""Workflow runs and the triggers each fired: the ``workflow_runs`` and ``run_fired_triggers``
tables. Status changes go through :func:`glue_nb.states.advance`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import WORKFLOW_RUN_ACTIVE, WorkflowRunState, advance, check_initial, sql_set
from glue_nb.store.db import Store, dumps, loads
from glue_nb.timeutil import now

__all__ = ["Runs"]

_ACTIVE = sql_set(WORKFLOW_RUN_ACTIVE)


class Runs:
    """Reads and writes of workflow runs. Writes join the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writes ---------------------------------------------------------------------------------
    def insert(
        self,
        run_id: str,
        workflow: str,
        status: WorkflowRunState,
        *,
        properties: Mapping[str, str],
        design: Mapping[str, Any],
        owner_token: str | None,
        options: Mapping[str, Any],
        previous_run_id: str | None = None,
        error: str | None = None,
        start_condition: Mapping[str, int] | None = None,
    ) -> None:
        check_initial(status, what=f"workflow run {run_id}")
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO workflow_runs(run_id, workflow_name, previous_run_id, status, "
                "started_on, completed_on, error_message, run_properties, design, "
                "start_condition, owner_token, options) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    workflow,
                    previous_run_id,
                    status,
                    t,
                    None if status is WorkflowRunState.RUNNING else t,
                    error,
                    dumps(dict(properties)),
                    dumps(dict(design)),
                    dumps(dict(start_condition)) if start_condition else None,
                    owner_token,
                    dumps(dict(options)),
                ),
            )

    def set_status(
        self, run_id: str, new: WorkflowRunState, error: str | None = None
    ) -> WorkflowRunState:
        """Move a run to ``new`` (checked); a final status records its completion time.
        → the old status."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT workflow_name, status FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()
            if row is None:
                raise KeyError(run_id)
            old = WorkflowRunState(row["status"])
            advance(old, new, what=f"workflow run {run_id} of {row['workflow_name']!r}")
            conn.execute(
                "UPDATE workflow_runs SET status=?, completed_on=?, "
                "error_message=COALESCE(?, error_message) WHERE run_id=?",
                (new, now() if new.final else None, error, run_id),
            )
        return old

    def merge_properties(self, run_id: str, updates: Mapping[str, str]) -> dict[str, str]:
        """Upsert run properties (nothing is deleted) → the run's properties now."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT run_properties FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()
            if row is None:
                raise KeyError(run_id)
            merged: dict[str, str] = {**loads(row["run_properties"], {}), **updates}
            conn.execute(
                "UPDATE workflow_runs SET run_properties=? WHERE run_id=?", (dumps(merged), run_id)
            )
        return merged

    def record_fires(self, run_id: str, fires: Mapping[str, float]) -> None:
        """Record triggers that fired in a run (each at most once: a repeat is ignored)."""
        with self.store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO run_fired_triggers(run_id, trigger_name, fired_on) "
                "VALUES (?,?,?)",
                [(run_id, trigger, at) for trigger, at in fires.items()],
            )

    # -- reads ----------------------------------------------------------------------------------
    def get(self, run_id: str, workflow: str | None = None) -> sqlite3.Row | None:
        with self.store.read() as conn:
            if workflow is None:
                cursor = conn.execute("SELECT * FROM workflow_runs WHERE run_id=?", (run_id,))
            else:
                cursor = conn.execute(
                    "SELECT * FROM workflow_runs WHERE run_id=? AND workflow_name=?",
                    (run_id, workflow),
                )
            row: sqlite3.Row | None = cursor.fetchone()
            return row

    def of_workflow(self, workflow: str, limit: int | None = None) -> list[sqlite3.Row]:
        """A workflow's runs, newest first."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM workflow_runs WHERE workflow_name=? ORDER BY started_on DESC "
                "LIMIT ?",
                (workflow, -1 if limit is None else limit),
            ).fetchall()

    def status(self, run_id: str) -> WorkflowRunState | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT status FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()
        return None if row is None else WorkflowRunState(row["status"])

    def count_active(self, workflow: str) -> int:
        with self.store.read() as conn:
            return int(
                conn.execute(
                    f"SELECT COUNT(*) FROM workflow_runs WHERE workflow_name=? AND status IN "
                    f"{_ACTIVE}",
                    (workflow,),
                ).fetchone()[0]
            )

    def active_resumption(self, run_id: str) -> sqlite3.Row | None:
        """An active run that resumes ``run_id``, if there is one."""
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                f"SELECT * FROM workflow_runs WHERE previous_run_id=? AND status IN {_ACTIVE}",
                (run_id,),
            ).fetchone()
            return row

    def active_of(self, owner_token: str) -> list[str]:
        """The active runs a process drives."""
        return self.store.column(
            f"SELECT run_id FROM workflow_runs WHERE owner_token=? AND status IN {_ACTIVE}",
            (owner_token,),
        )

    def stopping_of(self, owner_token: str) -> list[str]:
        """The runs a process drives that were asked to stop."""
        return self.store.column(
            "SELECT run_id FROM workflow_runs WHERE owner_token=? AND status=?",
            (owner_token, WorkflowRunState.STOPPING),
        )

    def properties(self, run_id: str) -> dict[str, str]:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT run_properties FROM workflow_runs WHERE run_id=?", (run_id,)
            ).fetchone()
        if row is None:
            raise KeyError(run_id)
        props: dict[str, str] = loads(row["run_properties"], {})
        return props

    def started_by_its_trigger(self, run_id: str) -> bool:
        """Was the first run of ``run_id``'s resume chain started by its workflow's schedule (a
        scheduler fire recorded it) or by events (its batch condition), not by hand?"""
        with self.store.read() as conn:
            root = conn.execute(
                "WITH RECURSIVE chain(id, previous) AS (SELECT run_id, previous_run_id FROM "
                "workflow_runs WHERE run_id=? UNION ALL SELECT w.run_id, w.previous_run_id FROM "
                "workflow_runs w JOIN chain ON w.run_id = chain.previous) "
                "SELECT id FROM chain WHERE previous IS NULL",
                (run_id,),
            ).fetchone()
            root_id = root[0] if root else run_id
            started = conn.execute(
                "SELECT start_condition IS NOT NULL OR EXISTS (SELECT 1 FROM trigger_fires AS f "
                "WHERE f.workflow_name = r.workflow_name AND f.run_id = r.run_id) "
                "FROM workflow_runs AS r WHERE r.run_id=?",
                (root_id,),
            ).fetchone()
        return bool(started and started[0])

    def fired(self, run_id: str) -> dict[str, float]:
        """The triggers a run fired: ``{trigger name: when}`` (epoch seconds)."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT trigger_name, fired_on FROM run_fired_triggers WHERE run_id=?", (run_id,)
            )
            return {str(r[0]): float(r[1]) for r in rows}
