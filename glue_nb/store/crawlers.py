"""Crawler definitions: the ``crawlers`` table's definition columns (its run state is the
ledger's, :mod:`glue_nb.store.crawls`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import CrawlerState
from glue_nb.store.db import Store, dumps
from glue_nb.timeutil import now

__all__ = ["CrawlerDefinitions"]


class CrawlerDefinitions:
    """Reads and writes of crawler definitions. Writes join the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, name: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM crawlers WHERE name=?", (name,)
            ).fetchone()
            return row

    def names(self) -> list[str]:
        with self.store.read() as conn:
            return [str(r[0]) for r in conn.execute("SELECT name FROM crawlers ORDER BY name")]

    def page(self, after: str, limit: int | None = None) -> list[sqlite3.Row]:
        """Crawlers by name, those after ``after``."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT * FROM crawlers WHERE name > ? ORDER BY name LIMIT ?",
                (after, -1 if limit is None else limit),
            ).fetchall()

    def insert(self, body: Mapping[str, Any]) -> None:
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO crawlers (name, body, state, created_on, last_updated, version) "
                "VALUES (?, ?, ?, ?, ?, 1)",
                (body["Name"], dumps(dict(body)), CrawlerState.READY, t, t),
            )

    def replace(self, body: Mapping[str, Any]) -> None:
        """A new definition (its Version + 1)."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE crawlers SET body=?, last_updated=?, version=version + 1 WHERE name=?",
                (dumps(dict(body)), now(), body["Name"]),
            )

    def set_body(self, name: str, body: Mapping[str, Any]) -> None:
        """A definition changed in place (its Version stays)."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE crawlers SET body=? WHERE name=?", (dumps(dict(body)), name))

    def delete(self, name: str) -> None:
        """Delete a crawler, its incremental state and its schedule state (its crawl history
        stays)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM crawlers WHERE name=?", (name,))
            conn.execute("DELETE FROM crawler_folders WHERE crawler_name=?", (name,))
            conn.execute("DELETE FROM crawler_schedules WHERE name=?", (name,))

    def schedule_state(self, name: str) -> str:
        """Glue's Crawler.Schedule.State: SCHEDULED unless StopCrawlerSchedule said otherwise."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT state FROM crawler_schedules WHERE name=?", (name,)
            ).fetchone()
        return str(row["state"]) if row else "SCHEDULED"

    def set_schedule_state(self, name: str, state: str) -> None:
        with self.store.transaction() as conn:
            if state == "SCHEDULED":
                conn.execute("DELETE FROM crawler_schedules WHERE name=?", (name,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO crawler_schedules(name, state) VALUES (?, ?)",
                    (name, state),
                )

    def started_on(self, crawl_id: str) -> float | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT started_on FROM crawls WHERE crawl_id=?", (crawl_id,)
            ).fetchone()
        return None if row is None else float(row[0])
