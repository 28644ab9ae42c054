"""Checks and conversions the fluent API shares: notebook parameters as Glue arguments, notebook
locations, generated trigger names, and values shown short in error messages."""

from __future__ import annotations

import functools
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


class ParameterWarning(UserWarning):
    """A job is given a value its notebook never reads (a typo, or no ``parameters`` cell)."""


def check_parameters(glue: Mapping[str, Any]) -> list[str]:
    """Check a workflow's notebook arguments (``to_glue()``) against the notebooks' ``parameters``
    cells, before anything is written: a value that cannot take its parameter's type (``"abc"``
    for ``n = 1``) raises InvalidInputException. Returns what :meth:`Workflow.deploy` warns
    about: arguments that no variable of the ``parameters`` cell takes (a typo), and values for a
    notebook without such a cell (papermill injects them at its top, where its own assignments
    override them). Notebooks that cannot be read here (URLs, a server's paths) are skipped."""
    from glue_nb.reuse.fingerprint import ParameterError, coerce_value

    given: dict[str, dict[str, tuple[str, str, Any]]] = {}  # job -> name -> (where, key, value)

    def note(job: str, where: str, arguments: Mapping[str, Any] | None) -> None:
        for key, value in (arguments or {}).items():
            given.setdefault(job, {})[key.removeprefix("--")] = (where, key, value)

    for job in glue.get("Jobs", ()):
        note(job["Name"], "its parameters", job.get("DefaultArguments"))
    for trigger in glue.get("Triggers", ()):
        for act in trigger.get("Actions", ()):
            where = f"the arguments of trigger {trigger['Name']!r}"
            note(act.get("JobName") or "", where, act.get("Arguments"))
    out = []
    for job in glue.get("Jobs", ()):
        names = {n: v for n, v in given.get(job["Name"], {}).items() if n.isidentifier()}
        readable, declared = _declared(job["Command"].get("ScriptLocation", ""))
        if not names or not readable:  # (Glue's own --enable-... are no variables)
            continue
        notebook = Path(job["Command"]["ScriptLocation"]).name
        if declared is None:
            out.append(
                f"NotebookJob {job['Name']!r}: {notebook} has no cell tagged 'parameters', so "
                f"{', '.join(sorted(names))} would be set at its top and then overwritten by its "
                "own assignments; tag the cell that assigns the defaults 'parameters'"
            )
            continue
        for name, (where, key, value) in sorted(names.items()):
            if name not in declared:
                out.append(
                    f"NotebookJob {job['Name']!r}: {where} set {name!r}, which {notebook}'s "
                    f"parameters cell does not assign (it assigns {', '.join(sorted(declared))}): "
                    "the notebook would never read it"
                )
                continue
            try:
                coerce_value(name, value, declared[name], key)
            except ParameterError as exc:
                raise InvalidInputException(f"NotebookJob {job['Name']!r} ({notebook}): {exc}")
    return out


def _declared(location: str) -> tuple[bool, dict[str, Any] | None]:
    """(whether the notebook can be read here, the variables its ``parameters`` cell assigns
    with their default values: None when it has no such cell)."""
    if "://" in location and not location.startswith("file://"):
        return False, None
    path = location.removeprefix("file://")
    try:
        st = os.stat(path)
    except OSError:
        return False, None
    readable, declared = _declared_in(path, st.st_mtime_ns, st.st_size)
    return readable, dict(declared) if declared is not None else None


@functools.lru_cache(maxsize=256)
def _declared_in(
    path: str, mtime_ns: int, size: int
) -> tuple[bool, tuple[tuple[str, Any], ...] | None]:
    """Read as plain JSON (a deploy must not pay for importing papermill)."""
    from glue_nb.reuse.fingerprint import has_parameters_cell, notebook_json, parameter_defaults

    try:
        nb = notebook_json(path)
    except (OSError, ValueError):
        return False, None
    if not isinstance(nb.get("cells"), list):  # nbformat 3 (worksheets): not looked at here
        return False, None
    if not has_parameters_cell(nb):
        return True, None
    return True, tuple(parameter_defaults(nb).items())
