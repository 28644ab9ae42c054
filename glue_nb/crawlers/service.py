"""The :class:`CrawlerService`: crawler definitions, the steps of a crawl and crawl history over
one store."""

from __future__ import annotations

from glue_nb.crawlers.history import CrawlHistory
from glue_nb.crawlers.lifecycle import CrawlLifecycle
from glue_nb.crawlers.manage import CrawlerManagement

__all__ = ["CrawlerService"]


class CrawlerService(CrawlerManagement, CrawlLifecycle, CrawlHistory):
    """Crawler definitions and crawl records over a :class:`glue_nb.store.Store` (safe across
    processes). Running a crawl is the engine's (:meth:`glue_nb.engine.Engine.start_crawl`):
    this service gives it the steps it drives."""
