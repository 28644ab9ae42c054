"""What a crawl reads: its targets (include paths, local or any fsspec URL), the exclusion globs,
and the data files found by walking them.

Names starting with ``.`` or ``_`` (``_SUCCESS``, ``.ipynb_checkpoints``) and ``$folder$`` and
``.crc`` files are ignored, as Hadoop tools do. Exclusions are Glue's globs, relative to the
include path. ``SampleSize`` (files per leaf folder) marks the files beyond it as not sampled.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from glue_nb.crawl.formats import FileInfo
from glue_nb.crawl.journal import CrawlFailed

__all__ = [
    "BUCKET_PROTOCOLS",
    "File",
    "Target",
    "glob_to_regex",
    "hidden",
    "list_files",
    "make_target",
    "slash",
]

BUCKET_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "oss", "r2"}


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Glue exclude glob → regex over paths relative to the include path.

    ``*`` matches within a folder, ``**`` across folders, ``?`` one character, ``[...]`` a class
    (``[!...]`` negated), ``{a,b}`` alternatives, ``\\`` escapes.
    """
    return re.compile("(?:" + _glob_body(pattern.lstrip("/")) + r")\Z", re.DOTALL)


def _glob_body(pattern: str) -> str:
    """The regex body of a glob (recursive for ``{a,b}`` alternatives)."""
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


def hidden(name: str) -> bool:
    """Is this file or folder name one crawls ignore?"""
    return name.startswith((".", "_")) or name.endswith(("$folder$", ".crc"))


@dataclass
class Target:
    """One include path: an S3Target's Path, or a catalog target table's Location."""

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
        """Does an exclusion glob match this relative path or one of its folders?"""
        if not self.exclusions:
            return False
        candidates = [rel]
        pieces = rel.split("/")
        candidates += ["/".join(pieces[:i]) for i in range(1, len(pieces))]
        return any(p.match(c) for p in self.exclusions for c in candidates)

    def file_location(self, f: File) -> str:
        """The location of one of its files."""
        return self.loc(f.parts) + f.name


@dataclass(slots=True)
class File:
    """A data file under a target (``info`` is set once it is classified)."""

    path: str  # the file system's path
    parts: tuple[str, ...]  # folder parts relative to the target root
    name: str
    size: int
    sampled: bool = True
    info: FileInfo | None = None


def make_target(
    path: str,
    database: str,
    *,
    exclusions: Iterable[str] = (),
    sample: Any = None,
    table: str | None = None,
) -> Target:
    """Open an include path (CrawlFailed if it is missing or unreadable)."""
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
        raise CrawlFailed(f"target path {path!r} cannot be read: {type(exc).__name__}: {exc}")
    if not exists:
        raise CrawlFailed(f"target path {path!r} does not exist")
    is_file = fs.isfile(root)
    if not is_file:
        location = location.rstrip("/") + "/"
    name = root.rstrip("/").rsplit("/", 1)[-1] or "root"
    if is_file:
        name = name.split(".", 1)[0] or name
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    level0 = len([p for p in root.split("/") if p]) - 1 if protocol in BUCKET_PROTOCOLS else 1
    return Target(
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


def list_files(target: Target, counts: Counter[str]) -> list[File]:
    """Every data file under the target (hidden and excluded ones counted, not returned)."""
    if target.is_file:
        size = int(target.fs.size(target.root) or 0)
        name = target.root.rsplit("/", 1)[-1]
        return [File(target.root, (), name, size)]
    files: list[File] = []
    root = target.root.rstrip("/")
    if target.local:
        entries: Iterable[tuple[str, int]] = _walk_local(root, counts)
    else:
        found = target.fs.find(root, withdirs=False, detail=True)
        entries = ((path, int(info.get("size") or 0)) for path, info in found.items())
    for path, size in entries:
        rel = path[len(root) :].lstrip("/")
        pieces = rel.split("/")
        if any(hidden(p) for p in pieces):
            counts["FilesIgnored"] += 1
            continue
        if target.excluded(rel):
            counts["FilesExcluded"] += 1
            continue
        files.append(File(path, tuple(pieces[:-1]), pieces[-1], size))
    files.sort(key=lambda f: (f.parts, f.name))
    if target.sample_size:
        seen: Counter[tuple[str, ...]] = Counter()
        for f in files:
            seen[f.parts] += 1
            if seen[f.parts] > target.sample_size:
                f.sampled = False
    return files


def _walk_local(root: str, counts: Counter[str]) -> Iterable[tuple[str, int]]:
    """(path, size) of every file below root; hidden folders are counted, not entered."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=True):
                        if hidden(entry.name):
                            counts["FilesIgnored"] += 1
                            continue
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=True):
                        yield entry.path, entry.stat().st_size
        except OSError:
            continue


def slash(location: str) -> str:
    """A folder location with its trailing slash."""
    return location if location.endswith("/") else location + "/"
