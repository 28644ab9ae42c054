"""A strict check of an answer against a botocore output shape (what a typed client expects).

``problems(value, shape)`` lists every difference: a member the shape does not have, a null, a
missing required member, a value of the wrong type (an int where the shape says double is fine,
a float where it says integer is not), an enum value the shape does not list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def problems(value: Any, shape: Any, path: str = "") -> list[str]:
    """Differences between ``value`` and ``shape`` (empty: it fits)."""
    where = path or shape.name
    kind = shape.type_name
    if value is None:
        return [f"{where}: null"]
    if kind == "structure":
        if getattr(shape, "is_document_type", False):
            return []
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, expected a structure ({shape.name})"]
        out = []
        for key, item in value.items():
            if key not in shape.members:
                out.append(f"{where}.{key}: not a member of {shape.name}")
            else:
                out += problems(item, shape.members[key], f"{where}.{key}")
        for key in shape.required_members:
            if key not in value:
                out.append(f"{where}.{key}: required member missing")
        return out
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, expected a list"]
        out = []
        for i, item in enumerate(value):
            out += problems(item, shape.member, f"{where}[{i}]")
        return out
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, expected a map"]
        out = []
        for key, item in value.items():
            out += problems(key, shape.key, f"{where} key {key!r}")
            out += problems(item, shape.value, f"{where}[{key!r}]")
        return out
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: {type(value).__name__} {value!r}, expected a string"]
        if shape.enum and value not in shape.enum:
            return [f"{where}: {value!r} is not one of {shape.enum}"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {type(value).__name__} {value!r}, expected an integer"]
    if kind in ("double", "float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {type(value).__name__} {value!r}, expected a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: {value!r}, expected a boolean"]
    if kind == "timestamp":
        ok = isinstance(value, dt.datetime)
        return [] if ok else [f"{where}: {type(value).__name__} {value!r}, expected a datetime"]
    if kind == "blob":
        return [] if isinstance(value, bytes) else [f"{where}: expected bytes"]
    return [f"{where}: unchecked type {kind}"]
