"""Each node's state in one run, computed from the run graph and the run's status.

Beyond the Glue state of a node's latest job run or crawl, this works out which nodes *will
never run*: a conditional trigger whose predicate can no longer hold (an ALL trigger watching a
job that FAILED, an ANY trigger whose every watched node ended otherwise) never fires, so the jobs
only it starts never run, and so on downstream. While the run is active, a node still running or
still startable may end in any state; once the run has ended, whatever did not run never will.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.layout import Slot, trigger_detail
from glue_nb.views.style import category_of, fmt_duration, fmt_time

__all__ = ["NodeState", "RunStatus", "node_states", "progress_text", "run_status", "slots"]

_STARTS = frozenset({"SCHEDULED", "EVENT", "ON_DEMAND"})
_ANY = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "CANCELLED", "ERROR"})
_ACTIVE = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING", "CANCELLING"})


@dataclass
class NodeState:
    """One node of a run: its category (colour), Glue state, attempts and timings."""

    uid: str
    name: str
    type: str
    category: str
    state: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    fired: bool = False
    detail: str = ""

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.runs[-1] if self.runs else None

    @property
    def started(self) -> datetime | None:
        return self.runs[0]["StartedOn"] if self.runs else None

    @property
    def completed(self) -> datetime | None:
        latest = self.latest
        return None if latest is None else latest.get("CompletedOn")

    def duration(self, now: datetime | None = None) -> timedelta | None:
        """Of the latest attempt (running: so far)."""
        latest = self.latest
        if latest is None or latest.get("StartedOn") is None:
            return None
        end = latest.get("CompletedOn") or now or datetime.now(timezone.utc)
        return end - latest["StartedOn"]

    @property
    def error(self) -> str | None:
        latest = self.latest
        return None if latest is None else latest.get("ErrorMessage")


#: Statistics counters that mean an action did not succeed, with the words a view shows.
PROBLEMS = (
    ("FailedActions", "failed"),
    ("ErroredActions", "errored"),
    ("TimeoutActions", "timed out"),
    ("StoppedActions", "stopped"),
)
_STATUS_CATEGORY = {
    "RUNNING": "running",
    "STOPPING": "running",
    "COMPLETED": "succeeded",
    "STOPPED": "stopped",
    "ERROR": "failed",
}


@dataclass(frozen=True)
class RunStatus:
    """A run's status at a glance: Glue's ``Status`` plus what did not succeed.

    Glue calls a run COMPLETED when it ended, whatever its actions did; ``text`` keeps Glue's
    word and adds the counts (``COMPLETED · 1 failed``), ``category`` colours it as what
    happened (a failure reads as a failure), ``ok`` is ``run.succeeded``.
    """

    status: str
    category: str
    problems: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " · ".join((self.status, *self.problems))

    @property
    def ok(self) -> bool:
        return self.status == "COMPLETED" and not self.problems

    @property
    def title(self) -> str:
        """A sentence for a tooltip: what Glue's status means here."""
        if self.status == "COMPLETED":
            if not self.problems:
                return "Glue status COMPLETED: the run ended and every action that ran succeeded"
            return (
                f"Glue status COMPLETED: the run ended, but {', '.join(self.problems)} "
                "(run.succeeded is False)"
            )
        meaning = {
            "RUNNING": "the run is active",
            "STOPPING": "the run is being stopped",
            "STOPPED": "the run was stopped",
            "ERROR": "the run could not start or its driver failed",
        }.get(self.status, "")
        tail = f"; so far {', '.join(self.problems)}" if self.problems else ""
        return f"Glue status {self.status}{': ' + meaning if meaning else ''}{tail}"


def run_status(run: Mapping[str, Any]) -> RunStatus:
    """The :class:`RunStatus` of a WorkflowRun dict (its ``Status`` and ``Statistics``)."""
    status = str(run.get("Status") or "?")
    stats = run.get("Statistics") or {}
    problems = tuple(f"{stats[key]} {word}" for key, word in PROBLEMS if stats.get(key))
    if status == "ERROR" or stats.get("FailedActions") or stats.get("ErroredActions"):
        category = "failed"
    elif stats.get("TimeoutActions"):
        category = "timeout"
    elif stats.get("StoppedActions"):
        category = "stopped"
    else:
        category = _STATUS_CATEGORY.get(status, "pending")
    return RunStatus(status, category, problems)


def progress_text(run: Mapping[str, Any]) -> str:
    """The run's progress counted in nodes: ``3/7 nodes · 2 running · 1 failed``; once the run
    has ended, its status leads: ``COMPLETED · 1 failed · 3/4 nodes ran``."""
    stats = run.get("Statistics") or {}
    total = stats.get("TotalActions", 0)
    ended = stats.get("SucceededActions", 0) + sum(stats.get(k, 0) for k, _ in PROBLEMS)
    if run.get("Status") in WORKFLOW_RUN_ACTIVE:
        parts = [f"{ended}/{total} nodes"]
        for key, word in (("RunningActions", "running"), ("WaitingActions", "waiting")):
            if stats.get(key):
                parts.append(f"{stats[key]} {word}")
        parts.extend(run_status(run).problems)
        return " · ".join(parts)
    status = run_status(run)
    ran = f"{ended}/{total} nodes ran" if ended < total else f"{total}/{total} nodes"
    return " · ".join((status.text, ran)) if total else status.text


def _latest_key(run: Mapping[str, Any]) -> tuple[Any, int]:
    started = run.get("StartedOn") or datetime.min.replace(tzinfo=timezone.utc)
    return (started, run.get("Attempt", 0))


def node_states(run: Mapping[str, Any]) -> dict[str, NodeState]:
    """``{UniqueId: NodeState}`` for a WorkflowRun dict with its ``Graph``."""
    graph = run.get("Graph") or {"Nodes": [], "Edges": []}
    active = run.get("Status") in WORKFLOW_RUN_ACTIVE
    out: dict[str, NodeState] = {}
    triggers: dict[str, Mapping[str, Any]] = {}
    for node in graph["Nodes"]:
        uid, kind = node["UniqueId"], node["Type"]
        if kind == "TRIGGER":
            details = node.get("TriggerDetails") or {}
            trig = details.get("Trigger") or {}
            triggers[uid] = trig
            state = NodeState(uid, node["Name"], kind, "pending", detail=trigger_detail(trig))
            state.fired = bool(details.get("Fired"))
            if state.fired:
                state.category, state.state = "fired", "FIRED"
            elif trig.get("Type") in _STARTS and run.get("Status") != "ERROR":
                state.state = "BY_HAND"  # the run was started by hand, not by this trigger
            out[uid] = state
            continue
        if kind == "JOB":
            runs = list((node.get("JobDetails") or {}).get("JobRuns") or [])
            key = "JobRunState"
        else:
            runs = list((node.get("CrawlerDetails") or {}).get("Crawls") or [])
            key = "State"
        runs.sort(key=_latest_key)
        glue_state = runs[-1][key] if runs else None
        category = category_of(glue_state)
        if glue_state == "SUCCEEDED" and runs[-1].get("ReusedFrom"):
            category = "reused"  # recorded SUCCEEDED at once with an earlier run's results
        out[uid] = NodeState(uid, node["Name"], kind, category, glue_state, runs)

    # Which states each node may still end in, in topological order: a trigger can fire when
    # its predicate can still hold; a node can run when a trigger starting it fired or can fire.
    preds: dict[str, list[str]] = {uid: [] for uid in out}
    succ: dict[str, list[str]] = {uid: [] for uid in out}
    for edge in graph["Edges"]:
        src, dst = edge["SourceId"], edge["DestinationId"]
        if src in out and dst in out:
            preds[dst].append(src)
            succ[src].append(dst)
    order = _topological(out, preds, succ)
    possible: dict[str, frozenset[str]] = {}
    can_fire: dict[str, bool] = {}
    by_name = {(s.type, s.name): uid for uid, s in out.items()}
    for uid in order:
        state = out[uid]
        if state.state == "BY_HAND":
            can_fire[uid] = True  # what it starts was started
            continue
        if state.type == "TRIGGER":
            can_fire[uid] = state.fired or (active and _can_hold(triggers[uid], possible, by_name))
            if not can_fire[uid]:
                state.category = "never"
            continue
        if state.state is not None:
            possible[uid] = _ANY if state.state in _ACTIVE else frozenset({state.state})
        elif active and any(can_fire.get(p, False) for p in preds[uid]):
            possible[uid] = _ANY
        else:
            possible[uid] = frozenset()
            state.category = "never"
    return out


def _topological(
    nodes: Mapping[str, Any], preds: Mapping[str, list[str]], succ: Mapping[str, list[str]]
) -> list[str]:
    indeg = {uid: len(p) for uid, p in preds.items()}
    queue = [uid for uid, k in indeg.items() if k == 0]
    order: list[str] = []
    while queue:
        uid = queue.pop()
        order.append(uid)
        for d in succ[uid]:
            indeg[d] -= 1
            if indeg[d] == 0:
                queue.append(d)
    if len(order) < len(nodes):  # a cycle (never stored, but be safe): append the rest
        seen = set(order)
        order.extend(uid for uid in nodes if uid not in seen)
    return order


def _can_hold(
    trigger: Mapping[str, Any],
    possible: Mapping[str, frozenset[str]],
    by_name: Mapping[tuple[str, str], str],
) -> bool:
    if trigger.get("Type") != "CONDITIONAL" or trigger.get("State") == "DEACTIVATED":
        return False
    predicate = trigger.get("Predicate") or {}
    results = []
    for cond in predicate.get("Conditions") or []:
        if cond.get("JobName"):
            uid, want = by_name.get(("JOB", cond["JobName"])), cond.get("State")
        else:
            uid, want = (
                by_name.get(("CRAWLER", cond.get("CrawlerName", ""))),
                cond.get("CrawlState"),
            )
        results.append(uid is not None and want in possible.get(uid, frozenset()))
    if not results:
        return False
    return any(results) if predicate.get("Logical") == "ANY" else all(results)


def status_line(state: NodeState, active: bool, now: datetime | None = None) -> str:
    """The short text under a node's name in the run view."""
    if state.type == "TRIGGER":
        if state.fired:
            return "fired"
        if state.state == "BY_HAND":
            return "run started by hand"
        if state.category == "never":
            return "will never fire" if active else "did not fire"
        return "waiting" if active else "did not fire"
    if state.state is None:
        if state.category == "never":
            return "will never run" if active else "did not run"
        return "not yet run"
    latest = state.latest or {}
    if state.category == "reused" and latest.get("ReusedFrom"):
        saved = latest.get("ReuseSavedSeconds")
        text = f"reused {str(latest['ReusedFrom'])[:15]}…"
        return text + (f" ({fmt_duration(saved)} saved)" if saved else "")
    text = state.state.lower()
    duration = fmt_duration(state.duration(now))
    if duration:
        text += f" · {duration}"
    if len(state.runs) > 1:
        text += f" · {len(state.runs)} tries"
    return text


def tooltip(state: NodeState, active: bool, now: datetime | None = None) -> str:
    """Hover text of a node: what it is, its state, timings and error."""
    kind = {"TRIGGER": "trigger", "CRAWLER": "crawler"}.get(state.type, "job")
    lines = [f"{kind} {state.name}"]
    if state.type == "TRIGGER":
        lines.append(state.detail)
    lines.append(status_line(state, active, now))
    if state.runs:
        lines.append(f"started {fmt_time(state.started, date=True)}")
    if state.error:
        lines.append(state.error[:300])
    return "\n".join(line for line in lines if line)


def slots(
    run: Mapping[str, Any],
    states: Mapping[str, NodeState] | None = None,
    now: datetime | None = None,
) -> dict[str, Slot]:
    """What each node of the run view shows (for :meth:`SvgTemplate.render`)."""
    states = node_states(run) if states is None else states
    active = run.get("Status") in WORKFLOW_RUN_ACTIVE
    now = now or datetime.now(timezone.utc)
    return {
        uid: Slot(
            s.category,
            status_line(s, active, now),
            tooltip(s, active, now),
            s.state or ("NEVER" if s.category == "never" else "NOT_STARTED"),
            s.type,
        )
        for uid, s in states.items()
    }
