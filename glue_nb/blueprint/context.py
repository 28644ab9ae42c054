"""The Glue client of the blueprint run in progress (set by the blueprint service while a layout
runs; read by :mod:`glue_nb.blueprint.boto3`, the stand-in for boto3 inside layouts)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["current_client"]

#: The run's Glue client while a layout runs (None outside a blueprint run).
current_client: ContextVar[Any] = ContextVar("glue_nb_blueprint_client", default=None)
