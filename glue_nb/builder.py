"""The fluent API: build a workflow in a few readable lines; it produces Glue-shaped definitions.

    import glue_nb as gn
    dedupe = gn.NotebookJob("De-duplicate", "notebooks/jobs/dedupe.ipynb")
    phones = gn.NotebookJob("Fix phone numbers", "notebooks/jobs/fix_phones.ipynb",
                            parameters={"country": "US"})
    report = gn.NotebookJob("Month-close report", "notebooks/jobs/report.ipynb")
    wf = (gn.Workflow("month-close", default_run_properties={"period": "2026-10"})
            .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
            .run(dedupe, phones)
            .when_all_succeeded("Fix/De-dupe succeeded")
            .run(report))
    run = wf.start(); run.wait(); run.table()

A workflow keeps a *cursor*: the jobs and crawlers the last ``run`` started. ``when_*`` opens a
conditional trigger watching the cursor (or the nodes given with ``after``), and the next ``run``
adds that trigger's actions. ``deploy`` writes everything in one transaction through the client
(glue-nb's ``ApplyWorkflow``), so a workflow built here can be inspected and changed with the client
and vice versa, in a local home or on a ``glue-nb serve``; ``Workflow.load`` reads a stored one
back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.model import (
    MAX_RETRIES,
    check_arguments,
    check_bool,
    check_integer,
    check_kernel_name,
    check_name,
    check_string_map,
    check_text,
    check_timeout,
)
from glue_nb.states import WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

if TYPE_CHECKING:
    from glue_nb.client import GlueClient
    from glue_nb.run import Run

__all__ = ["Action", "Crawler", "NotebookJob", "Workflow"]


def _arguments(parameters: Any, where: str = "parameters") -> dict[str, str]:
    """Notebook parameters → Glue arguments (``--name`` keys, string values), checked."""
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise InvalidInputException(
            f"{where} must be a map of notebook parameter names to values, e.g. "
            f"{{'country': 'US'}}, got {type(parameters).__name__} {_show(parameters)}"
        )
    out = {}
    for key, value in parameters.items():
        if not isinstance(key, str) or not key.removeprefix("--"):
            raise InvalidInputException(
                f"{where}: parameter name {_show(key)} must be a non-empty string naming a "
                "variable of the notebook, e.g. 'country'"
            )
        name = key if key.startswith("--") else f"--{key}"
        out[name] = value if isinstance(value, str) else _to_text(where, key, value)
    return check_arguments(where, out)


def _to_text(where: str, key: str, value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict, tuple)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInputException(
                f"{where}: the value of parameter {key!r} cannot be passed to a notebook as "
                f"JSON ({exc}); give a string, a number or lists/maps of those"
            ) from None
    return str(value)  # numbers, paths


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({type(value).__name__})"


def _generated(name: str) -> str:
    """A trigger name glue-nb makes up, kept within Glue's 255 characters (a long one is cut
    and made unique again with a hash of the whole)."""
    if len(name) <= 255:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{name[:240]}… {digest}"


_NO_PATH = re.compile("[\x00\ud800-\udfff]")  # a NUL or a lone surrogate


def _location(where: str, notebook: Any) -> str:
    """A notebook's path (made absolute against the working directory) or URL, checked."""
    if isinstance(notebook, os.PathLike):
        notebook = os.fspath(notebook)
    if not isinstance(notebook, str) or not notebook:
        raise InvalidInputException(
            f"{where}: notebook must be the path (a str or pathlib.Path) or URL of an .ipynb "
            f"file, got {type(notebook).__name__} {_show(notebook)}"
        )
    if _NO_PATH.search(notebook):
        raise InvalidInputException(
            f"{where}: notebook {_show(notebook)} contains a NUL or a lone surrogate; no path can"
        )
    if "://" not in notebook and not Path(notebook).is_absolute():
        return str(Path(notebook).absolute())
    return notebook


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
            "notebook": _location(where, self.notebook),
            "max_retries": check_integer(f"{where}: max_retries", self.max_retries, 0, MAX_RETRIES),
            "max_concurrent_runs": check_integer(
                f"{where}: max_concurrent_runs", self.max_concurrent_runs, 1
            ),
            "queue_runs": check_bool(f"{where}: queue_runs", self.queue_runs),
        }
        _arguments(self.parameters, f"{where}: parameters")
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
            "DefaultArguments": _arguments(
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
        return Action(self, _arguments(parameters, where), timeout)

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
                f"['data/sales'], got {type(targets).__name__} {_show(targets)}"
            )
        for target in targets:
            path = target.get("Path") if isinstance(target, Mapping) else target
            if not isinstance(path, (str, os.PathLike)):
                raise InvalidInputException(
                    f"{where}: each target must be a path, a URL or a map with Path, got "
                    f"{_show(target)}"
                )
        if self.configuration is not None and not isinstance(self.configuration, (str, Mapping)):
            raise InvalidInputException(
                f"{where}: configuration must be a map or a JSON string, got "
                f"{type(self.configuration).__name__} {_show(self.configuration)}"
            )
        for field_name, kind in (("schema_change_policy", Mapping), ("recrawl_policy", str)):
            value = getattr(self, field_name)
            if value is not None and not isinstance(value, kind):
                raise InvalidInputException(
                    f"{where}: {field_name} must be a {kind.__name__} or None, got "
                    f"{type(value).__name__} {_show(value)}"
                )
        catalog = self.catalog_targets
        if isinstance(catalog, (str, bytes, Mapping)) or not all(
            isinstance(t, Mapping) for t in catalog
        ):
            raise InvalidInputException(
                f"{where}: catalog_targets must be a list of CatalogTarget maps, got "
                f"{_show(catalog)}"
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
                f"{_show(self.target)}"
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


def _pairs(workflow: str, conditions: Any) -> list[tuple[Any, Any]]:
    """``{node: state}`` or ``[(node, state), ...]`` as a list of pairs, checked for shape."""
    if isinstance(conditions, Mapping):
        return list(conditions.items())
    if isinstance(conditions, (str, bytes)) or not isinstance(conditions, Iterable):
        raise InvalidInputException(
            f"Workflow {workflow!r}: conditions must be {{node: state}} or [(node, state), ...], "
            f"got {type(conditions).__name__} {_show(conditions)}"
        )
    pairs = list(conditions)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidInputException(
                f"Workflow {workflow!r}: each condition must be a (node, state) pair, got "
                f"{_show(pair)}"
            )
    return [(node, state) for node, state in pairs]


class Workflow:
    """A workflow under construction (or loaded from the store), built by chaining calls."""

    def __init__(
        self,
        name: str,
        *,
        description: str | None = None,
        default_run_properties: Mapping[str, str] | None = None,
        max_concurrent_runs: int | None = None,
        home: str | os.PathLike[str] | None = None,
    ) -> None:
        self.name = check_name("Workflow", name)
        where = f"Workflow {name!r}"
        if description is not None:
            description = check_text(f"{where}: description", description, 120000)
        self.description = description
        self.default_run_properties = check_string_map(
            f"{where}: default_run_properties", default_run_properties
        )
        if max_concurrent_runs is not None:
            max_concurrent_runs = check_integer(
                f"{where}: max_concurrent_runs (None: unlimited)", max_concurrent_runs, 1
            )
        self.max_concurrent_runs = max_concurrent_runs
        if home is not None and not isinstance(home, (str, os.PathLike)):
            raise InvalidInputException(
                f"{where}: home must be a folder path (a str or pathlib.Path) or None, "
                f"got {type(home).__name__} {_show(home)}"
            )
        self.home = home
        self.jobs: dict[str, NotebookJob] = {}
        self.crawlers: dict[str, Crawler] = {}
        self.triggers: dict[str, dict[str, Any]] = {}  # name -> Trigger dict (Glue shape)
        self._cursor: list[str] = []  # names of the nodes the last run() started
        self._open: str | None = None  # trigger that the next run() adds actions to

    def __repr__(self) -> str:
        return (
            f"<glue_nb.Workflow {self.name!r}: {len(self.jobs)} jobs, {len(self.crawlers)} "
            f"crawlers, {len(self.triggers)} triggers>"
        )

    # -- start triggers --------------------------------------------------------------------------
    def on_demand(self, name: str | None = None) -> Workflow:
        """Start runs on demand (the default when no start trigger is given)."""
        name = _generated(f"{self.name}: on demand") if name is None else name
        return self._start_trigger({"Name": name, "Type": "ON_DEMAND"})

    def on_schedule(self, name: str, schedule: str, *, active: bool = True) -> Workflow:
        """Start runs on a Glue cron schedule, e.g. ``"cron(0 6 1 * ? *)"`` (UTC)."""
        trigger = {"Name": name, "Type": "SCHEDULED", "Schedule": schedule}
        active = check_bool(f"Workflow {self.name!r}: on_schedule active", active)
        return self._start_trigger(trigger, active=active)

    def on_event(self, name: str, *, batch_size: int = 1, batch_window: int = 900) -> Workflow:
        """Start runs when events arrive (batched as Glue's EventBatchingCondition)."""
        trigger = {
            "Name": name,
            "Type": "EVENT",
            "EventBatchingCondition": {"BatchSize": batch_size, "BatchWindow": batch_window},
        }
        return self._start_trigger(trigger)

    def _start_trigger(self, trigger: dict[str, Any], active: bool = False) -> Workflow:
        check_name("Trigger", trigger["Name"])
        for existing in list(self.triggers.values()):
            if existing["Type"] != "CONDITIONAL":
                trigger["Actions"] = existing.get("Actions", [])
                del self.triggers[existing["Name"]]
        trigger.setdefault("Actions", [])
        trigger["StartOnCreation"] = active and trigger["Type"] == "SCHEDULED"
        self.triggers[trigger["Name"]] = trigger
        self._open, self._cursor = trigger["Name"], []
        return self

    @property
    def start_trigger(self) -> dict[str, Any] | None:
        return next((t for t in self.triggers.values() if t["Type"] != "CONDITIONAL"), None)

    # -- actions ---------------------------------------------------------------------------------
    def run(
        self,
        *nodes: NotebookJob | Crawler | Action,
        arguments: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Workflow:
        """Add jobs/crawlers as actions of the open trigger (the start trigger at first).

        ``arguments`` (notebook parameters) and ``timeout`` (minutes) apply to every job given
        here; ``job.with_arguments(...)`` sets them for one job.
        """
        if not nodes:
            raise InvalidInputException(
                f"Workflow {self.name!r}: run() needs at least one job or crawler"
            )
        for node in nodes:
            if not isinstance(node, (NotebookJob, Crawler, Action)):
                raise InvalidInputException(
                    f"Workflow {self.name!r}: run() takes NotebookJob, Crawler or "
                    f"job.with_arguments(...) objects, got {type(node).__name__} {_show(node)}"
                )
        extra = _arguments(arguments, f"Workflow {self.name!r}: run() arguments")
        if timeout is not None:
            timeout = check_timeout(f"Workflow {self.name!r}: run() timeout (minutes)", timeout)
        if self._open is None:
            if self.start_trigger is None:
                self.on_demand()
            else:
                raise InvalidInputException(
                    f"Workflow {self.name!r}: run() needs a trigger first; call "
                    "when_all_succeeded() "
                    "or another when_*() after the previous run()"
                )
        trigger = self.triggers[self._open or ""]
        actions, started = [], []
        taken = {a.get("JobName") or a.get("CrawlerName") for a in trigger["Actions"]}
        for node in nodes:
            action = node if isinstance(node, Action) else Action(node)
            if extra or timeout is not None:
                action = replace(
                    action,
                    arguments={**action.arguments, **extra},
                    timeout=timeout if timeout is not None else action.timeout,
                )
            name = action.target.name
            if name in taken:
                raise InvalidInputException(
                    f"Workflow {self.name!r}: {name!r} is given twice to trigger "
                    f"{trigger['Name']!r}; a trigger starts each job or crawler once"
                )
            taken.add(name)
            self._add(action.target)
            actions.append(action.to_glue())
            started.append(name)
        trigger["Actions"].extend(actions)
        self._cursor, self._open = started, None
        return self

    def _add(self, target: NotebookJob | Crawler) -> None:
        registry: dict[str, Any] = self.jobs if isinstance(target, NotebookJob) else self.crawlers
        other: dict[str, Any] = self.crawlers if isinstance(target, NotebookJob) else self.jobs
        if target.name in other:
            raise InvalidInputException(
                f"Workflow {self.name!r}: {target.name!r} is used as both a job and a crawler"
            )
        known = registry.get(target.name)
        if known is not None and known != target:
            raise InvalidInputException(
                f"Workflow {self.name!r}: two different definitions named {target.name!r}; "
                "reuse the same object (or give the second one another name)"
            )
        registry[target.name] = target

    # -- conditions ------------------------------------------------------------------------------
    def after(self, *nodes: Node) -> Workflow:
        """Point the cursor at earlier nodes (for branches and fan-in)."""
        self._cursor = [self._node_name(n) for n in nodes]
        self._open = None
        return self

    def when(
        self,
        name: str | None,
        conditions: Mapping[Node, str] | Iterable[tuple[Node, str]],
        *,
        logical: str = "AND",
    ) -> Workflow:
        """Open a conditional trigger on explicit ``{node: state}`` conditions."""
        if name is not None:
            check_name("Trigger", name)
        if not isinstance(logical, str) or logical not in ("AND", "ANY"):
            raise InvalidInputException(
                f"Workflow {self.name!r}: logical must be 'AND' or 'ANY', got {_show(logical)}"
            )
        pairs = _pairs(self.name, conditions)
        if not pairs:
            raise InvalidInputException(
                f"Workflow {self.name!r}: trigger {name!r} needs at least one condition"
            )
        glue_conditions = [self._condition(node, state) for node, state in pairs]
        watched = [self._node_name(n) for n, _ in pairs]
        if name is None:
            states = "/".join(sorted({s for _, s in pairs}))
            name = _generated(f"{self.name}: {' & '.join(watched)} {states}")
        if name in self.triggers:
            raise InvalidInputException(f"Workflow {self.name!r}: trigger {name!r} exists already")
        self.triggers[name] = {
            "Name": name,
            "Type": "CONDITIONAL",
            "Predicate": {"Logical": logical, "Conditions": glue_conditions},
            "Actions": [],
            "StartOnCreation": True,
        }
        self._open = name
        return self

    def when_all_succeeded(self, name: str | None = None) -> Workflow:
        """Next ``run`` starts when every node of the cursor SUCCEEDED."""
        return self._when_cursor(name, "SUCCEEDED", "AND")

    def when_any_succeeded(self, name: str | None = None) -> Workflow:
        """Next ``run`` starts when any node of the cursor SUCCEEDED."""
        return self._when_cursor(name, "SUCCEEDED", "ANY")

    def when_any_failed(self, name: str | None = None) -> Workflow:
        """Next ``run`` starts when any node of the cursor FAILED (an error-handling branch)."""
        return self._when_cursor(name, "FAILED", "ANY")

    def when_all(self, state: str, name: str | None = None) -> Workflow:
        """Next ``run`` starts when every node of the cursor ended in ``state``."""
        return self._when_cursor(name, state, "AND")

    def when_any(self, state: str, name: str | None = None) -> Workflow:
        """Next ``run`` starts when any node of the cursor ended in ``state``
        (jobs: SUCCEEDED, FAILED, TIMEOUT, STOPPED; crawlers: SUCCEEDED, FAILED, CANCELLED)."""
        return self._when_cursor(name, state, "ANY")

    def _when_cursor(self, name: str | None, state: str, logical: str) -> Workflow:
        if not self._cursor:
            raise InvalidInputException(
                f"Workflow {self.name!r}: nothing to watch; call run() or after() before when_*()"
            )
        return self.when(name, [(n, state) for n in self._cursor], logical=logical)

    def _node_name(self, node: Node) -> str:
        if isinstance(node, Action):
            node = node.target
        if not isinstance(node, (str, NotebookJob, Crawler)):
            raise InvalidInputException(
                f"Workflow {self.name!r}: expected a job, a crawler or the name of one, got "
                f"{type(node).__name__} {_show(node)}"
            )
        name = node if isinstance(node, str) else node.name
        if name not in self.jobs and name not in self.crawlers:
            raise InvalidInputException(
                f"Workflow {self.name!r}: {name!r} is not a job or crawler of this workflow "
                f"(known: {', '.join(sorted([*self.jobs, *self.crawlers])) or 'none'})"
            )
        return name

    def _condition(self, node: Node, state: str) -> dict[str, Any]:
        name = self._node_name(node)
        if name in self.crawlers:
            if state not in WATCHABLE_CRAWL_STATES:
                raise InvalidInputException(
                    f"crawler {name!r}: cannot watch {state!r}; crawl states are "
                    f"{', '.join(WATCHABLE_CRAWL_STATES)}"
                )
            return {"LogicalOperator": "EQUALS", "CrawlerName": name, "CrawlState": state}
        if state not in WATCHABLE_JOB_STATES:
            raise InvalidInputException(
                f"job {name!r}: cannot watch {state!r}; job states are "
                f"{', '.join(WATCHABLE_JOB_STATES)}"
            )
        return {"LogicalOperator": "EQUALS", "JobName": name, "State": state}

    # -- editing a loaded workflow ---------------------------------------------------------------
    def remove_trigger(self, name: str) -> Workflow:
        """Drop a trigger (jobs only it started stay defined but are no longer in the graph)."""
        if not isinstance(name, str) or name not in self.triggers:
            raise InvalidInputException(
                f"Workflow {self.name!r} has no trigger {name!r} "
                f"(known: {', '.join(self.triggers)})"
            )
        del self.triggers[name]
        return self

    def replace(self, node: NotebookJob | Crawler) -> Workflow:
        """A copy of this workflow with ``node`` in place of the job or crawler of the same name
        (like ``str.replace``: this workflow is left as it is, and nothing is written).

        The copy is the same workflow (same name): its ``deploy()`` or ``start()`` stores its
        definitions, which every later run then uses, from Python, the CLI or the scheduler,
        until another deploy (``wf.deploy()`` puts the original back)::

            failed = wf.replace(broken).start()   # wf itself still has the good job
            wf.deploy()                           # store the good one again
        """
        if not isinstance(node, (NotebookJob, Crawler)):
            raise InvalidInputException(
                f"Workflow {self.name!r}: replace() takes a NotebookJob or a Crawler, got "
                f"{type(node).__name__} {_show(node)}"
            )
        registry: dict[str, Any] = self.jobs if isinstance(node, NotebookJob) else self.crawlers
        if node.name not in registry:
            kind = "job" if isinstance(node, NotebookJob) else "crawler"
            known = ", ".join(sorted(registry)) or "none"
            raise InvalidInputException(
                f"Workflow {self.name!r} has no {kind} {node.name!r} to replace (its {kind}s: "
                f"{known})"
            )
        copy = self._copy()
        if isinstance(node, NotebookJob):
            copy.jobs[node.name] = node
        else:
            copy.crawlers[node.name] = node
        return copy

    def _copy(self) -> Workflow:
        """An independent copy (jobs and crawlers are immutable and shared)."""
        import copy

        other = copy.copy(self)
        other.default_run_properties = dict(self.default_run_properties)
        other.jobs, other.crawlers = dict(self.jobs), dict(self.crawlers)
        other.triggers = copy.deepcopy(self.triggers)
        other._cursor = list(self._cursor)
        return other

    def job(self, name: str) -> NotebookJob:
        if not isinstance(name, str) or name not in self.jobs:
            raise InvalidInputException(
                f"Workflow {self.name!r} has no job {_show(name)} "
                f"(known: {', '.join(sorted(self.jobs)) or 'none'})"
            )
        return self.jobs[name]

    # -- to and from the store -------------------------------------------------------------------
    def to_glue(self) -> dict[str, Any]:
        """Glue requests: ``{"Workflow", "Jobs", "Crawlers", "Triggers"}``."""
        workflow: dict[str, Any] = {
            "Name": self.name,
            "DefaultRunProperties": self.default_run_properties,
        }
        if self.description:
            workflow["Description"] = self.description
        if self.max_concurrent_runs is not None:
            workflow["MaxConcurrentRuns"] = self.max_concurrent_runs
        triggers = []
        for trig in self.triggers.values():
            if not trig.get("Actions"):
                raise InvalidInputException(
                    f"Workflow {self.name!r}: trigger {trig['Name']!r} starts nothing; "
                    "follow it with run(...)"
                )
            triggers.append({**trig, "WorkflowName": self.name})
        if not any(t["Type"] != "CONDITIONAL" for t in triggers):
            raise InvalidInputException(f"Workflow {self.name!r} has no start trigger and no jobs")
        return {
            "Workflow": workflow,
            "Jobs": [j.to_request() for j in self.jobs.values()],
            "Crawlers": [c.to_request() for c in self.crawlers.values()],
            "Triggers": triggers,
        }

    def client(self) -> GlueClient:
        """The client of this workflow's home (a folder or a ``glue-nb serve`` URL; default:
        as ``glue_nb.client()`` chooses)."""
        from glue_nb.client import client

        return client(self.home)

    def deploy(self) -> Workflow:
        """Write the workflow, its jobs, crawlers and triggers (atomically: glue-nb's
        ``ApplyWorkflow``); every later run of the workflow uses them, however it is started."""
        self.client().nb.apply_workflow(**self._apply_request())
        return self

    def _apply_request(self) -> dict[str, Any]:
        glue = self.to_glue()
        return {
            "Workflow": glue["Workflow"],
            "Jobs": glue["Jobs"],
            "Triggers": glue["Triggers"],
            "Crawlers": glue["Crawlers"],
        }

    def start(
        self,
        run_properties: Mapping[str, str] | None = None,
        *,
        executor: Any = None,
        reuse: bool | None = None,
    ) -> Run:
        """Deploy, then start a run now (one ``ApplyWorkflow`` with ``Start``); returns its
        :class:`~glue_nb.run.Run`.

        ``reuse=True``: a job whose fingerprint matches an earlier successful run is not run
        again but takes that run's results (see the README's "Reuse"); ``False``: every job
        runs; None (default): the jobs' and the workflow's settings decide (off unless set).

        The run properties and the executor are checked before anything is deployed."""
        from glue_nb.run import Run

        props = check_string_map(f"Workflow {self.name!r} RunProperties", run_properties)
        nb = self.client().nb
        request = {**self._apply_request(), "Start": True, "RunProperties": props}
        if executor is not None:
            request["Executor"] = executor
        if reuse is not None:
            request["Reuse"] = reuse
        run_id = nb.apply_workflow(**request)["RunId"]
        return Run(nb, self.name, run_id)

    def runs(self) -> Any:
        """The runs of this workflow as a DataFrame (newest first)."""
        from glue_nb.history import workflow_runs

        return workflow_runs(self.client(), self.name)

    def last_run(self) -> Run | None:
        """The workflow's latest run (``None`` before its first)."""
        from glue_nb.run import Run

        nb = self.client().nb
        last = nb.get_workflow(Name=self.name)["Workflow"].get("LastRun")
        return None if last is None else Run(nb, self.name, last["WorkflowRunId"])

    @classmethod
    def load(cls, name: str, home: str | os.PathLike[str] | None = None) -> Workflow:
        """Read a stored workflow (however it was made) back into the fluent form, from
        ``home`` (a folder or a ``glue-nb serve`` URL)."""
        from glue_nb.client import client

        check_name("Workflow", name)
        stored = client(home).nb.get_workflow_definition(Name=name)
        missing = [*stored.get("MissingJobs", []), *stored.get("MissingCrawlers", [])]
        if missing:
            raise EntityNotFoundException(
                f"Workflow {name!r} names jobs or crawlers that are no longer defined: "
                f"{', '.join(missing)}; define them again (or remove their triggers)"
            )
        workflow = stored["Workflow"]
        wf = cls(
            name,
            description=workflow.get("Description"),
            default_run_properties=workflow.get("DefaultRunProperties"),
            max_concurrent_runs=workflow.get("MaxConcurrentRuns"),
            home=home,
        )
        for job in stored.get("Jobs", []):
            wf.jobs[job["Name"]] = NotebookJob.from_glue(job)
        for crawler in stored.get("Crawlers", []):
            wf.crawlers[crawler["Name"]] = Crawler.from_glue(crawler)
        for trig in stored.get("Triggers", []):
            trigger = {k: v for k, v in trig.items() if k not in ("State", "WorkflowName", "Id")}
            trigger["StartOnCreation"] = trig["State"] == "ACTIVATED"
            wf.triggers[trig["Name"]] = trigger
        return wf

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from glue_nb.views.static import workflow_mimebundle

        return workflow_mimebundle(self)

    def render(
        self, path: str | os.PathLike[str], format: str | None = None, **options: Any
    ) -> str:
        """Write the static view to ``path`` (svg, png or dot)."""
        from glue_nb.views.static import render_workflow

        return render_workflow(self, path, format=format, **options)
