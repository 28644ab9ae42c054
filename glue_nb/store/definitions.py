"""Workflow, job and trigger definitions: the ``workflows``, ``jobs`` and ``triggers`` tables.
Bodies are Glue-shaped dicts stored as JSON; the rules that span entities are
:mod:`glue_nb.definitions`'. Trigger state changes go through :func:`glue_nb.states.advance`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import TriggerState, advance, check_initial
from glue_nb.store.db import Store, dumps, loads
from glue_nb.timeutil import now

__all__ = ["Jobs", "Triggers", "Workflows"]


class _Named:
    """A table of bodies keyed by name, with created/modified times."""

    table = ""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, name: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                f"SELECT * FROM {self.table} WHERE name=?", (name,)
            ).fetchone()
            return row

    def names(self) -> list[str]:
        with self.store.read() as conn:
            return [str(r[0]) for r in conn.execute(f"SELECT name FROM {self.table} ORDER BY name")]

    def insert(self, body: Mapping[str, Any]) -> None:
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                f"INSERT INTO {self.table}(name, body, created_on, last_modified_on) "
                "VALUES (?,?,?,?)",
                (body["Name"], dumps(dict(body)), t, t),
            )

    def replace(self, body: Mapping[str, Any]) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                f"UPDATE {self.table} SET body=?, last_modified_on=? WHERE name=?",
                (dumps(dict(body)), now(), body["Name"]),
            )


class Workflows(_Named):
    table = "workflows"

    def delete(self, name: str) -> None:
        """Delete a workflow and its triggers (its jobs and crawlers stay)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM triggers WHERE workflow_name=?", (name,))
            conn.execute("DELETE FROM workflows WHERE name=?", (name,))


class Jobs(_Named):
    table = "jobs"

    def delete(self, name: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM jobs WHERE name=?", (name,))


def _trigger(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = loads(row["body"])
    return {**body, "State": row["state"]}


class Triggers:
    """The ``triggers`` table: a body plus the trigger's State and activation time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, name: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM triggers WHERE name=?", (name,)
            ).fetchone()
            return row

    def of_workflow(self, workflow: str) -> list[dict[str, Any]]:
        """A workflow's triggers (Trigger dicts with State), in creation order."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT body, state FROM triggers WHERE workflow_name=? ORDER BY rowid",
                (workflow,),
            )
            return [_trigger(r) for r in rows]

    def all(self) -> list[dict[str, Any]]:
        """Every trigger (Trigger dicts with State), by name."""
        with self.store.read() as conn:
            return [_trigger(r) for r in conn.execute("SELECT * FROM triggers ORDER BY name")]

    def insert(
        self, body: Mapping[str, Any], state: TriggerState, activated_on: float | None
    ) -> None:
        check_initial(state, what=f"trigger {body['Name']!r}")
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO triggers(name, workflow_name, type, state, body, activated_on) "
                "VALUES (?,?,?,?,?,?)",
                (
                    body["Name"],
                    body.get("WorkflowName"),
                    body["Type"],
                    state,
                    dumps(dict(body)),
                    activated_on,
                ),
            )

    def replace_body(self, body: Mapping[str, Any]) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE triggers SET body=? WHERE name=?", (dumps(dict(body)), body["Name"])
            )

    def set_state(self, name: str, state: TriggerState, activated_on: float | None) -> None:
        """Move a trigger to ``state`` (checked; staying in its state is no change)."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT state FROM triggers WHERE name=?", (name,)).fetchone()
            if row is None:
                raise KeyError(name)
            if row["state"] != state:
                advance(row["state"], state, what=f"trigger {name!r}")
            conn.execute(
                "UPDATE triggers SET state=?, activated_on=? WHERE name=?",
                (state, activated_on, name),
            )

    def delete(self, name: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM triggers WHERE name=?", (name,))

    def delete_of_workflow(self, workflow: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM triggers WHERE workflow_name=?", (workflow,))
