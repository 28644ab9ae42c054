"""The :class:`Catalog`: Glue's Data Catalog operations over one store, plus the crawl writer,
DataFrame views and :meth:`~Catalog.read_table`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.catalog.apply import apply_crawl
from glue_nb.catalog.databases import DatabaseOperations
from glue_nb.catalog.frames import CatalogFrames
from glue_nb.catalog.partitions import PartitionOperations
from glue_nb.catalog.read import TableReader
from glue_nb.catalog.tables import TableOperations

__all__ = ["Catalog"]


class Catalog(DatabaseOperations, TableOperations, PartitionOperations, CatalogFrames, TableReader):
    """Glue Data Catalog operations over a :class:`glue_nb.store.Store`.

    Methods named as boto3 names Glue's operations (``create_database``, ``get_partitions``,
    ``batch_create_partition``, ...) take Glue's PascalCase keyword parameters and return
    Glue-shaped dicts; errors are Glue's, raised before anything is written.
    """

    def __init__(self, store: Any) -> None:
        self.store = store

    def apply_crawl(
        self,
        crawler: Mapping[str, Any],
        result: Mapping[str, Any],
        conn: sqlite3.Connection,
        written: list[tuple[str, str, str]] | None = None,
    ) -> dict[str, Any]:
        """Write a SUCCEEDED crawl result inside the caller's transaction; return the summary
        (see :func:`glue_nb.catalog.apply.apply_crawl`; ``written`` receives what it changed)."""
        return apply_crawl(crawler, result, conn, written)
