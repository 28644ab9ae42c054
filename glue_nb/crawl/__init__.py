"""Crawls: list files, classify them, infer schemas and group them into tables (Glue's rules).

:func:`execute_crawl` is pure: a picklable spec in, a picklable result out, no store access, so it
runs in a thread of the owning process or on a Dask worker. The spec is built by
:meth:`glue_nb.crawlers.CrawlerService.begin_crawl`::

    {"CrawlId": "cr_...",
     "Crawler": {<Glue Crawler dict: Name, Targets, DatabaseName, TablePrefix,
                 SchemaChangePolicy, RecrawlPolicy, Configuration, ...>},
     "Catalog": {"Tables": [{DatabaseName, Name, StorageDescriptor, PartitionKeys, Parameters}],
                 "CrawledFolders": [<leaf folder locations>] or None (no incremental state yet),
                 "CatalogTargets": [{DatabaseName, TableName, Location or None}]}}

The result::

    {"State": "SUCCEEDED" | "FAILED" | "CANCELLED", "ErrorMessage": str | None,
     "Incremental": bool, "Targets": [<root locations crawled>],
     "Tables": [<Glue Table-shaped dicts: DatabaseName + TableInput fields>],
     "Partitions": [<Glue Partition-shaped dicts: DatabaseName, TableName, Values, ...>],
     "SkippedFiles": [{Path, Reason}], "SkippedFolders": [{Path, Reason}],
     "Notes": [{Table, Column, TypesSeen, Type, Irreconcilable, Message}],
     "CrawledFolders": [{Folder, DatabaseName, TableName}], "Stats": {...},
     "CrawlId", "CrawlerName", "StartedOn", "CompletedOn"}

One concept per module, in the order a crawl uses them:

* :mod:`~glue_nb.crawl.config`: the crawler's ``Configuration`` JSON and the settings it gives;
* :mod:`~glue_nb.crawl.listing`: targets, exclusions, walking local and fsspec trees;
* :mod:`~glue_nb.crawl.formats`: classifying one file (CSV/TSV, JSON, Parquet, gzip);
* :mod:`~glue_nb.crawl.types`: Glue column types (parse, render, merge);
* :mod:`~glue_nb.crawl.grouping`: folders → tables and partitions;
* :mod:`~glue_nb.crawl.incremental`: new folders of existing tables (CRAWL_NEW_FOLDERS_ONLY);
* :mod:`~glue_nb.crawl.naming`: table and partition key names;
* :mod:`~glue_nb.crawl.output`: Glue Table and Partition dicts;
* :mod:`~glue_nb.crawl.journal`: counts, skips and notes; the failed and cancelled ends;
* :mod:`~glue_nb.crawl.execute`: :func:`execute_crawl`, which runs them.
"""

from glue_nb.crawl.config import parse_configuration
from glue_nb.crawl.execute import execute_crawl
from glue_nb.crawl.listing import glob_to_regex
from glue_nb.crawl.naming import sanitize_table_name
from glue_nb.crawl.types import merge_types, parse_type, render_type

__all__ = [
    "execute_crawl",
    "glob_to_regex",
    "merge_types",
    "parse_configuration",
    "parse_type",
    "render_type",
    "sanitize_table_name",
]
