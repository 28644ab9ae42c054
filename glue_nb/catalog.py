"""The Data Catalog: databases, tables, table versions and partitions, kept in the store.

:class:`Catalog` speaks Glue's operations with Glue's PascalCase parameters and returns Glue-shaped
dicts (times as tz-aware datetimes). Names of databases and tables are lower-cased, as Glue does.
Every change to a table writes a new version (``VersionId`` "0" at creation, +1 per update);
``GetTableVersions`` returns all of them, the current one included, newest first. ``UpdateTable``
with ``SkipArchive=True`` still advances ``VersionId`` but drops the previous version.

:meth:`Catalog.apply_crawl` writes a crawl's result in the caller's transaction, honouring the
crawler's SchemaChangePolicy. For data scientists there are DataFrame views
(:meth:`~Catalog.tables_frame`, :meth:`~Catalog.schema_diff`, ...) and
:meth:`~Catalog.read_table`, which reads a table's files with its partition columns, opening only
the partitions that pass the filter.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from glue_nb.exceptions import (
    AlreadyExistsException,
    ConcurrentModificationException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.model import check_name, check_string_map
from glue_nb.store import dumps, loads
from glue_nb.timeutil import now, to_datetime, to_epoch

__all__ = ["Catalog", "partition_predicate"]

DATABASE_FIELDS = {
    "Name", "Description", "LocationUri", "Parameters", "CreateTableDefaultPermissions",
    "TargetDatabase", "FederatedDatabase",
}  # fmt: skip
TABLE_FIELDS = {
    "Name", "Description", "Owner", "LastAccessTime", "LastAnalyzedTime", "Retention",
    "StorageDescriptor", "PartitionKeys", "ViewOriginalText", "ViewExpandedText", "TableType",
    "Parameters", "TargetTable", "ViewDefinition",
}  # fmt: skip
PARTITION_FIELDS = {
    "Values",
    "LastAccessTime",
    "StorageDescriptor",
    "Parameters",
    "LastAnalyzedTime",
}
STAT_KEYS = ("recordCount", "averageRecordSize", "objectCount", "sizeKey")
DEPRECATED = "DEPRECATED_BY_CRAWLER"
NUMERIC_TYPES = ("tinyint", "smallint", "int", "integer", "bigint", "float", "double", "decimal")
KEEP_ON_CRAWL = ("Description", "Owner", "Retention", "LastAccessTime", "TargetTable")


def _known(names: Iterable[str], limit: int = 10) -> str:
    names = sorted(names)
    if not names:
        return "none"
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _max_results(value: Any, limit: int) -> int:
    if value is None:
        return limit
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInputException(
            f"MaxResults must be an integer from 1 to {limit}, got {value!r}"
        )
    return value


def _plain(value: Any) -> Any:
    """A JSON-safe deep copy (datetimes become epoch seconds)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "timestamp") and hasattr(value, "tzinfo"):
        return to_epoch(value)
    return value


def _columns(what: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputException(f"{what} must be a list of {{Name, Type}} maps")
    out = []
    for col in value:
        if not isinstance(col, Mapping) or not isinstance(col.get("Name"), str) or not col["Name"]:
            raise InvalidInputException(f"{what}: each column needs a Name string, got {col!r}")
        if col.get("Type") is not None and not isinstance(col["Type"], str):
            raise InvalidInputException(f"{what}: column {col['Name']!r} Type must be a string")
        out.append(_plain(col))
    return out


def _named_input(kind: str, value: Any, fields: set[str], where: str) -> dict[str, Any]:
    """A ``<kind>Input`` map: a valid lower-cased Name, only known fields, no None values."""
    if not isinstance(value, Mapping):
        raise InvalidInputException(f"{where}: {kind}Input must be a map with at least Name")
    name = check_name(kind, value.get("Name")).lower()
    unknown = sorted(set(value) - fields)
    if unknown:
        raise InvalidInputException(
            f"{where}: {kind}Input for {name!r} has unknown field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(fields))}"
        )
    body: dict[str, Any] = _plain({k: v for k, v in value.items() if v is not None})
    body["Name"] = name
    return body


def _table_input(value: Any, where: str) -> dict[str, Any]:
    """Validate a TableInput and return the normalised dict to store."""
    body = _named_input("Table", value, TABLE_FIELDS, where)
    name = body["Name"]
    sd = body.get("StorageDescriptor")
    if sd is not None:
        if not isinstance(sd, dict):
            raise InvalidInputException(f"{where}: table {name!r} StorageDescriptor must be a map")
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


def _partition_input(value: Any, keys: list[dict[str, Any]], where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputException(f"{where}: PartitionInput must be a map with Values")
    unknown = sorted(set(value) - PARTITION_FIELDS)
    if unknown:
        raise InvalidInputException(
            f"{where}: PartitionInput has unknown field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(PARTITION_FIELDS))}"
        )
    values = value.get("Values")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidInputException(f"{where}: partition Values must be a list of strings")
    if len(values) != len(keys):
        raise InvalidInputException(
            f"{where}: {len(values)} partition value(s) {values!r} for {len(keys)} partition "
            f"key(s) ({', '.join(k['Name'] for k in keys) or 'none'})"
        )
    body = _plain({k: v for k, v in value.items() if v is not None})
    if body.get("Parameters") is not None:
        body["Parameters"] = check_string_map(f"{where}: partition Parameters", body["Parameters"])
    return body


def _significant(body: Mapping[str, Any]) -> str:
    """The parts of a definition that make a new version (statistics excluded)."""
    copy = json.loads(dumps(body))
    for params in (copy.get("Parameters"), (copy.get("StorageDescriptor") or {}).get("Parameters")):
        if isinstance(params, dict):
            for key in STAT_KEYS:
                params.pop(key, None)
    return json.dumps(copy, sort_keys=True)


def _col_map(body: Mapping[str, Any]) -> dict[str, str]:
    return {
        c["Name"]: c.get("Type") or ""
        for c in (body.get("StorageDescriptor") or {}).get("Columns") or []
    }


def _schema_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    a, b = _col_map(old), _col_map(new)
    return {
        "ColumnsAdded": [c for c in b if c not in a],
        "ColumnsRemoved": [c for c in a if c not in b],
        "ColumnsRetyped": [f"{c}: {a[c]} -> {b[c]}" for c in b if c in a and a[c] != b[c]],
    }


def _under(location: str, roots: list[str]) -> bool:
    """Is ``location`` at or below one of the crawled roots (folders end with /)?"""
    if not location:
        return False
    slashed = location if location.endswith("/") else location + "/"
    return any(
        slashed.startswith(root) if root.endswith("/") else location == root for root in roots
    )


# =============================================================================================
# Partition expressions
# =============================================================================================
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))"
    r"|(?P<op><=|>=|<>|!=|=|<|>)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)"
    r"|(?P<id>`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(expression: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = expression.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidInputException(
                f"Expression {expression!r}: cannot parse at {text[pos : pos + 20]!r}"
            )
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        elif kind == "id" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, expression: str, keys: Mapping[str, str]) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.pos = 0
        self.keys = {k.lower(): (k, t.lower()) for k, t in keys.items()}

    def fail(self, why: str) -> InvalidInputException:
        return InvalidInputException(f"Expression {self.expression!r}: {why}")

    def peek(self, word: str | None = None) -> tuple[str, str] | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        if word is not None and not (tok[0] == "id" and tok[1].upper() == word):
            return None
        return tok

    def take(self, kind: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail("unexpected end")
        tok = self.tokens[self.pos]
        if kind is not None and tok[0] != kind:
            raise self.fail(f"expected {kind}, found {tok[1]!r}")
        self.pos += 1
        return tok

    def parse(self) -> Callable[[Mapping[str, str]], bool]:
        fn = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return fn

    def disjunction(self) -> Callable[[Mapping[str, str]], bool]:
        parts = [self.conjunction()]
        while self.peek("OR"):
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda v: any(p(v) for p in parts))

    def conjunction(self) -> Callable[[Mapping[str, str]], bool]:
        parts = [self.negation()]
        while self.peek("AND"):
            self.pos += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda v: all(p(v) for p in parts))

    def negation(self) -> Callable[[Mapping[str, str]], bool]:
        if self.peek("NOT"):
            self.pos += 1
            inner = self.negation()
            return lambda v: not inner(v)
        if self.peek() and self.peek()[0] == "lp":  # type: ignore[index]
            self.pos += 1
            inner = self.disjunction()
            self.take("rp")
            return inner
        return self.comparison()

    def literal(self) -> tuple[str, bool]:
        kind, value = self.take()
        if kind not in ("str", "num"):
            raise self.fail(f"expected a value, found {value!r}")
        return value, kind == "num"

    def comparison(self) -> Callable[[Mapping[str, str]], bool]:
        _, ident = self.take("id")
        key = self.keys.get(ident.lower())
        if key is None:
            known = _known(k for k, _ in self.keys.values())
            raise self.fail(f"{ident!r} is not a partition key (partition keys: {known})")
        name, key_type = key
        numeric_key = key_type.startswith(NUMERIC_TYPES)
        negate = False
        if self.peek("NOT"):
            self.pos += 1
            negate = True
        tok = self.peek()
        if tok is None:
            raise self.fail("unexpected end")
        if tok[0] == "op":
            if negate:
                raise self.fail("NOT must precede IN, LIKE or BETWEEN here")
            self.pos += 1
            op = tok[1]
            lit, num = self.literal()
            return _compare(name, op, lit, num or numeric_key)
        word = tok[1].upper() if tok[0] == "id" else ""
        self.pos += 1
        if word == "IN":
            self.take("lp")
            items = [self.literal()]
            while self.peek() and self.peek()[0] == "comma":  # type: ignore[index]
                self.pos += 1
                items.append(self.literal())
            self.take("rp")
            tests = [_compare(name, "=", lit, num or numeric_key) for lit, num in items]
            fn = lambda v: any(t(v) for t in tests)  # noqa: E731
        elif word == "LIKE":
            lit, _ = self.literal()
            pattern = re.compile(
                "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in lit)
                + r"\Z",
                re.DOTALL,
            )
            fn = lambda v: bool(pattern.match(v.get(name, "")))  # noqa: E731
        elif word == "BETWEEN":
            low, n1 = self.literal()
            if not self.peek("AND"):
                raise self.fail("BETWEEN needs AND")
            self.pos += 1
            high, n2 = self.literal()
            ge = _compare(name, ">=", low, n1 or numeric_key)
            le = _compare(name, "<=", high, n2 or numeric_key)
            fn = lambda v: ge(v) and le(v)  # noqa: E731
        else:
            raise self.fail(f"expected a comparison after {ident!r}, found {tok[1]!r}")
        return (lambda v: not fn(v)) if negate else fn


def _compare(key: str, op: str, literal: str, numeric: bool) -> Callable[[Mapping[str, str]], bool]:
    def test(values: Mapping[str, str]) -> bool:
        value = values.get(key)
        if value is None:
            return False
        a: Any
        b: Any
        if numeric:
            try:
                a, b = float(value), float(literal)
            except ValueError:
                a, b = value, literal
        else:
            a, b = value, literal
        if op == "=":
            return a == b
        if op in ("!=", "<>"):
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b

    return test


def partition_predicate(
    expression: str, keys: Mapping[str, str]
) -> Callable[[Mapping[str, str]], bool]:
    """Compile a GetPartitions ``Expression`` (``year = '2024' AND month IN ('01','02')``).

    ``keys`` maps partition key names to their types; numeric keys (and unquoted numbers)
    compare as numbers, everything else as strings. Supports ``= != <> < <= > >=``, ``IN``,
    ``LIKE`` (% and _), ``BETWEEN ... AND ...``, ``AND``, ``OR``, ``NOT`` and parentheses.
    """
    return _Parser(expression, keys).parse()


def _name_pattern(expression: str) -> re.Pattern[str]:
    """GetTables Expression: a regex; a bare ``*`` is read as ``.*`` (Hive style)."""
    converted = re.sub(r"(?<![.\])\\])\*", ".*", expression)
    try:
        return re.compile(converted, re.IGNORECASE)
    except re.error as exc:
        raise InvalidInputException(f"Expression {expression!r} is not a valid pattern: {exc}")


# =============================================================================================
# The catalog
# =============================================================================================
class Catalog:
    """Glue Data Catalog operations over a :class:`glue_nb.store.Store`."""

    def __init__(self, store: Any) -> None:
        self.store = store

    # -- lookups (inside any connection) -------------------------------------------------------
    @staticmethod
    def _db_row(conn: sqlite3.Connection, name: Any) -> sqlite3.Row | None:
        if not isinstance(name, str):
            raise InvalidInputException(f"DatabaseName must be a string, got {name!r}")
        return conn.execute("SELECT * FROM databases WHERE name = ?", (name.lower(),)).fetchone()

    def _require_db(self, conn: sqlite3.Connection, name: Any) -> sqlite3.Row:
        row = self._db_row(conn, name)
        if row is None:
            known = [r[0] for r in conn.execute("SELECT name FROM databases")]
            raise EntityNotFoundException(f"Database {name} not found (known: {_known(known)})")
        return row

    def _require_table(self, conn: sqlite3.Connection, database: Any, name: Any) -> sqlite3.Row:
        db = self._require_db(conn, database)["name"]
        if not isinstance(name, str):
            raise InvalidInputException(f"table Name must be a string, got {name!r}")
        row = conn.execute(
            "SELECT * FROM tables WHERE database_name = ? AND name = ?", (db, name.lower())
        ).fetchone()
        if row is None:
            known = [
                r[0] for r in conn.execute("SELECT name FROM tables WHERE database_name = ?", (db,))
            ]
            raise EntityNotFoundException(
                f"Table {name} not found in database {db} (tables there: {_known(known)})"
            )
        return row

    # -- dict shapes ----------------------------------------------------------------------------
    @staticmethod
    def _database_dict(row: sqlite3.Row) -> dict[str, Any]:
        body = loads(row["body"], {})
        out = {"Name": row["name"], **{k: v for k, v in body.items() if k != "Name"}}
        out["CreateTime"] = to_datetime(row["created_on"])
        out.setdefault("Parameters", {})
        return out

    @staticmethod
    def _table_dict(
        database: str, body: Mapping[str, Any], version: int, created: float, updated: float
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"Name": body["Name"], "DatabaseName": database}
        out.update({k: v for k, v in body.items() if k != "Name"})
        for key in ("LastAccessTime", "LastAnalyzedTime"):
            if isinstance(out.get(key), (int, float)):
                out[key] = to_datetime(out[key])
        out["CreateTime"] = to_datetime(created)
        out["UpdateTime"] = to_datetime(updated)
        out["IsRegisteredWithLakeFormation"] = False
        out["VersionId"] = str(version)
        return out

    def _row_table(self, row: sqlite3.Row) -> dict[str, Any]:
        return self._table_dict(
            row["database_name"],
            loads(row["body"]),
            row["version_id"],
            row["created_on"],
            row["updated_on"],
        )

    @staticmethod
    def _partition_dict(row: sqlite3.Row) -> dict[str, Any]:
        body = loads(row["body"], {})
        out = {
            "Values": body.get("Values", loads(row["values_key"])),
            "DatabaseName": row["database_name"],
            "TableName": row["table_name"],
            "CreationTime": to_datetime(row["created_on"]),
        }
        out.update({k: v for k, v in body.items() if k != "Values"})
        for key in ("LastAccessTime", "LastAnalyzedTime"):
            if isinstance(out.get(key), (int, float)):
                out[key] = to_datetime(out[key])
        return out

    # -- writes (inside the caller's transaction) ---------------------------------------------
    @staticmethod
    def _insert_database(conn: sqlite3.Connection, body: dict[str, Any], when: float) -> None:
        conn.execute(
            "INSERT INTO databases (name, body, created_on) VALUES (?, ?, ?)",
            (body["Name"], dumps(body), when),
        )

    @staticmethod
    def _insert_table(conn: sqlite3.Connection, db: str, body: dict[str, Any], when: float) -> None:
        conn.execute(
            "INSERT INTO tables (database_name, name, body, version_id, created_on, updated_on, "
            "location, updated_by_crawler) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            (
                db,
                body["Name"],
                dumps(body),
                when,
                when,
                (body.get("StorageDescriptor") or {}).get("Location"),
                (body.get("Parameters") or {}).get("UPDATED_BY_CRAWLER"),
            ),
        )
        conn.execute(
            "INSERT INTO table_versions (database_name, table_name, version_id, body, created_on, "
            "updated_on) VALUES (?, ?, 0, ?, ?, ?)",
            (db, body["Name"], dumps(body), when, when),
        )

    @staticmethod
    def _replace_table(
        conn: sqlite3.Connection,
        row: sqlite3.Row,
        body: dict[str, Any],
        when: float,
        *,
        mode: str = "archive",
    ) -> int:
        """Write a new definition. mode: archive (new version), skip (new id, previous
        version dropped) or refresh (same version rewritten: statistics only)."""
        db, name, version = row["database_name"], row["name"], row["version_id"]
        new_version = version if mode == "refresh" else version + 1
        conn.execute(
            "UPDATE tables SET body = ?, version_id = ?, updated_on = ?, location = ?, "
            "updated_by_crawler = ? WHERE database_name = ? AND name = ?",
            (
                dumps(body),
                new_version,
                when,
                (body.get("StorageDescriptor") or {}).get("Location"),
                (body.get("Parameters") or {}).get("UPDATED_BY_CRAWLER"),
                db,
                name,
            ),
        )
        if mode == "refresh":
            conn.execute(
                "UPDATE table_versions SET body = ?, updated_on = ? WHERE database_name = ? AND "
                "table_name = ? AND version_id = ?",
                (dumps(body), when, db, name, version),
            )
            return version
        if mode == "skip":
            conn.execute(
                "DELETE FROM table_versions WHERE database_name = ? AND table_name = ? AND "
                "version_id = ?",
                (db, name, version),
            )
        conn.execute(
            "INSERT INTO table_versions (database_name, table_name, version_id, body, created_on, "
            "updated_on) VALUES (?, ?, ?, ?, ?, ?)",
            (db, name, new_version, dumps(body), row["created_on"], when),
        )
        return new_version

    @staticmethod
    def _drop_table(conn: sqlite3.Connection, db: str, name: str) -> None:
        for table in ("tables", "table_versions", "partitions"):
            column = "name" if table == "tables" else "table_name"
            conn.execute(
                f"DELETE FROM {table} WHERE database_name = ? AND {column} = ?", (db, name)
            )

    @staticmethod
    def _put_partition(
        conn: sqlite3.Connection, db: str, table: str, body: dict[str, Any], when: float
    ) -> None:
        conn.execute(
            "INSERT INTO partitions (database_name, table_name, values_key, body, created_on, "
            "updated_on, location) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                db,
                table,
                dumps(body["Values"]),
                dumps(body),
                when,
                when,
                (body.get("StorageDescriptor") or {}).get("Location"),
            ),
        )

    # -- databases ------------------------------------------------------------------------------
    def create_database(
        self, DatabaseInput: Mapping[str, Any], CatalogId: str | None = None
    ) -> dict:
        """CreateDatabase; AlreadyExistsException when the name is taken."""
        body = self._database_input(DatabaseInput, "CreateDatabase")
        with self.store.transaction() as conn:
            if self._db_row(conn, body["Name"]) is not None:
                raise AlreadyExistsException(f"Database already exists: {body['Name']}")
            self._insert_database(conn, body, now())
        return {}

    @staticmethod
    def _database_input(value: Any, where: str) -> dict[str, Any]:
        body = _named_input("Database", value, DATABASE_FIELDS, where)
        name = body["Name"]
        if body.get("Parameters") is not None:
            body["Parameters"] = check_string_map(
                f"Database {name!r} Parameters", body["Parameters"]
            )
        return body

    def get_database(self, Name: str, CatalogId: str | None = None) -> dict:
        """GetDatabase → {"Database": {...}}."""
        with self.store.read() as conn:
            return {"Database": self._database_dict(self._require_db(conn, Name))}

    def get_databases(
        self,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
    ) -> dict:
        """GetDatabases → {"DatabaseList", "NextToken"} (by name)."""
        limit = _max_results(MaxResults, 100)
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM databases WHERE name > ? ORDER BY name LIMIT ?",
                (NextToken or "", limit + 1),
            ).fetchall()
        out: dict[str, Any] = {"DatabaseList": [self._database_dict(r) for r in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = rows[limit - 1]["name"]
        return out

    def update_database(
        self, Name: str, DatabaseInput: Mapping[str, Any], CatalogId: str | None = None
    ) -> dict:
        """UpdateDatabase (renaming is not supported)."""
        body = self._database_input(DatabaseInput, "UpdateDatabase")
        with self.store.transaction() as conn:
            row = self._require_db(conn, Name)
            if body["Name"] != row["name"]:
                raise InvalidInputException(
                    f"UpdateDatabase: cannot rename database {row['name']!r} to {body['Name']!r}"
                )
            conn.execute("UPDATE databases SET body = ? WHERE name = ?", (dumps(body), row["name"]))
        return {}

    def delete_database(self, Name: str, CatalogId: str | None = None) -> dict:
        """DeleteDatabase: the database with its tables, versions and partitions."""
        with self.store.transaction() as conn:
            db = self._require_db(conn, Name)["name"]
            for table in ("tables", "table_versions", "partitions"):
                conn.execute(f"DELETE FROM {table} WHERE database_name = ?", (db,))
            conn.execute("DELETE FROM databases WHERE name = ?", (db,))
        return {}

    # -- tables ---------------------------------------------------------------------------------
    def create_table(
        self,
        DatabaseName: str,
        TableInput: Mapping[str, Any],
        CatalogId: str | None = None,
    ) -> dict:
        """CreateTable; EntityNotFound for a missing database, AlreadyExists for a taken name."""
        body = _table_input(TableInput, "CreateTable")
        with self.store.transaction() as conn:
            db = self._require_db(conn, DatabaseName)["name"]
            exists = conn.execute(
                "SELECT 1 FROM tables WHERE database_name = ? AND name = ?", (db, body["Name"])
            ).fetchone()
            if exists:
                raise AlreadyExistsException(f"Table already exists: {db}.{body['Name']}")
            self._insert_table(conn, db, body, now())
        return {}

    def get_table(self, DatabaseName: str, Name: str, CatalogId: str | None = None) -> dict:
        """GetTable → {"Table": {...}}."""
        with self.store.read() as conn:
            return {"Table": self._row_table(self._require_table(conn, DatabaseName, Name))}

    def get_tables(
        self,
        DatabaseName: str,
        Expression: str | None = None,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
    ) -> dict:
        """GetTables → {"TableList", "NextToken"}; Expression is a name regex (``*`` = ``.*``)."""
        limit = _max_results(MaxResults, 100)
        pattern = _name_pattern(Expression) if Expression else None
        out: list[dict[str, Any]] = []
        token = None
        with self.store.read() as conn:
            db = self._require_db(conn, DatabaseName)["name"]
            rows = conn.execute(
                "SELECT * FROM tables WHERE database_name = ? AND name > ? ORDER BY name",
                (db, NextToken or ""),
            )
            for row in rows:
                if pattern is not None and not pattern.fullmatch(row["name"]):
                    continue
                if len(out) == limit:
                    token = out[-1]["Name"]
                    break
                out.append(self._row_table(row))
        result: dict[str, Any] = {"TableList": out}
        if token:
            result["NextToken"] = token
        return result

    def update_table(
        self,
        DatabaseName: str,
        TableInput: Mapping[str, Any],
        SkipArchive: bool = False,
        VersionId: str | None = None,
        CatalogId: str | None = None,
    ) -> dict:
        """UpdateTable: archives the previous definition as a version unless SkipArchive.

        With ``VersionId`` (the version the caller read), a concurrent update raises
        ConcurrentModificationException, as in Glue.
        """
        body = _table_input(TableInput, "UpdateTable")
        with self.store.transaction() as conn:
            row = self._require_table(conn, DatabaseName, body["Name"])
            if VersionId is not None and str(VersionId) != str(row["version_id"]):
                raise ConcurrentModificationException(
                    f"Update table failed due to concurrent modifications: table "
                    f"{row['database_name']}.{row['name']} is at version {row['version_id']}, "
                    f"not {VersionId}"
                )
            self._replace_table(conn, row, body, now(), mode="skip" if SkipArchive else "archive")
        return {}

    def delete_table(self, DatabaseName: str, Name: str, CatalogId: str | None = None) -> dict:
        """DeleteTable: the table, its versions and partitions."""
        with self.store.transaction() as conn:
            row = self._require_table(conn, DatabaseName, Name)
            self._drop_table(conn, row["database_name"], row["name"])
        return {}

    def get_table_versions(
        self,
        DatabaseName: str,
        TableName: str,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        CatalogId: str | None = None,
    ) -> dict:
        """GetTableVersions → {"TableVersions": [{Table, VersionId}], NextToken}, newest first."""
        limit = _max_results(MaxResults, 100)
        start = int(NextToken) if NextToken else None
        with self.store.read() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            rows = conn.execute(
                "SELECT * FROM table_versions WHERE database_name = ? AND table_name = ? "
                "AND version_id < ? ORDER BY version_id DESC LIMIT ?",
                (
                    row["database_name"],
                    row["name"],
                    start if start is not None else 2**62,
                    limit + 1,
                ),
            ).fetchall()
        versions = [
            {
                "Table": self._table_dict(
                    r["database_name"],
                    loads(r["body"]),
                    r["version_id"],
                    r["created_on"],
                    r["updated_on"],
                ),
                "VersionId": str(r["version_id"]),
            }
            for r in rows[:limit]
        ]
        out: dict[str, Any] = {"TableVersions": versions}
        if len(rows) > limit:
            out["NextToken"] = str(rows[limit - 1]["version_id"])
        return out

    def get_table_version(
        self,
        DatabaseName: str,
        TableName: str,
        VersionId: str | int | None = None,
        CatalogId: str | None = None,
    ) -> dict:
        """GetTableVersion → {"TableVersion": {Table, VersionId}} (current without VersionId)."""
        with self.store.read() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            version = row["version_id"] if VersionId is None else self._version(VersionId)
            found = conn.execute(
                "SELECT * FROM table_versions WHERE database_name = ? AND table_name = ? AND "
                "version_id = ?",
                (row["database_name"], row["name"], version),
            ).fetchone()
            if found is None:
                ids = [
                    str(r[0])
                    for r in conn.execute(
                        "SELECT version_id FROM table_versions WHERE database_name = ? AND "
                        "table_name = ? ORDER BY version_id",
                        (row["database_name"], row["name"]),
                    )
                ]
                raise EntityNotFoundException(
                    f"Version {VersionId} of table {row['database_name']}.{row['name']} not found "
                    f"(versions: {', '.join(ids)})"
                )
        table = self._table_dict(
            found["database_name"],
            loads(found["body"]),
            version,
            found["created_on"],
            found["updated_on"],
        )
        return {"TableVersion": {"Table": table, "VersionId": str(version)}}

    @staticmethod
    def _version(value: Any) -> int:
        try:
            return int(str(value))
        except ValueError:
            raise InvalidInputException(f"VersionId must be a number string, got {value!r}")

    def delete_table_version(
        self,
        DatabaseName: str,
        TableName: str,
        VersionId: str,
        CatalogId: str | None = None,
    ) -> dict:
        """DeleteTableVersion (the current version cannot be deleted)."""
        version = self._version(VersionId)
        with self.store.transaction() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            if version == row["version_id"]:
                raise InvalidInputException(
                    f"Version {version} is the current version of {row['database_name']}."
                    f"{row['name']} and cannot be deleted"
                )
            cur = conn.execute(
                "DELETE FROM table_versions WHERE database_name = ? AND table_name = ? AND "
                "version_id = ?",
                (row["database_name"], row["name"], version),
            )
            if cur.rowcount == 0:
                raise EntityNotFoundException(
                    f"Version {version} of table {row['database_name']}.{row['name']} not found"
                )
        return {}

    # -- partitions -----------------------------------------------------------------------------
    def create_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionInput: Mapping[str, Any],
        CatalogId: str | None = None,
    ) -> dict:
        """CreatePartition; AlreadyExists when those values exist."""
        with self.store.transaction() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            keys = loads(row["body"]).get("PartitionKeys") or []
            body = _partition_input(PartitionInput, keys, "CreatePartition")
            exists = conn.execute(
                "SELECT 1 FROM partitions WHERE database_name = ? AND table_name = ? AND "
                "values_key = ?",
                (row["database_name"], row["name"], dumps(body["Values"])),
            ).fetchone()
            if exists:
                raise AlreadyExistsException(
                    f"Partition already exists: {row['database_name']}.{row['name']} "
                    f"{body['Values']}"
                )
            self._put_partition(conn, row["database_name"], row["name"], body, now())
        return {}

    def get_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionValues: list[str],
        CatalogId: str | None = None,
    ) -> dict:
        """GetPartition → {"Partition": {...}}."""
        if not isinstance(PartitionValues, list):
            raise InvalidInputException("PartitionValues must be a list of strings")
        with self.store.read() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            found = conn.execute(
                "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? AND "
                "values_key = ?",
                (row["database_name"], row["name"], dumps([str(v) for v in PartitionValues])),
            ).fetchone()
        if found is None:
            raise EntityNotFoundException(
                f"Partition {PartitionValues} of table {row['database_name']}.{row['name']} "
                "not found"
            )
        return {"Partition": self._partition_dict(found)}

    def get_partitions(
        self,
        DatabaseName: str,
        TableName: str,
        Expression: str | None = None,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        ExcludeColumnSchema: bool = False,
        CatalogId: str | None = None,
    ) -> dict:
        """GetPartitions → {"Partitions", "NextToken"}; Expression filters on partition keys."""
        limit = _max_results(MaxResults, 1000)
        out: list[dict[str, Any]] = []
        token = None
        with self.store.read() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            keys = loads(row["body"]).get("PartitionKeys") or []
            test = (
                partition_predicate(
                    Expression, {k["Name"]: k.get("Type") or "string" for k in keys}
                )
                if Expression
                else None
            )
            rows = conn.execute(
                "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? AND "
                "values_key > ? ORDER BY values_key",
                (row["database_name"], row["name"], NextToken or ""),
            )
            names = [k["Name"] for k in keys]
            last = None
            for prow in rows:
                values = loads(prow["values_key"])
                if test is not None and not test(dict(zip(names, values, strict=False))):
                    continue
                if len(out) == limit:
                    token = last
                    break
                part = self._partition_dict(prow)
                if ExcludeColumnSchema and "StorageDescriptor" in part:
                    part["StorageDescriptor"] = {
                        k: v for k, v in part["StorageDescriptor"].items() if k != "Columns"
                    }
                out.append(part)
                last = prow["values_key"]
        result: dict[str, Any] = {"Partitions": out}
        if token:
            result["NextToken"] = token
        return result

    def delete_partition(
        self,
        DatabaseName: str,
        TableName: str,
        PartitionValues: list[str],
        CatalogId: str | None = None,
    ) -> dict:
        """DeletePartition; EntityNotFound when absent."""
        with self.store.transaction() as conn:
            row = self._require_table(conn, DatabaseName, TableName)
            cur = conn.execute(
                "DELETE FROM partitions WHERE database_name = ? AND table_name = ? "
                "AND values_key = ?",
                (row["database_name"], row["name"], dumps([str(v) for v in PartitionValues])),
            )
            if cur.rowcount == 0:
                raise EntityNotFoundException(
                    f"Partition {PartitionValues} of table {row['database_name']}.{row['name']} "
                    "not found"
                )
        return {}

    # -- crawls ---------------------------------------------------------------------------------
    def apply_crawl(
        self, crawler: Mapping[str, Any], result: Mapping[str, Any], conn: sqlite3.Connection
    ) -> dict[str, Any]:
        """Write a SUCCEEDED crawl result inside the caller's transaction; return the summary.

        New tables and partitions are always created (the database too). Existing tables are
        updated (a new version) when UpdateBehavior is UPDATE_IN_DATABASE and their schema or
        format changed; a change of statistics alone refreshes the current version. Tables this
        crawler made whose data is gone are handled by DeleteBehavior: DEPRECATE_IN_DATABASE
        sets ``Parameters.DEPRECATED_BY_CRAWLER`` (epoch ms, a new version),
        DELETE_FROM_DATABASE drops them, LOG only reports. Incremental results never update or
        delete. ``Configuration`` ``CrawlerOutput.Tables.AddOrUpdateBehavior=MergeNewColumns``
        only appends new columns.

        The summary lists table names ("db.table") under DatabasesCreated, TablesCreated,
        TablesUpdated, TablesUnchanged, TablesNotUpdated (LOG), TablesDeprecated, TablesDeleted,
        TablesNotDeleted (LOG); counts PartitionsAdded/Updated/Deprecated/Deleted/NotDeleted;
        PartitionsSkipped with reasons; and SchemaChanges (per changed table: VersionId,
        ColumnsAdded, ColumnsRemoved, ColumnsRetyped, Applied).
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
        databases: list[str] = []
        if crawler.get("DatabaseName"):
            databases.append(str(crawler["DatabaseName"]).lower())
        for item in [*result.get("Tables", ()), *result.get("Partitions", ())]:
            db = str(item.get("DatabaseName") or crawler.get("DatabaseName") or "").lower()
            if db and db not in databases:
                databases.append(db)
        for db in databases:
            if self._db_row(conn, db) is None:
                self._insert_database(conn, {"Name": check_name("Database", db)}, when)
                summary["DatabasesCreated"].append(db)

        present: set[tuple[str, str]] = set()
        for item in result.get("Tables", ()):
            db = str(item.get("DatabaseName") or crawler.get("DatabaseName")).lower()
            body = _table_input({k: v for k, v in item.items() if k != "DatabaseName"}, "crawl")
            full = f"{db}.{body['Name']}"
            present.add((db, body["Name"]))
            row = conn.execute(
                "SELECT * FROM tables WHERE database_name = ? AND name = ?", (db, body["Name"])
            ).fetchone()
            if row is None:
                self._insert_table(conn, db, body, when)
                summary["TablesCreated"].append(full)
                continue
            old = loads(row["body"])
            new = self._crawl_body(old, body, merge_new)
            changed = _significant(old) != _significant(new)
            if update == "LOG":
                if changed:
                    summary["TablesNotUpdated"].append(full)
                    summary["SchemaChanges"].append(
                        {"Table": full, "Applied": False, **_schema_changes(old, new)}
                    )
                else:
                    summary["TablesUnchanged"].append(full)
                continue
            if changed:
                version = self._replace_table(conn, row, new, when, mode="archive")
                summary["TablesUpdated"].append(full)
                summary["SchemaChanges"].append(
                    {
                        "Table": full,
                        "Applied": True,
                        "VersionId": str(version),
                        **_schema_changes(old, new),
                    }
                )
            else:
                if dumps(old) != dumps(new):
                    self._replace_table(conn, row, new, when, mode="refresh")
                summary["TablesUnchanged"].append(full)

        seen_parts: dict[tuple[str, str], set[str]] = {}
        for item in result.get("Partitions", ()):
            db = str(item.get("DatabaseName") or crawler.get("DatabaseName")).lower()
            table = str(item.get("TableName")).lower()
            row = conn.execute(
                "SELECT body FROM tables WHERE database_name = ? AND name = ?", (db, table)
            ).fetchone()
            if row is None:
                summary["PartitionsSkipped"].append(
                    {
                        "Table": f"{db}.{table}",
                        "Values": item.get("Values"),
                        "Reason": "no such table",
                    }
                )
                continue
            keys = loads(row["body"]).get("PartitionKeys") or []
            fields = {k: v for k, v in item.items() if k in PARTITION_FIELDS}
            try:
                body = _partition_input(fields, keys, "crawl")
            except InvalidInputException as exc:
                summary["PartitionsSkipped"].append(
                    {"Table": f"{db}.{table}", "Values": item.get("Values"), "Reason": exc.message}
                )
                continue
            key = dumps(body["Values"])
            seen_parts.setdefault((db, table), set()).add(key)
            existing = conn.execute(
                "SELECT body FROM partitions WHERE database_name = ? AND table_name = ? AND "
                "values_key = ?",
                (db, table, key),
            ).fetchone()
            if existing is None:
                self._put_partition(conn, db, table, body, when)
                summary["PartitionsAdded"] += 1
                continue
            old = loads(existing["body"])
            changed = _significant(old) != _significant(body)
            if update == "LOG" and changed:
                continue
            if dumps(old) != dumps(body):
                conn.execute(
                    "UPDATE partitions SET body = ?, updated_on = ?, location = ? WHERE "
                    "database_name = ? AND table_name = ? AND values_key = ?",
                    (
                        dumps(body),
                        when,
                        (body.get("StorageDescriptor") or {}).get("Location"),
                        db,
                        table,
                        key,
                    ),
                )
                if changed:
                    summary["PartitionsUpdated"] += 1

        if not incremental:
            self._gone(conn, crawler, result, present, seen_parts, delete, when, summary)
        return summary

    @staticmethod
    def _crawl_body(old: Mapping[str, Any], new: dict[str, Any], merge_new: bool) -> dict[str, Any]:
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

    def _gone(
        self,
        conn: sqlite3.Connection,
        crawler: Mapping[str, Any],
        result: Mapping[str, Any],
        present: set[tuple[str, str]],
        seen_parts: dict[tuple[str, str], set[str]],
        delete: str,
        when: float,
        summary: dict[str, Any],
    ) -> None:
        """Apply DeleteBehavior to this crawler's tables and partitions that were not found."""
        name = crawler.get("Name")
        roots = list(result.get("Targets") or ())
        catalog_targets = {
            (str(ct.get("DatabaseName", "")).lower(), str(t).lower())
            for ct in (crawler.get("Targets") or {}).get("CatalogTargets") or ()
            for t in ct.get("Tables") or ()
        }
        candidates = conn.execute(
            "SELECT * FROM tables WHERE updated_by_crawler = ?", (name,)
        ).fetchall()
        if catalog_targets:
            extra = [
                conn.execute(
                    "SELECT * FROM tables WHERE database_name = ? AND name = ?", key
                ).fetchone()
                for key in sorted(catalog_targets)
            ]
            candidates += [r for r in extra if r is not None]
        done: set[tuple[str, str]] = set()
        for row in candidates:
            key = (row["database_name"], row["name"])
            if key in present or key in done:
                continue
            done.add(key)
            if key not in catalog_targets and not _under(row["location"] or "", roots):
                continue
            full = f"{key[0]}.{key[1]}"
            if delete == "DELETE_FROM_DATABASE":
                self._drop_table(conn, *key)
                summary["TablesDeleted"].append(full)
            elif delete == "DEPRECATE_IN_DATABASE":
                body = loads(row["body"])
                params = body.setdefault("Parameters", {})
                if DEPRECATED in params:
                    continue
                params[DEPRECATED] = str(int(when * 1000))
                self._replace_table(conn, row, body, when, mode="archive")
                summary["TablesDeprecated"].append(full)
            else:
                summary["TablesNotDeleted"].append(full)
        for (db, table), keys in seen_parts.items():
            self._gone_partitions(conn, db, table, keys, delete, when, summary)
        for db, table in present - set(seen_parts):
            self._gone_partitions(conn, db, table, set(), delete, when, summary)

    @staticmethod
    def _gone_partitions(
        conn: sqlite3.Connection,
        db: str,
        table: str,
        keep: set[str],
        delete: str,
        when: float,
        summary: dict[str, Any],
    ) -> None:
        rows = conn.execute(
            "SELECT values_key, body FROM partitions WHERE database_name = ? AND table_name = ?",
            (db, table),
        ).fetchall()
        for prow in rows:
            if prow["values_key"] in keep:
                continue
            if delete == "DELETE_FROM_DATABASE":
                conn.execute(
                    "DELETE FROM partitions WHERE database_name = ? AND table_name = ? AND "
                    "values_key = ?",
                    (db, table, prow["values_key"]),
                )
                summary["PartitionsDeleted"] += 1
            elif delete == "DEPRECATE_IN_DATABASE":
                body = loads(prow["body"])
                params = body.setdefault("Parameters", {})
                if DEPRECATED in params:
                    continue
                params[DEPRECATED] = str(int(when * 1000))
                conn.execute(
                    "UPDATE partitions SET body = ?, updated_on = ? WHERE database_name = ? AND "
                    "table_name = ? AND values_key = ?",
                    (dumps(body), when, db, table, prow["values_key"]),
                )
                summary["PartitionsDeprecated"] += 1
            else:
                summary["PartitionsNotDeleted"] += 1

    # -- DataFrames -----------------------------------------------------------------------------
    def databases_frame(self) -> Any:
        """One row per database: Name, Description, LocationUri, Tables, CreateTime."""
        import pandas as pd

        with self.store.read() as conn:
            counts = dict(
                conn.execute(
                    "SELECT database_name, COUNT(*) FROM tables GROUP BY database_name"
                ).fetchall()
            )
            rows = [
                self._database_dict(r)
                for r in conn.execute("SELECT * FROM databases ORDER BY name")
            ]
        return pd.DataFrame(
            [
                {
                    "Name": d["Name"],
                    "Description": d.get("Description"),
                    "LocationUri": d.get("LocationUri"),
                    "Tables": int(counts.get(d["Name"], 0)),
                    "CreateTime": d["CreateTime"],
                }
                for d in rows
            ],
            columns=["Name", "Description", "LocationUri", "Tables", "CreateTime"],
        )

    def tables_frame(self, database: str) -> Any:
        """One row per table of ``database``: format, location, sizes, version, crawler state."""
        import pandas as pd

        columns = [
            "Name", "Classification", "Location", "Columns", "PartitionKeys", "Partitions",
            "RecordCount", "SizeBytes", "VersionId", "UpdatedByCrawler", "Deprecated",
            "CreateTime", "UpdateTime",
        ]  # fmt: skip
        with self.store.read() as conn:
            db = self._require_db(conn, database)["name"]
            counts = dict(
                conn.execute(
                    "SELECT table_name, COUNT(*) FROM partitions WHERE database_name = ? "
                    "GROUP BY table_name",
                    (db,),
                ).fetchall()
            )
            tables = [
                self._row_table(r)
                for r in conn.execute(
                    "SELECT * FROM tables WHERE database_name = ? ORDER BY name", (db,)
                )
            ]
        rows = []
        for t in tables:
            params = t.get("Parameters") or {}
            sd = t.get("StorageDescriptor") or {}
            rows.append(
                {
                    "Name": t["Name"],
                    "Classification": params.get("classification"),
                    "Location": sd.get("Location"),
                    "Columns": len(sd.get("Columns") or []),
                    "PartitionKeys": ", ".join(k["Name"] for k in t.get("PartitionKeys") or []),
                    "Partitions": int(counts.get(t["Name"], 0)),
                    "RecordCount": _int(params.get("recordCount")),
                    "SizeBytes": _int(params.get("sizeKey")),
                    "VersionId": int(t["VersionId"]),
                    "UpdatedByCrawler": params.get("UPDATED_BY_CRAWLER"),
                    "Deprecated": DEPRECATED in params,
                    "CreateTime": t["CreateTime"],
                    "UpdateTime": t["UpdateTime"],
                }
            )
        return pd.DataFrame(rows, columns=columns)

    def columns_frame(self, database: str, table: str) -> Any:
        """One row per column (partition keys last): Position, Name, Type, Comment, PartitionKey."""
        import pandas as pd

        t = self.get_table(DatabaseName=database, Name=table)["Table"]
        rows = []
        cols = (t.get("StorageDescriptor") or {}).get("Columns") or []
        for i, c in enumerate([*cols, *(t.get("PartitionKeys") or [])]):
            rows.append(
                {
                    "Position": i,
                    "Name": c["Name"],
                    "Type": c.get("Type"),
                    "Comment": c.get("Comment"),
                    "PartitionKey": i >= len(cols),
                }
            )
        return pd.DataFrame(rows, columns=["Position", "Name", "Type", "Comment", "PartitionKey"])

    def partitions_frame(self, database: str, table: str) -> Any:
        """One row per partition: a column per key, Location, RecordCount, CreationTime."""
        import pandas as pd

        t = self.get_table(DatabaseName=database, Name=table)["Table"]
        keys = [k["Name"] for k in t.get("PartitionKeys") or []]
        parts = self._all_partitions(t)
        rows = []
        for p in parts:
            row: dict[str, Any] = dict(zip(keys, p["Values"], strict=False))
            params = p.get("Parameters") or {}
            row["Location"] = (p.get("StorageDescriptor") or {}).get("Location")
            row["RecordCount"] = _int(params.get("recordCount"))
            row["CreationTime"] = p.get("CreationTime")
            rows.append(row)
        return pd.DataFrame(rows, columns=[*keys, "Location", "RecordCount", "CreationTime"])

    def versions_frame(self, database: str, table: str) -> Any:
        """One row per version, oldest first, with the columns added/removed/retyped."""
        import pandas as pd

        versions = self._versions(database, table)
        rows = []
        previous: dict[str, Any] | None = None
        for v in versions:
            body = v["Table"]
            cols = _col_map(body)
            change = _schema_changes(previous, body) if previous is not None else None
            rows.append(
                {
                    "VersionId": int(v["VersionId"]),
                    "UpdateTime": body.get("UpdateTime"),
                    "Columns": len(cols),
                    "Added": ", ".join(change["ColumnsAdded"]) if change else ", ".join(cols),
                    "Removed": ", ".join(change["ColumnsRemoved"]) if change else "",
                    "Retyped": ", ".join(change["ColumnsRetyped"]) if change else "",
                    "Deprecated": DEPRECATED in (body.get("Parameters") or {}),
                    "Schema": ", ".join(f"{k}:{t}" for k, t in cols.items()),
                }
            )
            previous = body
        return pd.DataFrame(
            rows,
            columns=[
                "VersionId",
                "UpdateTime",
                "Columns",
                "Added",
                "Removed",
                "Retyped",
                "Deprecated",
                "Schema",
            ],
        )

    def _versions(self, database: str, table: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.get_table_versions(
                DatabaseName=database, TableName=table, NextToken=token, MaxResults=100
            )
            out.extend(page["TableVersions"])
            token = page.get("NextToken")
            if not token:
                break
        return list(reversed(out))

    def schema_diff(
        self, database: str, table: str, version_a: str | int, version_b: str | int
    ) -> Any:
        """Column by column: Change (added/removed/type changed/unchanged), TypeA, TypeB."""
        import pandas as pd

        def schema(version: str | int) -> tuple[dict[str, str], set[str]]:
            t = self.get_table_version(DatabaseName=database, TableName=table, VersionId=version)
            body = t["TableVersion"]["Table"]
            keys = {k["Name"]: k.get("Type") or "" for k in body.get("PartitionKeys") or []}
            return {**_col_map(body), **keys}, set(keys)

        a, keys_a = schema(version_a)
        b, keys_b = schema(version_b)
        rows = []
        for name in [*a, *(n for n in b if n not in a)]:
            if name not in b:
                change = "removed"
            elif name not in a:
                change = "added"
            elif a[name] != b[name]:
                change = "type changed"
            else:
                change = "unchanged"
            rows.append(
                {
                    "Column": name,
                    "Change": change,
                    "TypeA": a.get(name),
                    "TypeB": b.get(name),
                    "PartitionKey": name in keys_a or name in keys_b,
                }
            )
        return pd.DataFrame(rows, columns=["Column", "Change", "TypeA", "TypeB", "PartitionKey"])

    # -- reading data ---------------------------------------------------------------------------
    def _all_partitions(self, table: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM partitions WHERE database_name = ? AND table_name = ? "
                "ORDER BY values_key",
                (table["DatabaseName"], table["Name"]),
            ).fetchall()
        return [self._partition_dict(r) for r in rows]

    def read_table(
        self,
        database: str,
        table: str,
        *,
        partitions: Mapping[str, Any] | Callable[[dict[str, str]], bool] | str | None = None,
        columns: list[str] | None = None,
        errors: str = "raise",
    ) -> Any:
        """The table's data as a DataFrame, partition columns included.

        ``partitions`` selects partitions before any file is opened: a dict
        ``{key: value | [values] | callable(value) -> bool}``, a callable given
        ``{key: value}``, or a GetPartitions expression string. ``columns`` limits the columns
        (Parquet and CSV read only those). Reads csv/tsv, json lines and parquet, gzip too;
        values are converted to the catalog's column types. A file that cannot be read raises
        InvalidInputException naming it, or with ``errors="skip"`` is left out with a warning.
        """
        import pandas as pd

        t = self.get_table(DatabaseName=database, Name=table)["Table"]
        sd = t.get("StorageDescriptor") or {}
        params = {**(sd.get("Parameters") or {}), **(t.get("Parameters") or {})}
        keys = t.get("PartitionKeys") or []
        key_names = [k["Name"] for k in keys]
        table_cols = [c["Name"] for c in sd.get("Columns") or []]
        types = {
            c["Name"]: (c.get("Type") or "string").lower()
            for c in [*(sd.get("Columns") or []), *(t.get("PartitionKeys") or [])]
        }
        full = f"{t['DatabaseName']}.{t['Name']}"
        if errors not in ("raise", "skip"):
            raise InvalidInputException(
                f"read_table: errors must be 'raise' or 'skip', got {errors!r}"
            )
        if columns is not None:
            unknown = [c for c in columns if c not in table_cols and c not in key_names]
            if unknown:
                raise InvalidInputException(
                    f"read_table {full}: unknown column(s) {', '.join(unknown)} "
                    f"(columns: {', '.join(table_cols + key_names)})"
                )
        data_cols = [c for c in columns if c not in key_names] if columns is not None else None
        if keys:
            test = self._partition_filter(full, partitions, keys)
            sources: list[tuple[str, dict[str, str]]] = []
            for p in self._all_partitions(t):
                location = (p.get("StorageDescriptor") or {}).get("Location")
                values = dict(zip(key_names, p["Values"], strict=False))
                if location and test(values):
                    sources.append((location, values))
        else:
            if partitions is not None:
                raise InvalidInputException(f"read_table {full}: the table has no partition keys")
            if not sd.get("Location"):
                raise InvalidInputException(f"read_table {full}: the table has no Location")
            sources = [(sd["Location"], {})]
        frames = []
        for location, values in sources:
            for url in _data_files(location):
                try:
                    frame = _read_file(url, params, table_cols, data_cols, types)
                except Exception as exc:
                    message = f"read_table {full}: cannot read {url}: {type(exc).__name__}: {exc}"
                    if errors != "skip":
                        raise InvalidInputException(
                            f"{message} (pass errors='skip' to leave unreadable files out)"
                        ) from exc
                    warnings.warn(message, stacklevel=2)
                    continue
                for key, value in values.items():
                    frame[key] = value
                frames.append(frame)
        wanted = columns if columns is not None else table_cols + key_names
        if not frames:
            return pd.DataFrame(
                {c: pd.Series(dtype=_dtype(types.get(c, "string"))) for c in wanted}
            )
        frame = pd.concat(frames, ignore_index=True, sort=False)
        for name in frame.columns:
            if name in types:
                frame[name] = _coerce(frame[name], types[name])
        for name in wanted:
            if name not in frame.columns:
                frame[name] = pd.Series(
                    [None] * len(frame), dtype=_dtype(types.get(name, "string"))
                )
        return frame[list(wanted)]

    @staticmethod
    def _partition_filter(
        full: str, partitions: Any, keys: list[dict[str, Any]]
    ) -> Callable[[dict[str, str]], bool]:
        names = [k["Name"] for k in keys]
        if partitions is None:
            return lambda values: True
        if isinstance(partitions, str):
            return partition_predicate(
                partitions, {k["Name"]: k.get("Type") or "string" for k in keys}
            )
        if callable(partitions):
            return lambda values: bool(partitions(dict(values)))
        if not isinstance(partitions, Mapping):
            raise InvalidInputException(
                f"read_table {full}: partitions must be a dict, a callable or an expression string"
            )
        unknown = [k for k in partitions if k not in names]
        if unknown:
            raise InvalidInputException(
                f"read_table {full}: {', '.join(map(str, unknown))} not a partition key "
                f"(partition keys: {', '.join(names)})"
            )
        tests: list[tuple[str, Callable[[str], bool]]] = []
        for key, want in partitions.items():
            if callable(want):
                tests.append((key, want))
            elif isinstance(want, (list, tuple, set, frozenset)):
                allowed = {str(w) for w in want}
                tests.append((key, allowed.__contains__))
            else:
                tests.append((key, str(want).__eq__))
        return lambda values: all(bool(test(values[key])) for key, test in tests)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _dtype(glue_type: str) -> str:
    if glue_type in ("tinyint", "smallint", "int", "integer", "bigint"):
        return "Int64"
    if glue_type in ("float", "double") or glue_type.startswith("decimal"):
        return "float64"
    if glue_type == "boolean":
        return "boolean"
    if glue_type in ("timestamp", "date"):
        return "datetime64[ns]"
    return "object"


def _coerce(series: Any, glue_type: str) -> Any:
    import pandas as pd

    try:
        if glue_type in ("tinyint", "smallint", "int", "integer", "bigint"):
            numbers = pd.to_numeric(series, errors="coerce")
            whole = numbers.dropna()
            if (whole == whole.round()).all():
                return numbers.astype("Int64")
            return numbers
        if glue_type in ("float", "double") or glue_type.startswith("decimal"):
            return pd.to_numeric(series, errors="coerce").astype("float64")
        if glue_type == "boolean":
            if str(series.dtype) in ("bool", "boolean"):
                return series.astype("boolean")
            mapped = series.map(
                lambda v: (
                    {"true": True, "false": False}.get(str(v).strip().lower(), pd.NA)
                    if v is not None and v == v
                    else pd.NA
                )
            )
            return mapped.astype("boolean")
        if glue_type in ("timestamp", "date"):
            if str(series.dtype).startswith("datetime64"):
                return series
            return pd.to_datetime(series, errors="coerce", format="mixed")
    except (TypeError, ValueError):
        return series
    return series


def _data_files(location: str) -> list[str]:
    """The data files directly in a location (hidden ``.``/``_`` names left out)."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(location)
    if fs.isfile(path):
        return [location]
    out = []
    for info in fs.ls(path, detail=True):
        name = info["name"].rstrip("/").rsplit("/", 1)[-1]
        if info.get("type") != "file" or name.startswith((".", "_")) or name.endswith(".crc"):
            continue
        out.append(location.rstrip("/") + "/" + name)
    return sorted(out)


def _open_data(url: str, compression: str | None) -> Any:
    """Open one data file for reading (the one place read_table opens files)."""
    import fsspec

    return fsspec.open(url, "rb", compression=compression).open()


def _read_file(
    url: str,
    params: Mapping[str, str],
    table_cols: list[str],
    data_cols: list[str] | None,
    types: Mapping[str, str],
) -> Any:
    import pandas as pd

    cls = params.get("classification", "")
    if not cls:
        lower = url.lower()
        cls = "parquet" if lower.endswith(".parquet") else "json" if ".json" in lower else "csv"
    compression = "gzip" if params.get("compressionType") == "gzip" else None
    with _open_data(url, None if cls == "parquet" else compression) as f:
        if cls == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(f)
            present = pf.schema_arrow.names
            wanted = [
                c for c in (data_cols if data_cols is not None else table_cols) if c in present
            ]
            return pf.read(columns=wanted).to_pandas()
        if cls == "json":
            try:
                frame = pd.read_json(f, lines=True)
            except ValueError:
                f.seek(0)
                frame = pd.json_normalize(json.load(f), max_level=0)
            if data_cols is not None:
                frame = frame[[c for c in data_cols if c in frame.columns]]
            return frame
        header = int(params.get("skip.header.line.count", "0") or 0) > 0
        as_text = {c: "object" for c, t in types.items() if t == "string"}
        frame = pd.read_csv(
            f,
            sep=params.get("delimiter", ","),
            header=0 if header else None,
            names=None if header else table_cols,
            dtype=as_text or None,
            usecols=(lambda c: c in data_cols) if data_cols is not None else None,
            skipinitialspace=False,
        )
        return frame
