"""Glue column types: parse and render type names, merge types seen across files, and the type
of one value (a CSV string, a JSON value, an Arrow type).

Internally a type is a str for primitives (``"bigint"``), ``("array", elem)``,
``("map", key, value)`` or ``("struct", ((name, type), ...))``; None means "no value seen yet".
Across files bigint + double gives double, date + timestamp gives timestamp, structs merge
field-wise, and anything else irreconcilable gives string (flagged, so the crawl can note it).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["arrow_type", "json_type", "merge_types", "parse_type", "render_type", "value_type"]

_INT_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3}


def _numeric(t: Any) -> bool:
    """Is this an integer, floating or decimal type?"""
    return isinstance(t, str) and (
        t in _INT_RANK or t in ("float", "double") or t.startswith("decimal")
    )


def merge_types(a: Any, b: Any) -> tuple[Any, bool]:
    """Merge two internal types; the flag is True when they were irreconcilable (→ string)."""
    if a is None:
        return b, False
    if b is None or a == b:
        return a, False
    if isinstance(a, str) and isinstance(b, str):
        if a in _INT_RANK and b in _INT_RANK:
            return (a if _INT_RANK[a] >= _INT_RANK[b] else b), False
        if _numeric(a) and _numeric(b):
            return "double", False
        if {a, b} == {"date", "timestamp"}:
            return "timestamp", False
        return "string", True
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0]:
        if a[0] == "array":
            elem, bad = merge_types(a[1], b[1])
            return ("array", elem), bad
        if a[0] == "map":
            key, bad1 = merge_types(a[1], b[1])
            val, bad2 = merge_types(a[2], b[2])
            return ("map", key, val), bad1 or bad2
        fields = dict(a[1])
        bad = False
        for name, t in b[1]:
            if name in fields:
                fields[name], conflict = merge_types(fields[name], t)
                bad = bad or conflict
            else:
                fields[name] = t
        return ("struct", tuple(fields.items())), bad
    return "string", True


def render_type(t: Any) -> str:
    """Internal type → Glue type name (``array<struct<a:bigint>>``)."""
    if t is None:
        return "string"
    if isinstance(t, str):
        return t
    if t[0] == "array":
        return f"array<{render_type(t[1])}>"
    if t[0] == "map":
        return f"map<{render_type(t[1])},{render_type(t[2])}>"
    return "struct<" + ",".join(f"{k}:{render_type(v)}" for k, v in t[1]) + ">"


def parse_type(text: str) -> Any:
    """Glue type name → internal type (inverse of :func:`render_type`)."""
    text = text.strip()
    low = text.lower()
    if low.startswith("array<") and low.endswith(">"):
        return ("array", parse_type(text[6:-1]))
    if low.startswith("map<") and low.endswith(">"):
        key, value = _split_top(text[4:-1])
        return ("map", parse_type(key), parse_type(value))
    if low.startswith("struct<") and low.endswith(">"):
        fields = []
        for item in _split_top(text[7:-1]):
            name, _, sub = item.partition(":")
            fields.append((name.strip(), parse_type(sub)))
        return ("struct", tuple(fields))
    return low


def _split_top(text: str) -> list[str]:
    """Split on commas outside <> and () (the fields of a struct or map)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [part for part in out if part.strip()]


_VALUE = re.compile(
    r"(?P<bigint>[+-]?\d{1,18})\Z"
    r"|(?P<double>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?|[+-]?(?:NaN|Infinity|inf))\Z"
    r"|(?P<date>\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))\Z"
    r"|(?P<timestamp>\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ]\d{2}:\d{2}"
    r"(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)\Z"
    r"|(?P<boolean>(?i:true|false))\Z"
)


def value_type(value: str) -> str | None:
    """Glue type of one CSV value; None for an empty value."""
    value = value.strip()
    if not value:
        return None
    m = _VALUE.match(value)
    return m.lastgroup if m else "string"  # type: ignore[return-value]


def json_type(value: Any) -> Any:
    """Glue type of a parsed JSON value (objects become structs)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint" if -(2**63) <= value < 2**63 else "double"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        elem = None
        for item in value:
            elem, _ = merge_types(elem, json_type(item))
        return ("array", elem)
    if isinstance(value, dict):
        return ("struct", tuple((str(k), json_type(v)) for k, v in value.items()))
    return "string"


def arrow_type(t: Any) -> Any:
    """Glue type of an Arrow type (Parquet schemas)."""
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(t):
        return arrow_type(t.value_type)
    if types.is_boolean(t):
        return "boolean"
    if types.is_int8(t):
        return "tinyint"
    if types.is_int16(t) or types.is_uint8(t):
        return "smallint"
    if types.is_int32(t) or types.is_uint16(t):
        return "int"
    if types.is_integer(t):
        return "bigint"
    if types.is_float16(t) or types.is_float32(t):
        return "float"
    if types.is_float64(t):
        return "double"
    if types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if types.is_date(t):
        return "date"
    if types.is_timestamp(t):
        return "timestamp"
    if types.is_binary(t) or types.is_large_binary(t) or types.is_fixed_size_binary(t):
        return "binary"
    if types.is_list(t) or types.is_large_list(t) or types.is_fixed_size_list(t):
        return ("array", arrow_type(t.value_type))
    if types.is_map(t):
        return ("map", arrow_type(t.key_type), arrow_type(t.item_type))
    if types.is_struct(t):
        return (
            "struct",
            tuple((t.field(i).name, arrow_type(t.field(i).type)) for i in range(t.num_fields)),
        )
    return "string"
