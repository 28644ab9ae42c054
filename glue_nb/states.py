"""The states of Glue's entities, and the one table per entity of the transitions allowed.

Every state is a ``str`` enum with Glue's name as its value, so a state compares equal to Glue's
string, is stored and serialised as that string, and reads back with ``WorkflowRunState(text)``.
Every state change written to the store goes through :func:`advance`: a transition that the
entity's table does not allow raises the entity's Glue error, naming the entity, both states and
what would have been allowed, and nothing is written. Final states are those with no way out.

    entity           states (initial → ... → final)
    workflow run     RUNNING → STOPPING → STOPPED; RUNNING → COMPLETED | STOPPED | ERROR
    job run          STARTING | WAITING → RUNNING → STOPPING → SUCCEEDED | FAILED | TIMEOUT | ...
    crawl            RUNNING → CANCELLING → CANCELLED; RUNNING → SUCCEEDED | FAILED | ERROR
    crawler          READY → RUNNING → STOPPING → READY
    trigger          CREATED → ACTIVATED ⇄ DEACTIVATED
    blueprint run    RUNNING → SUCCEEDED; RUNNING → ROLLING_BACK → FAILED
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from glue_nb.exceptions import (
    CrawlerNotRunningException,
    CrawlerRunningException,
    CrawlerStoppingException,
    GlueNbError,
    IllegalBlueprintStateException,
    IllegalWorkflowStateException,
    InvalidInputException,
)

__all__ = [
    "CRAWL_ACTIVE",
    "CRAWL_FINAL",
    "CRAWL_STATES",
    "JOB_RUN_ACTIVE",
    "JOB_RUN_FINAL",
    "JOB_RUN_STATES",
    "NODE_TYPES",
    "TRIGGER_STATES",
    "TRIGGER_TYPES",
    "WATCHABLE_CRAWL_STATES",
    "WATCHABLE_JOB_STATES",
    "WORKFLOW_RUN_ACTIVE",
    "WORKFLOW_RUN_STATES",
    "BlueprintRunState",
    "CrawlState",
    "CrawlerState",
    "JobRunState",
    "State",
    "TriggerState",
    "WorkflowRunState",
    "advance",
    "check_initial",
    "sql_set",
]


class State(str, Enum):
    """Base of the state enums: a member is Glue's string."""

    def __str__(self) -> str:
        return str(self.value)

    @property
    def final(self) -> bool:
        """No transition leads out of this state."""
        return not _TABLES[type(self)][self]


class WorkflowRunState(State):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    ERROR = "ERROR"


class JobRunState(State):
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"
    WAITING = "WAITING"
    EXPIRED = "EXPIRED"


class CrawlState(State):
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ERROR = "ERROR"


class CrawlerState(State):
    READY = "READY"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"


class TriggerState(State):
    CREATING = "CREATING"
    CREATED = "CREATED"
    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    DEACTIVATING = "DEACTIVATING"
    DEACTIVATED = "DEACTIVATED"
    DELETING = "DELETING"
    UPDATING = "UPDATING"


class BlueprintRunState(State):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLING_BACK = "ROLLING_BACK"


W, J, C, R, T, B = (
    WorkflowRunState,
    JobRunState,
    CrawlState,
    CrawlerState,
    TriggerState,
    BlueprintRunState,
)

_TABLES: dict[type[State], Mapping[State, frozenset[State]]] = {
    W: {
        W.RUNNING: frozenset({W.STOPPING, W.COMPLETED, W.STOPPED, W.ERROR}),
        W.STOPPING: frozenset({W.STOPPED, W.ERROR}),
        W.COMPLETED: frozenset(),
        W.STOPPED: frozenset(),
        W.ERROR: frozenset(),
    },
    J: {
        J.WAITING: frozenset(
            {J.STARTING, J.RUNNING, J.STOPPING, J.STOPPED, J.FAILED, J.ERROR, J.EXPIRED}
        ),
        J.STARTING: frozenset(
            {J.RUNNING, J.STOPPING, J.STOPPED, J.SUCCEEDED, J.FAILED, J.TIMEOUT, J.ERROR}
        ),
        J.RUNNING: frozenset({J.STOPPING, J.STOPPED, J.SUCCEEDED, J.FAILED, J.TIMEOUT, J.ERROR}),
        # a job that ends before its stop takes effect keeps its own ending
        J.STOPPING: frozenset({J.STOPPED, J.SUCCEEDED, J.FAILED, J.TIMEOUT, J.ERROR}),
        **{
            s: frozenset()
            for s in (J.STOPPED, J.SUCCEEDED, J.FAILED, J.TIMEOUT, J.ERROR, J.EXPIRED)
        },
    },
    C: {
        C.RUNNING: frozenset({C.CANCELLING, C.CANCELLED, C.SUCCEEDED, C.FAILED, C.ERROR}),
        C.CANCELLING: frozenset({C.CANCELLED, C.ERROR}),
        **{s: frozenset() for s in (C.CANCELLED, C.SUCCEEDED, C.FAILED, C.ERROR)},
    },
    R: {
        R.READY: frozenset({R.RUNNING}),
        R.RUNNING: frozenset({R.STOPPING, R.READY}),
        R.STOPPING: frozenset({R.READY}),
    },
    # glue-nb applies trigger changes atomically: Glue's transitional states never show
    T: {
        T.CREATED: frozenset({T.ACTIVATED, T.DEACTIVATED}),
        T.ACTIVATED: frozenset({T.DEACTIVATED}),
        T.DEACTIVATED: frozenset({T.ACTIVATED}),
        **{
            s: frozenset()
            for s in (T.CREATING, T.ACTIVATING, T.DEACTIVATING, T.DELETING, T.UPDATING)
        },
    },
    B: {
        B.RUNNING: frozenset({B.SUCCEEDED, B.ROLLING_BACK, B.FAILED}),
        B.ROLLING_BACK: frozenset({B.FAILED}),
        B.SUCCEEDED: frozenset(),
        B.FAILED: frozenset(),
    },
}

#: The states a new row of each entity may start in.
_INITIAL: dict[type[State], frozenset[State]] = {
    W: frozenset({W.RUNNING, W.ERROR}),  # ERROR: a scheduled start beyond MaxConcurrentRuns
    # FAILED / ERROR: a job run that could not start; SUCCEEDED: one reused from an earlier run
    J: frozenset({J.STARTING, J.RUNNING, J.WAITING, J.FAILED, J.ERROR, J.SUCCEEDED}),
    C: frozenset({C.RUNNING, C.FAILED, C.ERROR}),
    R: frozenset({R.READY}),
    T: frozenset({T.CREATED, T.ACTIVATED}),
    B: frozenset({B.RUNNING}),
}

_NAMES: dict[type[State], str] = {
    W: "workflow run",
    J: "job run",
    C: "crawl",
    R: "crawler",
    T: "trigger",
    B: "blueprint run",
}

_ERRORS: dict[type[State], type[GlueNbError]] = {
    W: IllegalWorkflowStateException,
    J: InvalidInputException,
    C: InvalidInputException,
    R: CrawlerRunningException,
    T: InvalidInputException,
    B: IllegalBlueprintStateException,
}

S = TypeVar("S", bound=State)


def _error(kind: type[State], old: State, new: State) -> type[GlueNbError]:
    if kind is R:  # Glue's own crawler errors
        if new is R.STOPPING:
            return CrawlerStoppingException if old is R.STOPPING else CrawlerNotRunningException
        return CrawlerRunningException
    return _ERRORS[kind]


def advance(old: S | str, new: S, *, what: str = "") -> S:
    """Check the transition ``old → new`` of one entity (``what`` names it in the error,
    e.g. ``"workflow run wr_… of 'month-close'"``) and return ``new``.

    ``old`` may be the stored string. A transition the entity's table does not allow raises the
    entity's Glue error (IllegalWorkflowStateException for a workflow run, …)."""
    kind = type(new)
    current = kind(old)
    allowed = _TABLES[kind][current]
    if new not in allowed:
        label = what or _NAMES[kind]
        valid = ", ".join(sorted(s.value for s in allowed)) or "none: it is final"
        raise _error(kind, current, new)(
            f"{label} is {current.value} and cannot become {new.value} "
            f"(from {current.value} it can become: {valid})"
        )
    return new


def check_initial(state: S, *, what: str = "") -> S:
    """Check that a new entity may start in ``state``; return it."""
    kind = type(state)
    if state not in _INITIAL[kind]:
        valid = ", ".join(sorted(s.value for s in _INITIAL[kind]))
        raise _ERRORS[kind](
            f"{what or 'a new ' + _NAMES[kind]} cannot start in state {state.value} "
            f"(valid: {valid})"
        )
    return state


def finals(kind: type[S]) -> frozenset[S]:
    """The final states of an entity."""
    return frozenset(s for s in kind if s.final)


def sql_set(states: frozenset[S] | tuple[S, ...]) -> str:
    """The states as an SQL list, ``('A','B')``: the one place store queries take them from."""
    return "(" + ",".join(f"'{s.value}'" for s in sorted(states, key=lambda s: s.value)) + ")"


# -- sets and plain-string views ------------------------------------------------------------------
WORKFLOW_RUN_STATES = tuple(s.value for s in W)
WORKFLOW_RUN_ACTIVE = frozenset({W.RUNNING, W.STOPPING})
JOB_RUN_STATES = tuple(s.value for s in J)
JOB_RUN_FINAL = finals(J)
JOB_RUN_ACTIVE = frozenset({J.STARTING, J.RUNNING, J.STOPPING, J.WAITING})
#: Job runs that count against their job's MaxConcurrentRuns.
JOB_RUN_HOLDING_A_SLOT = frozenset({J.STARTING, J.RUNNING, J.STOPPING})
WATCHABLE_JOB_STATES = (J.SUCCEEDED, J.STOPPED, J.FAILED, J.TIMEOUT)
CRAWL_STATES = tuple(s.value for s in C)
CRAWL_FINAL = finals(C)
CRAWL_ACTIVE = frozenset({C.RUNNING, C.CANCELLING})
WATCHABLE_CRAWL_STATES = (C.SUCCEEDED, C.FAILED, C.CANCELLED)
TRIGGER_TYPES = ("SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT")
TRIGGER_STATES = tuple(s.value for s in T)
NODE_TYPES = ("TRIGGER", "JOB", "CRAWLER")
