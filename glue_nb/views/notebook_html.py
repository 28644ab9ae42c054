"""An executed notebook as one HTML page (nbconvert's JupyterLab look), from a local path or any
fsspec URL: what the view's "executed notebook" links open, wherever the run's outputs live (a
hidden ``.glue_nb`` folder, a folder outside the Jupyter root, S3)."""

from __future__ import annotations

import os
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException

__all__ = ["read_notebook", "render_notebook"]


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

        title = os.path.basename(location.split("?")[0])
        html, _ = HTMLExporter(template_name="lab").from_notebook_node(
            nb, resources={"metadata": {"name": title}}
        )
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = html
    return html


_CACHE: dict[tuple[str, str], str] = {}
