"""Glue's table operations: tables (Create/Get/GetTables/Update/Delete/BatchDeleteTable) and table
versions (GetTableVersions, GetTableVersion, DeleteTableVersion, BatchDeleteTableVersion).

Every change to a table writes a new version (``VersionId`` "0" at creation, +1 per update);
``GetTableVersions`` returns all of them, the current one included, newest first. ``UpdateTable``
with ``SkipArchive=True`` still advances ``VersionId`` but drops the previous version. The current
version cannot be deleted (DeleteTable deletes the table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.catalog.expressions import name_pattern
from glue_nb.catalog.lookups import require_database, require_table
from glue_nb.catalog.operation import GOVERNED, OPEN_FORMATS, operation
from glue_nb.catalog.shapes import table_dict, version_dict
from glue_nb.catalog.validation import (
    batch_list,
    known,
    max_results,
    name_of,
    table_input,
    version_number,
)
from glue_nb.exceptions import (
    AlreadyExistsException,
    ConcurrentModificationException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.store import catalog as rows
from glue_nb.timeutil import now

__all__ = ["TableOperations", "batch_error"]

TABLE_ATTRIBUTES = {"NAME": "Name", "TABLE_TYPE": "TableType"}
SHARE_TYPES = ("FOREIGN", "ALL", "FEDERATED")


def batch_error(code: str, message: str, **entry: Any) -> dict[str, Any]:
    """One entry of a batch operation's ``Errors``: the entry's keys plus Glue's ErrorDetail."""
    return {**entry, "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message}}


class TableOperations:
    """The table and table-version part of :class:`glue_nb.catalog.Catalog`."""

    store: Any

    # -- tables ---------------------------------------------------------------------------------
    @operation(
        "CreateTable",
        unsupported={
            "PartitionIndexes": "glue-nb's catalog has no partition indexes; leave it out",
            "TransactionId": GOVERNED,
            "OpenTableFormatInput": OPEN_FORMATS,
        },
    )
    def create_table(
        self,
        DatabaseName: str,
        TableInput: Mapping[str, Any],
        CatalogId: str | None = None,
        Name: str | None = None,
    ) -> dict[str, Any]:
        """CreateTable; EntityNotFound for a missing database, AlreadyExists for a taken name."""
        body = table_input(TableInput, "CreateTable")
        _same_name("CreateTable", Name, body["Name"])
        with self.store.transaction() as conn:
            db = require_database(conn, DatabaseName).name
            if rows.table(conn, db, body["Name"]) is not None:
                raise AlreadyExistsException(f"Table already exists: {db}.{body['Name']}")
            rows.insert_table(conn, db, body, now())
        return {}

    @operation(
        "GetTable",
        ignored=("AuditContext", "IncludeStatusDetails"),
        unsupported={"TransactionId": GOVERNED, "QueryAsOfTime": GOVERNED},
    )
    def get_table(
        self,
        DatabaseName: str,
        Name: str,
        CatalogId: str | None = None,
        AttributesToGet: list[str] | None = None,
    ) -> dict[str, Any]:
        """GetTable → {"Table": {...}}."""
        fields = _attributes(AttributesToGet)
        with self.store.read() as conn:
            table = table_dict(require_table(conn, DatabaseName, Name, "Name"))
        return {"Table": _only(table, fields)}

    @operation(
        "GetTables",
        ignored=("AuditContext", "IncludeStatusDetails"),
        unsupported={"TransactionId": GOVERNED, "QueryAsOfTime": GOVERNED},
    )
    def get_tables(
        self,
        DatabaseName: str,
        Expression: str | None = None,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
        ResourceShareType: str | None = None,
        AttributesToGet: list[str] | None = None,
    ) -> dict[str, Any]:
        """GetTables → {"TableList", "NextToken"}; Expression is a name regex (``*`` = ``.*``).

        ``ResourceShareType`` FOREIGN and FEDERATED list nothing (no table is shared with a local
        catalog); ``AttributesToGet`` [NAME] or [NAME, TABLE_TYPE] limits each table's fields.
        """
        limit = max_results(MaxResults, 100)
        if Expression is not None and not isinstance(Expression, str):
            raise InvalidInputException(f"Expression must be a string, got {Expression!r}")
        _token(NextToken)
        if ResourceShareType is not None and ResourceShareType not in SHARE_TYPES:
            raise InvalidInputException(
                f"ResourceShareType must be one of {', '.join(SHARE_TYPES)}, "
                f"got {ResourceShareType!r}"
            )
        fields = _attributes(AttributesToGet)
        pattern = name_pattern(Expression) if Expression else None
        out: list[dict[str, Any]] = []
        token = None
        with self.store.read() as conn:
            db = require_database(conn, DatabaseName).name
            if ResourceShareType in ("FOREIGN", "FEDERATED"):
                return {"TableList": []}
            for record in rows.iter_tables(conn, db, after=NextToken or ""):
                if pattern is not None and not pattern.fullmatch(record.name):
                    continue
                if len(out) == limit:
                    token = out[-1]["Name"]
                    break
                out.append(_only(table_dict(record), fields))
        result: dict[str, Any] = {"TableList": out}
        if token:
            result["NextToken"] = token
        return result

    @operation(
        "UpdateTable",
        ignored=("Force",),
        unsupported={
            "TransactionId": GOVERNED,
            "ViewUpdateAction": OPEN_FORMATS,
            "UpdateOpenTableFormatInput": OPEN_FORMATS,
        },
    )
    def update_table(
        self,
        DatabaseName: str,
        TableInput: Mapping[str, Any],
        SkipArchive: bool | None = None,
        VersionId: str | None = None,
        CatalogId: str | None = None,
        Name: str | None = None,
    ) -> dict[str, Any]:
        """UpdateTable: archives the previous definition as a version unless SkipArchive.

        With ``VersionId`` (the version the caller read), a concurrent update raises
        ConcurrentModificationException, as in Glue.
        """
        body = table_input(TableInput, "UpdateTable")
        _same_name("UpdateTable", Name, body["Name"])
        if SkipArchive is not None and not isinstance(SkipArchive, bool):
            raise InvalidInputException(f"SkipArchive must be true or false, got {SkipArchive!r}")
        with self.store.transaction() as conn:
            record = require_table(conn, DatabaseName, body["Name"], "TableInput.Name")
            if VersionId is not None and str(VersionId) != str(record.version):
                raise ConcurrentModificationException(
                    f"Update table failed due to concurrent modifications: table "
                    f"{record.database}.{record.name} is at version {record.version}, "
                    f"not {VersionId}"
                )
            rows.write_table(conn, record, body, now(), mode="skip" if SkipArchive else "archive")
        return {}

    @operation("DeleteTable", unsupported={"TransactionId": GOVERNED})
    def delete_table(
        self, DatabaseName: str, Name: str, CatalogId: str | None = None
    ) -> dict[str, Any]:
        """DeleteTable: the table, its versions and partitions."""
        with self.store.transaction() as conn:
            record = require_table(conn, DatabaseName, Name, "Name")
            rows.delete_table(conn, record.database, record.name)
        return {}

    @operation("BatchDeleteTable", unsupported={"TransactionId": GOVERNED})
    def batch_delete_table(
        self, DatabaseName: str, TablesToDelete: list[str], CatalogId: str | None = None
    ) -> dict[str, Any]:
        """BatchDeleteTable: up to 100 tables in one transaction; a table that does not exist is
        an entry of ``Errors`` (EntityNotFoundException), the others are deleted."""
        names = batch_list("TablesToDelete", TablesToDelete, 100)
        for i, name in enumerate(names):
            name_of("Table", name, f"TablesToDelete[{i}]")
        errors: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            db = require_database(conn, DatabaseName).name
            for name in names:
                record = rows.table(conn, db, name.lower())
                if record is None:
                    errors.append(
                        batch_error(
                            "EntityNotFoundException",
                            f"Table {name} not found in database {db}.",
                            TableName=name,
                        )
                    )
                    continue
                rows.delete_table(conn, db, record.name)
        return {"Errors": errors}

    # -- versions -------------------------------------------------------------------------------
    @operation("GetTableVersions", ignored=("AuditContext",))
    def get_table_versions(
        self,
        DatabaseName: str,
        TableName: str,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """GetTableVersions → {"TableVersions": [{Table, VersionId}], NextToken}, newest first."""
        limit = max_results(MaxResults, 100)
        _token(NextToken)
        before = version_number(NextToken, "NextToken") if NextToken else None
        with self.store.read() as conn:
            record = require_table(conn, DatabaseName, TableName)
            found = rows.versions(
                conn, record.database, record.name, before=before, limit=limit + 1
            )
        out: dict[str, Any] = {"TableVersions": [version_dict(v) for v in found[:limit]]}
        if len(found) > limit:
            out["NextToken"] = str(found[limit - 1].version)
        return out

    @operation("GetTableVersion", ignored=("AuditContext",))
    def get_table_version(
        self,
        DatabaseName: str,
        TableName: str,
        VersionId: str | int | None = None,
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """GetTableVersion → {"TableVersion": {Table, VersionId}} (current without VersionId)."""
        with self.store.read() as conn:
            record = require_table(conn, DatabaseName, TableName)
            number = record.version if VersionId is None else version_number(VersionId)
            found = rows.version(conn, record.database, record.name, number)
            if found is None:
                ids = ", ".join(map(str, rows.version_ids(conn, record.database, record.name)))
                raise EntityNotFoundException(
                    f"Version {VersionId} of table {record.database}.{record.name} not found "
                    f"(versions: {ids})"
                )
        return {"TableVersion": version_dict(found)}

    @operation("DeleteTableVersion")
    def delete_table_version(
        self,
        DatabaseName: str,
        TableName: str,
        VersionId: str,
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """DeleteTableVersion: an archived version (the current one cannot be deleted)."""
        number = version_number(VersionId)
        with self.store.transaction() as conn:
            record = require_table(conn, DatabaseName, TableName)
            problem = _delete_version(conn, record, number)
            if problem is not None:
                code, message = problem
                raise (
                    EntityNotFoundException(message)
                    if code == "EntityNotFoundException"
                    else InvalidInputException(message)
                )
        return {}

    @operation("BatchDeleteTableVersion")
    def batch_delete_table_version(
        self,
        DatabaseName: str,
        TableName: str,
        VersionIds: list[str],
        CatalogId: str | None = None,
    ) -> dict[str, Any]:
        """BatchDeleteTableVersion: up to 100 versions in one transaction; a version that is
        missing, current or not a number is an entry of ``Errors``, the others are deleted."""
        ids = batch_list("VersionIds", VersionIds, 100)
        errors: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            record = require_table(conn, DatabaseName, TableName)
            for value in ids:
                try:
                    number = version_number(value)
                except InvalidInputException as exc:
                    problem: tuple[str, str] | None = ("InvalidInputException", exc.message)
                else:
                    problem = _delete_version(conn, record, number)
                if problem is not None:
                    errors.append(
                        batch_error(*problem, TableName=record.name, VersionId=str(value))
                    )
        return {"Errors": errors}


def _delete_version(conn: Any, record: rows.TableRecord, number: int) -> tuple[str, str] | None:
    """Delete one archived version; (error code, message) when it cannot be."""
    full = f"{record.database}.{record.name}"
    if number == record.version:
        return (
            "InvalidInputException",
            f"Version {number} is the current version of {full} and cannot be deleted "
            "(DeleteTable deletes the table)",
        )
    if not rows.delete_version(conn, record.database, record.name, number):
        ids = known(map(str, rows.version_ids(conn, record.database, record.name)))
        return ("EntityNotFoundException", f"Version {number} of table {full} not found ({ids})")
    return None


def _same_name(operation_name: str, name: Any, table: str) -> None:
    """The request's optional top-level Name must be TableInput's."""
    if name is not None and (not isinstance(name, str) or name.lower() != table):
        raise InvalidInputException(
            f"{operation_name}: Name {name!r} differs from TableInput.Name {table!r}"
        )


def _token(value: Any) -> None:
    """A NextToken must be a string."""
    if value is not None and not isinstance(value, str):
        raise InvalidInputException(f"NextToken must be a string, got {value!r}")


def _attributes(value: Any) -> set[str] | None:
    """AttributesToGet → the Table fields to return (None: all of them)."""
    if value is None:
        return None
    if not isinstance(value, list) or "NAME" not in value:
        raise InvalidInputException(
            f"AttributesToGet must be a list that includes NAME (NAME, TABLE_TYPE), got {value!r}"
        )
    if "DEFAULT" in value:
        return None
    bad = [v for v in value if v not in TABLE_ATTRIBUTES]
    if bad:
        raise InvalidInputException(
            f"AttributesToGet: {', '.join(map(str, bad))} not available in glue-nb's catalog "
            "(valid: NAME, TABLE_TYPE, DEFAULT)"
        )
    return {TABLE_ATTRIBUTES[v] for v in value}


def _only(table: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    """The table with only the AttributesToGet fields."""
    return table if fields is None else {k: v for k, v in table.items() if k in fields}
