"""What a job notebook imports: its run context and the workflow run's properties.

Inside a job started by glue-nb, the kernel's environment carries the job's context
(``GLUE_NB_JOB_CONTEXT``, set by a cell glue-nb inserts). Run properties then come from the
snapshot taken when the job started, merged with the job's own updates; updates are written to a
file the executor hands back to the engine, which merges them into the run when the job ends. No
store access is needed, so the same notebook works on a Dask worker on another host.

Run on its own (interactively, or with plain papermill), there is no context: properties live in
memory for the session, so a notebook still runs top to bottom with its parameter defaults.

    from glue_nb import runtime
    period = runtime.get_run_properties().get("period", "2026-10")
    runtime.put_run_properties(rows_in=1200, checked=True)   # the next job reads 1200 and True
    for path in runtime.bookmark.new_files("data/incoming", pattern="*.csv"):
        ...                                                   # only files not processed yet

Glue's run properties are strings. Values travel typed through them: ``put_run_properties`` stores
a non-string value as JSON text (``1200``, ``true``, ``[1, 2]``; a value JSON cannot hold, such
as a datetime, as its ``str``), and ``get_run_properties`` (and ``Run.properties``) turn text that
reads as a JSON number, boolean, null, list or object back into that value; any other text stays
a string. So a string that reads as a number (``"1200"``, also when set through Glue's API or
``glue-nb run -p``) comes back as a number: ``get_run_properties(raw=True)`` gives Glue's strings.

Job bookmarks (``--job-bookmark-option``, see :mod:`glue_nb.bookmarks`): ``bookmark.new_files(path,
pattern)`` lists the files under a folder (a local path, relative to the notebook's folder, or an
fsspec URL) that the job has not processed yet: new files, and files whose modification time or
size changed. They count as processed once the job run succeeds. Run on its own, or with the
bookmark disabled, every file is new. Names starting with ``.`` or ``_`` (``_SUCCESS``, hidden
files and folders) are left out, as Hadoop and Spark do.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CONTEXT_ENV",
    "Bookmark",
    "JobContext",
    "bookmark",
    "context",
    "decode_properties",
    "encode_properties",
    "get_run_properties",
    "in_workflow",
    "put_run_properties",
]

CONTEXT_ENV = "GLUE_NB_JOB_CONTEXT"


@dataclass
class JobContext:
    """Where a running job sits: its workflow run, its job run, and its properties snapshot."""

    workflow_name: str | None
    workflow_run_id: str | None
    job_name: str | None
    job_run_id: str | None
    run_properties: dict[str, str] = field(default_factory=dict)
    updates_path: str | None = None
    home: str | None = None
    bookmark: dict[str, Any] | None = None  # {"option", "state_path", "consumed_path"}

    def updates(self) -> dict[str, str]:
        """The property updates this job has made so far."""
        if not self.updates_path or not os.path.exists(self.updates_path):
            return {}
        with open(self.updates_path, encoding="utf-8") as fh:
            data = json.load(fh)
        return {str(k): str(v) for k, v in data.items()}

    def properties(self) -> dict[str, str]:
        """The snapshot merged with this job's own updates."""
        return {**self.run_properties, **self.updates()}

    def record(self, updates: Mapping[str, str]) -> None:
        """Upsert ``updates`` into this job's update file (atomically)."""
        merged = {**self.updates(), **updates}
        if self.updates_path is None:
            self.run_properties.update(updates)
            return
        path = Path(self.updates_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".props-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(merged, fh)
        os.replace(tmp, path)


_standalone = JobContext(None, None, None, None)


def context() -> JobContext | None:
    """The job context glue-nb set for this kernel, or ``None`` when run on its own."""
    raw = os.environ.get(CONTEXT_ENV)
    if not raw:
        return None
    data = json.loads(raw)
    return JobContext(
        workflow_name=data.get("workflow_name"),
        workflow_run_id=data.get("workflow_run_id"),
        job_name=data.get("job_name"),
        job_run_id=data.get("job_run_id"),
        run_properties=dict(data.get("run_properties") or {}),
        updates_path=data.get("updates_path"),
        home=data.get("home"),
        bookmark=data.get("bookmark"),
    )


def in_workflow() -> bool:
    """True when this notebook runs as a job of a workflow run."""
    ctx = context()
    return ctx is not None and ctx.workflow_run_id is not None


def get_run_properties(*, raw: bool = False) -> dict[str, Any]:
    """The workflow run's properties as this job sees them (a copy), typed (see the module
    docstring; ``raw=True``: Glue's strings as stored)."""
    props = (context() or _standalone).properties()
    out = props if raw else decode_properties(props)
    recorder = sys.modules.get("glue_nb.reuse.recorder")  # installed by glue-nb's context cell
    if recorder is not None and recorder.active():  # the keys a job reads are in its fingerprint
        return recorder.TrackedProperties(out, props)  # type: ignore[no-any-return]
    return out


def put_run_properties(
    properties: Mapping[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Upsert run properties (non-string values are stored as JSON text). Returns all
    properties, typed."""
    updates = {**(properties or {}), **kwargs}
    for key in updates:
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise ValueError(f"run property names must be strings of 1-255 characters, got {key!r}")
    ctx = context() or _standalone
    ctx.record(encode_properties(updates))
    return decode_properties(ctx.properties())


# -- typed values through Glue's string properties ---------------------------------------------
_JSON_START = frozenset("-0123456789tfn[{NI")  # numbers, true/false/null, lists, objects, NaN


def encode_properties(values: Mapping[str, Any]) -> dict[str, str]:
    """Run property values as Glue's strings: strings as they are, anything else as JSON text
    (numpy scalars and arrays as Python values; what JSON cannot hold as its ``str``)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            out[key] = value
            continue
        if hasattr(value, "tolist") and not isinstance(value, (list, tuple, dict)):
            try:
                value = value.tolist()  # numpy scalars and arrays, pandas Series
            except (TypeError, ValueError):
                pass
        try:
            out[key] = json.dumps(value)
        except (TypeError, ValueError):
            out[key] = str(value)
    return out


def decode_properties(properties: Mapping[str, str]) -> dict[str, Any]:
    """Glue's string properties with JSON numbers, booleans, null, lists and objects turned
    back into values; every other string stays as it is."""
    out: dict[str, Any] = {}
    for key, text in properties.items():
        out[key] = text
        if isinstance(text, str) and text[:1] in _JSON_START:
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if not isinstance(value, str):
                out[key] = value
    return out


# -- job bookmarks ---------------------------------------------------------------------------------
_DISABLE = "job-bookmark-disable"
_state_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def _write_json(path: str, data: Any) -> None:
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bookmark-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def _read_json(path: str | None) -> dict[str, Any]:
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, dict) else {}


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def _ns(info: Mapping[str, Any]) -> int | None:
    """An fsspec entry's modification time in ns (the key differs by file system)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 1e9)
        if isinstance(value, str):
            from datetime import datetime

            try:
                return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1e9)
            except ValueError:
                continue
        return int(float(value) * 1e9)
    return None


def _list_files(path: str, pattern: str, recursive: bool) -> tuple[str, list[tuple[Any, ...]]]:
    """(source, [(location, shown, mtime_ns, size)]) of the files under ``path`` whose path
    relative to it matches ``pattern`` (a glob matched from the right, so ``*.csv`` matches at any
    depth), sorted."""
    import fnmatch
    from pathlib import PurePosixPath

    def matches(rel: str) -> bool:
        if "/" not in pattern:  # a name pattern: compare the name alone (fast)
            return fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern)
        return PurePosixPath(rel).match(pattern)

    found: list[tuple[Any, ...]] = []
    if "://" in path and not path.startswith("file://"):
        import fsspec

        fs, root = fsspec.core.url_to_fs(path)
        source = fs.unstrip_protocol(root).rstrip("/")
        if fs.isfile(root):
            entries = {root: fs.info(root)}
            base = root.rsplit("/", 1)[0]
        else:
            entries = fs.find(root, detail=True) if recursive else {
                e["name"]: e for e in fs.ls(root, detail=True) if e.get("type") == "file"
            }  # fmt: skip
            base = root.rstrip("/")
        for name, info in entries.items():
            rel = name[len(base) :].lstrip("/")
            if info.get("type", "file") != "file" or any(_hidden(p) for p in rel.split("/")):
                continue
            if matches(rel):
                url = fs.unstrip_protocol(name)
                found.append((url, url, _ns(info), info.get("size")))
        return source, sorted(found)
    local = os.path.expanduser(path.removeprefix("file://"))
    source = os.path.normpath(os.path.abspath(local))
    if os.path.isfile(source):
        st = os.stat(source)
        matched = matches(os.path.basename(source))
        return source, [(source, local, st.st_mtime_ns, st.st_size)] if matched else []
    if not os.path.isdir(source):
        raise FileNotFoundError(f"bookmark.new_files: no folder or file {path!r} ({source})")
    shown = local if local.endswith("/") else local + "/"

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if _hidden(name):
                    continue
                if entry.is_dir():
                    if recursive:
                        walk(entry.path, prefix + name + "/")
                elif matches(prefix + name):
                    st = entry.stat()
                    found.append((entry.path, shown + prefix + name, st.st_mtime_ns, st.st_size))

    walk(source, "")
    return source, sorted(found)


class Bookmark:
    """The job's bookmark, as its notebook sees it (``runtime.bookmark``)."""

    @property
    def option(self) -> str:
        """``--job-bookmark-option`` of this job run (disabled when run on its own)."""
        ctx = context()
        info = ctx.bookmark if ctx is not None else None
        return str((info or {}).get("option") or _DISABLE)

    def new_files(self, path: str, pattern: str = "*", *, recursive: bool = True) -> list[str]:
        """The files under ``path`` (a folder or one file; a local path or fsspec URL) matching
        ``pattern`` that the job has not processed: all of them when the bookmark is disabled
        or the notebook runs on its own. Local paths come back joined to ``path`` as given,
        URLs whole. Asking twice in one run gives the same files (plus any that arrived)."""
        source, files = _list_files(path, pattern, recursive)
        ctx = context()
        info = ctx.bookmark if ctx is not None else None
        if not info or info.get("option", _DISABLE) == _DISABLE:
            return [f[1] for f in files]
        state = self._state(str(info["state_path"]))
        seen: dict[str, Any] = state.get("seen") or {}
        upto: dict[str, Any] | None = state.get("upto")
        chosen = []
        for location, shown, mtime, size in files:
            now = [mtime, size]
            if upto is not None:
                if upto.get(location) != now or seen.get(location) == now:
                    continue
            elif seen.get(location) == now:
                continue
            chosen.append((location, shown, mtime, size))
        consumed_path = str(info["consumed_path"])
        consumed = _read_json(consumed_path)
        for location, _shown, mtime, size in chosen:
            consumed[location] = [source, mtime, size]
        _write_json(consumed_path, consumed)
        return [c[1] for c in chosen]

    @staticmethod
    def _state(path: str) -> dict[str, Any]:
        stamp = os.path.getmtime(path) if os.path.exists(path) else 0.0
        cached = _state_cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, _read_json(path))
            _state_cache[path] = cached
        return cached[1]

    def __repr__(self) -> str:
        return f"<glue_nb.runtime.bookmark {self.option}>"


bookmark = Bookmark()
