"""Crawls and the run state of crawlers: the ``crawls`` table, the ``state``,
``current_crawl_id`` and ``last_crawl`` columns of ``crawlers``, and ``crawler_folders`` (the
folders an incremental crawler has read). State changes go through
:func:`glue_nb.states.advance`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.states import CRAWL_ACTIVE, CrawlerState, CrawlState, advance, check_initial, sql_set
from glue_nb.store.db import Store, dumps, loads
from glue_nb.timeutil import now

__all__ = ["LOG_GROUP", "MAX_ERROR", "Crawls"]

LOG_GROUP = "/aws-glue/crawlers"
MAX_ERROR = 2048
_ACTIVE = sql_set(CRAWL_ACTIVE)


def _clip(message: str | None) -> str | None:
    if message is not None and len(message) > MAX_ERROR:
        return message[: MAX_ERROR - 3] + "..."
    return message


class Crawls:
    """Reads and writes of crawls and of crawlers' run state. Writes join the caller's
    transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- starting and ending --------------------------------------------------------------------
    def begin(
        self,
        crawl_id: str,
        crawler: str,
        *,
        owner_token: str | None,
        workflow_name: str | None = None,
        workflow_run_id: str | None = None,
        node_id: str | None = None,
        trigger_name: str | None = None,
    ) -> None:
        """The crawler READY → RUNNING with a new RUNNING crawl (checked: a crawler that is not
        READY raises CrawlerRunningException)."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT state FROM crawlers WHERE name=?", (crawler,)).fetchone()
            if row is None:
                raise KeyError(crawler)
            advance(row["state"], CrawlerState.RUNNING, what=f"crawler {crawler!r}")
            t = now()
            conn.execute(
                "INSERT INTO crawls (crawl_id, crawler_name, workflow_name, workflow_run_id, "
                "node_id, trigger_name, state, started_on, owner_token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (crawl_id, crawler, workflow_name, workflow_run_id, node_id, trigger_name,
                 CrawlState.RUNNING, t, owner_token),
            )  # fmt: skip
            conn.execute(
                "UPDATE crawlers SET state=?, current_crawl_id=? WHERE name=?",
                (CrawlerState.RUNNING, crawl_id, crawler),
            )

    def record_failed(
        self,
        crawl_id: str,
        crawler: str,
        state: CrawlState,
        message: str,
        *,
        workflow_name: str | None = None,
        workflow_run_id: str | None = None,
        node_id: str | None = None,
        trigger_name: str | None = None,
    ) -> None:
        """Record a crawl that could not start (its crawler busy or missing); the crawler itself
        is left alone."""
        check_initial(state, what=f"crawl {crawl_id} of crawler {crawler!r}")
        t = now()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO crawls (crawl_id, crawler_name, workflow_name, workflow_run_id, "
                "node_id, trigger_name, state, started_on, completed_on, error_message, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                (crawl_id, crawler, workflow_name, workflow_run_id, node_id, trigger_name,
                 state, t, t, _clip(message)),
            )  # fmt: skip

    def end(
        self,
        crawl: sqlite3.Row,
        state: CrawlState,
        error: str | None,
        summary: Mapping[str, Any] | None,
    ) -> None:
        """End a crawl (checked), and put its crawler back to READY with this crawl as its
        LastCrawl if it is still the crawler's current crawl."""
        crawl_id, name = crawl["crawl_id"], crawl["crawler_name"]
        error = _clip(error)
        with self.store.transaction() as conn:
            current = conn.execute(
                "SELECT state FROM crawls WHERE crawl_id=?", (crawl_id,)
            ).fetchone()
            advance(current["state"], state, what=f"crawl {crawl_id} of crawler {name!r}")
            conn.execute(
                "UPDATE crawls SET state=?, completed_on=?, error_message=?, "
                "summary=COALESCE(?, summary, '{}') WHERE crawl_id=?",
                (state, now(), error, dumps(dict(summary)) if summary is not None else None,
                 crawl_id),
            )  # fmt: skip
            last: dict[str, Any] = {
                "Status": state.value,
                "ErrorMessage": error,
                "LogGroup": LOG_GROUP,
                "LogStream": name,
                "MessagePrefix": crawl_id,
                "StartTime": crawl["started_on"],
            }
            if error is None:
                del last["ErrorMessage"]
            crawler = conn.execute(
                "SELECT state, current_crawl_id FROM crawlers WHERE name=?", (name,)
            ).fetchone()
            if crawler is not None and crawler["current_crawl_id"] == crawl_id:
                advance(crawler["state"], CrawlerState.READY, what=f"crawler {name!r}")
                conn.execute(
                    "UPDATE crawlers SET state=?, current_crawl_id=NULL, last_crawl=? WHERE name=?",
                    (CrawlerState.READY, dumps(last), name),
                )

    def request_stop(self, crawler: str) -> str:
        """A running crawler → STOPPING and its crawl → CANCELLING (checked: a READY crawler
        raises CrawlerNotRunningException, a STOPPING one CrawlerStoppingException) → the
        crawl's id."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT state, current_crawl_id FROM crawlers WHERE name=?", (crawler,)
            ).fetchone()
            if row is None:
                raise KeyError(crawler)
            advance(row["state"], CrawlerState.STOPPING, what=f"Crawler {crawler}")
            conn.execute(
                "UPDATE crawlers SET state=? WHERE name=?", (CrawlerState.STOPPING, crawler)
            )
            conn.execute(
                "UPDATE crawls SET state=? WHERE crawl_id=? AND state=?",
                (CrawlState.CANCELLING, row["current_crawl_id"], CrawlState.RUNNING),
            )
            return str(row["current_crawl_id"])

    def end_active(self, where: str, params: Iterable[Any], message: str) -> list[str]:
        """End every active crawl matching ``where`` (an SQL condition of this module's callers
        in store/) CANCELLED with ``message``; their crawlers READY again → their ids."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                f"SELECT * FROM crawls WHERE state IN {_ACTIVE} AND ({where})", tuple(params)
            ).fetchall()
            for row in rows:
                self.end(row, CrawlState.CANCELLED, message, None)
        return [str(row["crawl_id"]) for row in rows]

    def record_folders(self, crawler: str, folders: Iterable[Mapping[str, Any]], *,
                       incremental: bool) -> None:  # fmt: skip
        """Remember the leaf folders a crawl read (an incremental crawl adds to them)."""
        with self.store.transaction() as conn:
            if not incremental:
                conn.execute("DELETE FROM crawler_folders WHERE crawler_name=?", (crawler,))
            t = now()
            conn.executemany(
                "INSERT OR REPLACE INTO crawler_folders (crawler_name, folder, database_name, "
                "table_name, crawled_on) VALUES (?, ?, ?, ?, ?)",
                [(crawler, f["Folder"], f.get("DatabaseName"), f.get("TableName"), t)
                 for f in folders],
            )  # fmt: skip

    # -- reads ----------------------------------------------------------------------------------
    def get(self, crawl_id: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM crawls WHERE crawl_id=?", (crawl_id,)
            ).fetchone()
            return row

    def states(self, ids: Iterable[str]) -> dict[str, CrawlState]:
        """The states of some crawls (those that exist)."""
        keys = list(ids)
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT crawl_id, state FROM crawls WHERE crawl_id IN ({marks})", keys
            )
            return {str(r[0]): CrawlState(r[1]) for r in rows}

    def state(self, crawl_id: str) -> CrawlState | None:
        row = self.get(crawl_id)
        return None if row is None else CrawlState(row["state"])

    def of_crawler(
        self, crawler: str, *, before: float | None = None, limit: int | None = None,
        finished: bool = False,
    ) -> list[sqlite3.Row]:  # fmt: skip
        """A crawler's crawls, newest first (``before``: started before that time)."""
        done = "AND completed_on IS NOT NULL" if finished else ""
        with self.store.read() as conn:
            return conn.execute(
                f"SELECT * FROM crawls WHERE crawler_name=? AND started_on < ? {done} "
                "ORDER BY started_on DESC LIMIT ?",
                (crawler, 1e18 if before is None else before, -1 if limit is None else limit),
            ).fetchall()

    def of_runs(self, run_ids: Iterable[str]) -> list[sqlite3.Row]:
        """The crawls of some workflow runs, in start order."""
        ids = list(run_ids)
        marks = ",".join("?" * len(ids))
        with self.store.read() as conn:
            return conn.execute(
                f"SELECT * FROM crawls WHERE workflow_run_id IN ({marks}) ORDER BY started_on",
                ids,
            ).fetchall()

    def latest_of_node(self, run_id: str, node_id: str) -> sqlite3.Row | None:
        with self.store.read() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM crawls WHERE workflow_run_id=? AND node_id=? "
                "ORDER BY started_on DESC LIMIT 1",
                (run_id, node_id),
            ).fetchone()
            return row

    def cancelling_of(self, owner_token: str) -> list[str]:
        """The crawls a process drives that were asked to stop."""
        return self.store.column(
            "SELECT crawl_id FROM crawls WHERE owner_token=? AND state=?",
            (owner_token, CrawlState.CANCELLING),
        )

    def active_standalone_of(self, owner_token: str) -> list[str]:
        return self.store.column(
            f"SELECT crawl_id FROM crawls WHERE owner_token=? AND workflow_run_id IS NULL "
            f"AND state IN {_ACTIVE}",
            (owner_token,),
        )

    def crawled_folders(self, crawler: str) -> list[str]:
        with self.store.read() as conn:
            return [
                str(r[0])
                for r in conn.execute(
                    "SELECT folder FROM crawler_folders WHERE crawler_name=?", (crawler,)
                )
            ]

    def last_crawl(self, crawler_row: sqlite3.Row) -> dict[str, Any] | None:
        last: dict[str, Any] | None = loads(crawler_row["last_crawl"])
        return last
