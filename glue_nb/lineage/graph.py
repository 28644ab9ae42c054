"""Lineage from ``io_records``: which runs produced a resource and which read it, and what is
upstream and downstream of a run, across workflows (through the resources they share).

A read is linked to the write it read: among the writes of the resource (or, for a folder or a
table, of each resource under it) it is the latest write whose run ended before the reader
started, unless what identifies the content (digest, VersionId, ETag, or size and mtime) says
the reader saw another one. Resources nest: a folder read (``/lake/sales/``) reads every file
under it, a table read (``db.t``) its partitions (``db.t/k=v``), and a write reaches the reads
of its folders and of its table. Nothing here depends on when records were written, so job-run
records recorded later (or copied to a reused run) join the same queries.

:func:`lineage` answers glue-nb's ``GetLineage``: ``Runs`` and ``Records`` as columns and rows
(:func:`decode` reads them back from the API's JSON text).
Each record row carries a ``Hop``: 0 for the seed runs, -1 for the runs that produced what they
(or the seed resource) read, -2 for theirs, +1 for the runs that read what they wrote, ...;
``SourceRunId`` on a read names the run whose write it read (one row per such run) and
``SourceResource`` what that run wrote (a file under the folder or table read, say).
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.store import Store, dumps
from glue_nb.store import lineage as queries

__all__ = [
    "DIRECTIONS",
    "Rec",
    "Walk",
    "decode",
    "lineage",
    "location_resource",
    "resource_key",
]

DIRECTIONS = ("BOTH", "UPSTREAM", "DOWNSTREAM")
RECORD_COLUMNS = [
    "Hop", "RunId", "Direction", "Kind", "Resource", "Size", "MtimeNs", "Digest", "Etag",
    "Version", "RecordedOn", "SourceRunId", "SourceResource",
]  # fmt: skip
RUN_COLUMNS = [
    "Id", "Type", "Name", "State", "StartedOn", "CompletedOn", "WorkflowName", "WorkflowRunId",
    "NodeId", "Attempt", "OutputLocation", "ErrorMessage",
]  # fmt: skip
_CATALOG = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(/.+)?$")


@dataclass(frozen=True, slots=True)
class Rec:
    """One io record."""

    run_kind: str
    run: str
    direction: str
    kind: str
    resource: str
    size: int | None
    mtime_ns: int | None
    digest: str | None
    etag: str | None
    version: str | None
    recorded: float
    start: float  # when its run started
    end: float  # when its run ended (or the record was recorded)


def decode(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A GetLineage answer with ``Runs`` and ``Records`` as ``{"Columns", "Rows"}`` (the API
    sends them as JSON text)."""
    return {
        key: json.loads(answer[key]) if isinstance(answer[key], str) else answer[key]
        for key in ("Runs", "Records")
    }


def resource_key(text: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, resource) as io_records spell it: ``file`` and an absolute path (a folder ends
    with ``/``), ``url``, ``table`` (``db.table``) or ``partition`` (``db.table/k=v``). A text
    that names no existing path and looks like ``db.table[/k=v...]`` is a catalog name."""
    text = text.strip()
    if not text:
        raise InvalidInputException("lineage: the resource is empty; give a path, URL or db.table")
    if kind not in (None, "file", "url", "table", "partition"):
        raise InvalidInputException(
            f"lineage: kind must be 'file', 'url', 'table' or 'partition' (how to read the "
            f"resource; default: guessed from it), got {kind!r}"
        )
    if kind in ("table", "partition"):
        return kind, text.lower() if kind == "table" else text
    if "://" in text and not text.startswith("file://"):
        return "url", text
    plain = os.path.expanduser(text.removeprefix("file://"))
    if kind is None and not os.path.exists(plain) and _CATALOG.match(text):
        table, _, rest = text.partition("/")
        return ("partition", f"{table.lower()}/{rest}") if rest else ("table", table.lower())
    path = os.path.abspath(plain)
    if text.endswith("/") or os.path.isdir(path):
        path = path.rstrip("/") + "/"
    return "file", path


def _ancestors(resource: str) -> list[str]:
    """The folders holding a file or URL, each ending with ``/`` (``s3://b/a/x`` →
    ``s3://b/``, ``s3://b/a/``)."""
    scheme, sep, rest = resource.partition("://")
    head, body = (scheme + sep, rest) if sep else ("", resource)
    parts = body.rstrip("/").split("/")
    out, acc = [], head
    for part in parts[:-1]:
        acc += part + "/"
        out.append(acc)
    return out


def location_resource(location: str) -> tuple[str, str]:
    """(kind, resource) of a catalog Location or a crawled path: ``file`` and an absolute path
    (folders keep their ``/``), or ``url``."""
    if location.startswith("file://"):
        location = location.removeprefix("file://")
    if "://" in location:
        return "url", location
    return "file", os.path.abspath(location) + ("/" if location.endswith("/") else "")


def _folder(resource: str) -> str:
    return resource if resource.endswith("/") else resource + "/"


def _spellings(folder: str) -> list[str]:
    """The ways a catalog Location may spell a local folder or URL prefix."""
    bare = folder.rstrip("/")
    out = [folder, bare]
    if "://" not in folder:
        out += [f"file://{folder}", f"file://{bare}"]
    return out


def _scopes(
    recs: Iterable[Rec], scope: Callable[[str, str], tuple[list[str], list[str]]]
) -> tuple[list[str], list[str]]:
    """Every record's ``scope`` (exact resources, prefixes), joined."""
    exact: list[str] = []
    prefixes: list[str] = []
    for rec in recs:
        e, p = scope(rec.kind, rec.resource)
        exact += e
        prefixes += p
    return exact, prefixes


def _same(read: Rec, write: Rec) -> bool | None:
    """Do a read and a write identify the same content? None when nothing compares."""
    for a, b in ((read.digest, write.digest), (read.version, write.version),
                 (read.etag, write.etag)):  # fmt: skip
        if a and b:
            return a == b
    if read.size is not None and write.size is not None and read.mtime_ns and write.mtime_ns:
        return (read.size, read.mtime_ns) == (write.size, write.mtime_ns)
    return None


class Walk:
    """One lineage query over a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.run_rows: dict[str, tuple[Any, ...]] = {}
        self.rows: dict[tuple[int, str, str, str, str], tuple[int, Rec, Rec | None]] = {}
        self.up: dict[str, int] = {}
        self.down: dict[str, int] = {}
        self.located: dict[str, str | None] = {}

    # -- runs ------------------------------------------------------------------------------------
    def load_runs(self, keys: Iterable[str]) -> None:
        missing = [k for k in dict.fromkeys(keys) if k not in self.run_rows]
        if missing:
            self.run_rows.update(queries.runs(self.store, missing))

    # -- scopes ----------------------------------------------------------------------------------
    def _locations(self, resources: Iterable[tuple[str, str]]) -> None:
        """Look up the data locations of the tables and partitions among ``resources``."""
        tables, partitions = [], []
        for kind, resource in resources:
            if resource in self.located:
                continue
            self.located[resource] = None
            if kind == "table":
                tables.append(resource)
            elif kind == "partition":
                name, _, pairs = resource.partition("/")
                values = [p.partition("=")[2] for p in pairs.split("/")]
                partitions.append((resource, name, dumps(values)))
        if tables or partitions:
            for name, location in queries.catalog_locations(self.store, tables, partitions).items():
                self.located[name] = _folder(location_resource(location)[1])

    def read_scope(self, kind: str, resource: str) -> tuple[list[str], list[str]]:
        """(exact, prefixes) of the resources whose writes a read of this resource may have
        read: a folder's contents, a table's partitions and the files under a table's or a
        partition's Location."""
        if kind in ("table", "partition"):
            location = self.located.get(resource)
            prefixes = [resource + "/"] if kind == "table" else []
            return [resource], [*prefixes, *([location] if location else [])]
        if resource.endswith("/"):
            return [], [resource]
        return [resource], []

    def write_scope(self, kind: str, resource: str) -> tuple[list[str], list[str]]:
        """(exact, prefixes) of the resources whose reads may have read a write of this one: the
        resource, its folders, its table, and the tables whose Location holds it."""
        if kind == "table":
            return [resource], [resource + "/"]
        if kind == "partition":
            return [resource, resource.split("/", 1)[0]], []
        folders = _ancestors(resource)
        exact = [resource, *folders]
        prefixes = [resource] if resource.endswith("/") else []
        spelled = [s for f in [*folders, *prefixes] for s in _spellings(f)]
        spelled += [resource, f"file://{resource}"]  # a table of one file
        for table in queries.tables_at(self.store, spelled):
            exact.append(table)
            prefixes.append(table + "/")
        return exact, prefixes

    # -- links -----------------------------------------------------------------------------------
    def producers(self, reads: Sequence[Rec]) -> dict[Rec, list[Rec]]:
        """For each read, the writes it read (one per written resource in its scope)."""
        self._locations((r.kind, r.resource) for r in reads)
        exact, prefixes = _scopes(reads, self.read_scope)
        writes = [Rec(*w) for w in queries.records_on(self.store, "write", exact, prefixes)]
        by_resource: dict[str, list[Rec]] = {}
        for w in writes:
            by_resource.setdefault(w.resource, []).append(w)
        ends: dict[str, list[float]] = {}
        for name, group in by_resource.items():
            keyed = sorted((w.end, i) for i, w in enumerate(group))
            by_resource[name] = [group[i] for _, i in keyed]
            ends[name] = [end for end, _ in keyed]
        names = sorted(by_resource)
        out: dict[Rec, list[Rec]] = {}
        for r in reads:
            e, p = self.read_scope(r.kind, r.resource)
            scope = [n for n in e if n in by_resource]
            for prefix in p:
                i = bisect.bisect_left(names, prefix)
                while i < len(names) and names[i].startswith(prefix):
                    scope.append(names[i])
                    i += 1
            start = r.start
            chosen = [self._choose(r, start, by_resource[n], ends[n]) for n in scope]
            out[r] = [w for w in chosen if w is not None and w.run != r.run]
        return out

    @staticmethod
    def _choose(read: Rec, start: float, writes: list[Rec], ends: list[float]) -> Rec | None:
        """The write ``read`` read: the latest whose run ended before the reader started and
        whose content does not differ; else a later one whose content is the same."""
        i = bisect.bisect_right(ends, start)
        for w in reversed(writes[:i]):
            if _same(read, w) is not False:
                return w
        return next((w for w in writes[i:] if _same(read, w) is True), None)

    def consumers(self, writes: Sequence[Rec]) -> list[tuple[Rec, list[Rec]]]:
        """The reads that read one of ``writes``, each with every write it read."""
        exact, prefixes = _scopes(writes, self.write_scope)
        reads = [Rec(*r) for r in queries.records_on(self.store, "read", exact, prefixes)]
        mine = {(w.run, w.resource) for w in writes}
        linked = self.producers(reads)
        return [(r, ws) for r, ws in linked.items() if any((w.run, w.resource) in mine for w in ws)]

    # -- rows ------------------------------------------------------------------------------------
    def add(self, hop: int, rec: Rec, source: Rec | None = None) -> None:
        key = (hop, rec.run, rec.direction, rec.resource, source.run if source else "")
        self.rows.setdefault(key, (hop, rec, source))

    def add_read(self, hop: int, rec: Rec, sources: list[Rec]) -> None:
        """A read, once per run whose write it read (with the first such write's resource)."""
        if not sources:
            self.add(hop, rec)
        for w in sorted(sources, key=lambda w: w.resource):
            self.add(hop, rec, w)

    def records(self, keys: Iterable[str], direction: str) -> list[Rec]:
        return [Rec(*r) for r in queries.records_of_runs(self.store, keys, direction)]

    # -- walking ---------------------------------------------------------------------------------
    def upstream(self, reads: list[Rec], hop: int, depth: int | None) -> None:
        """Add ``reads`` (of runs at ``hop``) with their sources, then walk to their producers."""
        while reads:
            linked = self.producers(reads)
            for r, ws in linked.items():
                self.add_read(hop, r, ws)
            if depth is not None and -hop >= depth:
                return
            new: list[str] = []
            for ws in linked.values():
                for w in ws:
                    if w.run not in self.up:
                        self.up[w.run] = hop - 1
                        new.append(w.run)
                    if self.up[w.run] == hop - 1:
                        self.add(hop - 1, w)
            hop -= 1
            reads = self.records(new, "read")

    def downstream(self, writes: list[Rec], hop: int, depth: int | None) -> None:
        """Add ``writes`` (of runs at ``hop``), then walk to the runs that read them."""
        while writes:
            for w in writes:
                self.add(hop, w)
            if depth is not None and hop >= depth:
                return
            new: list[str] = []
            for r, ws in self.consumers(writes):
                if r.run not in self.down:
                    self.down[r.run] = hop + 1
                    new.append(r.run)
                if self.down[r.run] == hop + 1:
                    self.add_read(hop + 1, r, ws)
            hop += 1
            writes = self.records(new, "write")

    def from_runs(self, keys: list[str], direction: str, depth: int | None) -> None:
        for k in keys:
            self.up[k] = self.down[k] = 0
        reads, writes = self.records(keys, "read"), self.records(keys, "write")
        self.upstream(reads, 0, depth if direction != "DOWNSTREAM" else 0)
        self.downstream(writes, 0, depth if direction != "UPSTREAM" else 0)

    def from_resource(self, kind: str, resource: str, direction: str, depth: int | None) -> None:
        self._locations([(kind, resource)])
        if direction != "DOWNSTREAM" and depth != 0:
            exact, prefixes = self.read_scope(kind, resource)
            writes = [Rec(*w) for w in queries.records_on(self.store, "write", exact, prefixes)]
            for w in writes:
                self.up.setdefault(w.run, -1)
                self.add(-1, w)
            self.upstream(self.records({w.run for w in writes}, "read"), -1, depth)
        if direction != "UPSTREAM" and depth != 0:
            exact, prefixes = self.write_scope(kind, resource)
            reads = [Rec(*r) for r in queries.records_on(self.store, "read", exact, prefixes)]
            for r, ws in self.producers(reads).items():
                self.down.setdefault(r.run, 1)
                self.add_read(1, r, ws)
            self.downstream(self.records({r.run for r in reads}, "write"), 1, depth)

    # -- the answer ------------------------------------------------------------------------------
    def answer(self) -> dict[str, Any]:
        rows = [self.rows[key] for key in sorted(self.rows)]
        self.load_runs(rec.run for _, rec, _ in rows)
        records = [
            [hop, r.run, r.direction, r.kind, r.resource, r.size, r.mtime_ns, r.digest, r.etag,
             r.version, r.recorded, w.run if w else None, w.resource if w else None]
            for hop, r, w in rows
        ]  # fmt: skip
        runs = [list(self.run_rows[k]) for k in dict.fromkeys(r[1] for r in records)
                if k in self.run_rows]  # fmt: skip
        return {
            "Runs": {"Columns": RUN_COLUMNS, "Rows": runs},
            "Records": {"Columns": RECORD_COLUMNS, "Rows": records},
        }


def lineage(
    store: Store,
    *,
    resource: str | None = None,
    kind: str | None = None,
    run_id: str | None = None,
    workflow: str | None = None,
    depth: int | None = None,
    direction: str = "BOTH",
) -> dict[str, Any]:
    """The lineage of one resource, one job run or crawl, one workflow run (``run_id`` =
    ``wr_...``) or every run of a workflow, ``depth`` runs away (None: all the way)."""
    direction = direction.upper()
    if direction not in DIRECTIONS:
        raise InvalidInputException(
            f"lineage: Direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}"
        )
    if depth is not None and depth < 0:
        raise InvalidInputException(f"lineage: Depth must be 0 or more, got {depth}")
    given = [n for n, v in (("Resource", resource), ("RunId", run_id), ("WorkflowName", workflow))
             if v]  # fmt: skip
    if len(given) != 1 and not (given == ["RunId", "WorkflowName"]):
        raise InvalidInputException(
            "lineage: give one of Resource (a path, URL, db.table or db.table/k=v), RunId (a "
            "job run, crawl or workflow run id) or WorkflowName"
            + (f"; got {' and '.join(given)}" if given else "")
        )
    walk = Walk(store)
    if resource:
        key_kind, key = resource_key(resource, kind)
        walk.from_resource(key_kind, key, direction, depth)
        return walk.answer()
    if run_id and run_id.startswith("wr_"):
        keys = queries.runs_of_workflow(store, None, run_id)
        what = f"workflow run {run_id}"
    elif run_id:
        keys = [run_id] if queries.runs(store, [run_id]) else []
        what = f"job run or crawl {run_id}"
    else:
        keys = queries.runs_of_workflow(store, workflow, None)
        what = f"workflow {workflow!r} (or it has no runs)"
    if not keys:
        raise EntityNotFoundException(f"lineage: no {what}")
    walk.from_runs(keys, direction, depth)
    return walk.answer()
