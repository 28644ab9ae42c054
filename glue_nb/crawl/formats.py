"""Classifying one file: its format (CSV/TSV, JSON, Parquet), compression (gzip), columns with
their Glue types, and an estimate of its records, from a sample (Glue's rules).

* Parquet: the schema and row count from the footer only.
* CSV/TSV: the delimiter among ``, \\t | ; ^A``, and the header, from the first 1,000 records or
  1 MiB, whichever comes first; recordCount is estimated as size / average sampled record size.
  A first row is a header when every value in it is a string, the values are unique, and at
  least one data column is not a string (Glue's rule); when every column is a string,
  :meth:`csv.Sniffer.has_header` decides; without a header columns are ``col0, col1, ...``.
* JSON: JSON lines, or one document (an object or an array of objects) up to 10 MiB.
* gzip-compressed variants of the text formats. Anything else raises :class:`Skip` with the
  reason, and the crawl lists the file as skipped.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from glue_nb.crawl.types import arrow_type, json_type, merge_types, value_type

__all__ = ["CSV_DELIMITERS", "SAMPLE_BYTES", "SAMPLE_RECORDS", "FileInfo", "Skip", "classify_file"]

SAMPLE_BYTES = 1 << 20  # Glue reads the first megabyte ...
SAMPLE_RECORDS = 1000  # ... or the first 1,000 records, whichever comes first
JSON_DOCUMENT_LIMIT = 10 << 20  # a pretty-printed JSON document is parsed whole up to this size
CSV_DELIMITERS = (",", "\t", "|", ";", "\x01")


class Skip(Exception):
    """A file that cannot be classified; the message is the reason."""


@dataclass(slots=True)
class FileInfo:
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
        """(classification, compression, delimiter): files of one table share it."""
        return (self.classification, self.compression, self.delimiter or "")


def open_file(fs: Any, path: str, local: bool) -> Any:
    """Open a file for reading (the builtin ``open`` for local files: faster than fsspec's)."""
    return open(path, "rb") if local else fs.open(path, "rb")


def classify_file(fs: Any, path: str, size: int, *, local: bool = False) -> FileInfo:
    """Classify one file (format, compression, columns, estimated records); raises Skip."""
    try:
        with open_file(fs, path, local) as f:
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
                    raise Skip("compressed or archived file (only gzip is supported)")
                if magic == b"Obj\x01":
                    raise Skip("Avro files are not supported")
                if magic[:3] == b"ORC":
                    raise Skip("ORC files are not supported")
                head = magic + f.read(SAMPLE_BYTES - 4)
                eof = len(head) >= size or len(head) < SAMPLE_BYTES
    except Skip:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise Skip(f"cannot read: {type(exc).__name__}: {exc}")
    if compression == "none":
        raw_size = float(size)
    elif eof:
        raw_size = float(len(head))
    elif isize is not None and isize >= len(head):
        raw_size = float(isize)  # gzip's trailer: uncompressed size mod 2**32
    else:
        raw_size = float(size) * 4  # a guess; only recordCount depends on it
    return _text(head, eof, compression, raw_size, path, fs, local)


def _parquet(fs: Any, path: str, handle: Any, size: int, local: bool) -> FileInfo:
    """Columns and row count from a Parquet footer (no data pages are read)."""
    import pyarrow.parquet as pq

    try:
        handle.seek(0)
        pf = pq.ParquetFile(path if local else handle)
        schema = pf.schema_arrow
        rows = pf.metadata.num_rows
    except Exception as exc:
        raise Skip(f"corrupt Parquet footer: {type(exc).__name__}: {exc}")
    columns = {
        f.name: arrow_type(f.type) for f in schema if not f.name.startswith("__index_level_")
    }
    return FileInfo("parquet", "none", columns, float(rows), float(size))


def _text(
    head: bytes, eof: bool, compression: str, raw_size: float, path: str, fs: Any, local: bool
) -> FileInfo:
    """A text sample: JSON when it starts with { or [, else CSV/TSV."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if b"\x00" in head[:8192]:
        raise Skip("binary file in no supported format (csv, tsv, json, parquet)")
    if not eof:
        cut = head.rfind(b"\n")
        if cut < 0:
            raise Skip(f"no line break in the first {SAMPLE_BYTES} bytes")
        head = head[: cut + 1]
    pieces = head.split(b"\n", SAMPLE_RECORDS + 1)
    complete = eof and len(pieces) <= SAMPLE_RECORDS + 1  # every record is in the sample
    lines = [line for line in pieces[: SAMPLE_RECORDS + 1] if line.strip()]
    if not lines:
        raise Skip("empty file")
    first = lines[0].lstrip()
    try:
        if first.startswith((b"{", b"[")):
            return _json(lines, head, eof, complete, compression, raw_size, path, fs, local)
        return _csv(lines, complete, compression, raw_size, path)
    except UnicodeDecodeError as exc:
        raise Skip(f"not UTF-8 text: {exc}")


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
) -> FileInfo:
    """JSON lines (up to 10 % bad lines), else one JSON document."""
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
            raise Skip(f"invalid JSON ({first_error})")
        records = document if isinstance(document, list) else [document]
        sample_bytes = int(raw_size)
        complete = True
    objects = [r for r in records if isinstance(r, dict)]
    if not objects:
        raise Skip("JSON records must be objects")
    columns: dict[str, Any] = {}
    for record in objects:
        for key, value in record.items():
            t = json_type(value)
            columns[key], _ = merge_types(columns.get(key), t)
    avg = sample_bytes / len(objects)
    count = float(len(objects)) if complete else raw_size / max(avg, 1.0)
    return FileInfo("json", compression, columns, count, raw_size)


def _whole_json(
    head: bytes, eof: bool, raw_size: float, compression: str, path: str, fs: Any, local: bool
) -> Any:
    """The file parsed as one JSON document (None if it is not one or too big)."""
    data = head
    if not eof:
        if raw_size > JSON_DOCUMENT_LIMIT:
            return None
        with open_file(fs, path, local) as f:
            data = gzip.GzipFile(fileobj=f).read() if compression == "gzip" else f.read()
    try:
        return json.loads(data)
    except ValueError:
        return None


def _csv(
    lines: list[bytes], complete: bool, compression: str, raw_size: float, path: str
) -> FileInfo:
    """Delimiter, header, column names and types of a CSV/TSV sample."""
    text_lines = [line.decode("utf-8").rstrip("\r") for line in lines]
    hint = "\t" if path.lower().removesuffix(".gz").endswith((".tsv", ".tab")) else None
    delimiter = _detect_delimiter(text_lines, hint)
    rows = list(csv.reader(text_lines, delimiter=delimiter))
    widths = Counter(len(r) for r in rows)
    width = widths.most_common(1)[0][0]
    if width < 2:
        raise Skip("not a recognised format: CSV needs at least two columns")
    first, data = rows[0], rows[1:]
    first_types = [value_type(v) for v in first]
    col_types: list[Any] = [None] * max(width, len(first))
    for row in data:
        for i, value in enumerate(row[: len(col_types)]):
            current = col_types[i]
            if current == "string":
                continue
            t = value_type(value)
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
                    t = value_type(value)
                    if t is not None:
                        col_types[i], _ = merge_types(col_types[i], t)
        if len(data) < 2:
            raise Skip("not a recognised format: CSV needs at least two rows")
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
    return FileInfo("csv", compression, columns, count, raw_size, delimiter, header, quoted)


def _detect_delimiter(lines: list[str], hint: str | None) -> str:
    """The delimiter giving the most consistent column count (csv.Sniffer as fallback)."""
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
    raise Skip("not a recognised format: no consistent delimiter (CSV needs two columns)")


def _sniffer_header(lines: list[str], delimiter: str) -> bool:
    """csv.Sniffer's header guess, for files whose columns are all strings."""
    sample = "\n".join(lines[:50])
    try:
        sniffer = csv.Sniffer()
        sniffer.preferred = [delimiter]
        return sniffer.has_header(sample)
    except csv.Error:
        return False
