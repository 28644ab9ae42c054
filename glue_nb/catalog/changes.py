"""Schema changes between two definitions of a table: which columns were added, removed or
retyped, and whether a change is more than statistics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from glue_nb.store import dumps

__all__ = ["DEPRECATED", "STAT_KEYS", "col_map", "schema_changes", "significant"]

STAT_KEYS = ("recordCount", "averageRecordSize", "objectCount", "sizeKey")
DEPRECATED = "DEPRECATED_BY_CRAWLER"  # the Parameters key a crawl's DEPRECATE_IN_DATABASE sets


def significant(body: Mapping[str, Any]) -> str:
    """The parts of a definition that make a new version (statistics excluded), as text."""
    copy = json.loads(dumps(body))
    for params in (copy.get("Parameters"), (copy.get("StorageDescriptor") or {}).get("Parameters")):
        if isinstance(params, dict):
            for key in STAT_KEYS:
                params.pop(key, None)
    return json.dumps(copy, sort_keys=True)


def col_map(body: Mapping[str, Any]) -> dict[str, str]:
    """Column name → type of a Table (or TableInput) dict, partition keys excluded."""
    return {
        c["Name"]: c.get("Type") or ""
        for c in (body.get("StorageDescriptor") or {}).get("Columns") or []
    }


def schema_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    """{ColumnsAdded, ColumnsRemoved, ColumnsRetyped ("c: int -> bigint")} from old to new."""
    a, b = col_map(old), col_map(new)
    return {
        "ColumnsAdded": [c for c in b if c not in a],
        "ColumnsRemoved": [c for c in a if c not in b],
        "ColumnsRetyped": [f"{c}: {a[c]} -> {b[c]}" for c in b if c in a and a[c] != b[c]],
    }
