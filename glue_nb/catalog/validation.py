"""Checks of the Data Catalog's inputs: DatabaseInput, TableInput, PartitionInput, partition values,
VersionIds, tags, page sizes and batch lists.

Every check raises InvalidInputException naming the field and what would be valid, before
anything is written, and returns the normalised value to store (names lower-cased as Glue does,
datetimes as epoch seconds, None values dropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_fields, check_name, check_string, check_string_map
from glue_nb.timeutil import to_epoch

__all__ = [
    "DATABASE_FIELDS",
    "PARTITION_FIELDS",
    "TABLE_FIELDS",
    "batch_list",
    "database_input",
    "known",
    "max_results",
    "name_of",
    "partition_input",
    "partition_values",
    "plain",
    "table_input",
    "tags",
    "version_number",
]

DATABASE_FIELDS = {
    "Name", "Description", "LocationUri", "Parameters", "CreateTableDefaultPermissions",
    "TargetDatabase", "FederatedDatabase",
}  # fmt: skip
TABLE_FIELDS = {
    "Name", "Description", "Owner", "LastAccessTime", "LastAnalyzedTime", "Retention",
    "StorageDescriptor", "PartitionKeys", "ViewOriginalText", "ViewExpandedText", "TableType",
    "Parameters", "TargetTable", "FederatedTable", "ViewDefinition",
}  # fmt: skip
PARTITION_FIELDS = {
    "Values",
    "LastAccessTime",
    "StorageDescriptor",
    "Parameters",
    "LastAnalyzedTime",
}
MAX_DESCRIPTION = 2048  # DescriptionString
MAX_VALUE = 1024  # ValueString: one partition value
MAX_KEYS = 100  # BoundedPartitionValueList
MAX_TAGS = 50  # TagsMap


def known(names: Iterable[str], limit: int = 10) -> str:
    """``a, b, c`` (the first ``limit`` sorted names, then how many in all), or ``none``."""
    names = sorted(names)
    if not names:
        return "none"
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def max_results(value: Any, limit: int, what: str = "MaxResults") -> int:
    """A page size from 1 to ``limit`` (``limit`` when None)."""
    if value is None:
        return limit
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInputException(f"{what} must be an integer from 1 to {limit}, got {value!r}")
    return value


def plain(value: Any) -> Any:
    """A JSON-safe deep copy (datetimes become epoch seconds)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "timestamp") and hasattr(value, "tzinfo"):
        return to_epoch(value)
    return value


def name_of(kind: str, value: Any, what: str) -> str:
    """A database or table name given as a parameter (``what``), lower-cased."""
    if not isinstance(value, str):
        raise InvalidInputException(f"{what} must be a string, got {value!r}")
    try:
        return check_name(kind, value).lower()
    except InvalidInputException as exc:
        raise InvalidInputException(f"{what}: {exc.message}")


def _columns(what: str, value: Any) -> list[dict[str, Any]]:
    """A Columns (or PartitionKeys) list, already made :func:`plain`: maps with a Name string
    and an optional Type."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputException(f"{what} must be a list of {{Name, Type}} maps")
    for col in value:
        if not isinstance(col, dict) or not isinstance(col.get("Name"), str) or not col["Name"]:
            raise InvalidInputException(f"{what}: each column needs a Name string, got {col!r}")
        if col.get("Type") is not None and not isinstance(col["Type"], str):
            raise InvalidInputException(f"{what}: column {col['Name']!r} Type must be a string")
    return value


def _named_input(kind: str, value: Any, fields: set[str], where: str) -> dict[str, Any]:
    """A ``<kind>Input`` map: a valid lower-cased Name, only known fields, no None values."""
    if not isinstance(value, Mapping):
        raise InvalidInputException(f"{where}: {kind}Input must be a map with at least Name")
    name = check_name(kind, value.get("Name")).lower()
    check_fields(f"{where}: {kind}Input for {name!r}", value, fields)
    body: dict[str, Any] = plain({k: v for k, v in value.items() if v is not None})
    body["Name"] = name
    description = body.get("Description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION
    ):
        raise InvalidInputException(
            f"{where}: {kind} {name!r} Description must be a string of at most "
            f"{MAX_DESCRIPTION} characters"
        )
    return body


def _strings(body: Mapping[str, Any], where: str, limits: Mapping[str, int]) -> None:
    """The string fields of an input that are given: strings within Glue's length limits."""
    for field, limit in limits.items():
        if body.get(field) is not None:
            check_string(f"{where}: {field}", body[field], limit)


def database_input(value: Any, where: str) -> dict[str, Any]:
    """Validate a DatabaseInput and return the normalised dict to store."""
    body = _named_input("Database", value, DATABASE_FIELDS, where)
    _strings(body, f"{where}: database {body['Name']!r}", {"LocationUri": 1024})
    if body.get("Parameters") is not None:
        body["Parameters"] = check_string_map(
            f"Database {body['Name']!r} Parameters", body["Parameters"]
        )
    return body


def table_input(value: Any, where: str) -> dict[str, Any]:
    """Validate a TableInput and return the normalised dict to store."""
    body = _named_input("Table", value, TABLE_FIELDS, where)
    name = body["Name"]
    _strings(body, f"{where}: table {name!r}", {"TableType": 255, "Owner": 255})
    sd = body.get("StorageDescriptor")
    if sd is not None:
        if not isinstance(sd, dict):
            raise InvalidInputException(f"{where}: table {name!r} StorageDescriptor must be a map")
        _strings(sd, f"{where}: table {name!r} StorageDescriptor", {"Location": 2056})
        sd["Columns"] = _columns(
            f"{where}: table {name!r} StorageDescriptor.Columns", sd.get("Columns")
        )
        if sd.get("Location") is not None and not isinstance(sd["Location"], str):
            raise InvalidInputException(f"{where}: table {name!r} Location must be a string")
        if sd.get("Parameters") is not None:
            sd["Parameters"] = check_string_map(
                f"{where}: table {name!r} StorageDescriptor.Parameters", sd["Parameters"]
            )
    body["PartitionKeys"] = _columns(
        f"{where}: table {name!r} PartitionKeys", body.get("PartitionKeys")
    )
    if body.get("Parameters") is not None:
        body["Parameters"] = check_string_map(
            f"{where}: table {name!r} Parameters", body["Parameters"]
        )
    retention = body.get("Retention")
    if retention is not None and (
        isinstance(retention, bool) or not isinstance(retention, int) or retention < 0
    ):
        raise InvalidInputException(
            f"{where}: table {name!r} Retention must be a non-negative integer, got {retention!r}"
        )
    seen: set[str] = set()
    for col in [*(sd or {}).get("Columns", []), *body["PartitionKeys"]]:
        low = col["Name"].lower()
        if low in seen:
            raise InvalidInputException(
                f"{where}: table {name!r} has the column {col['Name']!r} twice "
                "(columns and partition keys share one namespace)"
            )
        seen.add(low)
    return body


def partition_values(what: str, value: Any) -> list[str]:
    """A list of partition values (strings of 1-1024 characters, at most 100)."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) > MAX_KEYS
        or not all(isinstance(v, str) and 1 <= len(v) <= MAX_VALUE for v in value)
    ):
        raise InvalidInputException(
            f"{what} must be a list of at most {MAX_KEYS} strings of 1-{MAX_VALUE} characters, "
            f"got {value!r}"
        )
    return list(value)


def partition_input(value: Any, keys: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Validate a PartitionInput against its table's partition keys; the dict to store."""
    check_fields(f"{where}: PartitionInput", value, PARTITION_FIELDS, "Values")
    values = partition_values(f"{where}: partition Values", value.get("Values"))
    if len(values) != len(keys):
        raise InvalidInputException(
            f"{where}: The number of partition keys do not match the number of partition values: "
            f"{len(values)} partition value(s) {values!r} for {len(keys)} partition key(s) "
            f"({', '.join(k['Name'] for k in keys) or 'none'})"
        )
    body = plain({k: v for k, v in value.items() if v is not None})
    body["Values"] = values
    sd = body.get("StorageDescriptor")
    if sd is not None:
        if not isinstance(sd, dict):
            raise InvalidInputException(f"{where}: partition StorageDescriptor must be a map")
        if sd.get("Columns") is not None:
            sd["Columns"] = _columns(f"{where}: partition StorageDescriptor.Columns", sd["Columns"])
        if sd.get("Location") is not None and not isinstance(sd["Location"], str):
            raise InvalidInputException(f"{where}: partition Location must be a string")
    if body.get("Parameters") is not None:
        body["Parameters"] = check_string_map(f"{where}: partition Parameters", body["Parameters"])
    return body


def version_number(value: Any, what: str = "VersionId") -> int:
    """A table VersionId (a string holding a non-negative integer; an int is taken too)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInputException(f"{what} must be a number string, got {value!r}")
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInputException(f"{what} must be a number string, got {value!r}")
    if number < 0:
        raise InvalidInputException(f"{what} must not be negative, got {value!r}")
    return number


def tags(value: Any, where: str) -> dict[str, str]:
    """A TagsMap: at most 50 tags, keys of 1-128 and values of 0-256 characters."""
    if value is None:
        return {}
    out = check_string_map(f"{where}: Tags", value, key_limit=128)
    if len(out) > MAX_TAGS:
        raise InvalidInputException(f"{where}: Tags holds {len(out)} tags; at most {MAX_TAGS}")
    long = [k for k, v in out.items() if len(v) > 256]
    if long:
        raise InvalidInputException(
            f"{where}: Tags: the value of {long[0]!r} is longer than 256 characters"
        )
    return out


def batch_list(what: str, value: Any, limit: int, *, minimum: int = 0) -> list[Any]:
    """A batch operation's list parameter, from ``minimum`` to ``limit`` entries."""
    if not isinstance(value, (list, tuple)):
        raise InvalidInputException(f"{what} must be a list, got {type(value).__name__}")
    if not minimum <= len(value) <= limit:
        raise InvalidInputException(
            f"{what} must hold {minimum} to {limit} entries, got {len(value)}"
        )
    return list(value)
