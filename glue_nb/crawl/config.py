"""A crawler's ``Configuration`` JSON string: parse it, check it, and the settings a crawl takes
from it and from the crawler definition.

Supported keys (Glue's, ``"Version": 1.0``): ``Grouping.TableGroupingPolicy``
(``CombineCompatibleSchemas``), ``Grouping.TableLevelConfiguration`` (a positive level),
``CrawlerOutput.Partitions.AddOrUpdateBehavior`` (``InheritFromTable``),
``CrawlerOutput.Tables.AddOrUpdateBehavior`` (``MergeNewColumns``),
``CrawlerOutput.Tables.TableThreshold`` (a count above 0) and ``CreatePartitionIndex``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_nb.exceptions import InvalidInputException

__all__ = ["CONFIG_KEYS", "Settings", "parse_configuration"]

CONFIG_KEYS: dict[str, Any] = {
    "Version": None,
    "Grouping": {"TableGroupingPolicy": None, "TableLevelConfiguration": None},
    "CrawlerOutput": {
        "Partitions": {"AddOrUpdateBehavior": None},
        "Tables": {"AddOrUpdateBehavior": None, "TableThreshold": None},
    },
    "CreatePartitionIndex": None,
}


def parse_configuration(text: str | None, crawler: str = "?") -> dict[str, Any]:
    """Parse and check a crawler's ``Configuration`` JSON string (``{}`` when absent)."""
    if text is None or text == "":
        return {}
    where = f"Crawler {crawler!r} Configuration"
    if not isinstance(text, str):
        raise InvalidInputException(f"{where} must be a JSON string, got {type(text).__name__}")
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise InvalidInputException(f"{where} is not valid JSON: {exc}")
    if not isinstance(config, dict):
        raise InvalidInputException(f"{where} must be a JSON object")
    _check_keys(where, "Configuration", config, CONFIG_KEYS)
    version = config.get("Version", 1.0)
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        raise InvalidInputException(f"{where}: Version must be a number (1.0), got {version!r}")
    grouping = config.get("Grouping") or {}
    policy = grouping.get("TableGroupingPolicy")
    if policy is not None and policy != "CombineCompatibleSchemas":
        raise InvalidInputException(
            f"{where}: Grouping.TableGroupingPolicy must be 'CombineCompatibleSchemas', "
            f"got {policy!r}"
        )
    level = grouping.get("TableLevelConfiguration")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 1):
        raise InvalidInputException(
            f"{where}: Grouping.TableLevelConfiguration must be a positive integer, got {level!r}"
        )
    output = config.get("CrawlerOutput") or {}
    parts = (output.get("Partitions") or {}).get("AddOrUpdateBehavior")
    if parts is not None and parts != "InheritFromTable":
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Partitions.AddOrUpdateBehavior must be 'InheritFromTable', "
            f"got {parts!r}"
        )
    tables = output.get("Tables") or {}
    merge = tables.get("AddOrUpdateBehavior")
    if merge is not None and merge != "MergeNewColumns":
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Tables.AddOrUpdateBehavior must be 'MergeNewColumns', "
            f"got {merge!r}"
        )
    threshold = tables.get("TableThreshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1
    ):
        raise InvalidInputException(
            f"{where}: CrawlerOutput.Tables.TableThreshold must be an integer above 0, "
            f"got {threshold!r}"
        )
    index = config.get("CreatePartitionIndex")
    if index is not None and not isinstance(index, bool):
        raise InvalidInputException(f"{where}: CreatePartitionIndex must be true or false")
    return config


def _check_keys(where: str, path: str, value: Any, known: dict[str, Any]) -> None:
    """Reject keys the Configuration schema does not know, at every level."""
    if not isinstance(value, dict):
        raise InvalidInputException(f"{where}: {path} must be a JSON object, got {value!r}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise InvalidInputException(
            f"{where}: {path} contains unsupported keys: {', '.join(unknown)} "
            f"(supported: {', '.join(known)})"
        )
    for key, sub in known.items():
        if isinstance(sub, dict) and value.get(key) is not None:
            _check_keys(where, f"{path}.{key}" if path != "Configuration" else key, value[key], sub)


@dataclass(frozen=True)
class Settings:
    """What a crawl takes from its crawler's definition and Configuration."""

    name: str  # the crawler's name ("?" when absent)
    database: str  # DatabaseName, lower-cased ("" when absent)
    prefix: str  # TablePrefix
    combine: bool  # Grouping.TableGroupingPolicy = CombineCompatibleSchemas
    level: int | None  # Grouping.TableLevelConfiguration
    threshold: int | None  # CrawlerOutput.Tables.TableThreshold
    inherit: bool  # CrawlerOutput.Partitions.AddOrUpdateBehavior = InheritFromTable

    @classmethod
    def of(cls, crawler: Mapping[str, Any]) -> Settings:
        """The settings of a Glue Crawler dict; InvalidInputException for a bad Configuration."""
        name: str = crawler.get("Name") or "?"
        config = parse_configuration(crawler.get("Configuration"), name)
        grouping = config.get("Grouping") or {}
        output = config.get("CrawlerOutput") or {}
        return cls(
            name=name,
            database=(crawler.get("DatabaseName") or "").lower(),
            prefix=crawler.get("TablePrefix") or "",
            combine=grouping.get("TableGroupingPolicy") == "CombineCompatibleSchemas",
            level=grouping.get("TableLevelConfiguration"),
            threshold=(output.get("Tables") or {}).get("TableThreshold"),
            inherit=(output.get("Partitions") or {}).get("AddOrUpdateBehavior")
            == "InheritFromTable",
        )
