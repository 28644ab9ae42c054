"""The nodes of a workflow: :class:`NotebookJob` (a parameterized notebook), :class:`Crawler`
(data folders or URLs into catalog tables) and :class:`Action` (either one as a trigger's action,
with its own arguments and timeout). Each is checked where it is made and gives its Glue request."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glue_nb.builder.checks import notebook_arguments, notebook_location, show
from glue_nb.exceptions import InvalidInputException
from glue_nb.model import (
    MAX_RETRIES,
    check_arguments,
    check_bool,
    check_integer,
    check_kernel_name,
    check_name,
    check_text,
    check_timeout,
)

__all__ = ["Action", "Crawler", "Node", "NotebookJob"]


@dataclass(frozen=True)
class NotebookJob:
    """A job: a parameterized notebook. ``parameters`` become the job's DefaultArguments."""

    name: str
    notebook: str | os.PathLike[str]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    max_retries: int = 0
    timeout: float | None = None  # minutes (fractions allowed)
    max_concurrent_runs: int = 1
    queue_runs: bool = False  # JobRunQueuingEnabled: wait for a slot instead of failing
    kernel_name: str | None = None

    def __post_init__(self) -> None:
        """Every field is checked here, at the line that made the job (the notebook file itself
        is checked when the workflow is deployed)."""
        where = f"NotebookJob {check_name('Job', self.name)!r}"
        checked = {
            "notebook": notebook_location(where, self.notebook),
            "max_retries": check_integer(f"{where}: max_retries", self.max_retries, 0, MAX_RETRIES),
            "max_concurrent_runs": check_integer(
                f"{where}: max_concurrent_runs", self.max_concurrent_runs, 1
            ),
            "queue_runs": check_bool(f"{where}: queue_runs", self.queue_runs),
        }
        notebook_arguments(self.parameters, f"{where}: parameters")
        if self.description is not None:
            checked["description"] = check_text(f"{where}: description", self.description, 2048)
        if self.timeout is not None:
            checked["timeout"] = check_timeout(f"{where}: timeout (minutes)", self.timeout)
        if self.kernel_name is not None:
            checked["kernel_name"] = check_kernel_name(f"{where}: kernel_name", self.kernel_name)
        for key, value in checked.items():
            object.__setattr__(self, key, value)

    def __hash__(self) -> int:  # usable as a key of ``when({node: state})`` (fields hold dicts)
        return hash((type(self).__name__, self.name))

    def to_request(self) -> dict[str, Any]:
        """The CreateJob request for this job."""
        command: dict[str, Any] = {"Name": "notebook", "ScriptLocation": str(self.notebook)}
        if self.kernel_name:
            command["KernelName"] = self.kernel_name
        request: dict[str, Any] = {
            "Name": self.name,
            "Command": command,
            "DefaultArguments": notebook_arguments(
                self.parameters, f"NotebookJob {self.name!r}: parameters"
            ),
            "MaxRetries": self.max_retries,
            "ExecutionProperty": {"MaxConcurrentRuns": self.max_concurrent_runs},
            "JobRunQueuingEnabled": self.queue_runs,
        }
        if self.timeout is not None:
            request["Timeout"] = self.timeout
        if self.description:
            request["Description"] = self.description
        return request

    def with_arguments(self, timeout: float | None = None, **parameters: Any) -> Action:
        """This job as a trigger action with its own arguments (and timeout)."""
        where = f"NotebookJob {self.name!r}: with_arguments"
        return Action(self, notebook_arguments(parameters, where), timeout)

    @classmethod
    def from_glue(cls, job: Mapping[str, Any]) -> NotebookJob:
        """A stored Job dict back as a NotebookJob."""
        params = {
            k[2:] if k.startswith("--") else k: v
            for k, v in job.get("DefaultArguments", {}).items()
        }
        return cls(
            name=job["Name"],
            notebook=job["Command"]["ScriptLocation"],
            parameters=params,
            description=job.get("Description"),
            max_retries=job.get("MaxRetries", 0),
            timeout=job.get("Timeout"),
            max_concurrent_runs=job.get("ExecutionProperty", {}).get("MaxConcurrentRuns", 1),
            queue_runs=job.get("JobRunQueuingEnabled", False),
            kernel_name=job["Command"].get("KernelName"),
        )


@dataclass(frozen=True)
class Crawler:
    """A crawler: scans data folders or URLs into tables of a catalog database."""

    name: str
    targets: Sequence[str | os.PathLike[str] | Mapping[str, Any]]
    database: str
    table_prefix: str | None = None
    description: str | None = None
    schema_change_policy: Mapping[str, str] | None = None
    recrawl_policy: str | None = None
    configuration: Mapping[str, Any] | str | None = None
    catalog_targets: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        """The shapes are checked here; the values when the crawler is deployed (as by
        CreateCrawler)."""
        where = f"Crawler {check_name('Crawler', self.name)!r}"
        targets = self.targets
        if isinstance(targets, (str, bytes, os.PathLike)) or not isinstance(targets, Sequence):
            raise InvalidInputException(
                f"{where}: targets must be a list of folder paths, URLs or S3Target maps, e.g. "
                f"['data/sales'], got {type(targets).__name__} {show(targets)}"
            )
        for target in targets:
            path = target.get("Path") if isinstance(target, Mapping) else target
            if not isinstance(path, (str, os.PathLike)):
                raise InvalidInputException(
                    f"{where}: each target must be a path, a URL or a map with Path, got "
                    f"{show(target)}"
                )
        if self.configuration is not None and not isinstance(self.configuration, (str, Mapping)):
            raise InvalidInputException(
                f"{where}: configuration must be a map or a JSON string, got "
                f"{type(self.configuration).__name__} {show(self.configuration)}"
            )
        for field_name, kind in (("schema_change_policy", Mapping), ("recrawl_policy", str)):
            value = getattr(self, field_name)
            if value is not None and not isinstance(value, kind):
                raise InvalidInputException(
                    f"{where}: {field_name} must be a {kind.__name__} or None, got "
                    f"{type(value).__name__} {show(value)}"
                )
        catalog = self.catalog_targets
        if isinstance(catalog, (str, bytes, Mapping)) or not all(
            isinstance(t, Mapping) for t in catalog
        ):
            raise InvalidInputException(
                f"{where}: catalog_targets must be a list of CatalogTarget maps, got "
                f"{show(catalog)}"
            )

    def __hash__(self) -> int:  # usable as a key of ``when({node: state})`` (fields hold dicts)
        return hash((type(self).__name__, self.name))

    def to_request(self) -> dict[str, Any]:
        """The CreateCrawler request for this crawler."""
        import json

        s3 = []
        for target in self.targets:
            item = dict(target) if isinstance(target, Mapping) else {"Path": target}
            path = os.fspath(item["Path"])
            if isinstance(path, str) and "://" not in path and not Path(path).is_absolute():
                path = str(Path(path).absolute())
            item["Path"] = path
            s3.append(item)
        targets: dict[str, Any] = {"S3Targets": s3}
        if self.catalog_targets:
            targets["CatalogTargets"] = [dict(t) for t in self.catalog_targets]
        request: dict[str, Any] = {"Name": self.name, "Targets": targets}
        if self.database:
            request["DatabaseName"] = self.database
        if self.table_prefix:
            request["TablePrefix"] = self.table_prefix
        if self.description:
            request["Description"] = self.description
        if self.schema_change_policy:
            request["SchemaChangePolicy"] = dict(self.schema_change_policy)
        if self.recrawl_policy:
            request["RecrawlPolicy"] = {"RecrawlBehavior": self.recrawl_policy}
        if self.configuration is not None:
            config = self.configuration
            try:
                request["Configuration"] = config if isinstance(config, str) else json.dumps(config)
            except (TypeError, ValueError) as exc:
                raise InvalidInputException(
                    f"Crawler {self.name!r}: configuration cannot be written as JSON ({exc})"
                ) from None
        return request

    @classmethod
    def from_glue(cls, crawler: Mapping[str, Any]) -> Crawler:
        targets = crawler.get("Targets", {})
        return cls(
            name=crawler["Name"],
            targets=[dict(t) for t in targets.get("S3Targets", [])],
            database=crawler.get("DatabaseName"),  # type: ignore[arg-type]
            table_prefix=crawler.get("TablePrefix"),
            description=crawler.get("Description"),
            schema_change_policy=crawler.get("SchemaChangePolicy"),
            recrawl_policy=(crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior"),
            configuration=crawler.get("Configuration"),
            catalog_targets=targets.get("CatalogTargets", []),
        )


@dataclass(frozen=True)
class Action:
    """A job or crawler as a trigger action, with per-action arguments and timeout."""

    target: NotebookJob | Crawler
    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.target, (NotebookJob, Crawler)):
            raise InvalidInputException(
                f"an action starts a NotebookJob or a Crawler, got {type(self.target).__name__} "
                f"{show(self.target)}"
            )
        where = f"action {self.target.name!r}"
        object.__setattr__(
            self, "arguments", check_arguments(f"{where}: arguments", self.arguments)
        )
        if self.timeout is not None:
            timeout = check_timeout(f"{where}: timeout (minutes)", self.timeout)
            object.__setattr__(self, "timeout", timeout)

    def __hash__(self) -> int:
        return hash(("Action", self.target.name))

    def to_glue(self) -> dict[str, Any]:
        if isinstance(self.target, Crawler):
            return {"CrawlerName": self.target.name}
        action: dict[str, Any] = {"JobName": self.target.name, "Arguments": dict(self.arguments)}
        if self.timeout is not None:
            action["Timeout"] = self.timeout
        return action


Node = NotebookJob | Crawler | Action | str
