"""An executed notebook as one HTML page (nbconvert's JupyterLab look), from a local path, any
fsspec URL, or a ``glue-nb serve``: what the view's "executed notebook" links open, wherever the
run's outputs live (a hidden ``.glue_nb`` folder, a folder outside the Jupyter root, S3, the
machine of a team's server).

A notebook on a server is named ``gluenb+<server URL>#<path on the server>``
(:func:`remote_location`) and read through glue-nb's ``GetNotebook``."""

from __future__ import annotations

import os
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException

__all__ = ["REMOTE_PREFIX", "read_notebook", "remote_location", "render_notebook", "split_remote"]

REMOTE_PREFIX = "gluenb+"


def remote_location(endpoint_url: str, location: str) -> str:
    """The name of the executed notebook at ``location`` on the server at ``endpoint_url``."""
    return f"{REMOTE_PREFIX}{endpoint_url.rstrip('/')}#{location}"


def split_remote(value: str) -> tuple[str, str] | None:
    """Inverse of :func:`remote_location` → ``(endpoint_url, location)``, or ``None`` when
    ``value`` names no notebook on a server."""
    if not value.startswith(REMOTE_PREFIX) or "#" not in value:
        return None
    endpoint, _, location = value[len(REMOTE_PREFIX) :].partition("#")
    if not endpoint.lower().startswith(("http://", "https://")) or not location:
        return None
    return endpoint, location


def _check(location: str) -> None:
    if not location:
        raise InvalidInputException("no notebook given: pass the path or URL of an .ipynb file")
    if not location.split("?")[0].endswith(".ipynb"):
        raise InvalidInputException(
            f"{location!r} is not a notebook: only .ipynb files (executed notebooks) are shown"
        )


def read_notebook(location: str) -> tuple[Any, str]:
    """The notebook at ``location`` (path, ``file://`` or fsspec URL) and a version key."""
    import nbformat

    _check(location)
    remote = split_remote(location)
    if remote is not None:
        import hashlib

        from glue_nb.client import client

        found = client(endpoint_url=remote[0]).nb.get_notebook(Location=remote[1])
        text = found["Content"]
        version = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return nbformat.reads(text, as_version=4), version
    if "://" in location:
        import fsspec

        fs, path = fsspec.core.url_to_fs(location)
        try:
            info = fs.info(path)
        except FileNotFoundError:
            raise EntityNotFoundException(f"executed notebook {location!r} not found")
        version = str(info.get("mtime") or info.get("LastModified") or info.get("ETag") or "")
        with fs.open(path, "r", encoding="utf-8") as f:
            return nbformat.read(f, as_version=4), f"{version}:{info.get('size')}"
    path = os.path.abspath(os.path.expanduser(location))
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise EntityNotFoundException(f"executed notebook {path!r} not found")
    return nbformat.read(path, as_version=4), f"{stat.st_mtime_ns}:{stat.st_size}"


def render_notebook(location: str) -> str:
    """The executed notebook at ``location`` as a self-contained HTML page (the last few
    renderings are kept while the file is unchanged)."""
    nb, version = read_notebook(location)
    key = (location, version)
    html = _CACHE.get(key)
    if html is None:
        from nbconvert import HTMLExporter

        title = os.path.basename(location.split("?")[0].split("#")[-1])
        html, _ = HTMLExporter(template_name="lab").from_notebook_node(
            nb, resources={"metadata": {"name": title}}
        )
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = html
    return html


_CACHE: dict[tuple[str, str], str] = {}
