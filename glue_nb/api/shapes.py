"""Answers fitted to an output shape: members the shape does not have, and nulls, are left out;
``CatalogId`` is filled in where the shape has one (the catalog's answers, whose shapes are not
written out member by member in :mod:`glue_nb.records`)."""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

__all__ = ["fit", "output_shape"]


@functools.cache
def output_shape(operation: str) -> Any:
    """Glue's output shape of ``operation``."""
    from glue_nb.api.models import glue_service_model

    return glue_service_model().operation_model(operation).output_shape


def fit(value: Any, shape: Any, catalog_id: str) -> Any:
    """``value`` with exactly ``shape``'s members (recursively)."""
    if shape is None:
        return {}
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type or not isinstance(value, dict):
            return value
        members = shape.members
        out = {
            k: fit(v, members[k], catalog_id)
            for k, v in value.items()
            if k in members and v is not None
        }
        if "CatalogId" in members and "CatalogId" not in out and _is_entity(members):
            out["CatalogId"] = catalog_id
        return out
    if kind == "list" and isinstance(value, list):
        return [fit(v, shape.member, catalog_id) for v in value if v is not None]
    if kind == "map" and isinstance(value, dict):
        return {k: fit(v, shape.value, catalog_id) for k, v in value.items() if v is not None}
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind in ("double", "float") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    return value


def _is_entity(members: Any) -> bool:
    """Databases, tables and partitions carry CatalogId (requests' echoes do not need it)."""
    return "Name" in members or "Values" in members
