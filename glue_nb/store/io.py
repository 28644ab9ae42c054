"""What runs read and wrote: the ``io_records`` table, the ground of lineage and of reuse."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from glue_nb.store.db import Store
from glue_nb.timeutil import now

__all__ = ["IoRecord", "IoRecords"]

DIRECTIONS = ("read", "write")
KINDS = ("file", "url", "table", "partition")


@dataclass(frozen=True)
class IoRecord:
    """One resource a run read or wrote, with what identified its content then."""

    direction: str  # read | write
    kind: str  # file | url | table | partition
    resource: str
    size: int | None = None
    mtime_ns: int | None = None
    digest: str | None = None
    etag: str | None = None
    version: str | None = None

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS or self.kind not in KINDS:
            raise ValueError(f"io record {self.direction!r} {self.kind!r}: not one of "
                             f"{DIRECTIONS} x {KINDS}")  # fmt: skip

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> IoRecord:
        return cls(**{k: row[k] for k in (
            "direction", "kind", "resource", "size", "mtime_ns", "digest", "etag", "version",
        )})  # fmt: skip


_COLUMNS = "run_kind, run_key, direction, kind, resource, size, mtime_ns, digest, etag, version"


class IoRecords:
    """Reads and writes of ``io_records``. Writes join the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, run_kind: str, run_key: str, records: Iterable[IoRecord]) -> None:
        """Record what one job run (``"job"``) or crawl (``"crawl"``) read and wrote (a
        resource recorded twice in one direction keeps its last record)."""
        t = now()
        rows = [
            (run_kind, run_key, r.direction, r.kind, r.resource, r.size, r.mtime_ns, r.digest,
             r.etag, r.version, t)
            for r in records
        ]  # fmt: skip
        with self.store.transaction() as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO io_records({_COLUMNS}, recorded_on) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )

    def of_run(self, run_key: str) -> list[IoRecord]:
        """What one job run or crawl read and wrote."""
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM io_records WHERE run_key=? ORDER BY direction, resource",
                (run_key,),
            ).fetchall()
        return [IoRecord.from_row(r) for r in rows]

    def touching(
        self, resource: str, direction: str | None = None, *, prefix: bool = False
    ) -> list[dict[str, Any]]:
        """The runs that read or wrote ``resource`` (everything under it with ``prefix``, e.g.
        a table's partitions), newest first: rows with run_kind, run_key and the record."""
        where = "resource LIKE ? ESCAPE '\\'" if prefix else "resource = ?"
        value = (
            resource.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            if prefix
            else resource
        )
        params: list[Any] = [value]
        if direction is not None:
            where += " AND direction = ?"
            params.append(direction)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS}, recorded_on FROM io_records WHERE {where} "
                "ORDER BY recorded_on DESC",
                params,
            ).fetchall()
        return [dict(r) for r in rows]
