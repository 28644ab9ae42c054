"""Crawlers, their crawls and their schedules: Create/Update/Delete/Get/GetCrawlers/List/
BatchGetCrawlers, Start/StopCrawler, ListCrawls (with Glue's Filters), GetCrawlerMetrics,
Start/Stop/UpdateCrawlerSchedule. The rules are :class:`glue_nb.crawlers.CrawlerService`'s."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from glue_nb import records
from glue_nb.api import paths
from glue_nb.api.operations.registry import Params, batch_get, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import (
    InvalidInputException,
    NoScheduleException,
    SchedulerNotRunningException,
    SchedulerRunningException,
)
from glue_nb.store import loads

__all__ = ["crawler_out", "crawler_request"]


def crawler_request(svc: Service, p: Params) -> Params:
    """A crawler request with its S3 target paths confined (empty target lists and an empty
    Schedule dropped)."""
    targets = p.get("Targets")
    if isinstance(targets, Mapping):
        s3 = [
            {**t, "Path": paths.confine(svc.settings, t["Path"], f"Targets.S3Targets[{i}].Path")}
            if isinstance(t, Mapping) and isinstance(t.get("Path"), str)
            else t
            for i, t in enumerate(targets.get("S3Targets") or ())
        ]
        targets = {k: v for k, v in targets.items() if v}  # Glue allows empty target lists
        if s3:
            targets["S3Targets"] = s3
        p = {**p, "Targets": targets}
    if isinstance(p.get("Schedule"), str) and not p["Schedule"].strip():
        p = {k: v for k, v in p.items() if k != "Schedule"}
    return p


def crawler_out(svc: Service, crawler: dict[str, Any]) -> dict[str, Any]:
    """A crawler with its schedule's state as stored (SCHEDULED or NOT_SCHEDULED)."""
    schedule = crawler.get("Schedule")
    if schedule:
        schedule = dict(schedule)
        schedule["State"] = _schedule_state(svc, crawler["Name"])
        crawler = {**crawler, "Schedule": schedule}
    return crawler


@operation("CreateCrawler")
def create_crawler(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    request = crawler_request(svc, p)
    with svc.store.transaction():
        svc.crawlers.create_crawler(**request, base_dir=paths.base_dir(svc.settings))
        svc.tags.create(svc, "crawler", p["Name"], tags)
    return {}


@operation("UpdateCrawler")
def update_crawler(svc: Service, p: Params) -> dict[str, Any]:
    request = crawler_request(svc, p)
    schedule = p.get("Schedule")
    with svc.store.transaction():
        if schedule is not None and not schedule.strip():  # "" removes the schedule
            body = loads(svc.crawlers._require(p["Name"])["body"])
            body.pop("Schedule", None)
            svc.crawlers.definitions.set_body(p["Name"], body)
        svc.crawlers.update_crawler(**request, base_dir=paths.base_dir(svc.settings))
    return {}


@operation("DeleteCrawler")
def delete_crawler(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        svc.crawlers.delete_crawler(p["Name"])  # its schedule state goes with it
        svc.tags.forget("crawler", p["Name"])
    return {}


@operation("GetCrawler", lambda svc, out: {"Crawler": records.glue_crawler(out["Crawler"])})
def get_crawler(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()  # a crawl whose process is gone shows as ended
    return {"Crawler": crawler_out(svc, svc.crawlers.get_crawler(p["Name"])["Crawler"])}


def _glue_crawlers(svc: Service, out: dict[str, Any]) -> dict[str, Any]:
    return {**out, "Crawlers": [records.glue_crawler(c) for c in out["Crawlers"]]}


@operation("GetCrawlers", _glue_crawlers)
def get_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    out = svc.crawlers.get_crawlers(MaxResults=p.get("MaxResults"), NextToken=p.get("NextToken"))
    out["Crawlers"] = [crawler_out(svc, c) for c in out["Crawlers"]]
    return dict(out)


@operation("ListCrawlers")
def list_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.tags.having(svc, "crawler", svc.crawlers.definitions.names(), p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 1000, "ListCrawlers")
    return paged({}, "CrawlerNames", page, token)


@operation("BatchGetCrawlers", _glue_crawlers)
def batch_get_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    found, missing = batch_get(
        p["CrawlerNames"], lambda name: crawler_out(svc, svc.crawlers.get_crawler(name)["Crawler"])
    )
    return {"Crawlers": found, "CrawlersNotFound": missing}


@operation("StartCrawler")
def start_crawler(svc: Service, p: Params) -> dict[str, Any]:
    """The crawl is driven by this process's engine (a standalone unit of one crawl)."""
    svc.engine.start_crawl(p["Name"], executor=p.get("Executor"))
    return {}


@operation("StopCrawler")
def stop_crawler(svc: Service, p: Params) -> dict[str, Any]:
    """Whichever process drives the crawl: it ends CANCELLED, writing nothing."""
    svc.engine.stop_crawl(p["Name"])
    return {}


_CRAWL_FIELDS: dict[str, tuple[str, Any]] = {
    "CRAWL_ID": ("CrawlId", str),
    "STATE": ("State", str),
    "START_TIME": ("StartTime", "time"),
    "END_TIME": ("EndTime", "time"),
    "DPU_HOUR": ("DPUHour", float),
}


def _crawl_filter(f: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    field, kind = _CRAWL_FIELDS[f["FieldName"]]
    op = f.get("FilterOperator", "EQ")
    raw = f.get("FieldValue")
    if raw is None:
        raise InvalidInputException(f"ListCrawls: filter on {f['FieldName']} needs a FieldValue")
    value: Any
    try:
        if kind == "time":
            from datetime import datetime, timezone

            value = (
                datetime.fromtimestamp(float(raw), timezone.utc)
                if raw.replace(".", "", 1).isdigit()
                else datetime.fromisoformat(raw.replace("Z", "+00:00"))
            )
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
        else:
            value = kind(raw)
    except ValueError:
        raise InvalidInputException(
            f"ListCrawls: FieldValue {raw!r} is not valid for {f['FieldName']}"
        )
    compare: Callable[[Any], bool] = {
        "EQ": lambda a: a == value, "NE": lambda a: a != value, "GT": lambda a: a > value,
        "GE": lambda a: a >= value, "LT": lambda a: a < value, "LE": lambda a: a <= value,
    }[op]  # fmt: skip

    def test(crawl: Mapping[str, Any]) -> bool:
        have = crawl.get(field)
        return have is not None and bool(compare(have))

    return test


@operation("ListCrawls")
def list_crawls(svc: Service, p: Params) -> dict[str, Any]:
    """ListCrawls, newest first, with Glue's Filters (CRAWL_ID, STATE, START_TIME, END_TIME,
    DPU_HOUR with EQ/NE/GT/GE/LT/LE)."""
    svc.engine.reap_orphans()
    crawls: list[dict[str, Any]] = []
    token = None
    while True:
        out = svc.crawlers.list_crawls(CrawlerName=p["CrawlerName"], MaxResults=1000,
                                       NextToken=token)  # fmt: skip
        crawls += out["Crawls"]
        token = out.get("NextToken")
        if not token:
            break
    for f in p.get("Filters") or ():
        crawls = list(filter(_crawl_filter(f), crawls))
    crawls = [{k: v for k, v in c.items() if v is not None} for c in crawls]
    page, next_token = paginate(crawls, p.get("NextToken"), p.get("MaxResults"), 1000, "ListCrawls")
    return paged({}, "Crawls", page, next_token)


@operation("GetCrawlerMetrics")
def get_crawler_metrics(svc: Service, p: Params) -> dict[str, Any]:
    metrics = svc.crawlers.get_crawler_metrics(CrawlerNameList=p.get("CrawlerNameList"))
    items = metrics["CrawlerMetricsList"]
    page, token = paginate(
        items, p.get("NextToken"), p.get("MaxResults"), 1000, "GetCrawlerMetrics"
    )
    return paged({}, "CrawlerMetricsList", page, token)


def _schedule_state(svc: Service, name: str) -> str:
    return svc.crawlers.definitions.schedule_state(name)


def _scheduled_crawler(svc: Service, name: str) -> str:
    """The crawler's schedule state (NoScheduleException without a schedule)."""
    row = svc.crawlers._require(name)
    if not loads(row["body"]).get("Schedule"):
        raise NoScheduleException(f"Crawler {name} has no schedule")
    return _schedule_state(svc, name)


@operation("StartCrawlerSchedule")
def start_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    name = p["CrawlerName"]
    with svc.store.transaction():
        if _scheduled_crawler(svc, name) == "SCHEDULED":
            raise SchedulerRunningException(f"Crawler {name}'s schedule is already running")
        svc.crawlers.definitions.set_schedule_state(name, "SCHEDULED")
    return {}


@operation("StopCrawlerSchedule")
def stop_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    name = p["CrawlerName"]
    with svc.store.transaction():
        if _scheduled_crawler(svc, name) != "SCHEDULED":
            raise SchedulerNotRunningException(f"Crawler {name}'s schedule is not running")
        svc.crawlers.definitions.set_schedule_state(name, "NOT_SCHEDULED")
    return {}


@operation("UpdateCrawlerSchedule")
def update_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    return update_crawler(svc, {"Name": p["CrawlerName"], "Schedule": p.get("Schedule") or ""})
