"""A recorded run checked against the world now: what changed, old and new.

Each change is a dict ``{"what", "name", "old", "new"}`` (plus ``"by"``: the job run that last
wrote a changed input, when glue-nb knows it). ``what`` is one of: ``cell``, ``parameter``,
``kernel`` (the static part); ``file``, ``folder``, ``url``, ``table``, ``property``,
``package``, ``python`` (inputs); ``output`` (something the run wrote was changed or deleted
since); ``notebook`` (the executed notebook is gone); ``unknown`` (the run read something that
cannot be fingerprinted); ``first`` (nothing to compare with). No change: the run may be reused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from itertools import zip_longest
from typing import Any

from glue_nb.reuse.trace import ABSENT, dir_digest, file_identity, installed_version

__all__ = ["check_trace", "diff_static", "short"]


def short(value: Any, limit: int = 80) -> str | None:
    """A value as ``why`` shows it (digests shortened, long text cut)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text.startswith("sha256:"):
        return text[:19]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change(what: str, name: str, old: Any = None, new: Any = None, **extra: Any) -> dict[str, Any]:
    return {"what": what, "name": name, "old": old, "new": new, **extra}


def diff_static(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How two static parts differ: cells (numbered among the code cells), parameters, kernel."""
    changes = []
    for i, (a, b) in enumerate(zip_longest(old.get("cells", []), new.get("cells", []))):
        if a != b:
            changes.append(_change("cell", f"code cell {i + 1}", a, b))
    params_old, params_new = old.get("params", {}), new.get("params", {})
    for name in sorted(set(params_old) | set(params_new)):
        if params_old.get(name, ...) != params_new.get(name, ...):
            changes.append(_change("parameter", name, params_old.get(name), params_new.get(name)))
    if old.get("kernel") != new.get("kernel"):
        changes.append(_change("kernel", "kernel", old.get("kernel"), new.get("kernel")))
    return changes


def _file_changed(record: Mapping[str, Any]) -> tuple[bool, dict[str, Any] | None]:
    """Has a file changed since ``record`` → (changed, its identity now when looked at). A file
    whose size changed is not hashed: its identity is then its size, and ``was`` the old size
    (so that a change reads size → size)."""
    path = record["resource"]
    if record.get("digest") == ABSENT:
        return os.path.exists(path), None
    try:
        st = os.stat(path)
    except OSError:
        return True, {"digest": ABSENT}
    if st.st_size == record.get("size") and st.st_mtime_ns == record.get("mtime_ns"):
        return False, None  # the fast path: same size and modification time
    if record.get("size") is not None and st.st_size != record.get("size"):
        return True, {"size": st.st_size, "digest": f"{st.st_size} bytes",
                      "was": f"{record['size']} bytes"}  # fmt: skip
    now = file_identity(path)
    return now["digest"] != record.get("digest"), now


def _url_info(url: str) -> dict[str, str]:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    info = fs.info(path)
    keep = {}
    for key in ("ETag", "etag", "md5Hash", "LastModified", "mtime", "updated", "size",
                "version_id", "generation", "Content-MD5", "checksum"):  # fmt: skip
        if info.get(key) is not None:
            keep[key] = str(info[key])
    return keep


def check_trace(
    trace: Mapping[str, Any],
    *,
    properties: Mapping[str, str],
    store: Any = None,
    first_only: bool = False,
    writer_of: Any = None,
) -> list[dict[str, Any]]:
    """What changed since a run recorded ``trace`` (empty: nothing; the run may be reused).

    ``properties``: the run properties the new run would see; ``store``: for catalog tables;
    ``writer_of(path)``: the job run that last wrote a file (to name an upstream output);
    ``first_only``: stop at the first change (the reuse decision needs no more)."""
    changes = []
    for change in _changes(trace, properties, store, writer_of):
        changes.append(change)
        if first_only:
            break
    return changes


def _changes(
    trace: Mapping[str, Any], properties: Mapping[str, str], store: Any, writer_of: Any
) -> Iterator[dict[str, Any]]:
    """Each change, cheapest checks first (a stat before a hash)."""
    for reason in trace.get("unknown", ()):
        yield _change("unknown", reason)
    kernel = trace.get("kernel") or {}
    executable = kernel.get("executable")
    if executable:
        try:
            st = os.stat(os.path.realpath(executable))
            now: tuple[int, int] | None = (st.st_size, st.st_mtime_ns)
        except OSError:
            now = None
        if now != (kernel.get("size"), kernel.get("mtime_ns")):
            version = str(kernel.get("python") or "").split(" ")[0]
            yield _change("python", executable, version, "changed" if now else "gone")
    for name, package in sorted((trace.get("packages") or {}).items()):
        if package.get("dist") is None:
            yield _change("package", name, package.get("version"), "cannot be checked")
            continue
        version_now = installed_version(package["where"], name)
        if version_now != package.get("version"):
            yield _change("package", name, package.get("version"), version_now)
    for key, old in sorted((trace.get("properties") or {}).items()):
        new = json.dumps(sorted(properties)) if key == "*" else properties.get(key)
        if new != old:
            yield _change("property", "the run property names" if key == "*" else key, old, new)
    for record in trace.get("reads", ()):
        yield from _read_changes(record, store, writer_of)
    for path, digest in sorted((trace.get("dirs") or {}).items()):
        if dir_digest(path) != digest:
            yield _change("folder", path, f"listing {short(digest, 20)}", "listing changed")
    for record in trace.get("writes", ()):
        if record["kind"] == "url":
            yield _change("output", record["resource"], "written", "cannot be checked")
            continue
        changed, ident = _file_changed(record)
        if changed:
            gone = "present" if record.get("digest") == ABSENT else None
            yield _change("output", record["resource"],
                          (ident or {}).get("was", record.get("digest")),
                          (ident or {}).get("digest", gone))  # fmt: skip


def _read_changes(
    record: Mapping[str, Any], store: Any, writer_of: Any
) -> Iterator[dict[str, Any]]:
    kind, name = record["kind"], record["resource"]
    if kind == "file":
        changed, ident = _file_changed(record)
        if changed:
            by = writer_of(name) if writer_of else None
            extra = {"by": by} if by else {}
            yield _change("file", name, (ident or {}).get("was", record.get("digest")),
                          (ident or {}).get("digest", ABSENT), **extra)  # fmt: skip
    elif kind == "url":
        try:
            info = json.dumps(_url_info(name), sort_keys=True)
        except Exception as exc:  # cannot be looked at now: not the same as far as we know
            info = f"cannot be looked up: {type(exc).__name__}: {exc}"
        if info != record.get("etag"):
            yield _change("url", name, record.get("etag"), info)
    elif kind in ("table", "partition"):
        database, _, table = name.partition(".")
        try:
            from glue_nb.catalog.read import table_identity

            now = table_identity(store, database, table)
        except Exception as exc:
            now = {"version": f"unreadable ({type(exc).__name__}: {exc})", "digest": None}
        if now["version"] != record.get("version"):
            yield _change("table", name, f"VersionId {record.get('version')}",
                          f"VersionId {now['version']}")  # fmt: skip
        elif now["digest"] != record.get("digest"):
            yield _change("table", f"{name} (partitions)", record.get("digest"), now["digest"])
