"""Blueprints and their runs: the ``blueprints`` and ``blueprint_runs`` tables. Run states go
through :func:`glue_nb.states.advance`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import BlueprintRunState, advance, check_initial
from glue_nb.store.db import Store, dumps
from glue_nb.timeutil import now

__all__ = ["BlueprintRuns", "Blueprints"]


class Blueprints:
    """The ``blueprints`` table (a Glue-shaped body per blueprint). Writes join the caller's
    transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, name: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM blueprints WHERE name=?", (name,)
            ).fetchone()
            return row

    def all(self) -> list[sqlite3.Row]:
        with self.store.read() as conn:
            return conn.execute("SELECT * FROM blueprints ORDER BY name").fetchall()

    def insert(self, name: str, body: Mapping[str, Any], when: float) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO blueprints(name, body, created_on, last_modified_on) VALUES (?,?,?,?)",
                (name, dumps(dict(body)), when, when),
            )

    def replace(self, name: str, body: Mapping[str, Any], when: float) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE blueprints SET body=?, last_modified_on=? WHERE name=?",
                (dumps(dict(body)), when, name),
            )

    def delete(self, name: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM blueprints WHERE name=?", (name,))


class BlueprintRuns:
    """The ``blueprint_runs`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def insert(self, run_id: str, blueprint: str, parameters: str, role_arn: str | None) -> None:
        check_initial(BlueprintRunState.RUNNING)
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO blueprint_runs(run_id, blueprint_name, state, started_on, parameters,"
                " role_arn) VALUES (?,?,?,?,?,?)",
                (run_id, blueprint, BlueprintRunState.RUNNING, now(), parameters, role_arn),
            )

    def advance(self, run_id: str, state: BlueprintRunState, **fields: str | None) -> None:
        """Move a run to ``state`` (checked), setting ``workflow_name``, ``error_message`` or
        ``rollback_error_message``; a final state records its completion time."""
        allowed = {"workflow_name", "error_message", "rollback_error_message"}
        if set(fields) - allowed:
            raise ValueError(f"unknown blueprint run fields {sorted(set(fields) - allowed)}")
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT blueprint_name, state FROM blueprint_runs WHERE run_id=?", (run_id,)
            ).fetchone()
            if row is None:
                raise KeyError(run_id)
            advance(
                row["state"], state, what=f"blueprint run {run_id} of {row['blueprint_name']!r}"
            )
            sets = ", ".join(f"{k}=?" for k in fields)
            conn.execute(
                f"UPDATE blueprint_runs SET state=?, completed_on=? {', ' + sets if sets else ''} "
                "WHERE run_id=?",
                (state, now() if state.final else None, *fields.values(), run_id),
            )

    def get(self, blueprint: str, run_id: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM blueprint_runs WHERE run_id=? AND blueprint_name=?",
                (run_id, blueprint),
            ).fetchone()
            return row

    def of_blueprint(self, blueprint: str) -> list[sqlite3.Row]:
        """A blueprint's runs, newest first."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM blueprint_runs WHERE blueprint_name=? ORDER BY started_on DESC",
                (blueprint,),
            ).fetchall()
