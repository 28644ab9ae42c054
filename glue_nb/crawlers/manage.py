"""Glue's crawler operations on definitions: CreateCrawler, GetCrawler(s), ListCrawlers,
UpdateCrawler, DeleteCrawler, and the fluent API's upsert; waiting for a crawler to be READY."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from glue_nb.crawlers.definition import CRAWLER_FIELDS, crawler_body
from glue_nb.crawlers.rows import CrawlerRows
from glue_nb.exceptions import (
    AlreadyExistsException,
    CrawlerRunningException,
    InvalidInputException,
    OperationTimeoutException,
)
from glue_nb.states import CrawlerState
from glue_nb.store import loads

__all__ = ["CrawlerManagement"]


class CrawlerManagement(CrawlerRows):
    """Crawler definitions: create, read, list, update, delete (Glue's rules and errors)."""

    def create_crawler(
        self,
        Name: str,
        Targets: Mapping[str, Any],
        Role: str | None = None,
        DatabaseName: str | None = None,
        Description: str | None = None,
        Schedule: str | None = None,
        Classifiers: list[str] | None = None,
        TablePrefix: str | None = None,
        SchemaChangePolicy: Mapping[str, str] | None = None,
        RecrawlPolicy: Mapping[str, str] | None = None,
        LineageConfiguration: Mapping[str, str] | None = None,
        LakeFormationConfiguration: Mapping[str, Any] | None = None,
        Configuration: str | None = None,
        CrawlerSecurityConfiguration: str | None = None,
        Tags: Mapping[str, str] | None = None,
        *,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> dict:
        """CreateCrawler → {}; AlreadyExistsException when the name is taken."""
        request = {k: v for k, v in locals().items() if k[0].isupper() and v is not None}
        body = crawler_body(request, base_dir=base_dir)
        with self.store.transaction():
            if self._row(body["Name"]) is not None:
                raise AlreadyExistsException(
                    f"Crawler with name {body['Name']} has already been created"
                )
            self.definitions.insert(body)
        return {}

    def upsert_crawler(
        self,
        request: Mapping[str, Any],
        *,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> dict[str, Any]:
        """Create or replace a crawler definition, joining the caller's transaction (fluent API).

        An unchanged definition is left alone; changing a running crawler raises
        CrawlerRunningException.
        """
        body = crawler_body(request, base_dir=base_dir)
        with self.store.transaction():
            row = self._row(body["Name"])
            if row is None:
                self.definitions.insert(body)
                return body
            if loads(row["body"]) == body:
                return body
            if row["state"] != CrawlerState.READY:
                raise CrawlerRunningException(
                    f"Crawler {body['Name']} is {row['state']}; it cannot be updated until it "
                    "is READY"
                )
            self.definitions.replace(body)
        return body

    def get_crawler(self, Name: str) -> dict:
        """GetCrawler → {"Crawler": {...}} with State, LastCrawl, CrawlElapsedTime, Version."""
        return {"Crawler": self._crawler_dict(self._require(Name))}

    def get_crawlers(self, MaxResults: int | None = None, NextToken: str | None = None) -> dict:
        """GetCrawlers → {"Crawlers", "NextToken"} (by name)."""
        limit = self._limit(MaxResults)
        rows = self.definitions.page(NextToken or "", limit + 1)
        out: dict[str, Any] = {"Crawlers": [self._crawler_dict(r) for r in rows[:limit]]}
        if len(rows) > limit:
            out["NextToken"] = rows[limit - 1]["name"]
        return out

    def list_crawlers(
        self,
        MaxResults: int | None = None,
        NextToken: str | None = None,
        Tags: Mapping[str, str] | None = None,
    ) -> dict:
        """ListCrawlers → {"CrawlerNames", "NextToken"}; Tags keeps crawlers having all of them."""
        limit = self._limit(MaxResults)
        names: list[str] = []
        token = None
        for row in self.definitions.page(NextToken or ""):
            if Tags:
                tags = loads(row["body"], {}).get("Tags") or {}
                if any(tags.get(k) != v for k, v in Tags.items()):
                    continue
            if len(names) == limit:
                token = names[-1]
                break
            names.append(row["name"])
        out: dict[str, Any] = {"CrawlerNames": names}
        if token:
            out["NextToken"] = token
        return out

    def update_crawler(self, Name: str, *, base_dir: str | None = None, **fields: Any) -> dict:
        """UpdateCrawler: the given fields replace the stored ones (Version + 1)."""
        unknown = sorted(set(fields) - CRAWLER_FIELDS)
        if unknown:
            raise InvalidInputException(
                f"Crawler {Name!r}: unknown parameter(s) {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(CRAWLER_FIELDS - {'Name'}))}"
            )
        with self.store.transaction():
            row = self._require(Name)
            if row["state"] != CrawlerState.READY:
                raise CrawlerRunningException(
                    f"Crawler {Name} is {row['state']}; it cannot be updated until it is READY"
                )
            old = loads(row["body"])
            request = {**old, **{k: v for k, v in fields.items() if v is not None}, "Name": Name}
            policy = request.get("RecrawlPolicy")
            recrawl = policy.get("RecrawlBehavior") if isinstance(policy, Mapping) else None
            if recrawl == "CRAWL_NEW_FOLDERS_ONLY" and "SchemaChangePolicy" not in fields:
                request.pop("SchemaChangePolicy", None)  # take the LOG/LOG it requires
            body = crawler_body(request, base_dir=base_dir)
            was_incremental = (old.get("RecrawlPolicy") or {}).get(
                "RecrawlBehavior"
            ) == "CRAWL_NEW_FOLDERS_ONLY"
            if (
                was_incremental
                and recrawl == "CRAWL_NEW_FOLDERS_ONLY"
                and _paths(old) != _paths(body)
            ):
                raise InvalidInputException(
                    f"Crawler {Name!r}: the S3 targets of a crawler with RecrawlBehavior "
                    "CRAWL_NEW_FOLDERS_ONLY cannot change; switch it to CRAWL_EVERYTHING, crawl, "
                    "then switch back"
                )
            self.definitions.replace(body)
        return {}

    def delete_crawler(self, Name: str) -> dict:
        """DeleteCrawler, as Glue documents it: EntityNotFound when absent, CrawlerRunning when
        running. Its crawl history stays; its incremental state goes."""
        with self.store.transaction():
            row = self._require(Name)
            if row["state"] != CrawlerState.READY:
                raise CrawlerRunningException(f"Crawler {Name} is {row['state']}; stop it first")
            self.definitions.delete(Name)
        return {}

    def wait_for_crawler(self, Name: str, timeout: float = 60.0, poll: float = 0.05) -> dict:
        """Block until the crawler is READY again (whichever process crawls); → its
        GetCrawler dict."""
        deadline = time.monotonic() + timeout
        while True:
            crawler = self.get_crawler(Name)["Crawler"]
            if crawler["State"] == CrawlerState.READY:
                return crawler
            if time.monotonic() >= deadline:
                raise OperationTimeoutException(
                    f"Crawler {Name} still {crawler['State']} after {timeout:g} s"
                )
            time.sleep(poll)


def _paths(body: Mapping[str, Any]) -> list[str]:
    return sorted(t["Path"] for t in (body.get("Targets") or {}).get("S3Targets") or ())
