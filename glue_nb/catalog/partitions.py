"""Glue's partition operations: CreatePartition, GetPartition, GetPartitions, UpdatePartition,
DeletePartition and their batch forms (BatchCreatePartition, BatchUpdatePartition,
BatchDeletePartition, BatchGetPartition).

A batch runs in one transaction. A problem with one entry (it exists already, it is missing, its
values do not fit the table's keys) is an entry of the response's ``Errors``, with Glue's error
code and the entry's values, and the other entries are applied; a problem with the request itself
(the table is missing, the list is too long) raises, and nothing is written. BatchGetPartition
leaves out the partitions that do not exist (``UnprocessedKeys`` stays empty: nothing is throttled
here).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.catalog.expressions import partition_predicate
from glue_nb.catalog.lookups import require_table
from glue_nb.catalog.operation import GOVERNED, operation
from glue_nb.catalog.shapes import partition_dict
from glue_nb.catalog.tables import batch_error
from glue_nb.catalog.validation import (
    batch_list,
    max_results,
    partition_input,
    partition_values,
)
from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    GlueNbError,
    InvalidInputException,
)
from glue_nb.store import catalog as rows
from glue_nb.store.catalog import TableRecord, values_key
from glue_nb.timeutil import now

__all__ = ["PartitionOperations"]


class PartitionOperations:
    """The partition part of :class:`glue_nb.catalog.Catalog`."""

    store: Any

    # -- one partition --------------------------------------------------------------------------
    @operation("CreatePartition")
    def create_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionInput: Mapping[str, Any],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """CreatePartition; AlreadyExistsException when a partition has those values."""
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            _create(conn, table, PartitionInput, "CreatePartition", now())
        return {}

    @operation("GetPartition", ignored=("AuditContext",))
    def get_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionValues: list[str],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """GetPartition → {"Partition": {...}}."""
        values = partition_values("PartitionValues", PartitionValues)
        with self.store.read() as conn:
            table = require_table(conn, DatabaseName, TableName)
            found = rows.partition(conn, table.database, table.name, values_key(values))
        if found is None:
            raise EntityNotFoundException(_missing(table, values))
        return {"Partition": partition_dict(found)}

    @operation(
        "GetPartitions",
        ignored=("AuditContext",),
        unsupported={"TransactionId": GOVERNED, "QueryAsOfTime": GOVERNED},
    )
    def get_partitions(
        self,
        DatabaseName: str,
        TableName: str,
        Expression: str | None = None,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        ExcludeColumnSchema: bool | None = None,
        CatalogId: str | None = None,
        Segment: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """GetPartitions → {"Partitions", "NextToken"}; Expression filters on partition keys.

        ``Segment`` ({SegmentNumber, TotalSegments} up to 10) returns one of non-overlapping
        parts of the table's partitions, so several readers can page through them at once.
        """
        limit = max_results(MaxResults, 1000)
        if NextToken is not None and not isinstance(NextToken, str):
            raise InvalidInputException(f"NextToken must be a string, got {NextToken!r}")
        if Expression is not None and not isinstance(Expression, str):
            raise InvalidInputException(f"Expression must be a string, got {Expression!r}")
        if ExcludeColumnSchema is not None and not isinstance(ExcludeColumnSchema, bool):
            raise InvalidInputException(
                f"ExcludeColumnSchema must be true or false, got {ExcludeColumnSchema!r}"
            )
        in_segment = _segment(Segment)
        out: list[dict[str, Any]] = []
        token = None
        with self.store.read() as conn:
            table = require_table(conn, DatabaseName, TableName)
            keys = table.body.get("PartitionKeys") or []
            test = (
                partition_predicate(
                    Expression, {k["Name"]: k.get("Type") or "string" for k in keys}
                )
                if Expression
                else None
            )
            names = [k["Name"] for k in keys]
            last = None
            for record in rows.iter_partitions(
                conn, table.database, table.name, after=NextToken or ""
            ):
                if in_segment is not None and not in_segment(record.key):
                    continue
                if test is not None and not test(dict(zip(names, record.values, strict=False))):
                    continue
                if len(out) == limit:
                    token = last
                    break
                out.append(partition_dict(record, exclude_columns=bool(ExcludeColumnSchema)))
                last = record.key
        result: dict[str, Any] = {"Partitions": out}
        if token:
            result["NextToken"] = token
        return result

    @operation("UpdatePartition")
    def update_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionValueList: list[str],
        PartitionInput: Mapping[str, Any],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """UpdatePartition: the partition's new definition (its Values cannot change: delete and
        recreate the partition for that, as in Glue); its CreationTime is kept."""
        values = partition_values("PartitionValueList", PartitionValueList)
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            _update(conn, table, values, PartitionInput, "UpdatePartition", now())
        return {}

    @operation("DeletePartition")
    def delete_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionValues: list[str],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """DeletePartition; EntityNotFoundException when it does not exist."""
        values = partition_values("PartitionValues", PartitionValues)
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            if not rows.delete_partition(conn, table.database, table.name, values_key(values)):
                raise EntityNotFoundException(_missing(table, values))
        return {}

    # -- batches --------------------------------------------------------------------------------
    @operation("BatchCreatePartition")
    def batch_create_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionInputList: list[Mapping[str, Any]],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """BatchCreatePartition: up to 100 partitions → {"Errors": [{PartitionValues,
        ErrorDetail}]} for those that exist already (AlreadyExistsException) or do not fit the
        table (InvalidInputException)."""
        entries = batch_list("PartitionInputList", PartitionInputList, 100)
        errors: list[dict[str, Any]] = []
        when = now()
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            for i, entry in enumerate(entries):
                try:
                    _create(conn, table, entry, f"PartitionInputList[{i}]", when)
                except GlueNbError as exc:
                    values = entry.get("Values") if isinstance(entry, Mapping) else None
                    errors.append(
                        batch_error(exc.code, exc.message, PartitionValues=_shown(values))
                    )
        return {"Errors": errors}

    @operation("BatchUpdatePartition")
    def batch_update_partition(
        self,
        DatabaseName: str,
        TableName: str,
        Entries: list[Mapping[str, Any]],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """BatchUpdatePartition: 1 to 100 {PartitionValueList, PartitionInput} →
        {"Errors": [{PartitionValueList, ErrorDetail}]} for partitions that do not exist
        (EntityNotFoundException) or inputs that do not fit (InvalidInputException)."""
        entries = batch_list("Entries", Entries, 100, minimum=1)
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or set(entry) - {
                "PartitionValueList",
                "PartitionInput",
            }:
                raise InvalidInputException(
                    f"Entries[{i}] must be a map with PartitionValueList and PartitionInput, "
                    f"got {entry!r}"
                )
            partition_values(f"Entries[{i}].PartitionValueList", entry.get("PartitionValueList"))
            if entry.get("PartitionInput") is None:
                raise InvalidInputException(f"Entries[{i}] has no PartitionInput")
        errors: list[dict[str, Any]] = []
        when = now()
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            for i, entry in enumerate(entries):
                values = list(entry["PartitionValueList"])
                try:
                    _update(conn, table, values, entry["PartitionInput"], f"Entries[{i}]", when)
                except GlueNbError as exc:
                    errors.append(batch_error(exc.code, exc.message, PartitionValueList=values))
        return {"Errors": errors}

    @operation("BatchDeletePartition")
    def batch_delete_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionsToDelete: list[Mapping[str, Any]],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """BatchDeletePartition: up to 25 {Values} → {"Errors": [{PartitionValues,
        ErrorDetail}]} for partitions that do not exist (EntityNotFoundException)."""
        wanted = _value_lists("PartitionsToDelete", PartitionsToDelete, 25)
        errors: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            table = require_table(conn, DatabaseName, TableName)
            for values in wanted:
                if not rows.delete_partition(conn, table.database, table.name, values_key(values)):
                    errors.append(
                        batch_error(
                            "EntityNotFoundException",
                            _missing(table, values),
                            PartitionValues=values,
                        )
                    )
        return {"Errors": errors}

    @operation("BatchGetPartition", ignored=("AuditContext", "QuerySessionContext"))
    def batch_get_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionsToGet: list[Mapping[str, Any]],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """BatchGetPartition: up to 1,000 {Values} → {"Partitions", "UnprocessedKeys"}; the
        partitions that exist, in the order asked (each once)."""
        wanted = _value_lists("PartitionsToGet", PartitionsToGet, 1000)
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        with self.store.read() as conn:
            table = require_table(conn, DatabaseName, TableName)
            for values in wanted:
                key = values_key(values)
                if key in seen:
                    continue
                seen.add(key)
                record = rows.partition(conn, table.database, table.name, key)
                if record is not None:
                    found.append(partition_dict(record))
        return {"Partitions": found, "UnprocessedKeys": []}


def _create(conn: Any, table: TableRecord, value: Any, where: str, when: float) -> None:
    """Create one partition of ``table`` (validated against its keys)."""
    body = partition_input(value, table.body.get("PartitionKeys") or [], where)
    if rows.partition(conn, table.database, table.name, values_key(body["Values"])) is not None:
        raise AlreadyExistsException(
            f"Partition already exists: {table.database}.{table.name} {body['Values']}"
        )
    rows.insert_partition(conn, table.database, table.name, body, when)


def _update(
    conn: Any, table: TableRecord, values: list[str], value: Any, where: str, when: float
) -> None:
    """Replace the definition of the partition ``values`` of ``table``."""
    if isinstance(value, Mapping) and value.get("Values") is None:
        value = {**value, "Values": values}
    body = partition_input(value, table.body.get("PartitionKeys") or [], where)
    if body["Values"] != values:
        raise InvalidInputException(
            f"{where}: PartitionInput.Values {body['Values']} differ from the partition's "
            f"values {values}; Values cannot be changed (delete the partition and create it "
            "with the new values)"
        )
    key = values_key(values)
    if rows.partition(conn, table.database, table.name, key) is None:
        raise EntityNotFoundException(_missing(table, values))
    rows.update_partition(conn, table.database, table.name, key, body, when)


def _missing(table: TableRecord, values: list[str]) -> str:
    """The message for a partition that does not exist."""
    return f"Partition {values} of table {table.database}.{table.name} not found"


def _shown(values: Any) -> list[str]:
    """An entry's Values as an Errors entry can show them (a list of strings)."""
    if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
        return list(values)
    return []


def _value_lists(what: str, value: Any, limit: int) -> list[list[str]]:
    """A list of PartitionValueList maps ({Values: [...]}) → the values of each."""
    out = []
    for i, entry in enumerate(batch_list(what, value, limit)):
        if not isinstance(entry, Mapping) or set(entry) != {"Values"}:
            raise InvalidInputException(
                f"{what}[{i}] must be a map {{'Values': [...]}}, got {entry!r}"
            )
        out.append(partition_values(f"{what}[{i}].Values", entry["Values"]))
    return out


def _segment(value: Any) -> Callable[[str], bool] | None:
    """GetPartitions' Segment → a test of partition keys (None: every partition)."""
    if value is None:
        return None
    total = value.get("TotalSegments") if isinstance(value, Mapping) else None
    number = value.get("SegmentNumber") if isinstance(value, Mapping) else None
    if (
        not isinstance(value, Mapping)
        or set(value) != {"SegmentNumber", "TotalSegments"}
        or isinstance(total, bool)
        or not isinstance(total, int)
        or not 1 <= total <= 10
        or isinstance(number, bool)
        or not isinstance(number, int)
        or not 0 <= number < total
    ):
        raise InvalidInputException(
            "Segment must be {SegmentNumber, TotalSegments} with TotalSegments from 1 to 10 "
            f"and SegmentNumber from 0 to TotalSegments - 1, got {value!r}"
        )
    return lambda key: zlib.crc32(key.encode()) % total == number
