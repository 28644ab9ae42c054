"""The Data Catalog: databases, tables, table versions and partitions, kept in the store.

:class:`Catalog` speaks Glue's operations with Glue's PascalCase parameters and returns Glue-shaped
dicts (times as tz-aware datetimes, ``CatalogId`` :data:`CATALOG_ID`). Names of databases and tables
are lower-cased, as Glue does. :meth:`Catalog.apply_crawl` writes a crawl's result in the caller's
transaction, honouring the crawler's SchemaChangePolicy. For data scientists there are DataFrame
views (:meth:`~Catalog.tables_frame`, :meth:`~Catalog.schema_diff`, ...) and
:meth:`~Catalog.read_table`, which reads a table's files with its partition columns, opening only
the partitions that pass the filter.

One concept per module: :mod:`~glue_nb.catalog.validation` (inputs), :mod:`~.operation` (request
parameters), :mod:`~.expressions` (partition and table-name expressions), :mod:`~.shapes` (Glue's
output shapes), :mod:`~.lookups`, :mod:`~.databases`, :mod:`~.tables`, :mod:`~.partitions` (the
operations), :mod:`~.changes` and :mod:`~.apply` (crawl results), :mod:`~.frames` and
:mod:`~.read` (pandas), :mod:`~.service` (the class). Its SQL is in :mod:`glue_nb.store.catalog`.
"""

from glue_nb.catalog.expressions import partition_predicate
from glue_nb.catalog.service import Catalog
from glue_nb.catalog.shapes import CATALOG_ID

__all__ = ["CATALOG_ID", "Catalog", "partition_predicate"]
