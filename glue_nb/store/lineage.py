"""Lineage queries: ``io_records`` by run and by resource (exact, or everything under a prefix),
and the job runs and crawls they belong to, as plain tuples for :mod:`glue_nb.lineage.graph`.

Every query uses an index (``io_records``' primary key starts with ``run_key``; ``io_by_resource``
orders by resource, so a prefix is a range) and takes its keys in chunks, so a lineage query over
a history of 100,000 records touches only the records on its paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    from glue_nb.store.db import Store

__all__ = [
    "RECORD_COLUMNS",
    "RUN_COLUMNS",
    "catalog_locations",
    "records_of_runs",
    "records_on",
    "runs",
    "runs_of_workflow",
    "tables_at",
]

#: Columns of a record tuple: the record, then when its run started and ended (a run not in
#: the store: when the record was recorded).
RECORD_COLUMNS = (
    "run_kind", "run_key", "direction", "kind", "resource", "size", "mtime_ns", "digest", "etag",
    "version", "recorded_on", "run_started_on", "run_completed_on",
)  # fmt: skip
#: Columns of a run tuple (job runs and crawls alike; ``type`` is JOB or CRAWLER).
RUN_COLUMNS = (
    "id", "type", "name", "state", "started_on", "completed_on", "workflow_name",
    "workflow_run_id", "node_id", "attempt", "output_location", "error_message",
)  # fmt: skip

_RECORDS = (
    "io.run_kind, io.run_key, io.direction, io.kind, io.resource, io.size, io.mtime_ns, "
    "io.digest, io.etag, io.version, io.recorded_on, "
    "COALESCE(j.started_on, c.started_on, io.recorded_on), "
    "COALESCE(j.completed_on, c.completed_on, io.recorded_on)"
)
#: io_records with the job run or crawl of each (primary-key lookups)
_FROM = (
    "io_records io LEFT JOIN job_runs j ON io.run_kind = 'job' AND j.id = io.run_key "
    "LEFT JOIN crawls c ON io.run_kind = 'crawl' AND c.crawl_id = io.run_key"
)
_CHUNK = 500


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples
    return cur


def _after(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def records_of_runs(
    store: Store, keys: Iterable[str], direction: str | None = None
) -> list[tuple[Any, ...]]:
    """The records of these job runs and crawls (one direction, or both)."""
    out: list[tuple[Any, ...]] = []
    with store.read() as conn:
        cur = _cursor(conn)
        for batch in _chunks(keys):
            marks = ",".join("?" * len(batch))
            sql = f"SELECT {_RECORDS} FROM {_FROM} WHERE io.run_key IN ({marks})"
            params: list[Any] = list(batch)
            if direction is not None:
                sql += " AND io.direction = ?"
                params.append(direction)
            out.extend(cur.execute(sql, params).fetchall())
    return out


def records_on(
    store: Store,
    direction: str,
    exact: Iterable[str] = (),
    prefixes: Iterable[str] = (),
) -> list[tuple[Any, ...]]:
    """The records in one direction of the ``exact`` resources and of every resource starting
    with one of ``prefixes`` (each record once)."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[Any, ...]] = []

    def take(rows: Sequence[tuple[Any, ...]]) -> None:
        for row in rows:
            key = (row[1], row[4])
            if key not in seen:
                seen.add(key)
                out.append(row)

    with store.read() as conn:
        cur = _cursor(conn)
        for batch in _chunks(dict.fromkeys(exact)):
            take(
                cur.execute(
                    f"SELECT {_RECORDS} FROM {_FROM} WHERE io.resource IN "
                    f"({','.join('?' * len(batch))}) AND io.direction = ?",
                    [*batch, direction],
                ).fetchall()
            )
        for prefix in dict.fromkeys(p for p in prefixes if p):
            take(
                cur.execute(
                    f"SELECT {_RECORDS} FROM {_FROM} WHERE io.resource >= ? AND io.resource < ? "
                    "AND io.direction = ?",
                    (prefix, _after(prefix), direction),
                ).fetchall()
            )
    return out


def runs(store: Store, keys: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """Job runs and crawls by id (:data:`RUN_COLUMNS`); unknown ids are left out."""
    out: dict[str, tuple[Any, ...]] = {}
    with store.read() as conn:
        cur = _cursor(conn)
        for batch in _chunks(keys):
            marks = ",".join("?" * len(batch))
            for row in cur.execute(
                "SELECT id, 'JOB', job_name, state, started_on, completed_on, workflow_name, "
                "workflow_run_id, node_id, attempt, output_location, error_message FROM job_runs "
                f"WHERE id IN ({marks}) UNION ALL "
                "SELECT crawl_id, 'CRAWLER', crawler_name, state, started_on, completed_on, "
                "workflow_name, workflow_run_id, node_id, 0, NULL, error_message FROM crawls "
                f"WHERE crawl_id IN ({marks})",
                [*batch, *batch],
            ):
                out[row[0]] = row
    return out


def runs_of_workflow(store: Store, workflow: str | None, run_id: str | None) -> list[str]:
    """The ids of the job runs and crawls of a workflow (all its runs), or of one workflow
    run (``run_id``; a resumed run's own only)."""
    column, value = ("workflow_run_id", run_id) if run_id else ("workflow_name", workflow)
    with store.read() as conn:
        cur = _cursor(conn)
        rows = cur.execute(
            f"SELECT id FROM job_runs WHERE {column} = ? UNION ALL "
            f"SELECT crawl_id FROM crawls WHERE {column} = ?",
            (value, value),
        ).fetchall()
    return [r[0] for r in rows]


def catalog_locations(
    store: Store, tables: Iterable[str], partitions: Iterable[tuple[str, str, str]]
) -> dict[str, str]:
    """StorageDescriptor.Location of tables (``db.table``) and partitions (``(resource, db.table,
    values_key)``), by resource; those without one are left out."""
    out: dict[str, str] = {}
    with store.read() as conn:
        cur = _cursor(conn)
        for name in dict.fromkeys(tables):
            db, _, table = name.partition(".")
            row = cur.execute(
                "SELECT location FROM tables WHERE database_name = ? AND name = ?", (db, table)
            ).fetchone()
            if row is not None and row[0]:
                out[name] = row[0]
        for resource, name, key in partitions:
            db, _, table = name.partition(".")
            row = cur.execute(
                "SELECT location FROM partitions WHERE database_name = ? AND table_name = ? "
                "AND values_key = ?",
                (db, table, key),
            ).fetchone()
            if row is not None and row[0]:
                out[resource] = row[0]
    return out


def tables_at(store: Store, locations: Iterable[str]) -> list[str]:
    """The tables (``db.table``) whose Location is one of ``locations`` (spelled exactly)."""
    out: list[str] = []
    with store.read() as conn:
        cur = _cursor(conn)
        for batch in _chunks(dict.fromkeys(locations)):
            rows = cur.execute(
                "SELECT database_name || '.' || name FROM tables WHERE location IN "
                f"({','.join('?' * len(batch))})",
                batch,
            ).fetchall()
            out.extend(r[0] for r in rows)
    return out
