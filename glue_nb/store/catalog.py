"""The Data Catalog's rows: every SQL statement on databases, tables, table versions and partitions.

Each function takes a connection from :meth:`Store.transaction` (writes) or :meth:`Store.read`
and returns records with their JSON bodies decoded; nothing here checks input or raises Glue's
errors (that is :mod:`glue_nb.catalog`). Names are stored lower-cased, as Glue does; a partition
is keyed by the JSON list of its values (:func:`values_key`), which also orders partitions.
A table keeps every version, the current one included, in ``table_versions``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from glue_nb.store import dumps, loads

__all__ = [
    "DatabaseRecord",
    "PartitionRecord",
    "TableRecord",
    "VersionRecord",
    "all_partitions",
    "database",
    "database_names",
    "databases",
    "delete_database",
    "delete_partition",
    "delete_table",
    "delete_version",
    "insert_database",
    "insert_partition",
    "insert_table",
    "iter_partitions",
    "iter_tables",
    "partition",
    "partition_counts",
    "table",
    "table_counts",
    "table_names",
    "tables",
    "tables_by_crawler",
    "update_database",
    "update_partition",
    "values_key",
    "version",
    "version_ids",
    "versions",
    "write_table",
]


@dataclass(slots=True)
class DatabaseRecord:
    """A database: its name, the stored DatabaseInput (plus Tags), when it was created."""

    name: str
    body: dict[str, Any]
    created_on: float


@dataclass(slots=True)
class TableRecord:
    """A table's current version: the stored TableInput, its VersionId and times."""

    database: str
    name: str
    body: dict[str, Any]
    version: int
    created_on: float
    updated_on: float
    location: str | None


@dataclass(slots=True)
class VersionRecord:
    """One version of a table (``created_on`` is the table's, ``updated_on`` the version's)."""

    database: str
    table: str
    version: int
    body: dict[str, Any]
    created_on: float
    updated_on: float


@dataclass(slots=True)
class PartitionRecord:
    """A partition: its values, the stored PartitionInput and times."""

    database: str
    table: str
    key: str  # values_key(values): the primary key and the order of partitions
    body: dict[str, Any]
    created_on: float
    updated_on: float

    @property
    def values(self) -> list[str]:
        """The partition's Values."""
        return list(self.body.get("Values") or loads(self.key))


def values_key(values: Iterable[str]) -> str:
    """The key of a partition: the JSON list of its values."""
    return dumps(list(values))


def _location(body: dict[str, Any]) -> str | None:
    """StorageDescriptor.Location of a stored body (kept in its own column)."""
    return (body.get("StorageDescriptor") or {}).get("Location")


def _database(row: sqlite3.Row) -> DatabaseRecord:
    return DatabaseRecord(row["name"], loads(row["body"], {}), row["created_on"])


def _table(row: sqlite3.Row) -> TableRecord:
    return TableRecord(
        row["database_name"],
        row["name"],
        loads(row["body"]),
        row["version_id"],
        row["created_on"],
        row["updated_on"],
        row["location"],
    )


def _version(row: sqlite3.Row) -> VersionRecord:
    return VersionRecord(
        row["database_name"],
        row["table_name"],
        row["version_id"],
        loads(row["body"]),
        row["created_on"],
        row["updated_on"],
    )


def _partition(row: sqlite3.Row) -> PartitionRecord:
    return PartitionRecord(
        row["database_name"],
        row["table_name"],
        row["values_key"],
        loads(row["body"], {}),
        row["created_on"],
        row["updated_on"],
    )


# -- databases ------------------------------------------------------------------------------------
def database(conn: sqlite3.Connection, name: str) -> DatabaseRecord | None:
    """The database ``name`` (lower-cased already), if any."""
    row = conn.execute("SELECT * FROM databases WHERE name = ?", (name,)).fetchone()
    return _database(row) if row is not None else None


def database_names(conn: sqlite3.Connection) -> list[str]:
    """Every database name, sorted."""
    return [r[0] for r in conn.execute("SELECT name FROM databases ORDER BY name")]


def databases(
    conn: sqlite3.Connection, after: str = "", limit: int | None = None
) -> list[DatabaseRecord]:
    """Databases named after ``after``, by name, at most ``limit``."""
    rows = conn.execute(
        "SELECT * FROM databases WHERE name > ? ORDER BY name LIMIT ?",
        (after, -1 if limit is None else limit),
    )
    return [_database(r) for r in rows]


def insert_database(conn: sqlite3.Connection, name: str, body: dict[str, Any], when: float) -> None:
    """A new database."""
    conn.execute(
        "INSERT INTO databases (name, body, created_on) VALUES (?, ?, ?)",
        (name, dumps(body), when),
    )


def update_database(conn: sqlite3.Connection, name: str, body: dict[str, Any]) -> None:
    """Replace a database's stored definition."""
    conn.execute("UPDATE databases SET body = ? WHERE name = ?", (dumps(body), name))


def delete_database(conn: sqlite3.Connection, name: str) -> None:
    """A database with its tables, their versions and partitions."""
    for sql in (
        "DELETE FROM partitions WHERE database_name = ?",
        "DELETE FROM table_versions WHERE database_name = ?",
        "DELETE FROM tables WHERE database_name = ?",
        "DELETE FROM databases WHERE name = ?",
    ):
        conn.execute(sql, (name,))


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Database name → number of tables."""
    rows = conn.execute("SELECT database_name, COUNT(*) FROM tables GROUP BY database_name")
    return {r[0]: int(r[1]) for r in rows}


# -- tables ---------------------------------------------------------------------------------------
def table(conn: sqlite3.Connection, db: str, name: str) -> TableRecord | None:
    """The table ``db.name`` (both lower-cased already), if any."""
    row = conn.execute(
        "SELECT * FROM tables WHERE database_name = ? AND name = ?", (db, name)
    ).fetchone()
    return _table(row) if row is not None else None


def table_names(conn: sqlite3.Connection, db: str) -> list[str]:
    """The names of a database's tables, sorted."""
    rows = conn.execute("SELECT name FROM tables WHERE database_name = ? ORDER BY name", (db,))
    return [r[0] for r in rows]


def tables(conn: sqlite3.Connection, db: str) -> list[TableRecord]:
    """A database's tables, by name."""
    rows = conn.execute("SELECT * FROM tables WHERE database_name = ? ORDER BY name", (db,))
    return [_table(r) for r in rows]


def iter_tables(conn: sqlite3.Connection, db: str, after: str = "") -> Iterator[TableRecord]:
    """A database's tables named after ``after``, by name, read as they are consumed."""
    rows = conn.execute(
        "SELECT * FROM tables WHERE database_name = ? AND name > ? ORDER BY name", (db, after)
    )
    for row in rows:
        yield _table(row)


def tables_by_crawler(conn: sqlite3.Connection, crawler: str) -> list[TableRecord]:
    """Tables whose ``Parameters.UPDATED_BY_CRAWLER`` is ``crawler``."""
    rows = conn.execute("SELECT * FROM tables WHERE updated_by_crawler = ?", (crawler,))
    return [_table(r) for r in rows]


def insert_table(conn: sqlite3.Connection, db: str, body: dict[str, Any], when: float) -> None:
    """A new table at version 0 (its first entry in the versions too)."""
    text = dumps(body)
    conn.execute(
        "INSERT INTO tables (database_name, name, body, version_id, created_on, updated_on, "
        "location, updated_by_crawler) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
        (
            db,
            body["Name"],
            text,
            when,
            when,
            _location(body),
            (body.get("Parameters") or {}).get("UPDATED_BY_CRAWLER"),
        ),
    )
    conn.execute(
        "INSERT INTO table_versions (database_name, table_name, version_id, body, created_on, "
        "updated_on) VALUES (?, ?, 0, ?, ?, ?)",
        (db, body["Name"], text, when, when),
    )


def write_table(
    conn: sqlite3.Connection,
    current: TableRecord,
    body: dict[str, Any],
    when: float,
    *,
    mode: str = "archive",
) -> int:
    """Write a table's new definition; return its VersionId.

    ``mode``: ``archive`` (a new version, the previous one kept), ``skip`` (a new version, the
    previous one dropped: UpdateTable's SkipArchive) or ``refresh`` (the current version
    rewritten in place: statistics only).
    """
    db, name, version = current.database, current.name, current.version
    new_version = version if mode == "refresh" else version + 1
    text = dumps(body)
    conn.execute(
        "UPDATE tables SET body = ?, version_id = ?, updated_on = ?, location = ?, "
        "updated_by_crawler = ? WHERE database_name = ? AND name = ?",
        (
            text,
            new_version,
            when,
            _location(body),
            (body.get("Parameters") or {}).get("UPDATED_BY_CRAWLER"),
            db,
            name,
        ),
    )
    if mode == "refresh":
        conn.execute(
            "UPDATE table_versions SET body = ?, updated_on = ? WHERE database_name = ? AND "
            "table_name = ? AND version_id = ?",
            (text, when, db, name, version),
        )
        return version
    if mode == "skip":
        delete_version(conn, db, name, version)
    conn.execute(
        "INSERT INTO table_versions (database_name, table_name, version_id, body, created_on, "
        "updated_on) VALUES (?, ?, ?, ?, ?, ?)",
        (db, name, new_version, text, current.created_on, when),
    )
    return new_version


def delete_table(conn: sqlite3.Connection, db: str, name: str) -> None:
    """A table with its versions and partitions."""
    conn.execute("DELETE FROM partitions WHERE database_name = ? AND table_name = ?", (db, name))
    conn.execute(
        "DELETE FROM table_versions WHERE database_name = ? AND table_name = ?", (db, name)
    )
    conn.execute("DELETE FROM tables WHERE database_name = ? AND name = ?", (db, name))


# -- table versions -------------------------------------------------------------------------------
def versions(
    conn: sqlite3.Connection, db: str, name: str, *, before: int | None, limit: int | None
) -> list[VersionRecord]:
    """Versions below ``before`` (all when None), newest first, at most ``limit``."""
    rows = conn.execute(
        "SELECT * FROM table_versions WHERE database_name = ? AND table_name = ? "
        "AND version_id < ? ORDER BY version_id DESC LIMIT ?",
        (db, name, before if before is not None else 2**62, -1 if limit is None else limit),
    )
    return [_version(r) for r in rows]


def version(conn: sqlite3.Connection, db: str, name: str, number: int) -> VersionRecord | None:
    """One version of a table, if it exists."""
    row = conn.execute(
        "SELECT * FROM table_versions WHERE database_name = ? AND table_name = ? AND "
        "version_id = ?",
        (db, name, number),
    ).fetchone()
    return _version(row) if row is not None else None


def version_ids(conn: sqlite3.Connection, db: str, name: str) -> list[int]:
    """The VersionIds a table has, oldest first."""
    rows = conn.execute(
        "SELECT version_id FROM table_versions WHERE database_name = ? AND table_name = ? "
        "ORDER BY version_id",
        (db, name),
    )
    return [int(r[0]) for r in rows]


def delete_version(conn: sqlite3.Connection, db: str, name: str, number: int) -> bool:
    """Drop one version; False when it did not exist."""
    cur = conn.execute(
        "DELETE FROM table_versions WHERE database_name = ? AND table_name = ? AND version_id = ?",
        (db, name, number),
    )
    return cur.rowcount > 0


# -- partitions -----------------------------------------------------------------------------------
def partition(conn: sqlite3.Connection, db: str, name: str, key: str) -> PartitionRecord | None:
    """The partition of ``db.name`` with this :func:`values_key`, if any."""
    row = conn.execute(
        "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? AND values_key = ?",
        (db, name, key),
    ).fetchone()
    return _partition(row) if row is not None else None


def all_partitions(conn: sqlite3.Connection, db: str, name: str) -> list[PartitionRecord]:
    """Every partition of a table, in key order."""
    rows = conn.execute(
        "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? ORDER BY values_key",
        (db, name),
    )
    return [_partition(r) for r in rows]


def iter_partitions(
    conn: sqlite3.Connection, db: str, name: str, after: str = ""
) -> Iterator[PartitionRecord]:
    """A table's partitions with keys after ``after``, in key order, read as consumed."""
    rows = conn.execute(
        "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? AND "
        "values_key > ? ORDER BY values_key",
        (db, name, after),
    )
    for row in rows:
        yield _partition(row)


def partition_counts(conn: sqlite3.Connection, db: str) -> dict[str, int]:
    """Table name → number of partitions, for one database."""
    rows = conn.execute(
        "SELECT table_name, COUNT(*) FROM partitions WHERE database_name = ? GROUP BY table_name",
        (db,),
    )
    return {r[0]: int(r[1]) for r in rows}


def insert_partition(
    conn: sqlite3.Connection, db: str, name: str, body: dict[str, Any], when: float
) -> None:
    """A new partition (its key from ``body["Values"]``)."""
    conn.execute(
        "INSERT INTO partitions (database_name, table_name, values_key, body, created_on, "
        "updated_on, location) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (db, name, values_key(body["Values"]), dumps(body), when, when, _location(body)),
    )


def update_partition(
    conn: sqlite3.Connection, db: str, name: str, key: str, body: dict[str, Any], when: float
) -> None:
    """Replace a partition's stored definition (its CreationTime is kept)."""
    conn.execute(
        "UPDATE partitions SET body = ?, updated_on = ?, location = ? WHERE database_name = ? "
        "AND table_name = ? AND values_key = ?",
        (dumps(body), when, _location(body), db, name, key),
    )


def delete_partition(conn: sqlite3.Connection, db: str, name: str, key: str) -> bool:
    """Drop one partition; False when it did not exist."""
    cur = conn.execute(
        "DELETE FROM partitions WHERE database_name = ? AND table_name = ? AND values_key = ?",
        (db, name, key),
    )
    return cur.rowcount > 0
