"""A job run's static part, known before it runs: the notebook's code cells, its typed
parameters after coercion, and the kernel. Plus where reuse is turned on.

Computed the same way by the engine before a run (from the notebook's JSON, without papermill)
and by the executor when it runs (from the notebook papermill loaded), so that a run's recorded
static key matches the key a later run computes.

Reuse settings, off by default (Glue's semantics):

- per run: ``wf.start(reuse=True)``, ``glue-nb run WF --reuse``, ``client.nb.start_workflow_run
  (..., Reuse=True)``; ``reuse=False`` forces every job of the run to run;
- per job: ``DefaultArguments={"--glue-nb-reuse": "true"}`` (or ``"false"``: never reuse this
  job, e.g. one that reads the clock), also in a trigger action's Arguments;
- per workflow: ``DefaultRunProperties={"glue-nb-reuse": "true"}`` (or a run's RunProperties).

A run's explicit ``reuse=False`` wins, then the job's setting, then the run's ``reuse=True``,
then the workflow's run property.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = [
    "REUSE_ARGUMENT",
    "REUSE_PROPERTY",
    "ParameterError",
    "coerce_value",
    "default_value",
    "has_parameters_cell",
    "notebook_json",
    "parameter_defaults",
    "reuse_setting",
    "static_part",
]

REUSE_ARGUMENT = "--glue-nb-reuse"
REUSE_PROPERTY = "glue-nb-reuse"
#: Cells glue-nb and papermill add; never part of the static part.
ADDED_TAGS = frozenset({"glue-nb-context", "injected-parameters", "glue-nb-trace"})
DEFAULT_KERNEL = "python3"

_TRUE = ("true", "1", "yes", "y", "on")
_FALSE = ("false", "0", "no", "n", "off")


class ParameterError(ValueError):
    """An argument cannot be given to the notebook (wrong type for the parameter's default)."""


def _flag(value: Any, where: str) -> bool | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{where} is {value!r}; use true or false")


def reuse_setting(
    run_choice: bool | None,
    arguments: Mapping[str, str],
    properties: Mapping[str, str],
) -> tuple[bool, str]:
    """Is reuse on for a job run → (on, where that was decided)."""
    if run_choice is False:
        return False, "the run was started with reuse off"
    job = _flag(arguments.get(REUSE_ARGUMENT), f"argument {REUSE_ARGUMENT}")
    if job is not None:
        return job, f"the job's argument {REUSE_ARGUMENT}={arguments[REUSE_ARGUMENT]}"
    if run_choice:
        return True, "the run was started with reuse on"
    run = _flag(properties.get(REUSE_PROPERTY), f"run property {REUSE_PROPERTY}")
    if run is not None:
        return run, f"the run property {REUSE_PROPERTY}={properties[REUSE_PROPERTY]}"
    return False, "reuse is off by default"


# -- parameters ---------------------------------------------------------------------------------
#: CPython before 3.11.8 / 3.12.1 keeps the AST constructor's recursion counter per interpreter
#: (gh-106905): two threads building ASTs at once can fail. Every AST built here takes this lock.
AST_LOCK = threading.Lock()


def literal_eval(source: str) -> Any:
    with AST_LOCK:
        return ast.literal_eval(source)


def default_value(source: str) -> Any:
    """A parameter's default from its source text; None for an expression (any value goes)."""
    try:
        return literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def coerce_value(name: str, raw: str, default: Any, key: str) -> Any:
    """One Glue argument (a string) typed after its parameter's default."""

    def bad(kind: str) -> ParameterError:
        return ParameterError(
            f"parameter {name!r} expects {kind} (its default is {default!r}); "
            f"argument {key!r} has value {raw!r}, which is not a valid {kind}"
        )

    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise bad("bool (true/false)")
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            raise bad("int")
    if isinstance(default, float):
        try:
            return float(raw.strip())
        except ValueError:
            raise bad("float")
    if isinstance(default, (list, dict, tuple)):
        for parse in (json.loads, literal_eval):
            try:
                value = parse(raw)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, type(default)):
                return value
        raise bad(type(default).__name__)
    return raw


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell: Mapping[str, Any]) -> list[str]:
    tags = (cell.get("metadata") or {}).get("tags") or []
    return [str(t) for t in tags] if isinstance(tags, list) else []


def has_parameters_cell(nb: Mapping[str, Any]) -> bool:
    """Does the notebook have a code cell tagged ``parameters``?"""
    return any(
        cell.get("cell_type") == "code" and "parameters" in _tags(cell)
        for cell in nb.get("cells") or []
    )


def parameter_defaults(nb: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults of the notebook's ``parameters`` cell: ``name = literal`` lines (a value
    that is not a literal gives None, as papermill's inference does)."""
    for cell in nb.get("cells") or []:
        if cell.get("cell_type") == "code" and "parameters" in _tags(cell):
            try:
                with AST_LOCK:
                    tree = ast.parse(_source(cell))
            except SyntaxError:
                return {}
            out: dict[str, Any] = {}
            for node in tree.body:
                target = value = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign):
                    target, value = node.target, node.value
                if isinstance(target, ast.Name) and value is not None:
                    out[target.id] = default_value(ast.unparse(value))
            return out
    return {}


def typed_parameters(defaults: Mapping[str, Any], arguments: Mapping[str, str]) -> dict[str, Any]:
    """Glue arguments → notebook parameters (``--name`` → ``name``), typed after the defaults;
    keys that are not identifiers (Glue's special parameters) are not parameters."""
    params: dict[str, Any] = {}
    for key, raw in arguments.items():
        name = key[2:] if key.startswith("--") else key
        if not name.isidentifier():
            continue
        params[name] = coerce_value(name, raw, defaults[name], key) if name in defaults else raw
    return params


# -- the static part -----------------------------------------------------------------------------
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w]*)|import\s+([A-Za-z_][\w.,\s]*))")


def _imports(source: str) -> set[str]:
    names: set[str] = set()
    try:
        with AST_LOCK:
            tree = ast.parse(source)
    except SyntaxError:  # IPython magics: read import lines one by one
        for line in source.splitlines():
            m = _IMPORT_LINE.match(line)
            if m and m.group(1):
                names.add(m.group(1))
            elif m and m.group(2):
                names.update(p.strip().split(".")[0].split()[0] for p in m.group(2).split(",")
                             if p.strip())  # fmt: skip
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def static_part(
    nb: Mapping[str, Any], arguments: Mapping[str, str], kernel_name: str | None
) -> dict[str, Any]:
    """``{"key", "cells", "params", "kernel", "imports"}`` of a notebook run with
    ``arguments`` (raises ParameterError for an argument its parameter cannot take)."""
    cells = [
        _source(c)
        for c in nb.get("cells") or []
        if c.get("cell_type") == "code" and not ADDED_TAGS & set(_tags(c))
    ]
    params = typed_parameters(parameter_defaults(nb), arguments)
    spec = (nb.get("metadata") or {}).get("kernelspec")
    own = spec.get("name") if isinstance(spec, Mapping) else None
    kernel = kernel_name or own or DEFAULT_KERNEL
    imports: set[str] = set()
    for source in cells:
        imports |= _imports(source)
    body = json.dumps(
        {"cells": cells, "params": params, "kernel": kernel},
        sort_keys=True, default=repr, separators=(",", ":"),
    )  # fmt: skip
    return {
        "key": "sha256:" + hashlib.sha256(body.encode()).hexdigest(),
        "cells": cells,
        "params": json.loads(json.dumps(params, default=repr)),
        "kernel": kernel,
        "imports": sorted(imports),
    }


def notebook_json(location: str) -> dict[str, Any]:
    """A notebook file's JSON (a local path, or an fsspec URL)."""
    if "://" in location and not location.startswith("file://"):
        import fsspec

        with fsspec.open(location, "r", encoding="utf-8") as fh:
            data = json.load(fh)
    else:
        with open(location.removeprefix("file://"), encoding="utf-8") as fh:
            data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{location} is not a notebook (its JSON is not an object)")
    return data
