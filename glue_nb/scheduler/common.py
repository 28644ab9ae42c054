"""Small helpers the scheduler's modules share: the store of a home, times in the log."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from glue_nb.store import Store

__all__ = ["UTC", "as_store", "fmt"]

UTC = timezone.utc


def as_store(home: Any) -> Store:
    """The store of ``home``: a :class:`~glue_nb.store.Store`, a client (its store), or a path
    (None: the default home)."""
    if isinstance(home, Store):
        return home
    store = getattr(home, "store", None)  # a GlueClient
    if isinstance(store, Store):
        return store
    return Store(home)


def fmt(epoch: float | None) -> str:
    """A time for the log: ``2026-03-04 10:00 UTC`` (``-`` for None)."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
