"""Finding a database or table by the name a request gives, or Glue's EntityNotFoundException
naming what exists."""

from __future__ import annotations

import sqlite3
from typing import Any

from glue_nb.catalog.shapes import partition_dict, table_dict
from glue_nb.catalog.validation import known, name_of
from glue_nb.exceptions import EntityNotFoundException
from glue_nb.store import catalog as rows
from glue_nb.store.catalog import DatabaseRecord, TableRecord

__all__ = ["load_partitions", "load_table", "require_database", "require_table"]


def require_database(
    conn: sqlite3.Connection, name: Any, what: str = "DatabaseName"
) -> DatabaseRecord:
    """The database ``name`` (any case); EntityNotFoundException listing the known ones."""
    record = rows.database(conn, name_of("Database", name, what))
    if record is None:
        raise EntityNotFoundException(
            f"Database {name} not found (known: {known(rows.database_names(conn))})"
        )
    return record


def require_table(
    conn: sqlite3.Connection, database: Any, name: Any, what: str = "TableName"
) -> TableRecord:
    """The table ``database.name``; EntityNotFoundException naming the database's tables."""
    db = require_database(conn, database).name
    record = rows.table(conn, db, name_of("Table", name, what))
    if record is None:
        raise EntityNotFoundException(
            f"Table {name} not found in database {db} "
            f"(tables there: {known(rows.table_names(conn, db))})"
        )
    return record


def load_table(store: Any, database: Any, name: Any) -> dict[str, Any]:
    """The Glue Table ``database.name`` read from ``store`` (for DataFrames and read_table)."""
    with store.read() as conn:
        return table_dict(require_table(conn, database, name, "table"))


def load_partitions(store: Any, table: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Glue Partition of a Table dict, in key order."""
    with store.read() as conn:
        records = rows.all_partitions(conn, table["DatabaseName"], table["Name"])
    return [partition_dict(r) for r in records]
