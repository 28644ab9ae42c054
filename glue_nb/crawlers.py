"""Crawlers: definitions, their run state, and crawls recorded in the store.

:class:`CrawlerService` implements Glue's crawler operations (create/get/update/delete, list)
and the three steps the engine drives to run a crawl, standalone or as a workflow node:
:meth:`~CrawlerService.begin_crawl` (atomically mark the crawler RUNNING and hand out a
self-contained spec), :func:`glue_nb.crawl.execute_crawl` (anywhere, no store), and
:meth:`~CrawlerService.finish_crawl` (one transaction: catalog changes, the crawl record, the
crawler back to READY). StartCrawler and StopCrawler are the engine's
(:meth:`glue_nb.engine.Engine.start_crawl`, :meth:`~glue_nb.engine.Engine.stop_crawl`).

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

import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from glue_nb.catalog import Catalog
from glue_nb.exceptions import (
    AlreadyExistsException,
    CrawlerNotRunningException,
    CrawlerRunningException,
    CrawlerStoppingException,
    EntityNotFoundException,
    InvalidInputException,
    OperationTimeoutException,
)
from glue_nb.ids import new_crawl_id
from glue_nb.lineage import openlineage as lineage_events
from glue_nb.lineage.graph import location_resource
from glue_nb.model import check_name, check_string_map
from glue_nb.states import CRAWL_FINAL, CrawlerState, CrawlState
from glue_nb.store import catalog as catalog_rows
from glue_nb.store import loads
from glue_nb.store.crawlers import CrawlerDefinitions
from glue_nb.store.crawls import LOG_GROUP, Crawls
from glue_nb.store.io import IoRecord, IoRecords
from glue_nb.timeutil import now, to_datetime

__all__ = ["LOG_GROUP", "CrawlerService", "crawl_dict", "crawler_body"]

log = logging.getLogger(__name__)

CRAWLER_FIELDS = {
    "Name", "Role", "DatabaseName", "Description", "Targets", "Schedule", "Classifiers",
    "TablePrefix", "SchemaChangePolicy", "RecrawlPolicy", "LineageConfiguration",
    "LakeFormationConfiguration", "Configuration", "CrawlerSecurityConfiguration", "Tags",
}  # fmt: skip
UNSUPPORTED_TARGETS = (
    "JdbcTargets", "MongoDBTargets", "DynamoDBTargets", "DeltaTargets", "IcebergTargets",
    "HudiTargets",
)  # fmt: skip
S3_TARGET_FIELDS = {
    "Path", "Exclusions", "ConnectionName", "SampleSize", "EventQueueArn", "DlqEventQueueArn",
}  # fmt: skip
CATALOG_TARGET_FIELDS = {
    "DatabaseName", "Tables", "ConnectionName", "EventQueueArn", "DlqEventQueueArn",
}  # fmt: skip
UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")
DELETE_BEHAVIORS = ("DEPRECATE_IN_DATABASE", "DELETE_FROM_DATABASE", "LOG")
RECRAWL_BEHAVIORS = ("CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE")
NEW_FOLDERS_MESSAGE = (
    'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG '
    "DeleteBehavior value and LOG UpdateBehavior value."
)


def _fail(message: str) -> InvalidInputException:
    return InvalidInputException(message)


def _known(names: Any, limit: int = 10) -> str:
    names = sorted(names)
    if not names:
        return "none"
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _text(what: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(f"{what} must be a string of at most {limit} characters, got {value!r}")
    return value


def _local_path(path: str, base_dir: str | os.PathLike[str] | None) -> str:
    if "://" in path and not path.startswith("file://"):
        return path
    plain = os.path.expanduser(path.removeprefix("file://"))
    if not os.path.isabs(plain):
        plain = os.path.join(os.fspath(base_dir) if base_dir else os.getcwd(), plain)
    return os.path.normpath(plain)


def _targets(name: str, targets: Any, base_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    where = f"Crawler {name!r}"
    if not isinstance(targets, Mapping):
        raise _fail(
            f"{where}: Targets must be a map with S3Targets or CatalogTargets, e.g. "
            '{"S3Targets": [{"Path": "data/clean"}]}'
        )
    for key in UNSUPPORTED_TARGETS:
        if targets.get(key):
            raise _fail(
                f"{where}: Targets.{key} cannot be crawled by glue-nb; use S3Targets (local paths, "
                "file:// or fsspec URLs) or CatalogTargets"
            )
    unknown = sorted(map(repr, set(targets) - {"S3Targets", "CatalogTargets",
                                                *UNSUPPORTED_TARGETS}))  # fmt: skip
    if unknown:
        raise _fail(
            f"{where}: unknown Targets field(s) {', '.join(unknown)}; "
            "valid: S3Targets, CatalogTargets"
        )
    s3 = targets.get("S3Targets") or []
    catalog = targets.get("CatalogTargets") or []
    if not isinstance(s3, list) or not isinstance(catalog, list):
        raise _fail(f"{where}: Targets.S3Targets and Targets.CatalogTargets must be lists")
    if not s3 and not catalog:
        raise _fail(f"{where}: Targets must have S3Targets or CatalogTargets (both are empty)")
    if s3 and catalog:
        raise _fail(
            f"{where}: Targets cannot mix CatalogTargets with S3Targets (as in Glue); "
            "use two crawlers"
        )
    out: dict[str, Any] = {}
    if s3:
        out["S3Targets"] = [_s3_target(where, i, t, base_dir) for i, t in enumerate(s3)]
    if catalog:
        out["CatalogTargets"] = [_catalog_target(where, i, t) for i, t in enumerate(catalog)]
    return out


def _s3_target(
    where: str, index: int, target: Any, base_dir: str | os.PathLike[str] | None
) -> dict[str, Any]:
    field = f"Targets.S3Targets[{index}]"
    if not isinstance(target, Mapping):
        raise _fail(f"{where}: {field} must be a map with Path, got {target!r}")
    unknown = sorted(set(target) - S3_TARGET_FIELDS)
    if unknown:
        raise _fail(
            f"{where}: {field} has unknown field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(S3_TARGET_FIELDS))}"
        )
    path = target.get("Path")
    if not isinstance(path, str) or not path.strip():
        raise _fail(
            f"{where}: {field}.Path must be a non-empty string (a path or URL), got {path!r}"
        )
    out: dict[str, Any] = {"Path": _local_path(path.strip(), base_dir)}
    exclusions = target.get("Exclusions")
    if exclusions is not None:
        if not isinstance(exclusions, list) or not all(isinstance(e, str) for e in exclusions):
            raise _fail(f"{where}: {field}.Exclusions must be a list of glob strings")
        out["Exclusions"] = list(exclusions)
    else:
        out["Exclusions"] = []
    sample = target.get("SampleSize")
    if sample is not None:
        if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= 249:
            raise _fail(
                f"{where}: {field}.SampleSize must be an integer from 1 to 249 (files per leaf "
                f"folder), got {sample!r}"
            )
        out["SampleSize"] = sample
    for key in ("ConnectionName", "EventQueueArn", "DlqEventQueueArn"):
        if target.get(key) is not None:
            out[key] = _text(f"{where}: {field}.{key}", target[key], 2048)
    return out


def _catalog_target(where: str, index: int, target: Any) -> dict[str, Any]:
    field = f"Targets.CatalogTargets[{index}]"
    if not isinstance(target, Mapping):
        raise _fail(f"{where}: {field} must be a map with DatabaseName and Tables")
    unknown = sorted(set(target) - CATALOG_TARGET_FIELDS)
    if unknown:
        raise _fail(
            f"{where}: {field} has unknown field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(CATALOG_TARGET_FIELDS))}"
        )
    try:
        database = check_name("Database", target.get("DatabaseName"))
    except InvalidInputException as exc:
        raise _fail(f"{where}: {field}.DatabaseName: {exc.message}")
    tables = target.get("Tables")
    if (
        not isinstance(tables, list)
        or not tables
        or not all(isinstance(t, str) and t for t in tables)
    ):
        raise _fail(f"{where}: {field}.Tables must be a non-empty list of table names")
    out: dict[str, Any] = {"DatabaseName": database, "Tables": list(tables)}
    for key in ("ConnectionName", "EventQueueArn", "DlqEventQueueArn"):
        if target.get(key) is not None:
            out[key] = _text(f"{where}: {field}.{key}", target[key], 2048)
    return out


def crawler_body(
    request: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Validate a CreateCrawler/UpdateCrawler request; return the definition to store.

    Raises InvalidInputException naming the crawler and the field before anything is written.
    ``DatabaseName`` is optional, as in Glue; a crawl of S3Targets without it fails, saying so.
    """
    from glue_nb.crawl.config import parse_configuration

    name = check_name("Crawler", request.get("Name"))
    where = f"Crawler {name!r}"
    unknown = sorted(set(request) - CRAWLER_FIELDS)
    if unknown:
        raise _fail(
            f"{where}: unknown parameter(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(CRAWLER_FIELDS))}"
        )
    body: dict[str, Any] = {"Name": name}
    if request.get("Role") is not None:
        body["Role"] = _text(f"{where}: Role", request["Role"], 2048)
    body["Targets"] = _targets(name, request.get("Targets"), base_dir)
    database = request.get("DatabaseName")
    if database is not None:
        try:
            body["DatabaseName"] = check_name("Database", database)
        except InvalidInputException as exc:
            raise _fail(f"{where}: DatabaseName: {exc.message}")
    # DatabaseName is optional in Glue's CreateCrawler; a crawl of S3Targets without one fails
    if request.get("Description") is not None:
        body["Description"] = _text(f"{where}: Description", request["Description"], 2048)
    classifiers = request.get("Classifiers")
    if classifiers is not None:
        if not isinstance(classifiers, list) or not all(isinstance(c, str) for c in classifiers):
            raise _fail(f"{where}: Classifiers must be a list of classifier names")
        body["Classifiers"] = list(classifiers)
    else:
        body["Classifiers"] = []
    if request.get("TablePrefix") is not None:
        body["TablePrefix"] = _text(f"{where}: TablePrefix", request["TablePrefix"], 128)
    recrawl = request.get("RecrawlPolicy") or {}
    if not isinstance(recrawl, Mapping):
        raise _fail(f"{where}: RecrawlPolicy must be a map with RecrawlBehavior")
    behavior = recrawl.get("RecrawlBehavior", "CRAWL_EVERYTHING")
    if behavior not in RECRAWL_BEHAVIORS:
        raise _fail(
            f"{where}: RecrawlPolicy.RecrawlBehavior must be one of "
            f"{', '.join(RECRAWL_BEHAVIORS)}, got {behavior!r}"
        )
    if behavior == "CRAWL_EVENT_MODE":
        raise _fail(
            f"{where}: RecrawlPolicy.RecrawlBehavior CRAWL_EVENT_MODE needs S3 event "
            "notifications (SQS), which glue-nb does not have; use CRAWL_NEW_FOLDERS_ONLY"
        )
    incremental = behavior == "CRAWL_NEW_FOLDERS_ONLY"
    if incremental and "CatalogTargets" in body["Targets"]:
        raise _fail(
            f'{where}: RecrawlBehavior "Crawl new folders only" can only apply to Amazon S3 target.'
        )
    body["RecrawlPolicy"] = {"RecrawlBehavior": behavior}
    policy = request.get("SchemaChangePolicy")
    if policy is not None and not isinstance(policy, Mapping):
        raise _fail(f"{where}: SchemaChangePolicy must be a map")
    default = "LOG" if incremental else None
    update = (policy or {}).get("UpdateBehavior") or default or "UPDATE_IN_DATABASE"
    delete = (policy or {}).get("DeleteBehavior") or default or "DEPRECATE_IN_DATABASE"
    if update not in UPDATE_BEHAVIORS:
        raise _fail(
            f"{where}: SchemaChangePolicy.UpdateBehavior must be one of "
            f"{', '.join(UPDATE_BEHAVIORS)}, got {update!r}"
        )
    if delete not in DELETE_BEHAVIORS:
        raise _fail(
            f"{where}: SchemaChangePolicy.DeleteBehavior must be one of "
            f"{', '.join(DELETE_BEHAVIORS)}, got {delete!r}"
        )
    if incremental and (update != "LOG" or delete != "LOG"):
        raise _fail(f"{where}: {NEW_FOLDERS_MESSAGE}")
    body["SchemaChangePolicy"] = {"UpdateBehavior": update, "DeleteBehavior": delete}
    lineage = request.get("LineageConfiguration") or {}
    setting = (
        lineage.get("CrawlerLineageSettings", "DISABLE") if isinstance(lineage, Mapping) else None
    )
    if setting not in ("ENABLE", "DISABLE"):
        raise _fail(
            f"{where}: LineageConfiguration.CrawlerLineageSettings must be ENABLE or DISABLE"
        )
    body["LineageConfiguration"] = {"CrawlerLineageSettings": setting}
    if request.get("LakeFormationConfiguration") is not None:
        lake = request["LakeFormationConfiguration"]
        if not isinstance(lake, Mapping):
            raise _fail(f"{where}: LakeFormationConfiguration must be a map")
        body["LakeFormationConfiguration"] = dict(lake)
    configuration = request.get("Configuration")
    if configuration is not None:
        parse_configuration(configuration, name)
        body["Configuration"] = configuration
    if request.get("CrawlerSecurityConfiguration") is not None:
        body["CrawlerSecurityConfiguration"] = _text(
            f"{where}: CrawlerSecurityConfiguration", request["CrawlerSecurityConfiguration"], 128
        )
    schedule = request.get("Schedule")
    if isinstance(schedule, Mapping):
        schedule = schedule.get("ScheduleExpression")
    if schedule:
        from glue_nb.schedule import validate

        try:
            validate(schedule)
        except InvalidInputException as exc:
            raise _fail(f"{where}: Schedule: {exc.message}")
        body["Schedule"] = schedule
    if request.get("Tags") is not None:
        body["Tags"] = check_string_map(f"{where}: Tags", request["Tags"])
    return body


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


class CrawlerService:
    """Crawler definitions and crawl records over a :class:`glue_nb.store.Store` (safe across
    processes). Running a crawl is the engine's (:meth:`glue_nb.engine.Engine.start_crawl`):
    this service gives it the steps it drives."""

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

    # -- definitions ----------------------------------------------------------------------------
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

    @staticmethod
    def _limit(value: Any) -> int:
        if value is None:
            return 1000
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise _fail(f"MaxResults must be an integer from 1 to 1000, got {value!r}")
        return value

    def update_crawler(self, Name: str, *, base_dir: str | None = None, **fields: Any) -> dict:
        """UpdateCrawler: the given fields replace the stored ones (Version + 1)."""
        unknown = sorted(set(fields) - CRAWLER_FIELDS)
        if unknown:
            raise _fail(
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
                raise _fail(
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

    # -- the steps of a crawl (driven by the engine) ---------------------------------------------
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
            raise _fail(
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

    # -- history --------------------------------------------------------------------------------
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
            raise _fail(f"ListCrawls: invalid NextToken {NextToken!r}") from None
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


def _paths(body: Mapping[str, Any]) -> list[str]:
    return sorted(t["Path"] for t in (body.get("Targets") or {}).get("S3Targets") or ())
