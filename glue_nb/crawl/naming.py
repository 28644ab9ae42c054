"""Names: tables named after their folders (Glue's sanitising, TablePrefix, clashes), and the
names of partition keys.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from glue_nb.crawl.config import Settings
from glue_nb.crawl.grouping import Group
from glue_nb.crawl.journal import Journal
from glue_nb.crawl.listing import Target, slash

__all__ = ["assign_names", "partition_keys", "sanitize_table_name"]


def sanitize_table_name(name: str) -> str:
    """A Glue-style table name: lower case, letters, digits and underscores only."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return cleaned or "table"


def assign_names(
    outputs: list[tuple[Target, Group]], existing: list[dict[str, Any]], settings: Settings
) -> list[tuple[tuple[Target, Group], str]]:
    """A table name for each (target, group): a table whose location is catalogued keeps its name;
    a new one is named after its folder (TablePrefix first), with a hash of its location when
    that name is taken (by another table of this crawl, or by a table another crawler made)."""
    by_location = {
        (
            str(t.get("DatabaseName", "")).lower(),
            slash((t.get("StorageDescriptor") or {}).get("Location") or ""),
        ): t["Name"]
        for t in existing
    }
    by_name = {(str(t.get("DatabaseName", "")).lower(), t["Name"]): t for t in existing}
    taken: set[tuple[str, str]] = set()
    names: dict[int, str] = {}
    order = sorted(range(len(outputs)), key=lambda i: outputs[i][0].loc(outputs[i][1].root))
    for i in order:  # tables whose location is catalogued keep their name
        target, group = outputs[i]
        loc = slash(target.loc(group.root))
        if target.table is not None:
            names[i] = target.table
        elif (target.database, loc) in by_location:
            names[i] = by_location[(target.database, loc)]
        else:
            continue
        taken.add((target.database, names[i]))
    for i in order:
        if i in names:
            continue
        target, group = outputs[i]
        loc = target.loc(group.root)
        base = sanitize_table_name(
            settings.prefix + (group.root[-1] if group.root else target.base)
        )
        name = base
        other = by_name.get((target.database, name))
        clash = other is not None and (
            (other.get("Parameters") or {}).get("UPDATED_BY_CRAWLER") != settings.name
        )
        if (target.database, name) in taken or clash:
            name = f"{base}_{hashlib.sha1(loc.encode()).hexdigest()[:8]}"
        names[i] = name
        taken.add((target.database, name))
    return [(outputs[i], names[i]) for i in range(len(outputs))]


def partition_keys(
    target: Target, group: Group, table: str, existing: list[dict[str, Any]], journal: Journal
) -> list[tuple[str, bool]]:
    """(key name, is Hive key=value) per partition level: ``key=value`` levels give the key,
    other levels ``partition_0, partition_1, ...``; a catalog target keeps its table's keys."""
    columns = {c.lower() for c in group.columns}
    table_def = next(
        (
            t
            for t in existing
            if t["Name"] == table
            and str(t.get("DatabaseName", "")).lower() == target.database
            and target.table is not None
        ),
        None,
    )
    keys: list[tuple[str, bool]] = []
    for level in range(group.depth):
        parts = {leaf.rel[level] for leaf in group.leaves}
        hive_names = {p.split("=", 1)[0] for p in parts if "=" in p}
        hive = all("=" in p for p in parts) and len(hive_names) == 1
        name = next(iter(hive_names)) if hive else f"partition_{level}"
        if table_def and len(table_def.get("PartitionKeys") or ()) == group.depth:
            name = table_def["PartitionKeys"][level]["Name"]
        if name.lower() in columns or name.lower() in {k.lower() for k, _ in keys}:
            journal.notes.append(
                {
                    "Table": f"{target.database}.{table}",
                    "Column": name,
                    "TypesSeen": [],
                    "Type": "string",
                    "Irreconcilable": False,
                    "Message": f"partition key {name!r} is also a column; "
                    f"the key is named partition_{level}",
                }
            )
            name = f"partition_{level}"
        keys.append((name, hive))
    return keys
