"""Glue's database operations: CreateDatabase, GetDatabase, GetDatabases, UpdateDatabase,
DeleteDatabase."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.catalog.lookups import require_database
from glue_nb.catalog.operation import operation
from glue_nb.catalog.shapes import database_dict
from glue_nb.catalog.validation import database_input, max_results, tags
from glue_nb.exceptions import AlreadyExistsException, InvalidInputException
from glue_nb.store import catalog as rows
from glue_nb.timeutil import now

__all__ = ["DatabaseOperations"]

SHARE_TYPES = ("FOREIGN", "ALL", "FEDERATED")
DATABASE_ATTRIBUTES = ("NAME", "TARGET_DATABASE")


class DatabaseOperations:
    """The database half of :class:`glue_nb.catalog.Catalog`."""

    store: Any

    @operation("CreateDatabase")
    def create_database(
        self,
        DatabaseInput: Mapping[str, Any],
        CatalogId: str | None = None,
        Tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """CreateDatabase; AlreadyExistsException when the name is taken.

        ``Tags`` are kept with the database (GetDatabase does not show them, as in Glue).
        """
        body = database_input(DatabaseInput, "CreateDatabase")
        tagged = tags(Tags, f"CreateDatabase {body['Name']!r}")
        if tagged:
            body["Tags"] = tagged
        with self.store.transaction() as conn:
            if rows.database(conn, body["Name"]) is not None:
                raise AlreadyExistsException(f"Database already exists: {body['Name']}")
            rows.insert_database(conn, body["Name"], body, now())
        return {}

    @operation("GetDatabase")
    def get_database(self, Name: str, CatalogId: str | None = None) -> dict[str, Any]:
        """GetDatabase → {"Database": {...}}."""
        with self.store.read() as conn:
            return {"Database": database_dict(require_database(conn, Name, "Name"))}

    @operation("GetDatabases")
    def get_databases(
        self,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
        ResourceShareType: str | None = None,
        AttributesToGet: list[str] | None = None,
    ) -> dict[str, Any]:
        """GetDatabases → {"DatabaseList", "NextToken"} (by name).

        ``ResourceShareType`` FOREIGN and FEDERATED list nothing (no database is shared with a
        local catalog), ALL the local databases. ``AttributesToGet`` (NAME, TARGET_DATABASE)
        limits the fields of each database.
        """
        limit = max_results(MaxResults, 100)
        if NextToken is not None and not isinstance(NextToken, str):
            raise InvalidInputException(f"NextToken must be a string, got {NextToken!r}")
        if ResourceShareType is not None and ResourceShareType not in SHARE_TYPES:
            raise InvalidInputException(
                f"ResourceShareType must be one of {', '.join(SHARE_TYPES)}, "
                f"got {ResourceShareType!r}"
            )
        fields = _attributes(AttributesToGet)
        if ResourceShareType in ("FOREIGN", "FEDERATED"):
            return {"DatabaseList": []}
        with self.store.read() as conn:
            records = rows.databases(conn, after=NextToken or "", limit=limit + 1)
        found = [database_dict(r) for r in records[:limit]]
        if fields is not None:
            found = [{k: v for k, v in d.items() if k in fields} for d in found]
        out: dict[str, Any] = {"DatabaseList": found}
        if len(records) > limit:
            out["NextToken"] = records[limit - 1].name
        return out

    @operation("UpdateDatabase")
    def update_database(
        self, Name: str, DatabaseInput: Mapping[str, Any], CatalogId: str | None = None
    ) -> dict[str, Any]:
        """UpdateDatabase (renaming is not supported); its Tags are kept."""
        body = database_input(DatabaseInput, "UpdateDatabase")
        with self.store.transaction() as conn:
            record = require_database(conn, Name, "Name")
            if body["Name"] != record.name:
                raise InvalidInputException(
                    f"UpdateDatabase: cannot rename database {record.name!r} to {body['Name']!r}"
                )
            if record.body.get("Tags"):
                body["Tags"] = record.body["Tags"]
            rows.update_database(conn, record.name, body)
        return {}

    @operation("DeleteDatabase")
    def delete_database(self, Name: str, CatalogId: str | None = None) -> dict[str, Any]:
        """DeleteDatabase: the database with its tables, versions and partitions."""
        with self.store.transaction() as conn:
            rows.delete_database(conn, require_database(conn, Name, "Name").name)
        return {}


def _attributes(value: Any) -> set[str] | None:
    """GetDatabases' AttributesToGet → the Database fields to return (None: all)."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or not all(v in DATABASE_ATTRIBUTES for v in value)
        or "NAME" not in value
    ):
        raise InvalidInputException(
            "AttributesToGet must be a non-empty list of NAME and TARGET_DATABASE that includes "
            f"NAME, got {value!r}"
        )
    return {"Name", *(["TargetDatabase"] if "TARGET_DATABASE" in value else [])}
