"""The graph of a workflow being built: its jobs, crawlers and triggers, and the chaining calls
that grow it (start triggers, ``run``, ``after`` and the ``when_*`` conditions).

A workflow keeps a *cursor*: the jobs and crawlers the last ``run`` started. ``when_*`` opens a
conditional trigger watching the cursor (or the nodes given with ``after``), and the next ``run``
adds that trigger's actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from glue_nb.builder.checks import generated_name, notebook_arguments, show
from glue_nb.builder.nodes import Action, Crawler, Node, NotebookJob
from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_bool, check_name, check_timeout
from glue_nb.states import WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

__all__ = ["WorkflowGraph", "condition_pairs"]

_G = TypeVar("_G", bound="WorkflowGraph")


def condition_pairs(workflow: str, conditions: Any) -> list[tuple[Any, Any]]:
    """``{node: state}`` or ``[(node, state), ...]`` as a list of pairs, checked for shape."""
    if isinstance(conditions, Mapping):
        return list(conditions.items())
    if isinstance(conditions, (str, bytes)) or not isinstance(conditions, Iterable):
        raise InvalidInputException(
            f"Workflow {workflow!r}: conditions must be {{node: state}} or [(node, state), ...], "
            f"got {type(conditions).__name__} {show(conditions)}"
        )
    pairs = list(conditions)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidInputException(
                f"Workflow {workflow!r}: each condition must be a (node, state) pair, got "
                f"{show(pair)}"
            )
    return [(node, state) for node, state in pairs]


class WorkflowGraph:
    """The jobs, crawlers and triggers of a workflow, and the calls that chain them (the base of
    :class:`~glue_nb.builder.Workflow`)."""

    def __init__(self, name: str) -> None:
        self.name = check_name("Workflow", name)
        self.jobs: dict[str, NotebookJob] = {}
        self.crawlers: dict[str, Crawler] = {}
        self.triggers: dict[str, dict[str, Any]] = {}  # name -> Trigger dict (Glue shape)
        self._cursor: list[str] = []  # names of the nodes the last run() started
        self._open: str | None = None  # trigger that the next run() adds actions to

    # -- start triggers --------------------------------------------------------------------------
    def on_demand(self: _G, name: str | None = None) -> _G:
        """Start runs on demand (the default when no start trigger is given)."""
        name = generated_name(f"{self.name}: on demand") if name is None else name
        return self._start_trigger({"Name": name, "Type": "ON_DEMAND"})

    def on_schedule(self: _G, name: str, schedule: str, *, active: bool = True) -> _G:
        """Start runs on a Glue cron schedule, e.g. ``"cron(0 6 1 * ? *)"`` (UTC)."""
        trigger = {"Name": name, "Type": "SCHEDULED", "Schedule": schedule}
        active = check_bool(f"Workflow {self.name!r}: on_schedule active", active)
        return self._start_trigger(trigger, active=active)

    def on_event(self: _G, name: str, *, batch_size: int = 1, batch_window: int = 900) -> _G:
        """Start runs when events arrive (batched as Glue's EventBatchingCondition)."""
        trigger = {
            "Name": name,
            "Type": "EVENT",
            "EventBatchingCondition": {"BatchSize": batch_size, "BatchWindow": batch_window},
        }
        return self._start_trigger(trigger)

    def _start_trigger(self: _G, trigger: dict[str, Any], active: bool = False) -> _G:
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
        self: _G,
        *nodes: NotebookJob | Crawler | Action,
        arguments: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> _G:
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
                    f"job.with_arguments(...) objects, got {type(node).__name__} {show(node)}"
                )
        extra = notebook_arguments(arguments, f"Workflow {self.name!r}: run() arguments")
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
            self._add(action.target)  # first: two different jobs of one name are named so
            if name in taken:
                raise InvalidInputException(
                    f"Workflow {self.name!r}: {name!r} is given twice to trigger "
                    f"{trigger['Name']!r}; a trigger starts each job or crawler once"
                )
            taken.add(name)
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
    def after(self: _G, *nodes: Node) -> _G:
        """Point the cursor at earlier nodes (for branches and fan-in)."""
        self._cursor = [self._node_name(n) for n in nodes]
        self._open = None
        return self

    def when(
        self: _G,
        name: str | None,
        conditions: Mapping[Node, str] | Iterable[tuple[Node, str]],
        *,
        logical: str = "AND",
    ) -> _G:
        """Open a conditional trigger on explicit ``{node: state}`` conditions."""
        if name is not None:
            check_name("Trigger", name)
        if not isinstance(logical, str) or logical not in ("AND", "ANY"):
            raise InvalidInputException(
                f"Workflow {self.name!r}: logical must be 'AND' or 'ANY', got {show(logical)}"
            )
        pairs = condition_pairs(self.name, conditions)
        if not pairs:
            raise InvalidInputException(
                f"Workflow {self.name!r}: trigger {name!r} needs at least one condition"
            )
        glue_conditions = [self._condition(node, state) for node, state in pairs]
        watched = [self._node_name(n) for n, _ in pairs]
        if name is None:
            states = "/".join(sorted({s for _, s in pairs}))
            name = generated_name(f"{self.name}: {' & '.join(watched)} {states}")
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

    def when_all_succeeded(self: _G, name: str | None = None) -> _G:
        """Next ``run`` starts when every node of the cursor SUCCEEDED."""
        return self._when_cursor(name, "SUCCEEDED", "AND")

    def when_any_succeeded(self: _G, name: str | None = None) -> _G:
        """Next ``run`` starts when any node of the cursor SUCCEEDED."""
        return self._when_cursor(name, "SUCCEEDED", "ANY")

    def when_any_failed(self: _G, name: str | None = None) -> _G:
        """Next ``run`` starts when any node of the cursor FAILED (an error-handling branch)."""
        return self._when_cursor(name, "FAILED", "ANY")

    def when_all(self: _G, state: str, name: str | None = None) -> _G:
        """Next ``run`` starts when every node of the cursor ended in ``state``."""
        return self._when_cursor(name, state, "AND")

    def when_any(self: _G, state: str, name: str | None = None) -> _G:
        """Next ``run`` starts when any node of the cursor ended in ``state``
        (jobs: SUCCEEDED, FAILED, TIMEOUT, STOPPED; crawlers: SUCCEEDED, FAILED, CANCELLED)."""
        return self._when_cursor(name, state, "ANY")

    def _when_cursor(self: _G, name: str | None, state: str, logical: str) -> _G:
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
                f"{type(node).__name__} {show(node)}"
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
