"""Owners: the processes that drive runs, job runs and crawls, and their one heartbeat each.

A process that starts work claims an ``owners`` row (host, pid, process start time, a token
unique to the process); every row of work it drives carries that token. The process refreshes
its row's heartbeat while it owns active work (:data:`glue_nb.owner.HEARTBEAT_EVERY`). Readers
learn from it whether the owner is still there (see :mod:`glue_nb.owner`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import CRAWL_ACTIVE, JOB_RUN_ACTIVE, sql_set
from glue_nb.states import WORKFLOW_RUN_ACTIVE as RUN_ACTIVE
from glue_nb.store.db import Store
from glue_nb.timeutil import now

__all__ = ["Owners"]

#: The owner token of every active run, job run and crawl (column ``token``).
_ACTIVE_WORK = (
    f"SELECT owner_token AS token FROM workflow_runs WHERE status IN {sql_set(RUN_ACTIVE)} "
    f"UNION SELECT owner_token FROM job_runs WHERE state IN {sql_set(JOB_RUN_ACTIVE)} "
    f"UNION SELECT owner_token FROM crawls WHERE state IN {sql_set(CRAWL_ACTIVE)}"
)


class Owners:
    """The ``owners`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, owner: Mapping[str, Any]) -> str:
        """Record ``owner`` (see :func:`glue_nb.owner.current_owner`) if it is not yet, and
        refresh its heartbeat → its token. Joins the caller's transaction."""
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO owners(token, host, pid, create_time, started_on, heartbeat_on) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(token) DO UPDATE SET heartbeat_on=excluded."
                "heartbeat_on",
                (owner["token"], owner["host"], owner["pid"], owner["create_time"], t, t),
            )
        return str(owner["token"])

    def heartbeat(self, token: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE owners SET heartbeat_on=? WHERE token=?", (now(), token))

    def get(self, token: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM owners WHERE token=?", (token,)
            ).fetchone()
            return row

    def with_active_work(self) -> list[sqlite3.Row]:
        """The owners of every active run, job run and crawl (an active row whose owner has no
        ``owners`` row gets a row of NULLs but its token: its owner is unknown, hence gone)."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT w.token AS claimed, o.host, o.pid, o.create_time, o.heartbeat_on "
                f"FROM ({_ACTIVE_WORK}) AS w LEFT JOIN owners AS o ON o.token = w.token"
            ).fetchall()

    def forget_idle(self) -> int:
        """Delete the rows of owners that drive nothing any more and whose process is gone
        (the caller decides "gone"); → how many. Joins the caller's transaction."""
        with self.store.transaction() as conn:
            return conn.execute(
                f"DELETE FROM owners WHERE token NOT IN ({_ACTIVE_WORK}) AND heartbeat_on < ?",
                (now() - 24 * 3600,),
            ).rowcount
