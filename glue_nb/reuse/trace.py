"""The recorder's events turned into a job run's trace, after the notebook has ended, in the
process that ran the job (it has the files): which files, folders, URLs, catalog tables and run
properties the job read, what it wrote (with the content it left), the packages it imported and
their versions, the kernel, and what could not be seen.

A trace is a plain JSON-able dict (it crosses back from a Dask worker in the JobResult):

``reads`` / ``writes``: records ``{direction, kind, resource, size, mtime_ns, digest, etag,
version}`` (kind file | url | table | partition; a file that does not exist has digest
``"absent"``); ``dirs``: ``{path: listing digest}``; ``properties``: ``{key: value or None}``;
``packages``: ``{module: {"dist", "version", "where"}}``; ``kernel``: ``{"python", "executable",
"size", "mtime_ns"}``; ``unknown``: reasons the fingerprint cannot be trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ABSENT",
    "complete_trace",
    "dir_digest",
    "file_identity",
    "installed_version",
    "package_version",
]

ABSENT = "absent"
# (setuptools' editable installs put "__editable__.<dist>.finder.__path_hook__" on sys.path,
# which the import system looks up as if it were a folder)
_IGNORED_PARTS = ("/__pycache__/", "/.ipynb_checkpoints/", "/__editable__.")
_IGNORED_ROOTS = ("/proc/", "/sys/", "/dev/", "/usr/share/zoneinfo/", "/etc/")


def file_identity(path: str) -> dict[str, Any]:
    """``{size, mtime_ns, digest}`` of a file now (digest ``"absent"`` when it is not there;
    a folder: its listing digest)."""
    try:
        st = os.stat(path)
    except OSError:
        return {"size": None, "mtime_ns": None, "digest": ABSENT}
    if stat.S_ISDIR(st.st_mode):
        return {"size": None, "mtime_ns": None, "digest": dir_digest(path)}
    try:
        with open(path, "rb") as fh:
            digest = "sha256:" + hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        digest = f"unreadable: {exc.strerror}"
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "digest": digest}


def dir_digest(path: str) -> str:
    """What identifies a folder's listing: its sorted names (``"absent"`` when it is gone)."""
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return ABSENT
    return "names:" + hashlib.sha256("\0".join(names).encode()).hexdigest()[:32]


# -- packages --------------------------------------------------------------------------------------
_dist_cache: dict[str, dict[str, str]] = {}


def _dists_in(folder: str) -> dict[str, str]:
    """Top-level module name → its ``.dist-info`` folder, for the distributions in ``folder``."""
    cached = _dist_cache.get(folder)
    if cached is not None and all(os.path.isdir(p) for p in cached.values()):
        return cached
    found: dict[str, str] = {}
    try:
        entries = [e for e in os.listdir(folder) if e.endswith((".dist-info", ".egg-info"))]
    except OSError:
        entries = []
    for entry in entries:
        info = os.path.join(folder, entry)
        names: set[str] = set()
        top = os.path.join(info, "top_level.txt")
        if os.path.exists(top):
            with open(top, encoding="utf-8") as fh:
                names.update(n.strip() for n in fh if n.strip())
        record = os.path.join(info, "RECORD")
        if not names and os.path.exists(record):
            with open(record, encoding="utf-8") as fh:
                for line in fh:
                    first = line.split(",", 1)[0].split("/", 1)[0]
                    if first and not first.endswith((".dist-info", ".data")) and first != "..":
                        names.add(first.removesuffix(".py"))
        names.add(entry.split("-", 1)[0].replace("-", "_"))
        for name in names:
            found.setdefault(name, info)
    _dist_cache[folder] = found
    return found


def _metadata_version(info: str) -> tuple[str | None, str | None]:
    for name in ("METADATA", "PKG-INFO"):
        path = os.path.join(info, name)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                dist = version = None
                for line in fh:
                    if line.startswith("Name:"):
                        dist = line[5:].strip()
                    elif line.startswith("Version:"):
                        version = line[8:].strip()
                    elif not line.strip():
                        break
                return dist, version
        except OSError:
            continue
    return None, None


def installed_version(folder: str, module: str) -> str | None:
    """The version of the distribution in ``folder`` that provides top-level ``module`` now."""
    info = _dists_in(folder).get(module)
    return _metadata_version(info)[1] if info else None


def package_version(module: str, file: str) -> dict[str, Any] | None:
    """The distribution (name, version) that installed top-level ``module`` whose file is
    ``file``, looked up beside it → ``{"dist", "version", "where"}``; None when no installed
    distribution has it (a local module)."""
    folder = os.path.dirname(file)
    if os.path.basename(file).startswith("__init__."):
        folder = os.path.dirname(folder)
    info = _dists_in(folder).get(module)
    if info is None:
        return None
    dist, version = _metadata_version(info)
    return {"dist": dist, "version": version, "where": folder}


# -- from events to a trace ------------------------------------------------------------------------
def _mode_of(mode: Any, flags: Any) -> str:
    """ "r", "w" or "rw" (a read, then the same file written)."""
    if isinstance(mode, str):
        if "+" in mode:
            return "w" if ("w" in mode or "x" in mode) else "rw"
        return "w" if any(c in mode for c in "wxa") else "r"
    flags = int(flags or 0)
    access = flags & os.O_ACCMODE
    if access == os.O_RDONLY:
        return "r"
    if access == os.O_WRONLY or flags & os.O_TRUNC:
        return "w"
    return "rw"


def _ignored(path: str, roots: tuple[str, ...]) -> bool:
    return (
        path.startswith(_IGNORED_ROOTS)
        or any(part in path for part in _IGNORED_PARTS)
        or any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)
    )


def _source_of(pyc: str) -> str | None:
    """``pkg/__pycache__/mod.cpython-311.pyc`` → ``pkg/mod.py`` (when it exists)."""
    folder, name = os.path.split(pyc)
    source = os.path.join(os.path.dirname(folder), name.split(".", 1)[0] + ".py")
    return source if os.path.exists(source) else None


def _walk_files(path: str) -> Iterable[str]:
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(folder, name)


def complete_trace(
    raw: Mapping[str, Any],
    *,
    ignore: Iterable[str] = (),
    imports: Iterable[str] = (),
) -> dict[str, Any]:
    """The trace of a job run from the recorder's dump (``raw``). ``ignore``: folders whose
    files are glue-nb's own (the store, the job's scratch folder); ``imports``: the top-level
    modules the notebook's code imports (their versions count even when the kernel had loaded
    them before the notebook ran)."""
    roots = tuple(os.path.realpath(r) for r in ignore if r) + tuple(
        os.path.realpath(p) for p in raw.get("prefixes", ())
    )
    cwd = raw.get("cwd") or os.getcwd()
    first: dict[str, str] = {}  # path → "r" | "w": its first access
    written: set[str] = set()
    listed: set[str] = set()
    urls: dict[str, dict[str, Any]] = {}
    url_writes: set[str] = set()
    tables: list[dict[str, Any]] = []
    unknown: list[str] = []

    def absolute(path: str) -> str:
        return os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))

    def access(path: str, how: str) -> None:
        if path.endswith(".pyc") and f"{os.sep}__pycache__{os.sep}" in path:
            source = _source_of(path)  # a module imported from its cached bytecode
            if source is None or how != "r":
                return
            path = source
        if "://" in path and not path.startswith("file://"):
            if how == "r":
                unknown.append(f"read {path} through a library whose URL reads are not seen")
            return
        path = absolute(path.removeprefix("file://"))
        if how == "tree-r" or how == "tree-w":
            if os.path.isdir(path):
                if how == "tree-r":
                    listed.update(d for d, _, _ in os.walk(path))
                for one in _walk_files(path):
                    access(one, how[-1])
                return
            how = how[-1]
        for one in ("r", "w") if how == "rw" else (how,):
            first.setdefault(path, one)
            if one == "w":
                written.add(path)

    for event in raw.get("events", ()):
        kind = event[0]
        if kind == "o":
            access(event[1], _mode_of(event[2], event[3]))
        elif kind == "l":
            listed.add(absolute(event[1]))
        elif kind == "c":
            cwd = absolute(event[1])
        elif kind == "d":
            access(event[1], "w")
        elif kind == "m":
            access(event[1], "w")
            access(event[2], "w")
        elif kind in ("r", "w"):
            access(event[2], f"tree-{kind}")
        elif kind == "f":
            _, how, url, info = event
            if how == "l":
                unknown.append(f"listed or looked up {url}: remote listings are not fingerprinted")
            elif how == "w":
                url_writes.add(url)
            elif isinstance(info, dict) and info:
                urls.setdefault(url, info)
            else:
                unknown.append(f"read {url}, whose content cannot be identified ({info})")
        elif kind == "t":
            _, what, name, version, digest = event
            tables.append({"direction": "read", "kind": what, "resource": name,
                           "version": version, "digest": digest})  # fmt: skip
        elif kind == "s":
            database = event[1]
            path = database
            if path.startswith("file:"):  # a URI: file:///path?mode=rw
                path = urllib.parse.unquote(urllib.parse.urlparse(path).path)
            real = os.path.realpath(absolute(path)) if path not in ("", ":memory:") else ""
            if real and not _ignored(real, roots):
                unknown.append(f"opened SQLite database {database!r}: its queries are not seen")
        elif kind == "u":
            unknown.append(str(event[1]))

    reads: list[dict[str, Any]] = []
    writes: list[dict[str, Any]] = []
    for path, how in sorted(first.items()):
        real = os.path.realpath(path)
        if _ignored(real, roots) or _ignored(path, roots) or os.path.isdir(real):
            continue
        ident = file_identity(path)
        record = {"kind": "file", "resource": path, **ident, "etag": None, "version": None}
        if how == "r" and path in written:
            unknown.append(
                f"read {path} and then wrote it: the content it read before is not known"
            )
        if how == "r":
            reads.append({"direction": "read", **record})
        if path in written:
            writes.append({"direction": "write", **record})
    dirs = {
        path: dir_digest(path)
        for path in sorted(listed)
        if not _ignored(os.path.realpath(path), roots)
    }
    for url, info in sorted(urls.items()):
        reads.append({"direction": "read", "kind": "url", "resource": url, "size": None,
                      "mtime_ns": None, "digest": None, "etag": json.dumps(info, sort_keys=True),
                      "version": None})  # fmt: skip
    for url in sorted(url_writes):
        writes.append({"direction": "write", "kind": "url", "resource": url, "size": None,
                       "mtime_ns": None, "digest": None, "etag": None,
                       "version": None})  # fmt: skip
    reads.extend(tables)

    packages: dict[str, Any] = {}
    wanted = set(imports)
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    for name, (file, version, new) in sorted((raw.get("modules") or {}).items()):
        if name in stdlib or not (new or name in wanted) or not file:
            continue
        found = package_version(name, file)
        if found is not None:
            packages[name] = found
        elif any(part in file for part in ("site-packages", "dist-packages")):
            packages[name] = {"dist": None, "version": version, "where": os.path.dirname(file)}
        elif not _ignored(os.path.realpath(file), roots):  # a local module: its source counts
            path = absolute(file)
            if path not in first and os.path.isfile(path):
                reads.append({"direction": "read", "kind": "file", "resource": path,
                              **file_identity(path), "etag": None, "version": None})  # fmt: skip

    executable = raw.get("executable") or ""
    kernel: dict[str, Any] = {"python": raw.get("python"), "executable": executable}
    try:
        st = os.stat(os.path.realpath(executable))
        kernel.update(size=st.st_size, mtime_ns=st.st_mtime_ns)
    except OSError:
        kernel.update(size=None, mtime_ns=None)
    return {
        "reads": reads,
        "writes": writes,
        "dirs": dirs,
        "properties": dict(raw.get("properties") or {}),
        "packages": packages,
        "kernel": kernel,
        "unknown": list(dict.fromkeys(unknown)),
    }
