"""Trigger evaluation as pure functions of the design graph, the node states and the triggers
that fired: no threads, kernels or store.

Glue's rules: a CONDITIONAL trigger watches jobs and crawlers for a final state; ``AND`` fires
when every condition holds, ``ANY`` when one does; each trigger fires at most once per run, and a
DEACTIVATED trigger never fires. Only the node states of this run count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_nb.graph import DesignGraph

__all__ = ["Action", "TriggerPlan"]


@dataclass(frozen=True)
class Action:
    """One action of a trigger: the node it starts and the action's dict (Arguments, ...)."""

    node: str  # node UniqueId
    kind: str  # "JOB" | "CRAWLER"
    name: str
    trigger: str | None
    action: Mapping[str, Any]


@dataclass
class TriggerPlan:
    """The conditional triggers of one run's design graph, indexed by the nodes they watch."""

    graph: DesignGraph
    watchers: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.watchers = {}
        for src, dst in self.graph.edges:
            node = self.graph.nodes[dst]
            if node.type == "TRIGGER" and self._conditional(node.name):
                self.watchers.setdefault(src, []).append(node.name)

    def _conditional(self, trigger: str) -> bool:
        return bool(self.graph.triggers[trigger]["Type"] == "CONDITIONAL")

    def holds(self, trigger: str, finals: Mapping[str, str]) -> bool:
        """Does the predicate of ``trigger`` hold for these final node states?"""
        predicate = self.graph.triggers[trigger]["Predicate"]
        results = []
        for cond in predicate["Conditions"]:
            if cond.get("JobName"):
                uid, want = self.graph.id_of("JOB", cond["JobName"]), cond["State"]
            else:
                uid, want = self.graph.id_of("CRAWLER", cond["CrawlerName"]), cond["CrawlState"]
            results.append(finals.get(uid) == want)
        return any(results) if predicate.get("Logical") == "ANY" else all(results)

    def due(
        self,
        finals: Mapping[str, str],
        fired: Iterable[str],
        changed: Iterable[str] | None = None,
    ) -> list[str]:
        """The conditional triggers to fire now: not fired yet, not DEACTIVATED, watching a node
        in ``changed`` (every conditional trigger when ``changed`` is None), predicate holding.
        The cost is that of the triggers watching the changed nodes, whatever the run's size."""
        done = set(fired)
        if changed is None:
            candidates = [n for n in self.graph.triggers if self._conditional(n)]
        else:
            candidates = list(dict.fromkeys(t for u in changed for t in self.watchers.get(u, ())))
        return [
            name
            for name in candidates
            if name not in done
            and self.graph.triggers[name].get("State") != "DEACTIVATED"
            and self.holds(name, finals)
        ]

    def actions(self, trigger: str) -> list[Action]:
        """What firing ``trigger`` starts."""
        out = []
        for action in self.graph.triggers[trigger].get("Actions", []):
            kind = "JOB" if action.get("JobName") else "CRAWLER"
            name = action.get("JobName") or action["CrawlerName"]
            out.append(Action(self.graph.id_of(kind, name), kind, name, trigger, action))
        return out

    def action_for(self, node: str, trigger: str | None = None) -> Action:
        """The action that starts ``node`` (``trigger``'s first, if it has one): how a resumed
        node is started again."""
        target = self.graph.nodes[node]
        names = [trigger] if trigger in self.graph.triggers else []
        names += [n for n in self.graph.triggers if n != trigger]
        for name in names:
            for action in self.actions(name):
                if action.node == node:
                    return action
        key = "JobName" if target.type == "JOB" else "CrawlerName"
        return Action(node, target.type, target.name, None, {key: target.name})
