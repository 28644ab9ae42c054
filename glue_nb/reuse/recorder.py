"""The recorder inside a job's kernel: what the notebook read and wrote, and what it did that
glue-nb cannot see. Standard library only; installed by the context cell glue-nb inserts, written
to a file after the notebook's last cell (an IPython ``post_run_cell`` callback).

In the kernel it only appends small tuples to a list (an audit hook, a finder that wraps a few
libraries' entry points when they are imported, a dict that notes the run property keys looked
up); everything costly (stats, hashes, package versions) is done after the notebook ends, by
:mod:`glue_nb.reuse.trace` in the process that ran the job.

Events (the first item says what):

- ``("o", path, mode, flags)``: a file opened (``open``, ``io.open``, ``os.open``);
- ``("l", path)``: a directory listed (``os.listdir``, ``os.scandir``; glob and pathlib use them);
- ``("c", path)``: the working directory changed;
- ``("d", path)``: a file removed or renamed away; ``("m", src, dst)``: renamed;
- ``("r" | "w", "path", path)``: read / written by a wrapped library entry point (Parquet,
  Feather, CSV, datasets through pyarrow; the path may be a directory);
- ``("f", op, url, info)``: an fsspec operation on a remote store (``info`` filled at the end);
- ``("s", database)``: an SQLite database opened (unknown, unless it is glue-nb's store);
- ``("t", kind, name, version, digest)``: a glue-nb catalog table or partition listing read;
- ``("u", reason)``: something whose reads cannot be seen (network, a database, a subprocess, a
  native I/O library): the run's fingerprint is unknown.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

__all__ = [
    "TrackedProperties",
    "active",
    "dump",
    "install",
    "note_table",
    "note_unknown",
]

_events: list[tuple[Any, ...]] = []
_append = _events.append
_props: dict[str, str | None] = {}
_fs_seen: dict[str, Any] = {}  # url → what identified its content (looked up once)
_state: dict[str, Any] = {"active": False, "installed": False, "before": frozenset()}
_local = threading.local()
#: Listings made by the import system and importlib.metadata (the sys.path folders) are theirs:
#: which modules and distributions were found is recorded as the packages imported.
_IMPORTLIB = "<frozen importlib._bootstrap_external>"
_METADATA = f"{os.sep}importlib{os.sep}metadata{os.sep}"

#: Native I/O libraries whose reads no Python hook sees: importing one makes the run unknown.
NATIVE = frozenset(
    {
        "h5py", "tables", "netCDF4", "duckdb", "polars", "psycopg2", "psycopg", "pyodbc",
        "MySQLdb", "cx_Oracle", "oracledb", "lancedb", "deltalake", "zarr", "rasterio", "fiona",
        "lmdb", "pymssql", "snowflake", "pymongo", "redis", "cassandra", "vaex", "xarray",
    }
)  # fmt: skip

#: (module, names, direction, which argument holds the path) wrapped when the module is imported.
WRAPS: dict[str, list[tuple[str, str, int, str]]] = {
    "pyarrow": [  # native files: pandas' to_parquet opens its target with pa.OSFile
        ("OSFile", "mode", 0, "path"), ("memory_map", "mode", 0, "path"),
        ("input_stream", "r", 0, "source"), ("output_stream", "w", 0, "source"),
        ("create_memory_map", "w", 0, "path"),
    ],
    "pyarrow.parquet": [
        ("read_table", "r", 0, "source"), ("read_pandas", "r", 0, "source"),
        ("read_metadata", "r", 0, "where"), ("read_schema", "r", 0, "where"),
        ("ParquetFile", "r", 0, "source"), ("ParquetDataset", "r", 0, "path_or_paths"),
        ("write_table", "w", 1, "where"), ("write_to_dataset", "w", 1, "root_path"),
    ],
    "pyarrow.feather": [
        ("read_table", "r", 0, "source"), ("read_feather", "r", 0, "source"),
        ("write_feather", "w", 1, "dest"),
    ],
    "pyarrow.dataset": [("dataset", "r", 0, "source"), ("write_dataset", "w", 1, "base_dir")],
    "pyarrow.csv": [
        ("read_csv", "r", 0, "input_file"), ("open_csv", "r", 0, "input_file"),
        ("write_csv", "w", 1, "output_file"),
    ],
    "pyarrow.json": [("read_json", "r", 0, "input_file")],
    "pyarrow.orc": [
        ("read_table", "r", 0, "source"), ("ORCFile", "r", 0, "source"),
        ("write_table", "w", 1, "where"),
    ],
}  # fmt: skip

_UNSEEN = {
    "subprocess.Popen": "ran a subprocess {1!r}",
    "os.system": "ran a shell command {0!r}",
    "os.exec": "replaced the process with {0!r}",
    "os.posix_spawn": "spawned a process {0!r}",
    "os.spawn": "spawned a process {1!r}",
    "os.fork": "forked the process (the child's reads are not seen)",
    "os.forkpty": "forked the process (the child's reads are not seen)",
    "socket.connect": "opened a network connection to {1!r}",
    "socket.sendto": "sent a datagram to {1!r}",
}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _state["active"]:
        return
    if event == "open":
        _append(("o", args[0], args[1], args[2]))
    elif event == "os.listdir" or event == "os.scandir":
        caller = sys._getframe(1).f_code.co_filename
        if caller != _IMPORTLIB and _METADATA not in caller:  # not the import system's own
            _append(("l", args[0]))
    elif event == "os.chdir":
        _append(("c", args[0]))
    elif event == "os.remove" or event == "os.rmdir":
        _append(("d", args[0]))
    elif event == "os.rename":
        _append(("m", args[0], args[1]))
    elif event == "sqlite3.connect":
        _append(("s", args[0]))
    elif event in _UNSEEN:
        if event.startswith("socket.") and threading.current_thread().name == "fsspecIO":
            return  # fsspec's own I/O thread: its operations are recorded by the wrappers
        try:
            reason = _UNSEEN[event].format(*args, *([None] * 3))
        except Exception:  # a reason is best effort, the event is not
            reason = event
        _append(("u", reason))


# -- wrapping libraries when they are imported ---------------------------------------------------
def _path_of(value: Any) -> str | None:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value) if not isinstance(value, bytes) else None
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None  # a file object: its open was seen (or it is an in-memory buffer)


def _note_call(direction: str, position: int, keyword: str, args: Any, kwargs: Any) -> None:
    value = args[position] if len(args) > position else kwargs.get(keyword)
    path = _path_of(value)
    if path is None:
        return
    if direction == "mode":  # OSFile / memory_map: the mode says
        mode = args[position + 1] if len(args) > position + 1 else kwargs.get("mode", "r")
        mode = str(mode or "r")
        directions = ["r", "w"] if "+" in mode else ["w" if mode[:1] in "wax" else "r"]
    else:
        directions = [direction]
    fs = kwargs.get("filesystem")
    if fs is not None and "Local" not in type(fs).__name__:
        _append(("u", f"{path} through filesystem {type(fs).__name__}, which is not watched"))
        return
    for one in path.split("\n"):
        for how in directions:
            _append((how, "path", one))


def _wrap(fn: Any, direction: str, position: int, keyword: str) -> Any:
    """``fn`` recording the path it is given: a function, or a class recording at construction
    (an extension type, which cannot be changed, becomes a subclass of itself)."""
    if getattr(fn, "__glue_nb_wrapped__", False):
        return fn
    if isinstance(fn, type):
        original_init = fn.__dict__.get("__init__") or getattr(fn, "__init__")  # noqa: B009
        plain = original_init is object.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            if _state["active"]:
                _note_call(direction, position, keyword, args, kwargs)
            if not plain:
                original_init(self, *args, **kwargs)

        try:
            setattr(fn, "__init__", init)  # noqa: B010
            setattr(fn, "__glue_nb_wrapped__", True)  # noqa: B010
            return fn
        except (TypeError, AttributeError):
            sub = type(fn.__name__, (fn,), {"__init__": init, "__module__": fn.__module__,
                                            "__qualname__": fn.__qualname__,
                                            "__glue_nb_wrapped__": True})  # fmt: skip
            return sub

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _state["active"]:
            _note_call(direction, position, keyword, args, kwargs)
        return fn(*args, **kwargs)

    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    wrapper.__qualname__ = getattr(fn, "__qualname__", wrapper.__name__)
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    wrapper.__glue_nb_wrapped__ = True  # type: ignore[attr-defined]
    return wrapper


def _on_import(name: str, module: Any) -> None:
    top = name.partition(".")[0]
    if top in NATIVE and name == top:
        _append(("u", f"imported {name}, whose reads glue-nb cannot see"))
        return
    for attr, direction, position, keyword in WRAPS.get(name, ()):
        fn = getattr(module, attr, None)
        if fn is not None:
            try:
                setattr(module, attr, _wrap(fn, direction, position, keyword))
            except (AttributeError, TypeError):  # an extension type: say it is not seen
                _append(("u", f"cannot watch {name}.{attr}"))
    if name == "fsspec.spec":
        _watch_fsspec(module)


class _Finder:
    """A meta path finder that lets the other finders find a watched module, then wraps its
    loader so that the module is patched right after it has run."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in WRAPS and name not in NATIVE and name != "fsspec.spec":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_watch(module: Any) -> None:
            exec_module(module)
            _on_import(name, module)

        try:
            setattr(loader, "exec_module", exec_and_watch)  # noqa: B010
        except (AttributeError, TypeError):
            _append(("u", f"cannot watch {name}"))
        return spec

    def invalidate_caches(self) -> None:
        return None


# -- fsspec -----------------------------------------------------------------------------------
_FS_READS = ("open", "cat_file", "cat", "get_file", "get", "read_bytes", "read_text", "head",
             "tail")  # fmt: skip
_FS_WRITES = ("pipe_file", "pipe", "put_file", "put", "rm_file", "rm", "write_bytes",
              "write_text", "touch", "mv", "copy")  # fmt: skip
_FS_LISTS = ("ls", "find", "glob", "walk", "du", "exists", "isfile", "isdir", "info", "size",
             "modified", "checksum", "ukey")  # fmt: skip
_LOCAL_PROTOCOLS = {"file", "local", "memory"}


def _protocols(fs: Any) -> set[str]:
    p = getattr(fs, "protocol", "")
    return {p} if isinstance(p, str) else set(p)


def _watch_fsspec(spec_module: Any) -> None:
    """Patch every fsspec filesystem instance of a remote protocol when it is made."""
    cached = getattr(spec_module, "_Cached", None)
    if cached is None:
        _append(("u", "cannot watch fsspec"))
        return
    make = cached.__call__
    if getattr(make, "__glue_nb_wrapped__", False):
        return

    def call(cls: Any, *args: Any, **kwargs: Any) -> Any:
        fs = make(cls, *args, **kwargs)
        if not getattr(fs, "_glue_nb_watched", False) and not (_protocols(fs) & _LOCAL_PROTOCOLS):
            _watch_instance(fs)
        return fs

    call.__glue_nb_wrapped__ = True  # type: ignore[attr-defined]
    cached.__call__ = call


def _watch_instance(fs: Any) -> None:
    def make(op: str, kind: str) -> Any:
        method = getattr(fs, op)

        def recorded(path: Any, *args: Any, **kwargs: Any) -> Any:
            if _state["active"] and not getattr(_local, "fs", 0):
                paths = path if isinstance(path, (list, tuple)) else [path]
                for p in paths:
                    url = fs.unstrip_protocol(p) if isinstance(p, str) else repr(p)
                    _append(("f", kind, url, fs if kind == "r" else None))
            _local.fs = getattr(_local, "fs", 0) + 1
            try:
                return method(path, *args, **kwargs)
            finally:
                _local.fs -= 1

        return recorded

    try:
        for op in _FS_READS:
            if hasattr(fs, op):
                object.__setattr__(fs, op, make(op, "r"))
        for op in _FS_WRITES:
            if hasattr(fs, op):
                object.__setattr__(fs, op, make(op, "w"))
        for op in _FS_LISTS:
            if hasattr(fs, op):
                object.__setattr__(fs, op, make(op, "l"))
        object.__setattr__(fs, "_glue_nb_watched", True)
    except (AttributeError, TypeError):
        _append(("u", f"cannot watch fsspec filesystem {type(fs).__name__}"))


# -- what glue-nb itself and the runtime report --------------------------------------------------
def active() -> bool:
    """Is a job being recorded in this process?"""
    return bool(_state["active"])


def note_table(kind: str, name: str, version: str | None, digest: str | None) -> None:
    """A glue-nb catalog read: ``kind`` "table" (name ``db.table``, its VersionId) or
    "partition" (``db.table/k=v/...``); ``digest`` identifies the table's partition listing."""
    if _state["active"]:
        _append(("t", kind, name, version, digest))


def note_unknown(reason: str) -> None:
    """Something this run read that cannot be fingerprinted."""
    if _state["active"]:
        _append(("u", reason))


class TrackedProperties(dict):  # type: ignore[type-arg]
    """The run properties a job sees, noting which keys it looked up and the (string) value it
    found, None for a key that was not there."""

    def __init__(self, values: dict[str, Any], raw: dict[str, str]) -> None:
        super().__init__(values)
        self._raw = raw

    def _note(self, key: Any) -> None:
        if _state["active"] and isinstance(key, str) and key not in _props:
            _props[key] = self._raw.get(key)

    def _note_all(self) -> None:
        for key in dict.keys(self):
            self._note(key)
        _props.setdefault("*", json.dumps(sorted(dict.keys(self))))

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return dict.__contains__(self, key)

    def __iter__(self) -> Any:
        self._note_all()
        return dict.__iter__(self)

    def keys(self) -> Any:
        self._note_all()
        return dict.keys(self)

    def items(self) -> Any:
        self._note_all()
        return dict.items(self)

    def values(self) -> Any:
        self._note_all()
        return dict.values(self)

    def copy(self) -> dict[str, Any]:
        self._note_all()
        return dict(dict.items(self))

    def __repr__(self) -> str:
        self._note_all()
        return dict.__repr__(self)


# -- installing and dumping ------------------------------------------------------------------------
def install(path: str | None = None, *, cells: int = 0) -> None:
    """Start recording in this process (once; a job kernel runs one job). With ``path``, what
    was recorded is written there after each IPython cell from the ``cells``-th executed one on
    (counting the cell that installs it): after the notebook's last cell, without a cell of its
    own."""
    if _state["installed"]:
        _state["active"] = True
        return
    if path is not None:
        _after_cells(path, cells)
    _state["before"] = frozenset(sys.modules)
    _state["cwd"] = os.getcwd()
    sys.meta_path.insert(0, _Finder())
    for name in list(sys.modules):
        if name in WRAPS or name == "fsspec.spec":
            _on_import(name, sys.modules[name])
    sys.addaudithook(_hook)
    _state["installed"] = True
    _state["active"] = True


def _modules() -> dict[str, list[Any]]:
    """Top-level modules loaded now: name → [file, __version__, loaded during the run]."""
    before = _state["before"]
    out: dict[str, list[Any]] = {}
    for name, module in list(sys.modules.items()):
        if "." in name or name.startswith("_") or module is None:
            continue
        file = getattr(module, "__file__", None)
        if file is None:  # a namespace package: where its first portion lives
            portions = list(getattr(module, "__path__", None) or [])
            if not portions or not isinstance(portions[0], str):
                continue
            file = os.path.join(portions[0], "__init__.py")
        version = getattr(module, "__version__", None)
        out[name] = [file, version if isinstance(version, str) else None, name not in before]
    return out


def _prefixes() -> list[str]:
    """Folders whose files are the interpreter's and its packages' own (their versions count,
    not their files), glue-nb's own package included (an editable install lives outside
    site-packages: its files are the runtime, never a job's data)."""
    import site

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the glue_nb package
    out = {sys.prefix, sys.base_prefix, sys.exec_prefix, here}
    try:
        out.update(site.getsitepackages())
        out.add(site.getusersitepackages())
    except Exception:  # a virtualenv's old site module may lack them
        pass
    home = os.path.expanduser("~")
    for sub in (".ipython", ".jupyter", ".local/share/jupyter", ".cache/matplotlib",
                ".config/matplotlib", ".matplotlib", ".cache/fontconfig"):  # fmt: skip
        out.add(os.path.join(home, sub))
    return sorted(p for p in out if p)


def _fs_info(fs: Any, url: str) -> dict[str, Any] | str:
    try:
        path = fs._strip_protocol(url)
        info = fs.info(path)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    keep = {}
    for key in ("ETag", "etag", "md5Hash", "LastModified", "mtime", "updated", "size",
                "version_id", "generation", "Content-MD5", "checksum"):  # fmt: skip
        if info.get(key) is not None:
            keep[key] = str(info[key])
    return keep


def _after_cells(path: str, cells: int) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:  # not an IPython kernel: nothing is written, the run is never reused
        return
    count = [0]

    def post_run_cell(result: Any = None) -> None:
        count[0] += 1
        if count[0] >= cells:
            dump(path, stop=False)

    shell.events.register("post_run_cell", post_run_cell)


def dump(path: str, *, stop: bool = True) -> None:
    """Write what was recorded so far to ``path`` (JSON); ``stop``: and stop recording."""
    active = _state["active"]
    _state["active"] = False  # the dump's own work is not recorded
    events = []
    for event in _events:
        if event[0] == "o":
            target = event[1]
            if isinstance(target, int):  # an fd: its open was seen
                continue
            if isinstance(target, bytes):
                target = os.fsdecode(target)
            events.append(["o", os.fspath(target), event[2], event[3]])
        elif event[0] == "f":
            _, kind, url, fs = event
            if kind == "r" and fs is not None and url not in _fs_seen:
                _fs_seen[url] = _fs_info(fs, url)
            info = _fs_seen.get(url)
            events.append(["f", kind, url, info])
        elif event[0] in ("l", "c", "d", "s"):
            target = event[1]
            if target is None or isinstance(target, int):
                target = "." if target is None else None
            if target is None:
                continue
            events.append([event[0], os.fsdecode(os.fspath(target))])
        elif event[0] == "m":
            events.append(["m", os.fsdecode(os.fspath(event[1])), os.fsdecode(os.fspath(event[2]))])
        else:
            events.append([str(part) if part is not None else None for part in event])
    data = {
        "events": events,
        "prefixes": _prefixes(),
        "cwd": _state.get("cwd"),
        "properties": dict(_props),
        "modules": _modules(),
        "python": sys.version,
        "executable": sys.executable,
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, default=str)
    os.replace(tmp, path)
    _state["active"] = active and not stop
