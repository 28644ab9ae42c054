"""The parts a crawler service works with (the store, the catalog, the crawler and crawl tables),
a crawler's row looked up by name, and the shapes answered: GetCrawler's Crawler, Glue's Crawl."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.catalog import Catalog
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.states import CrawlerState
from glue_nb.store import loads
from glue_nb.store.crawlers import CrawlerDefinitions
from glue_nb.store.crawls import LOG_GROUP, Crawls
from glue_nb.timeutil import now, to_datetime

__all__ = ["LOG_GROUP", "CrawlerRows", "crawl_dict"]


def _known(names: Any, limit: int = 10) -> str:
    names = sorted(names)
    if not names:
        return "none"
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def crawl_dict(row: sqlite3.Row | Mapping[str, Any]) -> dict[str, Any]:
    """A ``crawls`` row → Glue's ``Crawl`` shape {State, StartedOn, CompletedOn, ErrorMessage,
    LogGroup, LogStream}, plus CrawlId, CrawlerName, TriggerName and Summary (a dict)."""
    return {
        "State": row["state"],
        "StartedOn": to_datetime(row["started_on"]),
        "CompletedOn": to_datetime(row["completed_on"]),
        "ErrorMessage": row["error_message"],
        "LogGroup": LOG_GROUP,
        "LogStream": row["crawler_name"],
        "CrawlId": row["crawl_id"],
        "CrawlerName": row["crawler_name"],
        "TriggerName": row["trigger_name"],
        "Summary": loads(row["summary"], {}),
    }


class CrawlerRows:
    """What every part of :class:`~glue_nb.crawlers.CrawlerService` shares: its store, catalog
    and tables, rows by name and the shapes built from them."""

    def __init__(self, store: Any, catalog: Catalog | None = None) -> None:
        self.store = store
        self.catalog = catalog or Catalog(store)
        self.definitions = CrawlerDefinitions(store)
        self.crawls = Crawls(store)

    # -- rows and shapes ------------------------------------------------------------------------
    def _row(self, name: Any) -> sqlite3.Row | None:
        if not isinstance(name, str):
            raise InvalidInputException(f"Crawler name must be a string, got {name!r}")
        return self.definitions.get(name)

    def _require(self, name: Any) -> sqlite3.Row:
        row = self._row(name)
        if row is None:
            raise EntityNotFoundException(
                f"Crawler entry with name {name} does not exist "
                f"(known crawlers: {_known(self.definitions.names())})"
            )
        return row

    def _crawler_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        body = loads(row["body"], {})
        out = {k: v for k, v in body.items() if k not in ("Tags", "Schedule")}
        if body.get("Schedule"):
            out["Schedule"] = {"ScheduleExpression": body["Schedule"], "State": "SCHEDULED"}
        out["State"] = row["state"]
        elapsed = 0
        if row["state"] != CrawlerState.READY and row["current_crawl_id"]:
            started = self.definitions.started_on(row["current_crawl_id"])
            if started is not None:
                elapsed = int(max(0.0, now() - started) * 1000)
        out["CrawlElapsedTime"] = elapsed
        out["CreationTime"] = to_datetime(row["created_on"])
        out["LastUpdated"] = to_datetime(row["last_updated"])
        last = loads(row["last_crawl"])
        if last:
            last = dict(last)
            last["StartTime"] = to_datetime(last.get("StartTime"))
            out["LastCrawl"] = last
        out["Version"] = row["version"]
        return out

    crawl_dict = staticmethod(crawl_dict)

    @staticmethod
    def _limit(value: Any) -> int:
        if value is None:
            return 1000
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise InvalidInputException(
                f"MaxResults must be an integer from 1 to 1000, got {value!r}"
            )
        return value
