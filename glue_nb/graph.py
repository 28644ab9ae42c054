"""The design graph of a workflow, derived from its triggers (as Glue derives it).

Nodes are the triggers and the jobs and crawlers they watch or start; edges go from a watched
job/crawler to the conditional trigger watching it, and from a trigger to each action it starts.
Node ids are stable (``wnode_`` + a hash of workflow, type and name), so a design graph and the
graphs of its runs share ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.ids import node_id

__all__ = ["DesignGraph", "Node", "design_graph"]


@dataclass(frozen=True)
class Node:
    """One node: ``type`` is TRIGGER, JOB or CRAWLER."""

    type: str
    name: str
    id: str


@dataclass
class DesignGraph:
    """Nodes, edges and adjacency of one workflow's design."""

    workflow: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    triggers: dict[str, dict] = field(default_factory=dict)  # trigger name -> Trigger dict

    def add_node(self, node_type: str, name: str) -> str:
        uid = node_id(self.workflow, node_type, name)
        self.nodes.setdefault(uid, Node(node_type, name, uid))
        return uid

    def id_of(self, node_type: str, name: str) -> str:
        return node_id(self.workflow, node_type, name)

    @property
    def start_trigger(self) -> dict | None:
        """The one non-conditional trigger, if any."""
        starts = [t for t in self.triggers.values() if t["Type"] != "CONDITIONAL"]
        return starts[0] if starts else None

    def successors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {uid: [] for uid in self.nodes}
        for src, dst in self.edges:
            out[src].append(dst)
        return out

    def downstream(self, start: Iterable[str]) -> set[str]:
        """Every node reachable from ``start`` (excluding the start nodes unless reached again)."""
        succ = self.successors()
        seen: set[str] = set()
        stack = [d for s in start for d in succ.get(s, [])]
        while stack:
            uid = stack.pop()
            if uid not in seen:
                seen.add(uid)
                stack.extend(succ.get(uid, []))
        return seen

    def find_cycle(self) -> list[str] | None:
        """Names along one cycle, or ``None`` (iterative DFS, fine for thousands of nodes)."""
        succ = self.successors()
        color: dict[str, int] = dict.fromkeys(self.nodes, 0)
        for root in self.nodes:
            if color[root]:
                continue
            path: list[str] = []
            stack: list[tuple[str, int]] = [(root, 0)]
            while stack:
                uid, i = stack.pop()
                if i == 0:
                    color[uid] = 1
                    path.append(uid)
                children = succ[uid]
                if i < len(children):
                    stack.append((uid, i + 1))
                    child = children[i]
                    if color[child] == 1:
                        cyc = [*path[path.index(child) :], child]
                        return [self.nodes[u].name for u in cyc]
                    if color[child] == 0:
                        stack.append((child, 0))
                else:
                    color[uid] = 2
                    path.pop()
        return None

    def to_glue(self) -> dict[str, Any]:
        """``{"Nodes": [...], "Edges": [...]}`` in Glue's shape (design view: no runs)."""
        nodes = []
        for node in self.nodes.values():
            item: dict[str, Any] = {"Type": node.type, "Name": node.name, "UniqueId": node.id}
            if node.type == "TRIGGER":
                item["TriggerDetails"] = {"Trigger": self.triggers.get(node.name, {})}
            elif node.type == "JOB":
                item["JobDetails"] = {}
            else:
                item["CrawlerDetails"] = {}
            nodes.append(item)
        edges = [{"SourceId": s, "DestinationId": d} for s, d in self.edges]
        return {"Nodes": nodes, "Edges": edges}


def design_graph(workflow: str, triggers: Iterable[Mapping[str, Any]]) -> DesignGraph:
    """Build the graph of ``workflow`` from its Trigger dicts."""
    graph = DesignGraph(workflow)
    for trig in triggers:
        tid = graph.add_node("TRIGGER", trig["Name"])
        graph.triggers[trig["Name"]] = dict(trig)
        for cond in (trig.get("Predicate") or {}).get("Conditions", []):
            kind, name = (
                ("JOB", cond["JobName"])
                if cond.get("JobName")
                else ("CRAWLER", cond["CrawlerName"])
            )
            graph.edges.append((graph.add_node(kind, name), tid))
        for action in trig.get("Actions", []):
            kind, name = (
                ("JOB", action["JobName"])
                if action.get("JobName")
                else ("CRAWLER", action["CrawlerName"])
            )
            graph.edges.append((tid, graph.add_node(kind, name)))
    return graph


def check_design(graph: DesignGraph) -> None:
    """Workflow-level rules: one start trigger, no cycle."""
    starts = sorted(t["Name"] for t in graph.triggers.values() if t["Type"] != "CONDITIONAL")
    if len(starts) > 1:
        raise InvalidInputException(
            f"Workflow {graph.workflow!r} would have {len(starts)} start triggers "
            f"({', '.join(repr(s) for s in starts)}); a workflow has exactly one ON_DEMAND, "
            "SCHEDULED or EVENT trigger, the others must be CONDITIONAL"
        )
    cycle = graph.find_cycle()
    if cycle:
        raise InvalidInputException(
            f"Workflow {graph.workflow!r} would contain a cycle: {' -> '.join(cycle)}"
        )
