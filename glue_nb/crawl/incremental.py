"""Incremental crawls (``RecrawlPolicy = CRAWL_NEW_FOLDERS_ONLY``): a new folder under a
partitioned table already in the catalog becomes a partition of it when its partition keys,
format and schema fit (else it is skipped with the reason); folders read before are not read again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from glue_nb.crawl.config import Settings
from glue_nb.crawl.grouping import Col, columns_of, merge_columns, similar
from glue_nb.crawl.journal import Journal
from glue_nb.crawl.listing import File, Target, slash
from glue_nb.crawl.output import STAT_KEYS, file_stats, parameters
from glue_nb.crawl.types import render_type

__all__ = ["add_to_existing"]


def add_to_existing(
    target: Target,
    files: list[File],
    existing: list[dict[str, Any]],
    settings: Settings,
    journal: Journal,
    partitions: list[dict[str, Any]],
    crawled: list[dict[str, Any]],
) -> list[File]:
    """New folders under existing partitioned tables become partitions (appended to
    ``partitions``, their folders to ``crawled``); return the files of the other folders."""
    tables = sorted(
        (
            t
            for t in existing
            if str(t.get("DatabaseName", "")).lower() == target.database
            and t.get("PartitionKeys")
            and (t.get("StorageDescriptor") or {}).get("Location")
        ),
        key=lambda t: -len(t["StorageDescriptor"]["Location"]),
    )
    by_folder: dict[tuple[str, ...], list[File]] = {}
    for f in files:
        by_folder.setdefault(f.parts, []).append(f)
    rest: list[File] = []
    for parts, folder_files in by_folder.items():
        loc = target.loc(parts)
        table = next(
            (
                t
                for t in tables
                if loc.startswith(slash(t["StorageDescriptor"]["Location"]))
                and loc != slash(t["StorageDescriptor"]["Location"])
            ),
            None,
        )
        if table is None:
            rest.extend(folder_files)
            continue
        _new_partition(target, table, loc, folder_files, settings, journal, partitions, crawled)
    return rest


def _new_partition(
    target: Target,
    table: dict[str, Any],
    loc: str,
    files: list[File],
    settings: Settings,
    journal: Journal,
    partitions: list[dict[str, Any]],
    crawled: list[dict[str, Any]],
) -> None:
    """One new folder of an existing table: a partition if its keys, format and schema fit."""
    sd = table["StorageDescriptor"]
    keys = [k["Name"] for k in table["PartitionKeys"]]
    rel = loc[len(slash(sd["Location"])) :].strip("/").split("/")
    name = table["Name"]
    if len(rel) != len(keys) or any(
        "=" in part and part.split("=", 1)[0] != key for part, key in zip(rel, keys, strict=False)
    ):
        journal.skip_folder(
            loc,
            f"folder partition keys do not match table {name!r} partition keys ({', '.join(keys)})",
        )
        return
    ok = [f for f in files if f.info is not None]
    if not ok:
        journal.skip_folder(loc, "no readable file in the new folder")
        return
    params = table.get("Parameters") or {}
    want = (
        params.get("classification", ""),
        params.get("compressionType", "none"),
        params.get("delimiter", "") if params.get("classification") == "csv" else "",
    )
    keep = [f for f in ok if f.info and f.info.key == want]
    if not keep:
        got = ok[0].info.key if ok[0].info else ("?", "?", "")
        journal.skip_folder(
            loc,
            f"format {got[0]}/{got[1]} differs from table {name!r} ({want[0]}/{want[1]})",
        )
        return
    columns: dict[str, Col] = {}
    for f in keep:
        merge_columns(columns, columns_of(f.info))  # type: ignore[arg-type]
    known = {c["Name"] for c in sd.get("Columns") or ()}
    if not similar(set(columns), known):
        journal.skip_folder(
            loc, f"schema of the new folder does not match table {name!r}; skipped folder"
        )
        return
    values = [unquote(p.split("=", 1)[1]) if "=" in p else p for p in rel]
    leaf_files = keep + [f for f in files if not f.sampled]
    stats = file_stats(leaf_files, None)
    cls, comp, delim = want
    part_params = parameters(cls, comp, delim, stats, settings.name, header=None, quoted=None)
    part_params.update(
        {k: v for k, v in params.items() if k not in part_params and k not in STAT_KEYS}
    )
    if settings.inherit:
        cols = list(sd.get("Columns") or [])
    else:
        cols = [{"Name": n, "Type": render_type(c.type)} for n, c in columns.items()]
    part_sd = {**sd, "Columns": cols, "Location": loc, "Parameters": dict(part_params)}
    partitions.append(
        {
            "DatabaseName": target.database,
            "TableName": name,
            "Values": values,
            "StorageDescriptor": part_sd,
            "Parameters": part_params,
        }
    )
    crawled.append({"Folder": loc, "DatabaseName": target.database, "TableName": name})
