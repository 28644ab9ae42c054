"""Glue's blueprint ``Crawler`` class (mirrors ``awsglue.blueprint.crawler``).

    from glue_nb.blueprint.crawler import Crawler
    crawl = Crawler(Name="raw", Role="unused", DatabaseName="sales",
                    Targets={"S3Targets": [{"Path": "data/raw"}]})

``S3Targets`` paths may be local folders or URLs (``s3://`` works through fsspec when installed).
``Role`` is required, as in Glue, and not used.
"""

from __future__ import annotations

from typing import Any

from glue_nb.blueprint.base_resource import BaseResource
from glue_nb.blueprint.job import WAIT_FOR, check_depends_on

__all__ = [
    "CatalogTarget",
    "Crawler",
    "DynamoDBTarget",
    "JDBCTarget",
    "S3Target",
    "SchemaChangePolicy",
    "Targets",
]

UPDATE_BEHAVIORS = ("LOG", "UPDATE_IN_DATABASE")
DELETE_BEHAVIORS = ("LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE")


class S3Target(BaseResource):
    _validator = {
        "Path": (str, True),
        "Exclusions": (list, False),
        "SampleSize": (int, False),
        "ConnectionName": (str, False),
    }


class CatalogTarget(BaseResource):
    _validator = {"DatabaseName": (str, True), "Tables": (list, True)}


class JDBCTarget(BaseResource):
    _validator = {"ConnectionName": (str, True), "Path": (str, True), "Exclusions": (list, False)}


class DynamoDBTarget(BaseResource):
    _validator = {"Path": (str, True)}


class Targets(BaseResource):
    """Crawl targets; glue-nb crawls ``S3Targets`` and ``CatalogTargets``."""

    _validator = {
        "S3Targets": (list, False),
        "JdbcTargets": (list, False),
        "JDBCTargets": (list, False),
        "CatalogTargets": (list, False),
        "DynamoDBTargets": (list, False),
    }

    def validate(self) -> bool:
        kinds = (
            ("S3Targets", S3Target),
            ("JdbcTargets", JDBCTarget),
            ("JDBCTargets", JDBCTarget),
            ("CatalogTargets", CatalogTarget),
            ("DynamoDBTargets", DynamoDBTarget),
        )
        for field, cls in kinds:
            for target in self.__dict__.get(field) or ():
                if not isinstance(target, dict):
                    raise TypeError(f"Targets.{field} items must be dicts, got {target!r}")
                cls(**target).validate()
        return True


class SchemaChangePolicy(BaseResource):
    _validator = {"UpdateBehavior": (str, False), "DeleteBehavior": (str, False)}

    def _check(self, key: str, value: Any) -> None:
        allowed = UPDATE_BEHAVIORS if key == "UpdateBehavior" else DELETE_BEHAVIORS
        if value not in allowed:
            raise TypeError(
                f"{value!r} is not a valid value for key {key} in SchemaChangePolicy "
                f"(valid: {', '.join(allowed)})"
            )


class Crawler(BaseResource):
    """A crawler of a blueprint layout; ``DependsOn`` and ``WaitForDependencies`` as for Job."""

    _validator = {
        "Name": (str, True),
        "Description": (str, False),
        "Role": (str, True),
        "Targets": (dict, True),
        "DatabaseName": (str, False),
        "Classifiers": (list, False),
        "SchemaChangePolicy": (dict, False),
        "RecrawlPolicy": (dict, False),
        "LineageConfiguration": (dict, False),
        "TablePrefix": (str, False),
        "Configuration": (str, False),
        "CrawlerSecurityConfiguration": (str, False),
        "Tags": (dict, False),
        "Schedule": (str, False),
        "DependsOn": (dict, False),
        "WaitForDependencies": (str, False),
    }
    _entity = True

    def _check(self, key: str, value: Any) -> None:
        if key == "Targets":
            Targets(**value).validate()
        elif key == "SchemaChangePolicy":
            SchemaChangePolicy(**value).validate()
        elif key == "WaitForDependencies" and value not in WAIT_FOR:
            raise TypeError(f"WaitForDependencies must be 'AND' or 'ANY', got {value!r}")
        elif key == "DependsOn":
            check_depends_on(value)
