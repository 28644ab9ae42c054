"""Applying a crawl's result to the catalog, in the caller's transaction, as the crawler's
SchemaChangePolicy says (Glue's rules).

New tables and partitions are always created (the database too). Existing tables are updated (a
new version) when UpdateBehavior is UPDATE_IN_DATABASE and their schema or format changed; a change
of statistics alone refreshes the current version. Tables this crawler made whose data is gone are
handled by DeleteBehavior: DEPRECATE_IN_DATABASE sets ``Parameters.DEPRECATED_BY_CRAWLER`` (epoch
ms, a new version), DELETE_FROM_DATABASE drops them, LOG only reports. Incremental results never
update or delete. ``Configuration`` ``CrawlerOutput.Tables.AddOrUpdateBehavior=MergeNewColumns``
only appends new columns.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.catalog.changes import DEPRECATED, schema_changes, significant
from glue_nb.catalog.validation import PARTITION_FIELDS, partition_input, table_input
from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_name
from glue_nb.store import catalog as rows
from glue_nb.store import dumps
from glue_nb.timeutil import now

__all__ = ["Written", "apply_crawl"]

#: What a crawl created or changed: (kind "table" or "partition", resource, VersionId of the
#: table then). A partition's resource is ``db.table/key=value/...`` (keys in order).
Written = list[tuple[str, str, str]]

KEEP_ON_CRAWL = ("Description", "Owner", "Retention", "LastAccessTime", "TargetTable")


def apply_crawl(
    crawler: Mapping[str, Any],
    result: Mapping[str, Any],
    conn: sqlite3.Connection,
    written: Written | None = None,
) -> dict[str, Any]:
    """Write a SUCCEEDED crawl result inside the caller's transaction; return the summary.

    The summary lists table names ("db.table") under DatabasesCreated, TablesCreated,
    TablesUpdated, TablesUnchanged, TablesNotUpdated (LOG), TablesDeprecated, TablesDeleted,
    TablesNotDeleted (LOG); counts PartitionsAdded/Updated/Deprecated/Deleted/NotDeleted;
    PartitionsSkipped with reasons; and SchemaChanges (per changed table: VersionId,
    ColumnsAdded, ColumnsRemoved, ColumnsRetyped, Applied). ``written``, when given, receives
    every table and partition created or changed (lineage records them as the crawl's writes).
    """
    policy = crawler.get("SchemaChangePolicy") or {}
    update = policy.get("UpdateBehavior") or "UPDATE_IN_DATABASE"
    delete = policy.get("DeleteBehavior") or "DEPRECATE_IN_DATABASE"
    incremental = bool(result.get("Incremental"))
    if incremental:
        update = delete = "LOG"
    try:
        config = json.loads(crawler.get("Configuration") or "{}")
    except ValueError:
        config = {}
    tables_cfg = ((config.get("CrawlerOutput") or {}).get("Tables")) or {}
    merge_new = tables_cfg.get("AddOrUpdateBehavior") == "MergeNewColumns"
    when = now()
    summary: dict[str, Any] = {
        "DatabasesCreated": [],
        "TablesCreated": [],
        "TablesUpdated": [],
        "TablesUnchanged": [],
        "TablesNotUpdated": [],
        "TablesDeprecated": [],
        "TablesDeleted": [],
        "TablesNotDeleted": [],
        "PartitionsAdded": 0,
        "PartitionsUpdated": 0,
        "PartitionsDeprecated": 0,
        "PartitionsDeleted": 0,
        "PartitionsNotDeleted": 0,
        "PartitionsSkipped": [],
        "SchemaChanges": [],
    }
    out: Written = written if written is not None else []
    _databases(conn, crawler, result, when, summary)
    present = _tables(conn, crawler, result, update, merge_new, when, summary, out)
    seen_parts = _partitions(conn, crawler, result, update, when, summary, out)
    if not incremental:
        _gone(conn, crawler, result, present, seen_parts, delete, when, summary, out)
    return summary


def _partition_resource(db: str, table: str, keys: list[dict[str, Any]], values: Any) -> str:
    pairs = "/".join(f"{k['Name']}={v}" for k, v in zip(keys, values, strict=False))
    return f"{db}.{table}/{pairs}"


def _table_version(conn: sqlite3.Connection, db: str, table: str) -> str:
    record = rows.table(conn, db, table)
    return str(record.version) if record is not None else ""


def _databases(
    conn: sqlite3.Connection,
    crawler: Mapping[str, Any],
    result: Mapping[str, Any],
    when: float,
    summary: dict[str, Any],
) -> None:
    """Create the crawler's database and those the result's tables name, when missing."""
    databases: list[str] = []
    if crawler.get("DatabaseName"):
        databases.append(str(crawler["DatabaseName"]).lower())
    for item in [*result.get("Tables", ()), *result.get("Partitions", ())]:
        db = str(item.get("DatabaseName") or crawler.get("DatabaseName") or "").lower()
        if db and db not in databases:
            databases.append(db)
    for db in databases:
        if rows.database(conn, db) is None:
            rows.insert_database(conn, db, {"Name": check_name("Database", db)}, when)
            summary["DatabasesCreated"].append(db)


def _tables(
    conn: sqlite3.Connection,
    crawler: Mapping[str, Any],
    result: Mapping[str, Any],
    update: str,
    merge_new: bool,
    when: float,
    summary: dict[str, Any],
    written: Written,
) -> set[tuple[str, str]]:
    """Create or update the result's tables; return their (database, name)."""
    present: set[tuple[str, str]] = set()
    for item in result.get("Tables", ()):
        db = str(item.get("DatabaseName") or crawler.get("DatabaseName")).lower()
        body = table_input({k: v for k, v in item.items() if k != "DatabaseName"}, "crawl")
        full = f"{db}.{body['Name']}"
        present.add((db, body["Name"]))
        record = rows.table(conn, db, body["Name"])
        if record is None:
            rows.insert_table(conn, db, body, when)
            summary["TablesCreated"].append(full)
            written.append(("table", full, "0"))
            continue
        old = record.body
        new = _crawl_body(old, body, merge_new)
        changed = significant(old) != significant(new)
        if update == "LOG":
            if changed:
                summary["TablesNotUpdated"].append(full)
                summary["SchemaChanges"].append(
                    {"Table": full, "Applied": False, **schema_changes(old, new)}
                )
            else:
                summary["TablesUnchanged"].append(full)
            continue
        if changed:
            version = rows.write_table(conn, record, new, when, mode="archive")
            summary["TablesUpdated"].append(full)
            written.append(("table", full, str(version)))
            summary["SchemaChanges"].append(
                {
                    "Table": full,
                    "Applied": True,
                    "VersionId": str(version),
                    **schema_changes(old, new),
                }
            )
        else:
            if dumps(old) != dumps(new):
                version = rows.write_table(conn, record, new, when, mode="refresh")
                written.append(("table", full, str(version)))
            summary["TablesUnchanged"].append(full)
    return present


def _partitions(
    conn: sqlite3.Connection,
    crawler: Mapping[str, Any],
    result: Mapping[str, Any],
    update: str,
    when: float,
    summary: dict[str, Any],
    written: Written,
) -> dict[tuple[str, str], set[str]]:
    """Create or update the result's partitions; return the keys seen per table."""
    seen_parts: dict[tuple[str, str], set[str]] = {}
    keys_of: dict[tuple[str, str], list[dict[str, Any]] | None] = {}
    versions: dict[tuple[str, str], str] = {}

    def version_of(db: str, table: str) -> str:
        if (db, table) not in versions:
            versions[(db, table)] = _table_version(conn, db, table)
        return versions[(db, table)]

    for item in result.get("Partitions", ()):
        db = str(item.get("DatabaseName") or crawler.get("DatabaseName")).lower()
        table = str(item.get("TableName")).lower()
        if (db, table) not in keys_of:
            record = rows.table(conn, db, table)
            keys_of[(db, table)] = (
                None if record is None else record.body.get("PartitionKeys") or []
            )
        keys = keys_of[(db, table)]
        if keys is None:
            summary["PartitionsSkipped"].append(
                {"Table": f"{db}.{table}", "Values": item.get("Values"), "Reason": "no such table"}
            )
            continue
        fields = {k: v for k, v in item.items() if k in PARTITION_FIELDS}
        try:
            body = partition_input(fields, keys, "crawl")
        except InvalidInputException as exc:
            summary["PartitionsSkipped"].append(
                {"Table": f"{db}.{table}", "Values": item.get("Values"), "Reason": exc.message}
            )
            continue
        key = rows.values_key(body["Values"])
        seen_parts.setdefault((db, table), set()).add(key)
        existing = rows.partition(conn, db, table, key)
        resource = _partition_resource(db, table, keys, body["Values"])
        if existing is None:
            rows.insert_partition(conn, db, table, body, when)
            summary["PartitionsAdded"] += 1
            written.append(("partition", resource, version_of(db, table)))
            continue
        old = existing.body
        changed = significant(old) != significant(body)
        if update == "LOG" and changed:
            continue
        if dumps(old) != dumps(body):
            rows.update_partition(conn, db, table, key, body, when)
            written.append(("partition", resource, version_of(db, table)))
            if changed:
                summary["PartitionsUpdated"] += 1
    return seen_parts


def _crawl_body(old: Mapping[str, Any], new: dict[str, Any], merge_new: bool) -> dict[str, Any]:
    """The crawled definition, keeping what users set (Description, Owner, ...); with
    MergeNewColumns the old columns stay and only new ones are appended."""
    body = json.loads(dumps(new))
    for key in KEEP_ON_CRAWL:
        if key in old:
            body[key] = old[key]
    if merge_new:
        old_cols = list((old.get("StorageDescriptor") or {}).get("Columns") or [])
        names = {c["Name"] for c in old_cols}
        extra = [c for c in body["StorageDescriptor"]["Columns"] if c["Name"] not in names]
        body["StorageDescriptor"]["Columns"] = old_cols + extra
        body["PartitionKeys"] = old.get("PartitionKeys") or body.get("PartitionKeys") or []
    return body


def _under(location: str, roots: list[str]) -> bool:
    """Is ``location`` at or below one of the crawled roots (folders end with /)?"""
    if not location:
        return False
    slashed = location if location.endswith("/") else location + "/"
    return any(
        slashed.startswith(root) if root.endswith("/") else location == root for root in roots
    )


def _gone(
    conn: sqlite3.Connection,
    crawler: Mapping[str, Any],
    result: Mapping[str, Any],
    present: set[tuple[str, str]],
    seen_parts: dict[tuple[str, str], set[str]],
    delete: str,
    when: float,
    summary: dict[str, Any],
    written: Written,
) -> None:
    """Apply DeleteBehavior to this crawler's tables and partitions that were not found."""
    roots = list(result.get("Targets") or ())
    catalog_targets = {
        (str(ct.get("DatabaseName", "")).lower(), str(t).lower())
        for ct in (crawler.get("Targets") or {}).get("CatalogTargets") or ()
        for t in ct.get("Tables") or ()
    }
    candidates = rows.tables_by_crawler(conn, crawler.get("Name") or "")
    for key in sorted(catalog_targets):
        record = rows.table(conn, *key)
        if record is not None:
            candidates.append(record)
    done: set[tuple[str, str]] = set()
    for record in candidates:
        key = (record.database, record.name)
        if key in present or key in done:
            continue
        done.add(key)
        if key not in catalog_targets and not _under(record.location or "", roots):
            continue
        full = f"{key[0]}.{key[1]}"
        if delete == "DELETE_FROM_DATABASE":
            rows.delete_table(conn, *key)
            summary["TablesDeleted"].append(full)
        elif delete == "DEPRECATE_IN_DATABASE":
            params = record.body.setdefault("Parameters", {})
            if DEPRECATED in params:
                continue
            params[DEPRECATED] = str(int(when * 1000))
            version = rows.write_table(conn, record, record.body, when, mode="archive")
            summary["TablesDeprecated"].append(full)
            written.append(("table", full, str(version)))
        else:
            summary["TablesNotDeleted"].append(full)
    for (db, table), keys in seen_parts.items():
        _gone_partitions(conn, db, table, keys, delete, when, summary, written)
    for db, table in present - set(seen_parts):
        _gone_partitions(conn, db, table, set(), delete, when, summary, written)


def _gone_partitions(
    conn: sqlite3.Connection,
    db: str,
    table: str,
    keep: set[str],
    delete: str,
    when: float,
    summary: dict[str, Any],
    written: Written,
) -> None:
    """Apply DeleteBehavior to the partitions of one table that the crawl did not find."""
    for record in rows.all_partitions(conn, db, table):
        if record.key in keep:
            continue
        if delete == "DELETE_FROM_DATABASE":
            rows.delete_partition(conn, db, table, record.key)
            summary["PartitionsDeleted"] += 1
        elif delete == "DEPRECATE_IN_DATABASE":
            params = record.body.setdefault("Parameters", {})
            if DEPRECATED in params:
                continue
            params[DEPRECATED] = str(int(when * 1000))
            rows.update_partition(conn, db, table, record.key, record.body, when)
            summary["PartitionsDeprecated"] += 1
            parent = rows.table(conn, db, table)
            keys = (parent.body.get("PartitionKeys") or []) if parent is not None else []
            written.append(
                (
                    "partition",
                    _partition_resource(db, table, keys, record.values),
                    str(parent.version) if parent is not None else "",
                )
            )
        else:
            summary["PartitionsNotDeleted"] += 1
