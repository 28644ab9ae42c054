"""Stored catalog records → Glue's output shapes: Database, Table, TableVersion and Partition.

Times become tz-aware datetimes (as boto3 gives them); every shape carries ``CatalogId``, the one
local catalog's id :data:`CATALOG_ID`.
"""

from __future__ import annotations

from typing import Any

from glue_nb.store.catalog import DatabaseRecord, PartitionRecord, TableRecord, VersionRecord
from glue_nb.timeutil import to_datetime

__all__ = ["CATALOG_ID", "database_dict", "partition_dict", "table_dict", "version_dict"]

#: The id of glue-nb's one Data Catalog. Glue's catalog id is the AWS account id; glue-nb uses the
#: account id AWS's documentation uses in its examples (botocore's Stubber and moto use it too).
CATALOG_ID = "123456789012"

_TIMES = ("LastAccessTime", "LastAnalyzedTime")
_HIDDEN_DATABASE_KEYS = {"Name", "Tags"}  # Tags are stored with the database, not part of it


def database_dict(record: DatabaseRecord) -> dict[str, Any]:
    """A Glue ``Database``."""
    out: dict[str, Any] = {"Name": record.name}
    out.update((k, v) for k, v in record.body.items() if k not in _HIDDEN_DATABASE_KEYS)
    out["CreateTime"] = to_datetime(record.created_on)
    out.setdefault("Parameters", {})
    out["CatalogId"] = CATALOG_ID
    return out


def table_dict(record: TableRecord | VersionRecord) -> dict[str, Any]:
    """A Glue ``Table`` (the current version, or an archived one)."""
    body = record.body
    out: dict[str, Any] = {"Name": body["Name"], "DatabaseName": record.database}
    out.update((k, v) for k, v in body.items() if k != "Name")
    for key in _TIMES:
        if isinstance(out.get(key), (int, float)):
            out[key] = to_datetime(out[key])
    out["CreateTime"] = to_datetime(record.created_on)
    out["UpdateTime"] = to_datetime(record.updated_on)
    out["IsRegisteredWithLakeFormation"] = False
    out["VersionId"] = str(record.version)
    out["CatalogId"] = CATALOG_ID
    return out


def version_dict(record: VersionRecord) -> dict[str, Any]:
    """A Glue ``TableVersion``: {Table, VersionId}."""
    return {"Table": table_dict(record), "VersionId": str(record.version)}


def partition_dict(record: PartitionRecord, *, exclude_columns: bool = False) -> dict[str, Any]:
    """A Glue ``Partition`` (without its columns when ``exclude_columns``:
    GetPartitions' ExcludeColumnSchema)."""
    out: dict[str, Any] = {
        "Values": record.values,
        "DatabaseName": record.database,
        "TableName": record.table,
        "CreationTime": to_datetime(record.created_on),
    }
    out.update((k, v) for k, v in record.body.items() if k != "Values")
    for key in _TIMES:
        if isinstance(out.get(key), (int, float)):
            out[key] = to_datetime(out[key])
    if exclude_columns and "StorageDescriptor" in out:
        out["StorageDescriptor"] = {
            k: v for k, v in out["StorageDescriptor"].items() if k != "Columns"
        }
    out["CatalogId"] = CATALOG_ID
    return out
