"""Crawlers: definitions, their run state, and crawls recorded in the store.

:class:`CrawlerService` implements Glue's crawler operations (create/get/update/delete, list)
and the three steps the engine drives to run a crawl, standalone or as a workflow node:
:meth:`~CrawlerService.begin_crawl` (atomically mark the crawler RUNNING and hand out a
self-contained spec), :func:`glue_nb.crawl.execute_crawl` (anywhere, no store), and
:meth:`~CrawlerService.finish_crawl` (one transaction: catalog changes, the crawl record, the
crawler back to READY). StartCrawler and StopCrawler are the engine's
(:meth:`glue_nb.engine.Engine.start_crawl`, :meth:`~glue_nb.engine.Engine.stop_crawl`).

The modules: :mod:`~.definition` (a CreateCrawler/UpdateCrawler request checked into the
definition stored, :func:`crawler_body`), :mod:`~.rows` (the service's parts, a crawler's row and
its GetCrawler shape, :func:`crawl_dict`), :mod:`~.manage` (the crawler operations),
:mod:`~.lifecycle` (the steps of a crawl and what it read and wrote), :mod:`~.history` (ListCrawls,
GetCrawlerMetrics) and :mod:`~.service` (:class:`CrawlerService`, all of them).

Choices where Glue leaves room:

* ``delete_crawler`` follows Glue's documented DeleteCrawler: a missing crawler raises
  EntityNotFoundException, a running one CrawlerRunningException. (The "deleting something absent
  is not an error" rule of workflows, jobs and triggers does not apply to crawlers in Glue.)
* Local paths in ``S3Targets`` are made absolute when the crawler is defined (relative to the
  working directory, or ``base_dir``), so a crawl means the same from any process.
* ``RecrawlPolicy = CRAWL_NEW_FOLDERS_ONLY`` without a SchemaChangePolicy gets LOG/LOG (the only
  values Glue allows with it); other values are rejected with Glue's message. Its first crawl
  reads everything (Glue asks you to run a full crawl first); every crawl records the leaf
  folders it read.
* Only S3Targets (local paths, ``file://`` or any fsspec URL) and CatalogTargets can be crawled;
  ``Classifiers`` are stored but the built-in classifiers are always used.
* A crawl belongs to the process that started it. If that process dies, the next reader of any
  process ends the crawl CANCELLED with a message saying so and the crawler is READY again
  (Glue's crawlers cannot lose their process; ours can).
"""

from __future__ import annotations

from glue_nb.crawlers.definition import crawler_body
from glue_nb.crawlers.lifecycle import crawl_io
from glue_nb.crawlers.rows import LOG_GROUP, crawl_dict
from glue_nb.crawlers.service import CrawlerService

__all__ = ["LOG_GROUP", "CrawlerService", "crawl_dict", "crawl_io", "crawler_body"]
