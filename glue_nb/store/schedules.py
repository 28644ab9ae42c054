"""The scheduler's state: ``scheduler_lease`` (which scheduler may fire, one per store),
``schedule_state`` (per ACTIVATED SCHEDULED trigger, up to when its fire times have been dealt
with) and ``trigger_fires`` (a row per fire time, whose primary key makes a second start of one
fire time impossible); and the reads of ``triggers`` the scheduler ticks on (the table itself is
:mod:`glue_nb.store.definitions`'; nothing here writes it).

Times of the lease are the wall clock; the others are on the scheduler's clock. Writes join the
caller's transaction, so a fire's record and what it starts commit together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glue_nb.states import TriggerState
from glue_nb.store.db import Store, dumps, loads

__all__ = [
    "LEASE",
    "LeaseRow",
    "ScheduleStates",
    "SchedulerLease",
    "TimedTriggers",
    "TriggerFires",
    "TriggerRow",
]

#: The name of the store's one scheduler lease.
LEASE = "default"


@dataclass(frozen=True)
class LeaseRow:
    """The lease as stored: who holds it (a scheduler's id, and its process) and until when."""

    holder: str
    info: dict[str, Any]  # {host, pid, create_time, started_on, holder}
    acquired_on: float
    renewed_on: float
    expires: float


class SchedulerLease:
    """The ``scheduler_lease`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, name: str = LEASE) -> LeaseRow | None:
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM scheduler_lease WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        return LeaseRow(
            row["holder"],
            loads(row["info"], {}),
            row["acquired_on"],
            row["renewed_on"],
            row["expires"],
        )

    def take(
        self, holder: str, info: Mapping[str, Any], t: float, ttl: float, name: str = LEASE
    ) -> None:
        """``holder`` holds the lease from ``t`` for ``ttl`` seconds (whoever held it before)."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO scheduler_lease(name, holder, info, acquired_on, "
                "renewed_on, expires) VALUES (?,?,?,?,?,?)",
                (name, holder, dumps(dict(info)), t, t, t + ttl),
            )

    def renew(self, holder: str, t: float, ttl: float, name: str = LEASE) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE scheduler_lease SET renewed_on=?, expires=? WHERE name=? AND holder=?",
                (t, t + ttl, name, holder),
            )

    def release(self, holder: str, name: str = LEASE) -> None:
        """Give the lease up, if ``holder`` holds it."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM scheduler_lease WHERE name=? AND holder=?", (name, holder))


class ScheduleStates:
    """The ``schedule_state`` table: per trigger, the Schedule and activation its
    ``checked_until`` refers to."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> dict[str, sqlite3.Row]:
        """Every row, by trigger name."""
        with self.store.read() as conn:
            return {r["trigger_name"]: r for r in conn.execute("SELECT * FROM schedule_state")}

    def get(self, trigger: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM schedule_state WHERE trigger_name=?", (trigger,)
            ).fetchone()
            return row

    def anchor(
        self,
        trigger: str,
        workflow: str | None,
        schedule: str,
        *,
        checked_until: float,
        first_seen_on: float,
        activated_on: float | None,
    ) -> None:
        """Start (or start afresh) the schedule of a trigger: fires after ``checked_until``."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO schedule_state(trigger_name, workflow_name, schedule, "
                "checked_until, first_seen_on, activated_on) VALUES (?,?,?,?,?,?)",
                (trigger, workflow, schedule, checked_until, first_seen_on, activated_on),
            )

    def advance(self, trigger: str, schedule: str, activated_on: float | None, t: float) -> None:
        """Fires up to ``t`` are dealt with, if the row still refers to this Schedule and
        activation (never moves back)."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE schedule_state SET checked_until=MAX(checked_until, ?) "
                "WHERE trigger_name=? AND schedule=? AND activated_on IS ?",
                (t, trigger, schedule, activated_on),
            )

    def set_checked(self, trigger: str, t: float) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE schedule_state SET checked_until=? WHERE trigger_name=?", (t, trigger)
            )

    def forget(self, triggers: Iterable[str]) -> None:
        """Drop the rows of triggers no longer ACTIVATED (or gone)."""
        with self.store.transaction() as conn:
            conn.executemany(
                "DELETE FROM schedule_state WHERE trigger_name=?", [(n,) for n in triggers]
            )


class TriggerFires:
    """The ``trigger_fires`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def covered(self, trigger: str, fire_time: float) -> bool:
        """Was this fire time, or a later one, of ``trigger`` fired already?"""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM trigger_fires WHERE trigger_name=? AND fire_time>=?",
                (trigger, fire_time),
            ).fetchone()
        return row is not None

    def record(
        self,
        trigger: str,
        fire_time: float,
        *,
        workflow: str | None,
        kind: str,
        fired_on: float,
        holder: str,
        missed: int,
    ) -> None:
        """Record a fire (a second record of one fire time violates the primary key)."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO trigger_fires(trigger_name, fire_time, workflow_name, kind, "
                "fired_on, holder, missed) VALUES (?,?,?,?,?,?,?)",
                (trigger, fire_time, workflow, kind, fired_on, holder, missed),
            )

    def set_outcome(
        self,
        trigger: str,
        fire_time: float,
        *,
        run_id: str | None,
        error: str | None,
        started: Sequence[Mapping[str, Any]] | None,
    ) -> None:
        """What a fire started: the workflow run, or (standalone) each action's start."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE trigger_fires SET run_id=?, error=?, started=? "
                "WHERE trigger_name=? AND fire_time=?",
                (
                    run_id,
                    error,
                    None if started is None else dumps([dict(s) for s in started]),
                    trigger,
                    fire_time,
                ),
            )

    def recent(
        self, *, workflow: str | None = None, trigger: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Fires, newest first (of a workflow and/or trigger), with ``started`` decoded."""
        where, args = name_filter(workflow, trigger)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM trigger_fires {where} ORDER BY fired_on DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [{**dict(r), "started": loads(r["started"])} for r in rows]


def name_filter(workflow: str | None, trigger: str | None) -> tuple[str, list[str]]:
    """A WHERE clause on ``workflow_name`` / ``trigger_name`` (either may be absent)."""
    clauses, args = [], []
    if workflow:
        clauses.append("workflow_name=?")
        args.append(workflow)
    if trigger:
        clauses.append("trigger_name=?")
        args.append(trigger)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), args


@dataclass(frozen=True)
class TriggerRow:
    """A SCHEDULED or EVENT trigger as the scheduler reads it."""

    name: str
    workflow: str | None
    type: str
    state: TriggerState
    body: dict[str, Any]
    activated_on: float | None


def _trigger(row: sqlite3.Row) -> TriggerRow:
    return TriggerRow(
        row["name"],
        row["workflow_name"],
        row["type"],
        TriggerState(row["state"]),
        loads(row["body"]),
        row["activated_on"],
    )


_COLUMNS = "name, workflow_name, type, state, body, activated_on"


class TimedTriggers:
    """Reads of the triggers that fire by time or by events: SCHEDULED ones (of a workflow or
    standalone) and the EVENT ones of a workflow."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def scheduled(self, state: TriggerState | None = None) -> list[TriggerRow]:
        """The SCHEDULED triggers (in ``state``, or whatever their state), by name."""
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM triggers WHERE type='SCHEDULED' AND "
                "(? IS NULL OR state=?) ORDER BY name",
                (state, state),
            ).fetchall()
        return [_trigger(r) for r in rows]

    def evented(self) -> list[TriggerRow]:
        """Every EVENT trigger of a workflow, by name."""
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM triggers WHERE type='EVENT' AND workflow_name IS NOT "
                "NULL ORDER BY name"
            ).fetchall()
        return [_trigger(r) for r in rows]

    def get(self, name: str) -> TriggerRow | None:
        with self.store.read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM triggers WHERE name=?", (name,)).fetchone()
        return None if row is None else _trigger(row)

    def evented_workflows(self) -> list[str]:
        """The workflows that have an EVENT trigger, by name."""
        with self.store.read() as conn:
            return [
                str(r[0])
                for r in conn.execute(
                    "SELECT DISTINCT workflow_name FROM triggers WHERE type='EVENT' AND "
                    "workflow_name IS NOT NULL ORDER BY workflow_name"
                )
            ]
