"""What a crawl writes: Glue Table and Partition dicts with the storage descriptors, SerDes and
table parameters crawlers set (classification, compressionType, recordCount, sizeKey, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from glue_nb.crawl.config import Settings
from glue_nb.crawl.grouping import Col, Group, columns_of, merge_columns
from glue_nb.crawl.journal import Journal
from glue_nb.crawl.listing import File, Target
from glue_nb.crawl.types import render_type

__all__ = [
    "FORMATS",
    "STAT_KEYS",
    "Stats",
    "file_stats",
    "note",
    "parameters",
    "storage",
    "table_output",
]

HIVE_TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
HIVE_TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
FORMATS: dict[str, dict[str, Any]] = {
    "csv": {
        "InputFormat": HIVE_TEXT_IN,
        "OutputFormat": HIVE_TEXT_OUT,
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    },
    "json": {
        "InputFormat": HIVE_TEXT_IN,
        "OutputFormat": HIVE_TEXT_OUT,
        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
    },
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    },
}
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
STAT_KEYS = ("recordCount", "averageRecordSize", "objectCount", "sizeKey")


def table_output(
    target: Target,
    group: Group,
    name: str,
    keys: list[tuple[str, bool]],
    settings: Settings,
    journal: Journal,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The Glue Table dict of one group, its Partition dicts, and its leaf folders
    ({Folder, DatabaseName, TableName}, for incremental crawls)."""
    cls, comp, delim = group.key
    loc = target.loc(group.root)
    table_cols = [{"Name": n, "Type": render_type(c.type)} for n, c in group.columns.items()]
    for n, c in group.columns.items():
        if len(c.seen) > 1 or c.conflict:
            journal.notes.append(note(target.database, name, n, c))
    all_stats = Stats()
    partitions = []
    folders = []
    for leaf in group.leaves:
        stats = file_stats(leaf.files, None)
        all_stats.add(stats)
        folders.append(
            {
                "Folder": target.loc(leaf.node.parts),
                "DatabaseName": target.database,
                "TableName": name,
            }
        )
        if not keys:
            continue
        values = [
            unquote(p.split("=", 1)[1]) if key_is_hive else p
            for p, (_, key_is_hive) in zip(leaf.rel, keys, strict=False)
        ]
        if settings.inherit:
            cols = table_cols
        else:
            leaf_cols: dict[str, Col] = {}
            for f in leaf.files:
                if f.info is not None:
                    merge_columns(leaf_cols, columns_of(f.info))
            cols = [{"Name": n, "Type": render_type(c.type)} for n, c in leaf_cols.items()]
        params = parameters(cls, comp, delim, stats, settings.name, group.header, group.quoted)
        partitions.append(
            {
                "DatabaseName": target.database,
                "TableName": name,
                "Values": values,
                "StorageDescriptor": storage(
                    cls,
                    comp,
                    delim,
                    group.quoted,
                    cols,
                    target.loc(group.root + leaf.rel),
                    params,
                ),
                "Parameters": params,
            }
        )
    params = parameters(cls, comp, delim, all_stats, settings.name, group.header, group.quoted)
    table = {
        "DatabaseName": target.database,
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Owner": "owner",
        "Retention": 0,
        "StorageDescriptor": storage(cls, comp, delim, group.quoted, table_cols, loc, params),
        "PartitionKeys": [{"Name": k, "Type": "string"} for k, _ in keys],
        "Parameters": params,
    }
    return table, partitions, folders


def note(database: str, table: str, column: str, col: Col) -> dict[str, Any]:
    """A note on a column whose files disagreed about its type."""
    final = render_type(col.type)
    seen = sorted(col.seen)
    if col.conflict:
        message = (
            f"column {column!r} has irreconcilable types {', '.join(seen)} across files; "
            f"typed {final}"
        )
    else:
        message = f"column {column!r} has types {', '.join(seen)} across files; merged to {final}"
    return {
        "Table": f"{database}.{table}",
        "Column": column,
        "TypesSeen": seen,
        "Type": final,
        "Irreconcilable": col.conflict,
        "Message": message,
    }


@dataclass
class Stats:
    """Records, raw bytes, size and file count of a set of files."""

    records: float = 0.0
    raw: float = 0.0
    size: int = 0
    count: int = 0

    def add(self, other: Stats) -> None:
        """Add another set's statistics."""
        self.records += other.records
        self.raw += other.raw
        self.size += other.size
        self.count += other.count


def file_stats(files: list[File], fallback_ratio: float | None) -> Stats:
    """Statistics of files; unsampled files' records are estimated from sampled ones."""
    stats = Stats()
    sampled_records = sampled_size = 0.0
    for f in files:
        stats.size += f.size
        stats.count += 1
        if f.info is not None:
            stats.records += f.info.records
            stats.raw += f.info.raw_bytes
            sampled_records += f.info.records
            sampled_size += f.size
    ratio = sampled_records / sampled_size if sampled_size else (fallback_ratio or 0.0)
    for f in files:
        if f.info is None:
            stats.records += f.size * ratio
            stats.raw += f.size
    return stats


def parameters(
    cls: str,
    comp: str,
    delim: str,
    stats: Stats,
    crawler: str,
    header: bool | None,
    quoted: bool | None,
) -> dict[str, str]:
    """The table (or partition) Parameters crawlers write."""
    records = round(stats.records)
    params = {
        "classification": cls,
        "compressionType": comp,
        "typeOfData": "file",
        "recordCount": str(records),
        "averageRecordSize": str(int(stats.raw / records) if records else 0),
        "objectCount": str(stats.count),
        "sizeKey": str(stats.size),
        "UPDATED_BY_CRAWLER": crawler,
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    }
    if cls == "csv":
        params["delimiter"] = delim
        if quoted is not None:
            params["areColumnsQuoted"] = "true" if quoted else "false"
        params["columnsOrdered"] = "true"
        if header:
            params["skip.header.line.count"] = "1"
    return params


def storage(
    cls: str,
    comp: str,
    delim: str,
    quoted: bool,
    columns: list[dict[str, str]],
    location: str,
    params: dict[str, str],
) -> dict[str, Any]:
    """The StorageDescriptor of a crawled table or partition (format, SerDe, location)."""
    fmt = FORMATS[cls]
    serde: dict[str, Any] = {"SerializationLibrary": fmt["SerializationLibrary"], "Parameters": {}}
    if cls == "csv":
        if quoted:
            serde = {
                "SerializationLibrary": OPEN_CSV_SERDE,
                "Parameters": {"separatorChar": delim, "quoteChar": '"'},
            }
        else:
            serde["Parameters"] = {"field.delim": delim}
    elif cls == "parquet":
        serde["Parameters"] = {"serialization.format": "1"}
    elif cls == "json":
        serde["Parameters"] = {"paths": ",".join(c["Name"] for c in columns)}
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": fmt["InputFormat"],
        "OutputFormat": fmt["OutputFormat"],
        "Compressed": comp != "none",
        "NumberOfBuckets": -1,
        "SerdeInfo": serde,
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": dict(params),
        "StoredAsSubDirectories": False,
    }
