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
from collections.abc import Mapping
from itertools import zip_longest
from typing import Any

from glue_nb.reuse.trace import ABSENT, _dists_in, _metadata_version, dir_digest, file_identity

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
    """Has a file changed since ``record`` → (changed, its identity now when looked at)."""
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
        return True, {"size": st.st_size, "digest": f"{st.st_size} bytes"}
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


def _package_now(where: str, name: str) -> str | None:
    info = _dists_in(where).get(name)
    return _metadata_version(info)[1] if info else None


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
    changes: list[dict[str, Any]] = []

    def add(change: dict[str, Any]) -> bool:
        changes.append(change)
        return first_only

    for reason in trace.get("unknown", ()):
        if add(_change("unknown", reason)):
            return changes
    kernel = trace.get("kernel") or {}
    executable = kernel.get("executable")
    if executable:
        try:
            st = os.stat(os.path.realpath(executable))
            now = (st.st_size, st.st_mtime_ns)
        except OSError:
            now = None
        if now != (kernel.get("size"), kernel.get("mtime_ns")):
            first_line = str(kernel.get("python") or "").split(" ")[0]
            if add(_change("python", executable, first_line, "changed" if now else "gone")):
                return changes
    for name, package in sorted((trace.get("packages") or {}).items()):
        if package.get("dist") is None:
            if add(_change("package", name, package.get("version"), "cannot be checked")):
                return changes
            continue
        version = _package_now(package["where"], name)
        if version != package.get("version"):
            if add(_change("package", name, package.get("version"), version)):
                return changes
    for key, old in sorted((trace.get("properties") or {}).items()):
        new = json.dumps(sorted(properties)) if key == "*" else properties.get(key)
        if new != old:
            label = "the run property names" if key == "*" else key
            if add(_change("property", label, old, new)):
                return changes
    for record in trace.get("reads", ()):
        kind = record["kind"]
        if kind == "file":
            changed, now = _file_changed(record)
            if changed:
                extra = {}
                by = writer_of(record["resource"]) if writer_of else None
                if by:
                    extra["by"] = by
                if add(_change("file", record["resource"], record.get("digest"),
                               (now or {}).get("digest", ABSENT), **extra)):  # fmt: skip
                    return changes
        elif kind == "url":
            try:
                now_info = json.dumps(_url_info(record["resource"]), sort_keys=True)
            except Exception as exc:  # cannot be looked at now: it is not the same as far as we know
                now_info = f"cannot be looked up: {type(exc).__name__}: {exc}"
            if now_info != record.get("etag"):
                if add(_change("url", record["resource"], record.get("etag"), now_info)):
                    return changes
        elif kind in ("table", "partition"):
            database, _, table = record["resource"].partition(".")
            try:
                from glue_nb.catalog.read import table_identity

                now_t = table_identity(store, database, table)
            except Exception as exc:
                now_t = {"version": f"{type(exc).__name__}", "digest": None}
            if now_t["version"] != record.get("version"):
                if add(_change("table", record["resource"], f"VersionId {record.get('version')}",
                               f"VersionId {now_t['version']}")):  # fmt: skip
                    return changes
            elif now_t["digest"] != record.get("digest"):
                if add(_change("table", record["resource"] + " (partitions)",
                               record.get("digest"), now_t["digest"])):  # fmt: skip
                    return changes
    for path, digest in sorted((trace.get("dirs") or {}).items()):
        if dir_digest(path) != digest:
            if add(_change("folder", path, "listing " + short(digest, 20),  # type: ignore[operator]
                           "listing changed")):  # fmt: skip
                return changes
    for record in trace.get("writes", ()):
        if record["kind"] == "url":
            if add(_change("output", record["resource"], "written", "cannot be checked")):
                return changes
            continue
        changed, now = _file_changed(record)
        if changed:
            new = (now or {}).get("digest", "present" if record.get("digest") == ABSENT else None)
            if add(_change("output", record["resource"], record.get("digest"), new)):
                return changes
    return changes
