"""Checks and conversions the fluent API shares: notebook parameters as Glue arguments, notebook
locations, generated trigger names, and values shown short in error messages."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_arguments


def notebook_arguments(parameters: Any, where: str = "parameters") -> dict[str, str]:
    """Notebook parameters → Glue arguments (``--name`` keys, string values), checked."""
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise InvalidInputException(
            f"{where} must be a map of notebook parameter names to values, e.g. "
            f"{{'country': 'US'}}, got {type(parameters).__name__} {show(parameters)}"
        )
    out = {}
    for key, value in parameters.items():
        if not isinstance(key, str) or not key.removeprefix("--"):
            raise InvalidInputException(
                f"{where}: parameter name {show(key)} must be a non-empty string naming a "
                "variable of the notebook, e.g. 'country'"
            )
        name = key if key.startswith("--") else f"--{key}"
        out[name] = value if isinstance(value, str) else parameter_text(where, key, value)
    return check_arguments(where, out)


def parameter_text(where: str, key: str, value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict, tuple)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInputException(
                f"{where}: the value of parameter {key!r} cannot be passed to a notebook as "
                f"JSON ({exc}); give a string, a number or lists/maps of those"
            ) from None
    return str(value)  # numbers, paths


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({type(value).__name__})"


def generated_name(name: str) -> str:
    """A trigger name glue-nb makes up, kept within Glue's 255 characters (a long one is cut
    and made unique again with a hash of the whole)."""
    if len(name) <= 255:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{name[:240]}… {digest}"


NO_PATH = re.compile("[\x00\ud800-\udfff]")  # a NUL or a lone surrogate


def notebook_location(where: str, notebook: Any) -> str:
    """A notebook's path (made absolute against the working directory) or URL, checked."""
    if isinstance(notebook, os.PathLike):
        notebook = os.fspath(notebook)
    if not isinstance(notebook, str) or not notebook:
        raise InvalidInputException(
            f"{where}: notebook must be the path (a str or pathlib.Path) or URL of an .ipynb "
            f"file, got {type(notebook).__name__} {show(notebook)}"
        )
    if NO_PATH.search(notebook):
        raise InvalidInputException(
            f"{where}: notebook {show(notebook)} contains a NUL or a lone surrogate; no path can"
        )
    if "://" not in notebook and not Path(notebook).is_absolute():
        return str(Path(notebook).absolute())
    return notebook
