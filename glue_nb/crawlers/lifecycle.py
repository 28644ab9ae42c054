"""The steps of a crawl, driven by the engine: begin (the crawler RUNNING, a self-contained spec),
finish (catalog changes, the crawl record, what it read and wrote, in one transaction), a crawl
that could not start, a stop requested."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from glue_nb.crawlers.rows import CrawlerRows, crawl_dict
from glue_nb.exceptions import (
    CrawlerNotRunningException,
    CrawlerRunningException,
    CrawlerStoppingException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.ids import new_crawl_id
from glue_nb.lineage import openlineage as lineage_events
from glue_nb.lineage.graph import location_resource
from glue_nb.states import CRAWL_FINAL, CrawlerState, CrawlState
from glue_nb.store import catalog as catalog_rows
from glue_nb.store import loads
from glue_nb.store.io import IoRecord, IoRecords

__all__ = ["CrawlLifecycle", "crawl_io"]

log = logging.getLogger(__name__)


class CrawlLifecycle(CrawlerRows):
    """The steps the engine drives to run a crawl (:meth:`glue_nb.engine.Engine.start_crawl`)."""

    def begin_crawl(
        self,
        name: str,
        *,
        owner_token: str | None = None,
        workflow_name: str | None = None,
        workflow_run_id: str | None = None,
        node_id: str | None = None,
        trigger_name: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Atomically: crawler READY → RUNNING, a RUNNING crawl; → (crawl_id, spec)."""
        with self.store.transaction():
            row = self._require(name)
            if row["state"] != CrawlerState.READY:
                raise CrawlerRunningException(f"Crawler with name {name} has already started")
            crawl_id = new_crawl_id()
            spec = self._spec(loads(row["body"]), crawl_id)
            self.crawls.begin(
                crawl_id, name, owner_token=owner_token, workflow_name=workflow_name,
                workflow_run_id=workflow_run_id, node_id=node_id, trigger_name=trigger_name,
            )  # fmt: skip
        return crawl_id, spec

    def _spec(self, body: dict[str, Any], crawl_id: str) -> dict[str, Any]:
        """The self-contained spec: the definition plus the catalog snapshot the crawl needs."""
        databases = set()
        if body.get("DatabaseName"):
            databases.add(body["DatabaseName"].lower())
        catalog_targets = []
        tables = []
        with self.store.read() as conn:
            for target in (body.get("Targets") or {}).get("CatalogTargets") or ():
                db = target["DatabaseName"].lower()
                databases.add(db)
                for name in target["Tables"]:
                    record = catalog_rows.table(conn, db, name.lower())
                    catalog_targets.append(
                        {
                            "DatabaseName": db,
                            "TableName": name.lower(),
                            "Location": record.location if record else None,
                        }
                    )
            for db in sorted(databases):
                for record in catalog_rows.tables(conn, db):
                    table = record.body
                    tables.append(
                        {
                            "DatabaseName": db,
                            "Name": table["Name"],
                            "StorageDescriptor": table.get("StorageDescriptor") or {},
                            "PartitionKeys": table.get("PartitionKeys") or [],
                            "Parameters": table.get("Parameters") or {},
                        }
                    )
        crawled = None
        if (body.get("RecrawlPolicy") or {}).get("RecrawlBehavior") == "CRAWL_NEW_FOLDERS_ONLY":
            crawled = self.crawls.crawled_folders(body["Name"]) or None
        return {
            "CrawlId": crawl_id,
            "Crawler": body,
            "Catalog": {
                "Tables": tables,
                "CrawledFolders": crawled,
                "CatalogTargets": catalog_targets,
            },
        }

    def record_failed_crawl(
        self,
        name: str,
        message: str,
        *,
        state: str = CrawlState.FAILED,
        workflow_name: str | None = None,
        workflow_run_id: str | None = None,
        node_id: str | None = None,
        trigger_name: str | None = None,
    ) -> dict[str, Any]:
        """Record a crawl that could not start (crawler running or missing) → its Crawl dict.

        The crawler itself is left alone (it may be busy with another crawl, or not exist).
        """
        if state not in CRAWL_FINAL:
            raise InvalidInputException(
                f"record_failed_crawl: state must be one of {', '.join(sorted(CRAWL_FINAL))}"
            )
        crawl_id = new_crawl_id()
        with self.store.transaction():
            self.crawls.record_failed(
                crawl_id, name, CrawlState(state), message, workflow_name=workflow_name,
                workflow_run_id=workflow_run_id, node_id=node_id, trigger_name=trigger_name,
            )  # fmt: skip
            row = self.crawls.get(crawl_id)
        assert row is not None
        return crawl_dict(row)

    def finish_crawl(self, crawl_id: str, result: Mapping[str, Any]) -> dict[str, Any]:
        """Record a crawl's end in one transaction; → the Glue Crawl dict.

        A SUCCEEDED result is applied to the catalog (if that fails, nothing of it is written and
        the crawl is FAILED); FAILED and CANCELLED results write nothing. A crawl whose stop was
        requested ends CANCELLED whatever the result. The crawler goes back to READY with its
        LastCrawl. Finishing a crawl twice returns the recorded one.
        """
        with self.store.transaction() as conn:
            crawl = self.crawls.get(crawl_id)
            if crawl is None:
                raise EntityNotFoundException(f"Crawl {crawl_id} not found")
            if crawl["state"] in CRAWL_FINAL:
                return self.crawl_dict(crawl)
            name = crawl["crawler_name"]
            row = self._row(name)
            ended = (CrawlState.SUCCEEDED, CrawlState.FAILED, CrawlState.CANCELLED)
            state = result.get("State")
            state = CrawlState(state) if state in ended else CrawlState.FAILED
            error = result.get("ErrorMessage")
            if state is CrawlState.FAILED and not error:
                error = f"Crawler {name!r} failed"
            if crawl["state"] == CrawlState.CANCELLING:
                state, error = CrawlState.CANCELLED, None
            summary: dict[str, Any] = {}
            if state is CrawlState.SUCCEEDED and row is not None:
                body = loads(row["body"])
                try:
                    with self.store.savepoint("crawl_apply"):
                        written: list[tuple[str, str, str]] = []
                        summary = self.catalog.apply_crawl(body, result, conn, written)
                        self.crawls.record_folders(
                            name, result.get("CrawledFolders") or (),
                            incremental=bool(result.get("Incremental")),
                        )  # fmt: skip
                        IoRecords(self.store).record("crawl", crawl_id, crawl_io(result, written))
                except Exception as exc:
                    log.exception("applying crawl %s failed", crawl_id)
                    state = CrawlState.FAILED
                    error = (
                        f"Crawler {name!r}: writing the catalog failed, nothing was written: {exc}"
                    )
                    summary = {}
            if state is not CrawlState.CANCELLED:
                summary["SkippedFiles"] = list(result.get("SkippedFiles") or [])
                summary["SkippedFolders"] = list(result.get("SkippedFolders") or [])
                summary["Notes"] = list(result.get("Notes") or [])
                summary["Stats"] = dict(result.get("Stats") or {})
                summary["Incremental"] = bool(result.get("Incremental"))
            self.crawls.end(crawl, state, error, summary)
            self.store.after_commit(lambda: lineage_events.notify(self.store, crawl_id, "end"))
            done = self.crawls.get(crawl_id)
        assert done is not None
        return self.crawl_dict(done)

    def request_stop(self, name: str) -> str:
        """Mark a running crawler STOPPING and its crawl CANCELLING (what its driver acts on)
        → the crawl's id."""
        with self.store.transaction():
            row = self._require(name)
            if row["state"] == CrawlerState.READY:
                raise CrawlerNotRunningException(f"Crawler {name} is not running")
            if row["state"] == CrawlerState.STOPPING:
                raise CrawlerStoppingException(f"Crawler {name} is already stopping")
            return self.crawls.request_stop(name)


def crawl_io(result: Mapping[str, Any], written: list[tuple[str, str, str]]) -> list[IoRecord]:
    """What a crawl read (the data locations of the tables it found: folders end with ``/``)
    and wrote (the tables and partitions it created or changed, with the table's VersionId)."""
    records: dict[tuple[str, str], IoRecord] = {}
    for table in result.get("Tables") or ():
        location = (table.get("StorageDescriptor") or {}).get("Location")
        if location:
            kind, resource = location_resource(str(location))
            records["read", resource] = IoRecord("read", kind, resource)
    for kind, resource, version in written:
        records["write", resource] = IoRecord("write", kind, resource, version=version or None)
    return list(records.values())
