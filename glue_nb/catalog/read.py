"""Reading a catalogued table's data into a pandas DataFrame, opening only the partitions that
pass a filter, with values converted to the catalog's column types."""

from __future__ import annotations

import hashlib
import json
import numbers
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.catalog.expressions import partition_predicate
from glue_nb.catalog.lookups import load_partitions, load_table
from glue_nb.exceptions import InvalidInputException

__all__ = ["TableReader", "partitions_digest", "table_identity"]


def partitions_digest(partitions: list[dict[str, Any]]) -> str:
    """What identifies a table's partition listing: each partition's values and location."""
    listing = sorted(
        json.dumps([p.get("Values"), (p.get("StorageDescriptor") or {}).get("Location")])
        for p in partitions
    )
    return "partitions:" + hashlib.sha256("\n".join(listing).encode()).hexdigest()[:32]


def table_identity(store: Any, database: str, table: str) -> dict[str, str | None]:
    """A catalog table's ``{"version": VersionId, "digest": partition listing}`` now (for
    reuse: a job that read it is reused only while both are the same)."""
    t = load_table(store, database, table)
    digest = partitions_digest(load_partitions(store, t)) if t.get("PartitionKeys") else None
    return {"version": t.get("VersionId"), "digest": digest}


def _note_read(full: str, table: dict[str, Any], partitions: list[dict[str, Any]] | None) -> None:
    """Tell the job's recorder (when one runs in this kernel) that the table was read."""
    recorder = sys.modules.get("glue_nb.reuse.recorder")
    if recorder is None or not recorder.active():
        return
    digest = partitions_digest(partitions) if partitions is not None else None
    recorder.note_table("table", full, table.get("VersionId"), digest)


class TableReader:
    """:meth:`read_table` of :class:`glue_nb.catalog.Catalog`."""

    store: Any

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

        t = load_table(self.store, database, table)
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
            test = _partition_filter(full, partitions, keys)
            sources: list[tuple[str, dict[str, str]]] = []
            every = load_partitions(self.store, t)
            _note_read(full, t, every)
            for p in every:
                location = (p.get("StorageDescriptor") or {}).get("Location")
                values = dict(zip(key_names, p["Values"], strict=False))
                if location and test(values):
                    sources.append((location, values))
        else:
            if partitions is not None:
                raise InvalidInputException(f"read_table {full}: the table has no partition keys")
            if not sd.get("Location"):
                raise InvalidInputException(f"read_table {full}: the table has no Location")
            _note_read(full, t, None)
            sources = [(sd["Location"], {})]
        frames = []
        for location, values in sources:
            urls = _data_files(location)
            if urls is None:  # a partition whose folder is gone holds no rows (as in Athena)
                if not keys:
                    raise InvalidInputException(
                        f"read_table {full}: its Location {location} does not exist"
                    )
                continue
            for url in urls:
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


def _partition_filter(
    full: str, partitions: Any, keys: list[dict[str, Any]]
) -> Callable[[dict[str, str]], bool]:
    """read_table's ``partitions`` argument → a test of a partition's {key: value}."""
    names = [k["Name"] for k in keys]
    if partitions is None:
        return lambda values: True
    if isinstance(partitions, str):
        return partition_predicate(partitions, {k["Name"]: k.get("Type") or "string" for k in keys})
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


def _dtype(glue_type: str) -> str:
    """The pandas dtype for an empty column of a Glue type."""
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
    """Convert a column to its Glue type (values that do not convert become missing)."""
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
            return series.map(_boolean).astype("boolean")
        if glue_type in ("timestamp", "date"):
            if str(series.dtype).startswith("datetime64"):
                return series
            return pd.to_datetime(series, errors="coerce", format="mixed")
    except (TypeError, ValueError):
        return series
    return series


def _boolean(value: Any) -> Any:
    """One value of a boolean column: a bool, 1/0 (JSON's true/false read as numbers beside a
    missing value), or the text true/false; anything else is missing."""
    import pandas as pd

    if value is None or value != value:
        return pd.NA
    if isinstance(value, numbers.Real) and value in (0, 1):  # numpy's scalars too
        return bool(value)
    return {"true": True, "false": False}.get(str(value).strip().lower(), pd.NA)


def _data_files(location: str) -> list[str] | None:
    """The data files directly in a location (hidden ``.``/``_`` names left out); None when
    the location does not exist."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(location)
    if not fs.exists(path):
        return None
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
    """One data file as a DataFrame, read as the table's classification says."""
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
