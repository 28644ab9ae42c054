"""The catalog as pandas DataFrames, for data scientists: databases, tables, columns, partitions,
versions and the schema difference between two versions."""

from __future__ import annotations

from typing import Any

from glue_nb.catalog.changes import DEPRECATED, col_map, schema_changes
from glue_nb.catalog.lookups import load_partitions, load_table, require_database, require_table
from glue_nb.catalog.shapes import database_dict, table_dict, version_dict
from glue_nb.catalog.validation import version_number
from glue_nb.exceptions import EntityNotFoundException
from glue_nb.store import catalog as rows

__all__ = ["CatalogFrames"]


class CatalogFrames:
    """The DataFrame views of :class:`glue_nb.catalog.Catalog`."""

    store: Any

    def databases_frame(self) -> Any:
        """One row per database: Name, Description, LocationUri, Tables, CreateTime."""
        import pandas as pd

        with self.store.read() as conn:
            counts = rows.table_counts(conn)
            databases = [database_dict(r) for r in rows.databases(conn)]
        return pd.DataFrame(
            [
                {
                    "Name": d["Name"],
                    "Description": d.get("Description"),
                    "LocationUri": d.get("LocationUri"),
                    "Tables": int(counts.get(d["Name"], 0)),
                    "CreateTime": d["CreateTime"],
                }
                for d in databases
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
            db = require_database(conn, database, "database").name
            counts = rows.partition_counts(conn, db)
            tables = [table_dict(r) for r in rows.tables(conn, db)]
        out = []
        for t in tables:
            params = t.get("Parameters") or {}
            sd = t.get("StorageDescriptor") or {}
            out.append(
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
        return pd.DataFrame(out, columns=columns)

    def columns_frame(self, database: str, table: str) -> Any:
        """One row per column (partition keys last): Position, Name, Type, Comment, PartitionKey."""
        import pandas as pd

        t = load_table(self.store, database, table)
        out = []
        cols = (t.get("StorageDescriptor") or {}).get("Columns") or []
        for i, c in enumerate([*cols, *(t.get("PartitionKeys") or [])]):
            out.append(
                {
                    "Position": i,
                    "Name": c["Name"],
                    "Type": c.get("Type"),
                    "Comment": c.get("Comment"),
                    "PartitionKey": i >= len(cols),
                }
            )
        return pd.DataFrame(out, columns=["Position", "Name", "Type", "Comment", "PartitionKey"])

    def partitions_frame(self, database: str, table: str) -> Any:
        """One row per partition: a column per key, Location, RecordCount, CreationTime."""
        import pandas as pd

        t = load_table(self.store, database, table)
        keys = [k["Name"] for k in t.get("PartitionKeys") or []]
        parts = load_partitions(self.store, t)
        out = []
        for p in parts:
            row: dict[str, Any] = dict(zip(keys, p["Values"], strict=False))
            params = p.get("Parameters") or {}
            row["Location"] = (p.get("StorageDescriptor") or {}).get("Location")
            row["RecordCount"] = _int(params.get("recordCount"))
            row["CreationTime"] = p.get("CreationTime")
            out.append(row)
        return pd.DataFrame(out, columns=[*keys, "Location", "RecordCount", "CreationTime"])

    def versions_frame(self, database: str, table: str) -> Any:
        """One row per version, oldest first, with the columns added/removed/retyped."""
        import pandas as pd

        versions = self._versions(database, table)
        out = []
        previous: dict[str, Any] | None = None
        for v in versions:
            body = v["Table"]
            cols = col_map(body)
            change = schema_changes(previous, body) if previous is not None else None
            out.append(
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
            out,
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
        """Every TableVersion of a table, oldest first."""
        with self.store.read() as conn:
            record = require_table(conn, database, table, "table")
            found = rows.versions(conn, record.database, record.name, before=None, limit=None)
        return [version_dict(v) for v in reversed(found)]

    def schema_diff(
        self, database: str, table: str, version_a: str | int, version_b: str | int
    ) -> Any:
        """Column by column: Change (added/removed/type changed/unchanged), TypeA, TypeB."""
        import pandas as pd

        def schema(version: str | int) -> tuple[dict[str, str], set[str]]:
            with self.store.read() as conn:
                record = require_table(conn, database, table, "table")
                number = version_number(version, "version")
                found = rows.version(conn, record.database, record.name, number)
            if found is None:
                raise EntityNotFoundException(
                    f"Version {version} of table {record.database}.{record.name} not found"
                )
            body = table_dict(found)
            keys = {k["Name"]: k.get("Type") or "" for k in body.get("PartitionKeys") or []}
            return {**col_map(body), **keys}, set(keys)

        a, keys_a = schema(version_a)
        b, keys_b = schema(version_b)
        out = []
        for name in [*a, *(n for n in b if n not in a)]:
            if name not in b:
                change = "removed"
            elif name not in a:
                change = "added"
            elif a[name] != b[name]:
                change = "type changed"
            else:
                change = "unchanged"
            out.append(
                {
                    "Column": name,
                    "Change": change,
                    "TypeA": a.get(name),
                    "TypeB": b.get(name),
                    "PartitionKey": name in keys_a or name in keys_b,
                }
            )
        return pd.DataFrame(out, columns=["Column", "Change", "TypeA", "TypeB", "PartitionKey"])


def _int(value: Any) -> int | None:
    """A statistic such as recordCount as an int (None when absent or not a number)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
