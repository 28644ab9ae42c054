"""Past crawls: one crawl, ListCrawls (Glue's CrawlerHistory), GetCrawlerMetrics."""

from __future__ import annotations

from typing import Any

from glue_nb.crawlers.rows import CrawlerRows
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.store import loads
from glue_nb.store.crawls import LOG_GROUP
from glue_nb.timeutil import to_datetime

__all__ = ["CrawlHistory"]


class CrawlHistory(CrawlerRows):
    """Crawls recorded in the store, as Glue answers them."""

    def get_crawl(self, crawl_id: str) -> dict[str, Any]:
        """One crawl as a Crawl dict (with Summary)."""
        row = self.crawls.get(crawl_id)
        if row is None:
            raise EntityNotFoundException(f"Crawl {crawl_id} not found")
        return self.crawl_dict(row)

    def list_crawls(
        self,
        CrawlerName: str,
        MaxResults: int | None = None,
        NextToken: str | None = None,
    ) -> dict:
        """ListCrawls → {"Crawls": [CrawlerHistory], "NextToken"}, newest first.

        CrawlerHistory.State is Glue's RUNNING | COMPLETED | FAILED | STOPPED; Summary is a JSON
        string as in Glue.
        """
        limit = self._limit(MaxResults)
        try:  # the start time of the last crawl of the previous page
            before = float(NextToken) if NextToken else None
        except ValueError:
            raise InvalidInputException(f"ListCrawls: invalid NextToken {NextToken!r}") from None
        states = {"SUCCEEDED": "COMPLETED", "CANCELLED": "STOPPED", "CANCELLING": "RUNNING"}
        self._require(CrawlerName)
        rows = self.crawls.of_crawler(CrawlerName, before=before, limit=limit + 1)
        crawls = [
            {
                "CrawlId": r["crawl_id"],
                "State": states.get(r["state"], r["state"]),
                "StartTime": to_datetime(r["started_on"]),
                "EndTime": to_datetime(r["completed_on"]),
                "Summary": r["summary"] or "{}",
                "ErrorMessage": r["error_message"],
                "LogGroup": LOG_GROUP,
                "LogStream": r["crawler_name"],
                "MessagePrefix": r["crawl_id"],
                "DPUHour": 0.0,
            }
            for r in rows[:limit]
        ]
        out: dict[str, Any] = {"Crawls": crawls}
        if len(rows) > limit:
            out["NextToken"] = repr(rows[limit - 1]["started_on"])
        return out

    def get_crawler_metrics(self, CrawlerNameList: list[str] | None = None) -> dict:
        """GetCrawlerMetrics from the crawl history (run times in seconds, last crawl's counts)."""
        names = CrawlerNameList or self.definitions.names()
        metrics = []
        for name in sorted(names):
            self._require(name)
            rows = list(reversed(self.crawls.of_crawler(name, finished=True)))
            times = sorted(r["completed_on"] - r["started_on"] for r in rows)
            last = loads(rows[-1]["summary"], {}) if rows else {}
            metrics.append(
                {
                    "CrawlerName": name,
                    "TimeLeftSeconds": 0.0,
                    "StillEstimating": False,
                    "LastRuntimeSeconds": (rows[-1]["completed_on"] - rows[-1]["started_on"])
                    if rows
                    else 0.0,
                    "MedianRuntimeSeconds": times[len(times) // 2] if times else 0.0,
                    "TablesCreated": len(last.get("TablesCreated") or ()),
                    "TablesUpdated": len(last.get("TablesUpdated") or ()),
                    "TablesDeleted": len(last.get("TablesDeleted") or ())
                    + len(last.get("TablesDeprecated") or ()),
                }
            )
        return {"CrawlerMetricsList": metrics}
