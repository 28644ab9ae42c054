"""History queries: every job run and crawl of a store as plain tuples, fast (a 100,000-row
history is read in well under a second), for :mod:`glue_nb.history` to turn into DataFrames."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glue_nb.store.db import Store

__all__ = [
    "CRAWL_COLUMNS",
    "JOB_RUN_COLUMNS",
    "HistoryPage",
    "HistoryRows",
    "read_history",
    "read_history_page",
]

JOB_RUN_COLUMNS = (
    "workflow_name", "workflow_run_id", "job_name", "attempt", "state", "started_on",
    "completed_on", "trigger_name", "error_message", "arguments", "output_location", "id",
    "previous_run_id", "node_id",
)  # fmt: skip
CRAWL_COLUMNS = (
    "workflow_name", "workflow_run_id", "crawler_name", "state", "started_on", "completed_on",
    "trigger_name", "error_message", "crawl_id", "node_id",
)  # fmt: skip


@dataclass
class HistoryRows:
    """Rows of ``job_runs`` (:data:`JOB_RUN_COLUMNS`) and ``crawls`` (:data:`CRAWL_COLUMNS`),
    and the run properties of their workflow runs."""

    job_runs: list[tuple[Any, ...]] = field(default_factory=list)
    crawls: list[tuple[Any, ...]] = field(default_factory=list)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)


def _filters(
    workflow: str | None, run_id: str | None, since: float | None, until: float | None
) -> tuple[list[str], list[Any]]:
    """WHERE clauses and their parameters for the filters given (None: not filtered)."""
    where: list[str] = []
    params: list[Any] = []
    for column, value, op in (
        ("workflow_name", workflow, "="),
        ("workflow_run_id", run_id, "="),
        ("started_on", since, ">="),
        ("started_on", until, "<"),
    ):
        if value is not None:
            where.append(f"{column} {op} ?")
            params.append(value)
    return where, params


def read_history(
    store: Store,
    *,
    workflow: str | None = None,
    run_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
    names: Sequence[str] | None = None,
    crawls: bool = True,
) -> HistoryRows:
    """The job runs (and crawls) matching every filter given: a workflow, a workflow run, a
    start-time window ``[since, until)``, job or crawler ``names``."""
    where, params = _filters(workflow, run_id, since, until)

    def query(table: str, columns: Sequence[str], name_column: str) -> tuple[str, list[Any]]:
        clauses, args = list(where), list(params)
        if names is not None:
            clauses.append(f"{name_column} IN ({','.join('?' * len(names))})")
            args.extend(names)
        sql = f"SELECT {', '.join(columns)} FROM {table}"
        return (sql + " WHERE " + " AND ".join(clauses) if clauses else sql), args

    out = HistoryRows()
    with store.read() as conn:
        cur = conn.cursor()
        cur.row_factory = None  # plain tuples: much faster than sqlite3.Row for 100k rows
        out.job_runs = cur.execute(*query("job_runs", JOB_RUN_COLUMNS, "job_name")).fetchall()
        if crawls:
            out.crawls = cur.execute(*query("crawls", CRAWL_COLUMNS, "crawler_name")).fetchall()
        run_ids = {r[1] for r in out.job_runs if r[1]} | {r[1] for r in out.crawls if r[1]}
        if run_ids:
            if run_id is not None:
                sql, args = (
                    "SELECT run_id, run_properties FROM workflow_runs WHERE run_id=?",
                    [run_id],
                )
            elif workflow is not None:
                sql = "SELECT run_id, run_properties FROM workflow_runs WHERE workflow_name=?"
                args = [workflow]
            else:
                sql, args = "SELECT run_id, run_properties FROM workflow_runs", []
            out.properties = {
                r[0]: json.loads(r[1]) for r in cur.execute(sql, args) if r[0] in run_ids
            }
    return out


@dataclass
class HistoryPage(HistoryRows):
    """One page of :func:`read_history_page`: its rows and where the next page starts
    (``next_job_run``/``next_crawl``: the last rowid read from each table; ``None`` when that
    table has nothing more)."""

    next_job_run: int | None = None
    next_crawl: int | None = None


def read_history_page(
    store: Store,
    *,
    workflow: str | None = None,
    run_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
    names: Sequence[str] | None = None,
    crawls: bool = True,
    after_job_run: int | None = 0,
    after_crawl: int | None = 0,
    limit: int = 10_000,
) -> HistoryPage:
    """Like :func:`read_history`, one page of at most ``limit`` rows at a time, in the order
    the rows were written: job runs after rowid ``after_job_run`` first, then (once job runs
    are exhausted) crawls after rowid ``after_crawl``. ``None`` for a table: nothing more to
    read from it. Each page is a few index seeks, however deep into the history it is."""
    where, params = _filters(workflow, run_id, since, until)

    def query(
        table: str, columns: Sequence[str], name_column: str, after: int, count: int
    ) -> tuple[str, list[Any]]:
        clauses, args = ["rowid > ?", *where], [after, *params]
        if names is not None:
            clauses.append(f"{name_column} IN ({','.join('?' * len(names))})")
            args.extend(names)
        sql = (
            f"SELECT {', '.join(columns)}, rowid FROM {table} WHERE {' AND '.join(clauses)} "
            f"ORDER BY rowid LIMIT {int(count) + 1}"
        )
        return sql, args

    out = HistoryPage()
    left = limit
    with store.read() as conn:
        cur = conn.cursor()
        cur.row_factory = None
        if after_job_run is not None:
            rows = cur.execute(
                *query("job_runs", JOB_RUN_COLUMNS, "job_name", after_job_run, left)
            ).fetchall()
            if len(rows) > left:
                rows = rows[:left]
                out.next_job_run = rows[-1][-1]
            out.job_runs = [r[:-1] for r in rows]
            left -= len(rows)
        if crawls and after_crawl is not None and out.next_job_run is None:
            if left > 0:
                rows = cur.execute(
                    *query("crawls", CRAWL_COLUMNS, "crawler_name", after_crawl, left)
                ).fetchall()
                if len(rows) > left:
                    rows = rows[:left]
                    out.next_crawl = rows[-1][-1]
                out.crawls = [r[:-1] for r in rows]
            else:  # the page is full of job runs: crawls start on the next one
                out.next_crawl = after_crawl
        elif crawls and after_crawl is not None:
            out.next_crawl = after_crawl
        run_ids = sorted({r[1] for r in out.job_runs if r[1]} | {r[1] for r in out.crawls if r[1]})
        for i in range(0, len(run_ids), 500):
            chunk = run_ids[i : i + 500]
            sql = (
                "SELECT run_id, run_properties FROM workflow_runs "
                f"WHERE run_id IN ({','.join('?' * len(chunk))})"
            )
            out.properties.update((r[0], json.loads(r[1])) for r in cur.execute(sql, chunk))
    return out
