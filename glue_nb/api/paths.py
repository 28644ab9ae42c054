"""Paths in requests, confined to the roots a server allows.

A server runs what requests point at (a job's notebook, a blueprint's layout) and reads what
they name (crawler targets, table locations). With roots configured, a local path must resolve
(symbolic links followed) to a place under one of them, and relative paths are taken from the
first root. URLs of data stores (``s3://``, ``gs://``, ``abfs://``, ``hdfs://``, ...: what Glue
definitions hold) are accepted; other URLs (``http://``, ...) only when the settings allow them
(``--allow-urls``), since the server would fetch them. The in-process client has no roots: paths
mean what they mean to the calling process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from glue_nb.exceptions import AccessDeniedException, InvalidInputException

__all__ = ["DATA_SCHEMES", "base_dir", "confine"]

DATA_SCHEMES = ("s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "az", "adl", "hdfs")


def base_dir(settings: Any) -> str | None:
    """The folder relative paths in requests are resolved against (None: the working dir)."""
    roots = getattr(settings, "roots", None)
    return str(roots[0]) if roots else None


def _is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def confine(settings: Any, location: str, what: str) -> str:
    """``location`` made absolute against the first root, after checking it lies under a root
    (AccessDeniedException naming ``what`` and the roots otherwise). No roots: unchanged."""
    roots = getattr(settings, "roots", None)
    if not roots:
        return location
    if not isinstance(location, str) or not location:
        raise InvalidInputException(f"{what} must be a non-empty path")
    if _is_url(location):
        scheme = location.split("://", 1)[0].lower()
        if scheme in DATA_SCHEMES or getattr(settings, "remote_urls", False):
            return location
        raise AccessDeniedException(
            f"{what} {location!r}: this server accepts data-store URLs "
            f"({', '.join(DATA_SCHEMES)}) and local paths under its roots "
            f"({', '.join(map(str, roots))}); start it with --allow-urls to accept {scheme}:// "
            "URLs"
        )
    path = Path(os.path.expanduser(location.removeprefix("file://")))
    if not path.is_absolute():
        path = Path(roots[0]) / path
    resolved = path.resolve()
    for root in roots:
        root_path = Path(root).resolve()
        if resolved == root_path or root_path in resolved.parents:
            return str(resolved)
    raise AccessDeniedException(
        f"{what} {location!r} is outside the folders this server allows "
        f"({', '.join(map(str, roots))}); start it with --root DIR to allow another folder"
    )
