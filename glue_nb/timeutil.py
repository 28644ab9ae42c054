"""Clock and time conversion: the store keeps epoch seconds, the API returns aware datetimes."""

from __future__ import annotations

import time
from datetime import datetime, timezone

__all__ = ["now", "to_datetime", "to_epoch"]


def now() -> float:
    """Seconds since the epoch (UTC)."""
    return time.time()


def to_datetime(epoch: float | None) -> datetime | None:
    """Epoch seconds → tz-aware UTC datetime (``None`` stays ``None``)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def to_epoch(value: datetime | float | int | None) -> float | None:
    """A datetime (naive = UTC) or number → epoch seconds."""
    if value is None or isinstance(value, (int, float)):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()
