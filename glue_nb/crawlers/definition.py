"""A crawler's definition: a CreateCrawler/UpdateCrawler request checked field by field
(targets, policies, schedule, configuration) into the body stored, before anything is written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_fields, check_name, check_string_map

__all__ = ["CRAWLER_FIELDS", "crawler_body"]

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


def _strings(what: str, value: Any, kind: str) -> list[str]:
    """An optional list of strings (``kind``: what each is, for the message); None: empty."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"{what} must be a list of {kind} strings, got {value!r}")
    return list(value)


def _s3_target(
    where: str, index: int, target: Any, base_dir: str | os.PathLike[str] | None
) -> dict[str, Any]:
    field = f"Targets.S3Targets[{index}]"
    check_fields(f"{where}: {field}", target, S3_TARGET_FIELDS, "Path")
    path = target.get("Path")
    if not isinstance(path, str) or not path.strip():
        raise _fail(
            f"{where}: {field}.Path must be a non-empty string (a path or URL), got {path!r}"
        )
    out: dict[str, Any] = {"Path": _local_path(path.strip(), base_dir)}
    out["Exclusions"] = _strings(f"{where}: {field}.Exclusions", target.get("Exclusions"), "glob")
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
    check_fields(f"{where}: {field}", target, CATALOG_TARGET_FIELDS, "DatabaseName and Tables")
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
    body["Classifiers"] = _strings(
        f"{where}: Classifiers", request.get("Classifiers"), "classifier name"
    )
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
