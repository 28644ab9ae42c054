"""One crawl: list files, classify them, infer schemas and group them into tables (Glue's rules).

:func:`execute_crawl` is pure: a picklable spec in, a picklable result out, no store access, so it
runs in a thread of the owning process or on a Dask worker. The spec is built by
:meth:`glue_nb.crawlers.CrawlerService.begin_crawl`::

    {"CrawlId": "cr_...",
     "Crawler": {<Glue Crawler dict: Name, Targets, DatabaseName, TablePrefix,
                 SchemaChangePolicy, RecrawlPolicy, Configuration, ...>},
     "Catalog": {"Tables": [{DatabaseName, Name, StorageDescriptor, PartitionKeys, Parameters}],
                 "CrawledFolders": [<leaf folder locations>] or None (no incremental state yet),
                 "CatalogTargets": [{DatabaseName, TableName, Location or None}]}}

The result::

    {"State": "SUCCEEDED" | "FAILED" | "CANCELLED", "ErrorMessage": str | None,
     "Incremental": bool, "Targets": [<root locations crawled>],
     "Tables": [<Glue Table-shaped dicts: DatabaseName + TableInput fields>],
     "Partitions": [<Glue Partition-shaped dicts: DatabaseName, TableName, Values, ...>],
     "SkippedFiles": [{Path, Reason}], "SkippedFolders": [{Path, Reason}],
     "Notes": [{Table, Column, TypesSeen, Type, Irreconcilable, Message}],
     "CrawledFolders": [{Folder, DatabaseName, TableName}], "Stats": {...}}

How files become tables (Glue's documented behaviour, with our choices where AWS is vague):

* Files: Parquet (schema from the footer only), CSV/TSV (delimiter among ``, \\t | ; ^A`` and
  header detection from the first 1,000 records or 1 MiB, whichever comes first; recordCount
  estimated as size / average sampled record size), JSON lines, and gzip-compressed variants.
  Names starting with ``.`` or ``_`` (``_SUCCESS``, ``.ipynb_checkpoints``) are ignored, as Hadoop
  tools do. Unreadable files are skipped and named with the reason.
* A CSV's first row is a header when every value in it is a string, the values are unique, and at
  least one data column is not a string (Glue's rule). When every column is a string,
  :meth:`csv.Sniffer.has_header` decides; without a header columns are ``col0, col1, ...``.
* Every folder holding files of one format (majority; the rest are skipped) is a candidate table.
  Going up, sibling candidates with the same format and partition depth merge into one table at
  the parent when their schemas are similar: more than 70 % of them in one cluster of similar
  schemas (columns overlap >= 70 %) and at most five clusters. A lone Hive ``key=value`` child
  always merges (``sales/year=2019/...`` is table ``sales``); a lone plain child merges only
  tentatively: kept when its parent's level merges with siblings (``ds/2023/01``, ``ds/2024/01``
  make one table ``ds``), undone otherwise (``lake/orders/*.csv`` alone is table ``orders``).
  Merged folders become partitions: ``key=value`` levels give the key, other levels
  ``partition_0, partition_1, ...``.
* ``Grouping.TableGroupingPolicy = CombineCompatibleSchemas`` merges whatever has the same format
  and partition depth, up to the include path. ``Grouping.TableLevelConfiguration = N`` puts the
  table roots at level N, where the include path is level 1 (for bucket URLs such as ``s3://``,
  the first folder under the bucket is level 1, as in Glue).
* Column types use Glue's names; across files bigint + double gives double, date + timestamp gives
  timestamp, structs merge field-wise, anything else irreconcilable gives string and a note.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import json
import os
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "execute_crawl",
    "glob_to_regex",
    "merge_types",
    "parse_configuration",
    "parse_type",
    "render_type",
    "sanitize_table_name",
]

SAMPLE_BYTES = 1 << 20  # Glue reads the first megabyte ...
SAMPLE_RECORDS = 1000  # ... or the first 1,000 records, whichever comes first
JSON_DOCUMENT_LIMIT = 10 << 20  # a pretty-printed JSON document is parsed whole up to this size
SIMILARITY = 0.7  # column overlap for "similar" schemas and Glue's partition threshold
MAX_CLUSTERS = 5
MAX_LISTED_SKIPS = 1000
STOP_POLL_SECONDS = 0.05
IO_THREADS = 16  # remote file systems (s3://, gs://, ...): latency-bound, many threads help
# Local files: sampling is parsing-bound (GIL); measured on 10,000 small CSVs, 1 thread took
# 1.1 s and 2 threads 1.8 s. GLUE_NB_CRAWL_THREADS overrides it (e.g. for NFS or cold disks).
LOCAL_THREADS = int(os.environ.get("GLUE_NB_CRAWL_THREADS") or 1)
CHUNK_FILES = 64  # files per thread task
BUCKET_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "oss", "r2"}
CSV_DELIMITERS = (",", "\t", "|", ";", "\x01")

CONFIG_KEYS: dict[str, Any] = {
    "Version": None,
    "Grouping": {"TableGroupingPolicy": None, "TableLevelConfiguration": None},
    "CrawlerOutput": {
        "Partitions": {"AddOrUpdateBehavior": None},
        "Tables": {"AddOrUpdateBehavior": None, "TableThreshold": None},
    },
    "CreatePartitionIndex": None,
}

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


# =============================================================================================
# Configuration
# =============================================================================================
def parse_configuration(text: str | None, crawler: str = "?") -> dict[str, Any]:
    """Parse and check a crawler's ``Configuration`` JSON string (``{}`` when absent)."""
    if text is None or text == "":
        return {}
    where = f"Crawler {crawler!r} Configuration"
    if not isinstance(text, str):
        raise InvalidInputException(f"{where} must be a JSON string, got {type(text).__name__}")
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise InvalidInputException(f"{where} is not valid JSON: {exc}")
    if not isinstance(config, dict):
        raise InvalidInputException(f"{where} must be a JSON object")
    _check_keys(where, "Configuration", config, CONFIG_KEYS)
    version = config.get("Version", 1.0)
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        raise InvalidInputException(f"{where}: Version must be a number (1.0), got {version!r}")
    grouping = config.get("Grouping") or {}
    policy = grouping.get("TableGroupingPolicy")
    if policy is not None and policy != "CombineCompatibleSchemas":
        raise InvalidInputException(
            f"{where}: Grouping.TableGroupingPolicy must be 'CombineCompatibleSchemas', "
            f"got {policy!r}"
        )
    level = grouping.get("TableLevelConfiguration")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 1):
        raise InvalidInputException(
            f"{where}: Grouping.TableLevelConfiguration must be a positive integer, got {level!r}"
        )
    output = config.get("CrawlerOutput") or {}
    parts = (output.get("Partitions") or {}).get("AddOrUpdateBehavior")
    if parts is not None and parts != "InheritFromTable":
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Partitions.AddOrUpdateBehavior must be 'InheritFromTable', "
            f"got {parts!r}"
        )
    tables = output.get("Tables") or {}
    merge = tables.get("AddOrUpdateBehavior")
    if merge is not None and merge != "MergeNewColumns":
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Tables.AddOrUpdateBehavior must be 'MergeNewColumns', "
            f"got {merge!r}"
        )
    threshold = tables.get("TableThreshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1
    ):
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Tables.TableThreshold must be an integer above 0, "
            f"got {threshold!r}"
        )
    index = config.get("CreatePartitionIndex")
    if index is not None and not isinstance(index, bool):
        raise InvalidInputException(f"{where}: CreatePartitionIndex must be true or false")
    return config


def _check_keys(where: str, path: str, value: Any, known: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        raise InvalidInputException(f"{where}: {path} must be a JSON object, got {value!r}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise InvalidInputException(
            f"{where}: {path} contains unsupported keys: {', '.join(unknown)} "
            f"(supported: {', '.join(known)})"
        )
    for key, sub in known.items():
        if isinstance(sub, dict) and value.get(key) is not None:
            _check_keys(where, f"{path}.{key}" if path != "Configuration" else key, value[key], sub)


# =============================================================================================
# Glue types
# =============================================================================================
# Internal form: a str for primitives ("bigint"), ("array", elem), ("map", key, value),
# ("struct", ((name, type), ...)); None means "no value seen yet".
_INT_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3}


def _numeric(t: Any) -> bool:
    return isinstance(t, str) and (
        t in _INT_RANK or t in ("float", "double") or t.startswith("decimal")
    )


def merge_types(a: Any, b: Any) -> tuple[Any, bool]:
    """Merge two internal types; the flag is True when they were irreconcilable (→ string)."""
    if a is None:
        return b, False
    if b is None or a == b:
        return a, False
    if isinstance(a, str) and isinstance(b, str):
        if a in _INT_RANK and b in _INT_RANK:
            return (a if _INT_RANK[a] >= _INT_RANK[b] else b), False
        if _numeric(a) and _numeric(b):
            return "double", False
        if {a, b} == {"date", "timestamp"}:
            return "timestamp", False
        return "string", True
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0]:
        if a[0] == "array":
            elem, bad = merge_types(a[1], b[1])
            return ("array", elem), bad
        if a[0] == "map":
            key, bad1 = merge_types(a[1], b[1])
            val, bad2 = merge_types(a[2], b[2])
            return ("map", key, val), bad1 or bad2
        fields = dict(a[1])
        bad = False
        for name, t in b[1]:
            if name in fields:
                fields[name], conflict = merge_types(fields[name], t)
                bad = bad or conflict
            else:
                fields[name] = t
        return ("struct", tuple(fields.items())), bad
    return "string", True


def render_type(t: Any) -> str:
    """Internal type → Glue type name (``array<struct<a:bigint>>``)."""
    if t is None:
        return "string"
    if isinstance(t, str):
        return t
    if t[0] == "array":
        return f"array<{render_type(t[1])}>"
    if t[0] == "map":
        return f"map<{render_type(t[1])},{render_type(t[2])}>"
    return "struct<" + ",".join(f"{k}:{render_type(v)}" for k, v in t[1]) + ">"


def parse_type(text: str) -> Any:
    """Glue type name → internal type (inverse of :func:`render_type`)."""
    text = text.strip()
    low = text.lower()
    if low.startswith("array<") and low.endswith(">"):
        return ("array", parse_type(text[6:-1]))
    if low.startswith("map<") and low.endswith(">"):
        key, value = _split_top(text[4:-1])
        return ("map", parse_type(key), parse_type(value))
    if low.startswith("struct<") and low.endswith(">"):
        fields = []
        for item in _split_top(text[7:-1]):
            name, _, sub = item.partition(":")
            fields.append((name.strip(), parse_type(sub)))
        return ("struct", tuple(fields))
    return low


def _split_top(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [part for part in out if part.strip()]


_VALUE = re.compile(
    r"(?P<bigint>[+-]?\d{1,18})\Z"
    r"|(?P<double>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?|[+-]?(?:NaN|Infinity|inf))\Z"
    r"|(?P<date>\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))\Z"
    r"|(?P<timestamp>\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ]\d{2}:\d{2}"
    r"(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)\Z"
    r"|(?P<boolean>(?i:true|false))\Z"
)


def _value_type(value: str) -> str | None:
    """Glue type of one CSV value; None for an empty value."""
    value = value.strip()
    if not value:
        return None
    m = _VALUE.match(value)
    return m.lastgroup if m else "string"  # type: ignore[return-value]


def _json_type(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint" if -(2**63) <= value < 2**63 else "double"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        elem = None
        for item in value:
            elem, _ = merge_types(elem, _json_type(item))
        return ("array", elem)
    if isinstance(value, dict):
        return ("struct", tuple((str(k), _json_type(v)) for k, v in value.items()))
    return "string"


def _arrow_type(t: Any) -> Any:
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(t):
        return _arrow_type(t.value_type)
    if types.is_boolean(t):
        return "boolean"
    if types.is_int8(t):
        return "tinyint"
    if types.is_int16(t) or types.is_uint8(t):
        return "smallint"
    if types.is_int32(t) or types.is_uint16(t):
        return "int"
    if types.is_integer(t):
        return "bigint"
    if types.is_float16(t) or types.is_float32(t):
        return "float"
    if types.is_float64(t):
        return "double"
    if types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if types.is_date(t):
        return "date"
    if types.is_timestamp(t):
        return "timestamp"
    if types.is_binary(t) or types.is_large_binary(t) or types.is_fixed_size_binary(t):
        return "binary"
    if types.is_list(t) or types.is_large_list(t) or types.is_fixed_size_list(t):
        return ("array", _arrow_type(t.value_type))
    if types.is_map(t):
        return ("map", _arrow_type(t.key_type), _arrow_type(t.item_type))
    if types.is_struct(t):
        return (
            "struct",
            tuple((t.field(i).name, _arrow_type(t.field(i).type)) for i in range(t.num_fields)),
        )
    return "string"


# =============================================================================================
# Files
# =============================================================================================
class _Skip(Exception):
    """A file that cannot be classified; the message is the reason."""


class _Failure(Exception):
    """The crawl fails with this message."""


class _Cancelled(Exception):
    """should_stop said so."""


@dataclass(slots=True)
class _Info:
    """What one file looks like."""

    classification: str
    compression: str
    columns: dict[str, Any]
    records: float
    raw_bytes: float
    delimiter: str | None = None
    header: bool = False
    quoted: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.classification, self.compression, self.delimiter or "")


@dataclass(slots=True)
class _File:
    path: str  # the file system's path
    parts: tuple[str, ...]  # folder parts relative to the target root
    name: str
    size: int
    sampled: bool = True
    info: _Info | None = None


def _open(fs: Any, path: str, local: bool) -> Any:
    return open(path, "rb") if local else fs.open(path, "rb")


def classify_file(fs: Any, path: str, size: int, *, local: bool = False) -> _Info:
    """Classify one file (format, compression, columns, estimated records); raises _Skip."""
    try:
        with _open(fs, path, local) as f:
            magic = f.read(4)
            if magic == b"PAR1":
                return _parquet(fs, path, f, size, local)
            compression = "none"
            isize = None
            if magic[:2] == b"\x1f\x8b":
                compression = "gzip"
                if size >= 18:
                    f.seek(size - 4)
                    isize = int.from_bytes(f.read(4), "little")
                f.seek(0)
                stream: Any = gzip.GzipFile(fileobj=f)
                head = stream.read(SAMPLE_BYTES)
                eof = len(head) < SAMPLE_BYTES or not stream.read(1)
            else:
                if magic[:3] == b"BZh" or magic == b"\x28\xb5\x2f\xfd" or magic[:2] == b"PK":
                    raise _Skip("compressed or archived file (only gzip is supported)")
                if magic == b"Obj\x01":
                    raise _Skip("Avro files are not supported")
                if magic[:3] == b"ORC":
                    raise _Skip("ORC files are not supported")
                head = magic + f.read(SAMPLE_BYTES - 4)
                eof = len(head) >= size or len(head) < SAMPLE_BYTES
    except _Skip:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise _Skip(f"cannot read: {type(exc).__name__}: {exc}")
    if compression == "none":
        raw_size = float(size)
    elif eof:
        raw_size = float(len(head))
    elif isize is not None and isize >= len(head):
        raw_size = float(isize)  # gzip's trailer: uncompressed size mod 2**32
    else:
        raw_size = float(size) * 4  # a guess; only recordCount depends on it
    return _text(head, eof, compression, raw_size, path, fs, local)


def _parquet(fs: Any, path: str, handle: Any, size: int, local: bool) -> _Info:
    import pyarrow.parquet as pq

    try:
        handle.seek(0)
        pf = pq.ParquetFile(path if local else handle)
        schema = pf.schema_arrow
        rows = pf.metadata.num_rows
    except Exception as exc:
        raise _Skip(f"corrupt Parquet footer: {type(exc).__name__}: {exc}")
    columns = {
        f.name: _arrow_type(f.type) for f in schema if not f.name.startswith("__index_level_")
    }
    return _Info("parquet", "none", columns, float(rows), float(size))


def _text(
    head: bytes, eof: bool, compression: str, raw_size: float, path: str, fs: Any, local: bool
) -> _Info:
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if b"\x00" in head[:8192]:
        raise _Skip("binary file in no supported format (csv, tsv, json, parquet)")
    if not eof:
        cut = head.rfind(b"\n")
        if cut < 0:
            raise _Skip(f"no line break in the first {SAMPLE_BYTES} bytes")
        head = head[: cut + 1]
    pieces = head.split(b"\n", SAMPLE_RECORDS + 1)
    complete = eof and len(pieces) <= SAMPLE_RECORDS + 1  # every record is in the sample
    lines = [line for line in pieces[: SAMPLE_RECORDS + 1] if line.strip()]
    if not lines:
        raise _Skip("empty file")
    first = lines[0].lstrip()
    try:
        if first.startswith((b"{", b"[")):
            return _json(lines, head, eof, complete, compression, raw_size, path, fs, local)
        return _csv(lines, complete, compression, raw_size, path)
    except UnicodeDecodeError as exc:
        raise _Skip(f"not UTF-8 text: {exc}")


def _json(
    lines: list[bytes],
    head: bytes,
    eof: bool,
    complete: bool,
    compression: str,
    raw_size: float,
    path: str,
    fs: Any,
    local: bool,
) -> _Info:
    records: list[Any] = []
    bad = 0
    first_error = ""
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            bad += 1
            if not first_error:
                first_error = f"line {number}: {exc}"
    sample_bytes = sum(len(line) + 1 for line in lines)
    lines_mode = bad <= max(0, len(lines) // 10) and bool(records)
    if not lines_mode:
        # One JSON document spread over many lines (an object or an array of objects).
        document = _whole_json(head, eof, raw_size, compression, path, fs, local)
        if document is None:
            raise _Skip(f"invalid JSON ({first_error})")
        records = document if isinstance(document, list) else [document]
        sample_bytes = int(raw_size)
        complete = True
    objects = [r for r in records if isinstance(r, dict)]
    if not objects:
        raise _Skip("JSON records must be objects")
    columns: dict[str, Any] = {}
    for record in objects:
        for key, value in record.items():
            t = _json_type(value)
            columns[key], _ = merge_types(columns.get(key), t)
    avg = sample_bytes / len(objects)
    count = float(len(objects)) if complete else raw_size / max(avg, 1.0)
    return _Info("json", compression, columns, count, raw_size)


def _whole_json(
    head: bytes, eof: bool, raw_size: float, compression: str, path: str, fs: Any, local: bool
) -> Any:
    data = head
    if not eof:
        if raw_size > JSON_DOCUMENT_LIMIT:
            return None
        with _open(fs, path, local) as f:
            data = gzip.GzipFile(fileobj=f).read() if compression == "gzip" else f.read()
    try:
        return json.loads(data)
    except ValueError:
        return None


def _csv(lines: list[bytes], complete: bool, compression: str, raw_size: float, path: str) -> _Info:
    text_lines = [line.decode("utf-8").rstrip("\r") for line in lines]
    hint = "\t" if path.lower().removesuffix(".gz").endswith((".tsv", ".tab")) else None
    delimiter = _detect_delimiter(text_lines, hint)
    rows = list(csv.reader(text_lines, delimiter=delimiter))
    widths = Counter(len(r) for r in rows)
    width = widths.most_common(1)[0][0]
    if width < 2:
        raise _Skip("not a recognised format: CSV needs at least two columns")
    first, data = rows[0], rows[1:]
    first_types = [_value_type(v) for v in first]
    col_types: list[Any] = [None] * max(width, len(first))
    for row in data:
        for i, value in enumerate(row[: len(col_types)]):
            current = col_types[i]
            if current == "string":
                continue
            t = _value_type(value)
            if t is not None:
                col_types[i], _ = merge_types(current, t)
    names = [v.strip() for v in first]
    candidate = (
        all(t == "string" for t in first_types)
        and len(set(names)) == len(names)
        and all(len(v) < 150 for v in names[:-1])
    )
    if not data:
        header = candidate  # a header-only file: zero records, types unknown
    elif candidate and any(t not in (None, "string") for t in col_types[: len(first)]):
        header = True
    elif candidate:
        header = _sniffer_header(text_lines, delimiter)
    else:
        header = False
    if not header:
        data = rows
        col_types = [None] * len(col_types)
        for row in data:
            for i, value in enumerate(row[: len(col_types)]):
                if col_types[i] != "string":
                    t = _value_type(value)
                    if t is not None:
                        col_types[i], _ = merge_types(col_types[i], t)
        if len(data) < 2:
            raise _Skip("not a recognised format: CSV needs at least two rows")
        names = [f"col{i}" for i in range(len(col_types))]
    columns: dict[str, Any] = {}
    for i, t in enumerate(col_types):
        name = names[i] if i < len(names) and names[i] else f"col{i}"
        base, n = name, 1
        while name in columns:
            name = f"{base}_{n}"
            n += 1
        columns[name] = t
    header_bytes = len(lines[0]) + 1 if header else 0
    sample_bytes = sum(len(line) + 1 for line in lines) - header_bytes
    quoted = any('"' in line for line in text_lines[:50])
    if complete:
        count = float(len(data))
    else:
        avg = sample_bytes / max(len(data), 1)
        count = max(raw_size - header_bytes, 0) / max(avg, 1.0)
    return _Info("csv", compression, columns, count, raw_size, delimiter, header, quoted)


def _detect_delimiter(lines: list[str], hint: str | None) -> str:
    probe = lines[:25]
    best: tuple[float, int, int, int] | None = None
    choice = None
    for order, delim in enumerate(CSV_DELIMITERS):
        counts = [len(r) for r in csv.reader(probe, delimiter=delim)]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (hits / len(counts), int(delim == hint), mode, -order)
        if best is None or score > best:
            best, choice = score, delim
    if choice is not None and best is not None and best[0] >= 0.8:
        return choice
    try:
        dialect = csv.Sniffer().sniff("\n".join(probe), delimiters="".join(CSV_DELIMITERS))
        return dialect.delimiter
    except csv.Error:
        if choice is not None:
            return choice
    raise _Skip("not a recognised format: no consistent delimiter (CSV needs two columns)")


def _sniffer_header(lines: list[str], delimiter: str) -> bool:
    sample = "\n".join(lines[:50])
    try:
        sniffer = csv.Sniffer()
        sniffer.preferred = [delimiter]
        return sniffer.has_header(sample)
    except csv.Error:
        return False


# =============================================================================================
# Listing and exclusions
# =============================================================================================
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Glue exclude glob → regex over paths relative to the include path.

    ``*`` matches within a folder, ``**`` across folders, ``?`` one character, ``[...]`` a class
    (``[!...]`` negated), ``{a,b}`` alternatives, ``\\`` escapes.
    """
    return re.compile("(?:" + _glob_body(pattern.lstrip("/")) + r")\Z", re.DOTALL)


def _glob_body(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(r"\[")
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif ch == "{":
            end = pattern.find("}", i)
            if end < 0:
                out.append(r"\{")
            else:
                alts = pattern[i + 1 : end].split(",")
                out.append("(?:" + "|".join(_glob_body(a) for a in alts) + ")")
                i = end
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _hidden(name: str) -> bool:
    return name.startswith((".", "_")) or name.endswith(("$folder$", ".crc"))


def sanitize_table_name(name: str) -> str:
    """A Glue-style table name: lower case, letters, digits and underscores only."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return cleaned or "table"


@dataclass
class _Target:
    fs: Any
    local: bool
    root: str  # file system path of the include path (no trailing slash)
    location: str  # the same as a location string
    is_file: bool
    base: str  # table name for a table at the root
    level0: int  # absolute level of the include path
    database: str
    exclusions: list[re.Pattern[str]] = field(default_factory=list)
    sample_size: int | None = None
    table: str | None = None  # catalog target: the table it must produce

    def loc(self, parts: Iterable[str]) -> str:
        """Location of a folder below the root (ends with /; a file target is itself)."""
        parts = tuple(parts)
        if self.is_file and not parts:
            return self.location
        base = self.location.rstrip("/") if not self.is_file else self.location.rsplit("/", 1)[0]
        return base + "/" + "".join(p + "/" for p in parts)

    def excluded(self, rel: str) -> bool:
        if not self.exclusions:
            return False
        candidates = [rel]
        pieces = rel.split("/")
        candidates += ["/".join(pieces[:i]) for i in range(1, len(pieces))]
        return any(p.match(c) for p in self.exclusions for c in candidates)


def _make_target(
    path: str,
    database: str,
    *,
    exclusions: Iterable[str] = (),
    sample: Any = None,
    table: str | None = None,
) -> _Target:
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    fs, root = fsspec.core.url_to_fs(path)
    local = isinstance(fs, LocalFileSystem)
    if local:
        root = os.path.normpath(os.path.abspath(os.path.expanduser(root)))
        location = root
    else:
        root = root.rstrip("/") or root
        location = fs.unstrip_protocol(root)
    try:
        exists = fs.exists(root)
    except Exception as exc:
        raise _Failure(f"target path {path!r} cannot be read: {type(exc).__name__}: {exc}")
    if not exists:
        raise _Failure(f"target path {path!r} does not exist")
    is_file = fs.isfile(root)
    if not is_file:
        location = location.rstrip("/") + "/"
    name = root.rstrip("/").rsplit("/", 1)[-1] or "root"
    if is_file:
        name = name.split(".", 1)[0] or name
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    level0 = len([p for p in root.split("/") if p]) - 1 if protocol in BUCKET_PROTOCOLS else 1
    return _Target(
        fs=fs,
        local=local,
        root=root,
        location=location,
        is_file=is_file,
        base=name,
        level0=level0,
        database=database,
        exclusions=[glob_to_regex(p) for p in exclusions or ()],
        sample_size=sample,
        table=table,
    )


def _list_files(target: _Target, counts: Counter[str]) -> list[_File]:
    """Every data file under the target (hidden and excluded ones counted, not returned)."""
    if target.is_file:
        size = int(target.fs.size(target.root) or 0)
        name = target.root.rsplit("/", 1)[-1]
        return [_File(target.root, (), name, size)]
    files: list[_File] = []
    root = target.root.rstrip("/")
    if target.local:
        entries: Iterable[tuple[str, int]] = _walk_local(root, counts)
    else:
        found = target.fs.find(root, withdirs=False, detail=True)
        entries = ((path, int(info.get("size") or 0)) for path, info in found.items())
    for path, size in entries:
        rel = path[len(root) :].lstrip("/")
        pieces = rel.split("/")
        if any(_hidden(p) for p in pieces):
            counts["FilesIgnored"] += 1
            continue
        if target.excluded(rel):
            counts["FilesExcluded"] += 1
            continue
        files.append(_File(path, tuple(pieces[:-1]), pieces[-1], size))
    files.sort(key=lambda f: (f.parts, f.name))
    if target.sample_size:
        seen: Counter[tuple[str, ...]] = Counter()
        for f in files:
            seen[f.parts] += 1
            if seen[f.parts] > target.sample_size:
                f.sampled = False
    return files


def _walk_local(root: str, counts: Counter[str]) -> Iterable[tuple[str, int]]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=True):
                        if _hidden(entry.name):
                            counts["FilesIgnored"] += 1
                            continue
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=True):
                        yield entry.path, entry.stat().st_size
        except OSError:
            continue


# =============================================================================================
# Grouping
# =============================================================================================
@dataclass(slots=True)
class _Col:
    type: Any
    seen: set[str]
    conflict: bool = False


def _columns_of(info: _Info) -> dict[str, _Col]:
    return {
        name: _Col(t, {render_type(t)} if t is not None else set())
        for name, t in info.columns.items()
    }


def _merge_columns(into: dict[str, _Col], other: dict[str, _Col]) -> None:
    for name, col in other.items():
        cur = into.get(name)
        if cur is None:
            into[name] = _Col(col.type, set(col.seen), col.conflict)
            continue
        merged, conflict = merge_types(cur.type, col.type)
        cur.type = merged
        cur.seen |= col.seen
        cur.conflict = cur.conflict or col.conflict or conflict


@dataclass
class _Node:
    parts: tuple[str, ...]
    children: dict[str, _Node] = field(default_factory=dict)
    files: list[_File] = field(default_factory=list)


@dataclass
class _Leaf:
    rel: tuple[str, ...]  # folder parts relative to the group root
    node: _Node
    files: list[_File]  # sampled files with info, then unsampled ones


@dataclass
class _Group:
    root: tuple[str, ...]
    key: tuple[str, str, str]
    columns: dict[str, _Col]
    depth: int
    leaves: list[_Leaf]
    header: bool
    quoted: bool
    inner: _Group | None = None  # set for a tentative merge of a lone plain child folder

    def settled(self) -> _Group:
        """Undo tentative merges: a lone plain folder that was not merged further is a table."""
        group = self
        while group.inner is not None:
            group = group.inner
        return group


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= SIMILARITY


class _Crawl:
    """State of one crawl; :meth:`run` returns the result dict."""

    def __init__(self, spec: dict[str, Any], should_stop: Callable[[], bool] | None) -> None:
        self.spec = spec
        self.crawler: dict[str, Any] = dict(spec.get("Crawler") or {})
        self.name: str = self.crawler.get("Name") or "?"
        self.should_stop = should_stop
        self._last_poll = 0.0
        try:
            self.config = parse_configuration(self.crawler.get("Configuration"), self.name)
        except InvalidInputException as exc:
            raise _Failure(exc.message)
        grouping = self.config.get("Grouping") or {}
        self.combine = grouping.get("TableGroupingPolicy") == "CombineCompatibleSchemas"
        self.level: int | None = grouping.get("TableLevelConfiguration")
        output = self.config.get("CrawlerOutput") or {}
        self.threshold: int | None = (output.get("Tables") or {}).get("TableThreshold")
        self.inherit = (output.get("Partitions") or {}).get(
            "AddOrUpdateBehavior"
        ) == "InheritFromTable"
        self.prefix: str = self.crawler.get("TablePrefix") or ""
        self.database: str = (self.crawler.get("DatabaseName") or "").lower()
        catalog = spec.get("Catalog") or {}
        self.existing: list[dict[str, Any]] = list(catalog.get("Tables") or [])
        recrawl = (self.crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior")
        crawled = catalog.get("CrawledFolders")
        self.incremental = recrawl == "CRAWL_NEW_FOLDERS_ONLY" and crawled is not None
        self.crawled: set[str] = set(crawled or ())
        self.catalog_targets = list(catalog.get("CatalogTargets") or [])
        self.counts: Counter[str] = Counter()
        self.skipped_files: list[dict[str, str]] = []
        self.skipped_folders: list[dict[str, str]] = []
        self.notes: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------------------------
    def check_stop(self, force: bool = False) -> None:
        if self.should_stop is None:
            return
        now = time.monotonic()
        if not force and now - self._last_poll < STOP_POLL_SECONDS:
            return
        self._last_poll = now
        if self.should_stop():
            raise _Cancelled()

    def skip_file(self, target: _Target, f: _File, reason: str) -> None:
        self.counts["FilesSkipped"] += 1
        if len(self.skipped_files) < MAX_LISTED_SKIPS:
            self.skipped_files.append({"Path": target.loc(f.parts) + f.name, "Reason": reason})

    def skip_folder(self, path: str, reason: str) -> None:
        self.counts["FoldersSkipped"] += 1
        if len(self.skipped_folders) < MAX_LISTED_SKIPS:
            self.skipped_folders.append({"Path": path, "Reason": reason})

    # -- the crawl -------------------------------------------------------------------------------
    def targets(self) -> list[_Target]:
        targets: list[_Target] = []
        spec_targets = self.crawler.get("Targets") or {}
        for s3 in spec_targets.get("S3Targets") or ():
            if not self.database:
                raise _Failure(f"crawler {self.name!r} has S3Targets but no DatabaseName")
            targets.append(
                _make_target(
                    s3["Path"],
                    self.database,
                    exclusions=s3.get("Exclusions") or (),
                    sample=s3.get("SampleSize"),
                )
            )
        for entry in self.catalog_targets:
            where = f"{entry.get('DatabaseName')}.{entry.get('TableName')}"
            if not entry.get("Location"):
                raise _Failure(
                    f"catalog target table {where} does not exist or has no "
                    "StorageDescriptor.Location"
                )
            targets.append(
                _make_target(
                    entry["Location"],
                    str(entry["DatabaseName"]).lower(),
                    table=str(entry["TableName"]).lower(),
                )
            )
        if not targets:
            raise _Failure(f"crawler {self.name!r} has no S3Targets or CatalogTargets")
        return targets

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        targets = self.targets()
        listed: list[list[_File]] = []
        for target in targets:
            self.check_stop(force=True)
            files = _list_files(target, self.counts)
            self.counts["FilesListed"] += len(files)
            self.counts["BytesListed"] += sum(f.size for f in files)
            if self.incremental:
                files = [f for f in files if target.loc(f.parts) not in self.crawled]
            listed.append(files)
        self.classify(targets, listed)
        outputs: list[tuple[_Target, _Group]] = []
        extra_partitions: list[dict[str, Any]] = []
        crawled: list[dict[str, Any]] = []
        for target, files in zip(targets, listed, strict=False):
            if self.incremental:
                files = self.add_to_existing(target, files, extra_partitions, crawled)
            outputs.extend((target, g) for g in self.group_target(target, files))
        named = self.assign_names(outputs)
        if self.threshold is not None and len(named) > self.threshold:
            raise _Failure(
                f"The number of tables detected by crawler {self.name!r}: {len(named)} is greater "
                f"than the table threshold value provided: {self.threshold} "
                "(CrawlerOutput.Tables.TableThreshold); nothing was written"
            )
        tables, partitions = [], list(extra_partitions)
        for (target, group), name in named:
            table, parts, folders = self.table_output(target, group, name)
            tables.append(table)
            partitions.extend(parts)
            crawled.extend(folders)
        read = self.counts["FilesRead"]
        if read == 0 and self.counts["FilesSkipped"] and not self.incremental:
            raise _Failure(
                f"no readable file under {', '.join(t.location for t in targets)}: "
                f"{self.counts['FilesSkipped']} file(s) skipped, e.g. "
                f"{self.skipped_files[0]['Path']}: {self.skipped_files[0]['Reason']}"
            )
        self.check_stop(force=True)
        stats: dict[str, float] = dict(self.counts)
        stats["Seconds"] = round(time.monotonic() - started, 3)
        return {
            "State": "SUCCEEDED",
            "ErrorMessage": None,
            "Incremental": self.incremental,
            "Targets": [t.location for t in targets],
            "Tables": tables,
            "Partitions": partitions,
            "SkippedFiles": self.skipped_files,
            "SkippedFolders": self.skipped_folders,
            "Notes": self.notes,
            "CrawledFolders": crawled,
            "Stats": stats,
        }

    def classify(self, targets: list[_Target], listed: list[list[_File]]) -> None:
        """Classify every sampled file: chunks of files on a few threads, stop polled per file."""
        pairs = zip(targets, listed, strict=True)
        jobs = [(t, f) for t, files in pairs for f in files if f.sampled]
        if not jobs:
            return
        cancel = threading.Event()

        def work(chunk: list[tuple[_Target, _File]]) -> list[tuple[_Target, _File, _Info | str]]:
            out: list[tuple[_Target, _File, _Info | str]] = []
            for target, f in chunk:
                if cancel.is_set():
                    break
                try:
                    self.check_stop()
                    outcome: _Info | str = classify_file(
                        target.fs, f.path, f.size, local=target.local
                    )
                except _Cancelled:
                    cancel.set()
                    break
                except _Skip as exc:
                    outcome = str(exc)
                except Exception as exc:  # a reader bug must not lose the crawl
                    outcome = f"cannot classify: {type(exc).__name__}: {exc}"
                out.append((target, f, outcome))
            return out

        remote = any(not t.local for t in targets)
        workers = IO_THREADS if remote else LOCAL_THREADS
        chunks = [jobs[i : i + CHUNK_FILES] for i in range(0, len(jobs), CHUNK_FILES)]
        if len(chunks) == 1 or workers == 1:
            done = (work(chunk) for chunk in chunks)
            self._record(done)
        else:
            with ThreadPoolExecutor(
                max_workers=min(workers, len(chunks)), thread_name_prefix="glue-nb-crawl"
            ) as pool:
                futures = [pool.submit(work, chunk) for chunk in chunks]
                try:
                    self._record(future.result() for future in as_completed(futures))
                except BaseException:
                    cancel.set()  # the other chunks end at their next file
                    raise
        if cancel.is_set():
            raise _Cancelled()

    def _record(self, results: Iterable[list[tuple[_Target, _File, _Info | str]]]) -> None:
        for chunk in results:
            for target, f, outcome in chunk:
                if isinstance(outcome, str):
                    self.skip_file(target, f, outcome)
                else:
                    f.info = outcome
                    self.counts["FilesRead"] += 1

    # -- incremental -----------------------------------------------------------------------------
    def add_to_existing(
        self,
        target: _Target,
        files: list[_File],
        partitions: list[dict[str, Any]],
        crawled: list[dict[str, Any]],
    ) -> list[_File]:
        """New folders under existing partitioned tables become partitions; return the rest."""
        tables = sorted(
            (
                t
                for t in self.existing
                if str(t.get("DatabaseName", "")).lower() == target.database
                and t.get("PartitionKeys")
                and (t.get("StorageDescriptor") or {}).get("Location")
            ),
            key=lambda t: -len(t["StorageDescriptor"]["Location"]),
        )
        by_folder: dict[tuple[str, ...], list[_File]] = {}
        for f in files:
            by_folder.setdefault(f.parts, []).append(f)
        rest: list[_File] = []
        for parts, folder_files in by_folder.items():
            loc = target.loc(parts)
            table = next(
                (
                    t
                    for t in tables
                    if loc.startswith(_slash(t["StorageDescriptor"]["Location"]))
                    and loc != _slash(t["StorageDescriptor"]["Location"])
                ),
                None,
            )
            if table is None:
                rest.extend(folder_files)
                continue
            self.new_partition(target, table, loc, folder_files, partitions, crawled)
        return rest

    def new_partition(
        self,
        target: _Target,
        table: dict[str, Any],
        loc: str,
        files: list[_File],
        partitions: list[dict[str, Any]],
        crawled: list[dict[str, Any]],
    ) -> None:
        sd = table["StorageDescriptor"]
        keys = [k["Name"] for k in table["PartitionKeys"]]
        rel = loc[len(_slash(sd["Location"])) :].strip("/").split("/")
        name = table["Name"]
        if len(rel) != len(keys) or any(
            "=" in part and part.split("=", 1)[0] != key
            for part, key in zip(rel, keys, strict=False)
        ):
            self.skip_folder(
                loc,
                f"folder partition keys do not match table {name!r} partition keys "
                f"({', '.join(keys)})",
            )
            return
        ok = [f for f in files if f.info is not None]
        if not ok:
            self.skip_folder(loc, "no readable file in the new folder")
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
            self.skip_folder(
                loc,
                f"format {got[0]}/{got[1]} differs from table {name!r} ({want[0]}/{want[1]})",
            )
            return
        columns: dict[str, _Col] = {}
        for f in keep:
            _merge_columns(columns, _columns_of(f.info))  # type: ignore[arg-type]
        known = {c["Name"] for c in sd.get("Columns") or ()}
        if not _similar(set(columns), known):
            self.skip_folder(
                loc, f"schema of the new folder does not match table {name!r}; skipped folder"
            )
            return
        values = [unquote(p.split("=", 1)[1]) if "=" in p else p for p in rel]
        leaf_files = keep + [f for f in files if not f.sampled]
        stats = _stats(leaf_files, None)
        cls, comp, delim = want
        part_params = _parameters(cls, comp, delim, stats, self.name, header=None, quoted=None)
        part_params.update(
            {k: v for k, v in params.items() if k not in part_params and k not in STAT_KEYS}
        )
        if self.inherit:
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

    # -- grouping --------------------------------------------------------------------------------
    def group_target(self, target: _Target, files: list[_File]) -> list[_Group]:
        root = _Node(())
        for f in files:
            if f.sampled and f.info is None:
                continue  # skipped already
            node = root
            for i, part in enumerate(f.parts):
                node = node.children.setdefault(part, _Node(f.parts[: i + 1]))
            node.files.append(f)
        if target.table is not None:
            groups = self.resolve(target, root, "force")
            if len(groups) > 1:
                groups.sort(key=lambda g: -sum(len(leaf.files) for leaf in g.leaves))
                for extra in groups[1:]:
                    self.skip_folder(
                        target.loc(extra.root),
                        f"does not fit catalog table {target.database}.{target.table}",
                    )
                groups = groups[:1]
            return groups
        if self.level is not None:
            depth = self.level - target.level0
            if depth < 0:
                raise _Failure(
                    f"Grouping.TableLevelConfiguration {self.level} is above the include path "
                    f"{target.location} (level {target.level0})"
                )
            groups = []
            for node in _nodes_at(root, depth, self, target):
                groups.extend(self.resolve(target, node, "force"))
            return groups
        groups = self.resolve(target, root, "combine" if self.combine else "default")
        return [g.settled() for g in groups]

    def resolve(self, target: _Target, node: _Node, mode: str) -> list[_Group]:
        own = self.own_group(target, node)
        kids: list[tuple[str, list[_Group]]] = []
        for name in sorted(node.children):
            groups = self.resolve(target, node.children[name], mode)
            if groups:
                kids.append((name, groups))
        flat = [g.settled() for _, groups in kids for g in groups]
        if not kids:
            return [own] if own else []
        if own is not None:
            return [own, *flat]
        candidates: list[tuple[str, _Group]] = []
        for name, groups in kids:
            if len(groups) != 1 or groups[0].root != node.children[name].parts:
                return flat
            candidates.append((name, groups[0]))
        if self.mergeable(candidates, mode):
            # A lone plain folder merges tentatively: kept if its siblings' level merges too.
            lone = mode == "default" and len(candidates) == 1 and "=" not in candidates[0][0]
            merged = _merge_groups(node, candidates)
            merged.inner = candidates[0][1] if lone else None
            return [merged]
        return flat

    def mergeable(self, candidates: list[tuple[str, _Group]], mode: str) -> bool:
        if len({g.key for _, g in candidates}) != 1 or len({g.depth for _, g in candidates}) != 1:
            return False
        if mode != "default":
            return True
        if len(candidates) == 1:
            return True
        clusters: list[list[Any]] = []
        for _, g in candidates:
            names = set(g.columns)
            for cluster in clusters:
                if _similar(cluster[0], names):
                    cluster[1] += 1
                    break
            else:
                clusters.append([names, 1])
        biggest = max(c[1] for c in clusters)
        return len(clusters) <= MAX_CLUSTERS and biggest / len(candidates) > SIMILARITY

    def own_group(self, target: _Target, node: _Node) -> _Group | None:
        ok = [f for f in node.files if f.info is not None]
        unsampled = [f for f in node.files if not f.sampled]
        if not ok:
            for f in unsampled:
                self.skip_file(
                    target, f, "not sampled, and no sampled file of its folder was readable"
                )
            return None
        counts = Counter(f.info.key for f in ok if f.info)
        key = sorted(counts, key=lambda k: (-counts[k], k))[0]
        keep = []
        for f in ok:
            assert f.info is not None
            if f.info.key == key:
                keep.append(f)
            else:
                self.skip_file(
                    target,
                    f,
                    f"format {_fmt(f.info.key)} differs from the folder's majority "
                    f"format {_fmt(key)}",
                )
        columns: dict[str, _Col] = {}
        for f in keep:
            _merge_columns(columns, _columns_of(f.info))  # type: ignore[arg-type]
        headers = sum(1 for f in keep if f.info and f.info.header)
        return _Group(
            root=node.parts,
            key=key,
            columns=columns,
            depth=0,
            leaves=[_Leaf((), node, keep + unsampled)],
            header=headers * 2 >= len(keep),
            quoted=any(f.info.quoted for f in keep if f.info),
        )

    # -- naming and output -----------------------------------------------------------------------
    def assign_names(
        self, outputs: list[tuple[_Target, _Group]]
    ) -> list[tuple[tuple[_Target, _Group], str]]:
        by_location = {
            (
                str(t.get("DatabaseName", "")).lower(),
                _slash((t.get("StorageDescriptor") or {}).get("Location") or ""),
            ): t["Name"]
            for t in self.existing
        }
        by_name = {(str(t.get("DatabaseName", "")).lower(), t["Name"]): t for t in self.existing}
        taken: set[tuple[str, str]] = set()
        names: dict[int, str] = {}
        order = sorted(range(len(outputs)), key=lambda i: outputs[i][0].loc(outputs[i][1].root))
        for i in order:  # tables whose location is catalogued keep their name
            target, group = outputs[i]
            loc = _slash(target.loc(group.root))
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
                self.prefix + (group.root[-1] if group.root else target.base)
            )
            name = base
            existing = by_name.get((target.database, name))
            clash = existing is not None and (
                (existing.get("Parameters") or {}).get("UPDATED_BY_CRAWLER") != self.name
            )
            if (target.database, name) in taken or clash:
                name = f"{base}_{hashlib.sha1(loc.encode()).hexdigest()[:8]}"
            names[i] = name
            taken.add((target.database, name))
        return [(outputs[i], names[i]) for i in range(len(outputs))]

    def table_output(
        self, target: _Target, group: _Group, name: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        cls, comp, delim = group.key
        loc = target.loc(group.root)
        keys = self.partition_keys(target, group, name)
        table_cols = [{"Name": n, "Type": render_type(c.type)} for n, c in group.columns.items()]
        for n, c in group.columns.items():
            if len(c.seen) > 1 or c.conflict:
                self.notes.append(_note(target.database, name, n, c))
        all_stats = _Stats()
        partitions = []
        folders = []
        for leaf in group.leaves:
            stats = _stats(leaf.files, None)
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
            if self.inherit:
                cols = table_cols
            else:
                leaf_cols: dict[str, _Col] = {}
                for f in leaf.files:
                    if f.info is not None:
                        _merge_columns(leaf_cols, _columns_of(f.info))
                cols = [{"Name": n, "Type": render_type(c.type)} for n, c in leaf_cols.items()]
            params = _parameters(cls, comp, delim, stats, self.name, group.header, group.quoted)
            partitions.append(
                {
                    "DatabaseName": target.database,
                    "TableName": name,
                    "Values": values,
                    "StorageDescriptor": _storage(
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
        params = _parameters(cls, comp, delim, all_stats, self.name, group.header, group.quoted)
        table = {
            "DatabaseName": target.database,
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Owner": "owner",
            "Retention": 0,
            "StorageDescriptor": _storage(cls, comp, delim, group.quoted, table_cols, loc, params),
            "PartitionKeys": [{"Name": k, "Type": "string"} for k, _ in keys],
            "Parameters": params,
        }
        return table, partitions, folders

    def partition_keys(self, target: _Target, group: _Group, table: str) -> list[tuple[str, bool]]:
        """(key name, is Hive key=value) per partition level."""
        columns = {c.lower() for c in group.columns}
        existing = next(
            (
                t
                for t in self.existing
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
            if existing and len(existing.get("PartitionKeys") or ()) == group.depth:
                name = existing["PartitionKeys"][level]["Name"]
            if name.lower() in columns or name.lower() in {k.lower() for k, _ in keys}:
                self.notes.append(
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


def _merge_groups(node: _Node, candidates: list[tuple[str, _Group]]) -> _Group:
    columns: dict[str, _Col] = {}
    leaves: list[_Leaf] = []
    headers = total = 0
    for name, g in candidates:
        _merge_columns(columns, g.columns)
        leaves.extend(_Leaf((name, *leaf.rel), leaf.node, leaf.files) for leaf in g.leaves)
        total += 1
        headers += int(g.header)
    first = candidates[0][1]
    return _Group(
        root=node.parts,
        key=first.key,
        columns=columns,
        depth=first.depth + 1,
        leaves=leaves,
        header=headers * 2 >= total,
        quoted=any(g.quoted for _, g in candidates),
    )


def _nodes_at(root: _Node, depth: int, crawl: _Crawl, target: _Target) -> list[_Node]:
    """Folders at ``depth`` below the root; files above that level are skipped."""
    level = [root]
    for _ in range(depth):
        nxt: list[_Node] = []
        for node in level:
            for f in node.files:
                crawl.skip_file(
                    target,
                    f,
                    f"above the table level {crawl.level} (Grouping.TableLevelConfiguration)",
                )
            nxt.extend(node.children[name] for name in sorted(node.children))
        level = nxt
    return level


def _slash(location: str) -> str:
    return location if location.endswith("/") else location + "/"


def _fmt(key: tuple[str, str, str]) -> str:
    cls, comp, delim = key
    text = cls if comp == "none" else f"{cls}+{comp}"
    return f"{text} (delimiter {delim!r})" if delim else text


def _note(database: str, table: str, column: str, col: _Col) -> dict[str, Any]:
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
class _Stats:
    records: float = 0.0
    raw: float = 0.0
    size: int = 0
    count: int = 0

    def add(self, other: _Stats) -> None:
        self.records += other.records
        self.raw += other.raw
        self.size += other.size
        self.count += other.count


def _stats(files: list[_File], fallback_ratio: float | None) -> _Stats:
    stats = _Stats()
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


def _parameters(
    cls: str,
    comp: str,
    delim: str,
    stats: _Stats,
    crawler: str,
    header: bool | None,
    quoted: bool | None,
) -> dict[str, str]:
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


def _storage(
    cls: str,
    comp: str,
    delim: str,
    quoted: bool,
    columns: list[dict[str, str]],
    location: str,
    params: dict[str, str],
) -> dict[str, Any]:
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


# =============================================================================================
# Entry point
# =============================================================================================
def _empty(state: str, message: str | None) -> dict[str, Any]:
    return {
        "State": state,
        "ErrorMessage": message,
        "Incremental": False,
        "Targets": [],
        "Tables": [],
        "Partitions": [],
        "SkippedFiles": [],
        "SkippedFolders": [],
        "Notes": [],
        "CrawledFolders": [],
        "Stats": {},
    }


def execute_crawl(spec: dict, should_stop: Callable[[], bool] | None = None) -> dict:
    """Run one crawl described by ``spec`` (see the module docstring) and return its result.

    Never raises for a bad target or bad data: the result's State is FAILED with an ErrorMessage
    naming the crawler and the cause. ``should_stop`` is polled between files (at most every
    50 ms); when it returns True the result is CANCELLED with nothing to write.
    """
    started = time.time()
    name = (spec.get("Crawler") or {}).get("Name") or "?"
    crawl: _Crawl | None = None
    try:
        crawl = _Crawl(spec, should_stop)
        result = crawl.run()
    except _Cancelled:
        result = _empty("CANCELLED", None)
    except _Failure as exc:
        result = _empty("FAILED", f"Crawler {name!r}: {exc}")
        if crawl is not None:
            result["SkippedFiles"] = crawl.skipped_files
    except Exception as exc:  # any bug becomes a FAILED crawl, never a lost executor
        result = _empty("FAILED", f"Crawler {name!r} failed: {type(exc).__name__}: {exc}")
    result["CrawlId"] = spec.get("CrawlId")
    result["CrawlerName"] = name
    result["StartedOn"] = started
    result["CompletedOn"] = time.time()
    return result
