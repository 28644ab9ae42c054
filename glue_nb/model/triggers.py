"""Trigger definitions (CreateTrigger, UpdateTrigger): types, schedules, predicates, actions and
event batching, as Glue checks them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.model.values import (
    _check_fields,
    _fail,
    _kind,
    _notify_delay,
    _request,
    _show,
    _structure,
    _tags,
    check_arguments,
    check_bool,
    check_fields,
    check_integer,
    check_name,
    check_text,
    check_timeout,
)
from glue_nb.states import TRIGGER_TYPES, WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

__all__ = ["trigger_body"]

TRIGGER_FIELDS = {
    "Name",
    "WorkflowName",
    "Type",
    "Schedule",
    "Predicate",
    "Actions",
    "Description",
    "StartOnCreation",
    "Tags",
    "EventBatchingCondition",
}
ACTION_FIELDS = {
    "JobName",
    "CrawlerName",
    "Arguments",
    "Timeout",
    "SecurityConfiguration",
    "NotificationProperty",
}
PREDICATE_FIELDS = {"Logical", "Conditions"}
CONDITION_FIELDS = {"LogicalOperator", "JobName", "State", "CrawlerName", "CrawlState"}


def trigger_body(request: Mapping[str, Any]) -> dict:
    """Validate a CreateTrigger request (or an updated trigger) and return the Trigger dict.

    ``StartOnCreation`` is checked (a bool, never true for ON_DEMAND) but not part of the
    returned dict: it decides the trigger's first State."""
    request = _request("Trigger", request)
    name = check_name("Trigger", request.get("Name"))
    _check_fields("Trigger", name, request, TRIGGER_FIELDS | {"State", "Id"})
    kind = request.get("Type")
    if not isinstance(kind, str) or kind not in TRIGGER_TYPES:
        raise _fail(
            f"Trigger {name!r}: Type must be one of {', '.join(TRIGGER_TYPES)}, got {_show(kind)}"
        )
    body: dict[str, Any] = {"Name": name, "Type": kind}
    if request.get("WorkflowName") is not None:
        body["WorkflowName"] = check_name("Workflow", request["WorkflowName"])
    if request.get("Description") is not None:
        body["Description"] = check_text(
            f"Trigger {name!r} Description", request["Description"], 2048
        )
    schedule = request.get("Schedule")
    if kind == "SCHEDULED":
        if not schedule:
            raise _fail(
                f"Trigger {name!r}: a SCHEDULED trigger needs Schedule, e.g. 'cron(0 6 1 * ? *)'"
            )
        body["Schedule"] = _schedule(name, schedule)
    elif schedule is not None:
        raise _fail(f"Trigger {name!r}: Schedule is only allowed on SCHEDULED triggers")
    predicate = request.get("Predicate")
    if kind == "CONDITIONAL":
        body["Predicate"] = _predicate(name, predicate)
    elif predicate:
        raise _fail(f"Trigger {name!r}: Predicate is only allowed on CONDITIONAL triggers")
    body["Actions"] = _actions(name, request.get("Actions"))
    if kind == "CONDITIONAL":
        watched = {c.get("JobName") for c in body["Predicate"]["Conditions"]} - {None}
        started = {a.get("JobName") for a in body["Actions"]} - {None}
        both = sorted(watched & started)
        if both:
            raise _fail(
                f"Trigger {name!r}: job {both[0]!r} cannot be both a Predicate condition and an "
                "Action of one conditional trigger (it would restart itself)"
            )
    batching = request.get("EventBatchingCondition")
    if batching is not None:
        if kind != "EVENT":
            raise _fail(
                f"Trigger {name!r}: EventBatchingCondition is only allowed on EVENT triggers"
            )
        body["EventBatchingCondition"] = _batching(name, batching)
    elif kind == "EVENT":
        body["EventBatchingCondition"] = {"BatchSize": 1, "BatchWindow": 900}
    start = request.get("StartOnCreation")
    if start is not None:
        check_bool(f"Trigger {name!r} StartOnCreation", start)
        if start and kind == "ON_DEMAND":
            raise _fail(
                f"Trigger {name!r}: StartOnCreation cannot be true for an ON_DEMAND trigger"
            )
    if request.get("Tags") is not None:
        body["Tags"] = _tags(f"Trigger {name!r} Tags", request["Tags"])
    return body


def _schedule(trigger: str, schedule: Any) -> str:
    if not isinstance(schedule, str):
        raise _fail(
            f"Trigger {trigger!r}: Schedule must be a cron expression string such as "
            f"'cron(0 6 1 * ? *)', got {_kind(schedule)}"
        )
    from glue_nb.schedule import validate

    try:
        validate(schedule)
    except InvalidInputException as exc:
        raise _fail(f"Trigger {trigger!r}: {exc.message}")
    return schedule


def _predicate(trigger: str, predicate: Any) -> dict:
    if not isinstance(predicate, Mapping) or not predicate.get("Conditions"):
        raise _fail(
            f"Trigger {trigger!r}: a CONDITIONAL trigger needs Predicate.Conditions, e.g. "
            '{"Conditions": [{"LogicalOperator": "EQUALS", "JobName": "a", "State": "SUCCEEDED"}]}'
        )
    unknown = sorted(map(str, set(predicate) - PREDICATE_FIELDS))
    if unknown:
        raise _fail(
            f"Trigger {trigger!r}: unknown Predicate field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(PREDICATE_FIELDS))}"
        )
    conditions = predicate["Conditions"]
    if not isinstance(conditions, list) or len(conditions) > 500:
        raise _fail(f"Trigger {trigger!r}: Predicate.Conditions must be a list of 1-500 conditions")
    logical = predicate.get("Logical", "AND")
    if not isinstance(logical, str) or logical not in ("AND", "ANY"):
        raise _fail(
            f"Trigger {trigger!r}: Predicate.Logical must be AND or ANY, got {_show(logical)}"
        )
    return {"Logical": logical, "Conditions": [_condition(trigger, c) for c in conditions]}


def _condition(trigger: str, cond: Any) -> dict:
    if not isinstance(cond, Mapping):
        raise _fail(f"Trigger {trigger!r}: each condition must be a map, got {_kind(cond)}")
    unknown = sorted(map(str, set(cond) - CONDITION_FIELDS))
    if unknown:
        raise _fail(
            f"Trigger {trigger!r}: unknown condition field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(CONDITION_FIELDS))}"
        )
    op = cond.get("LogicalOperator", "EQUALS")
    if op != "EQUALS":
        raise _fail(f"Trigger {trigger!r}: LogicalOperator must be EQUALS, got {_show(op)}")
    job, crawler = cond.get("JobName"), cond.get("CrawlerName")
    if job and crawler:
        raise _fail(
            f"Trigger {trigger!r}: a condition names both JobName {_show(job)} and CrawlerName "
            f"{_show(crawler)}; use one condition per job or crawler"
        )
    if job:
        job = check_name("Job", job)
        state = cond.get("State")
        if cond.get("CrawlState") is not None:
            raise _fail(
                f"Trigger {trigger!r}: the condition on job {job!r} uses CrawlState; "
                f"job conditions use State ({', '.join(WATCHABLE_JOB_STATES)})"
            )
        if not isinstance(state, str) or state not in WATCHABLE_JOB_STATES:
            raise _fail(
                f"Trigger {trigger!r}: the condition on job {job!r} has State {_show(state)}; "
                f"watchable job states are {', '.join(WATCHABLE_JOB_STATES)}"
            )
        return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}
    if crawler:
        crawler = check_name("Crawler", crawler)
        state = cond.get("CrawlState")
        if state is None and cond.get("State") is not None:
            raise _fail(
                f"Trigger {trigger!r}: the condition on crawler {crawler!r} uses State; crawler "
                f"conditions use CrawlState ({', '.join(WATCHABLE_CRAWL_STATES)})"
            )
        if not isinstance(state, str) or state not in WATCHABLE_CRAWL_STATES:
            raise _fail(
                f"Trigger {trigger!r}: the condition on crawler {crawler!r} has CrawlState "
                f"{_show(state)}; watchable crawl states are {', '.join(WATCHABLE_CRAWL_STATES)}"
            )
        return {"LogicalOperator": "EQUALS", "CrawlerName": crawler, "CrawlState": state}
    raise _fail(
        f"Trigger {trigger!r}: a condition needs JobName (+State) or CrawlerName (+CrawlState)"
    )


def _actions(trigger: str, actions: Any) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        raise _fail(
            f"Trigger {trigger!r}: Actions must be a non-empty list of {{JobName|CrawlerName}}"
        )
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for action in actions:
        if not isinstance(action, Mapping):
            raise _fail(f"Trigger {trigger!r}: each action must be a map, got {_kind(action)}")
        unknown = sorted(map(str, set(action) - ACTION_FIELDS))
        if unknown:
            raise _fail(
                f"Trigger {trigger!r}: unknown action field(s) {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(ACTION_FIELDS))}"
            )
        job, crawler = action.get("JobName"), action.get("CrawlerName")
        if bool(job) == bool(crawler):
            raise _fail(
                f"Trigger {trigger!r}: each action needs exactly one of JobName or CrawlerName"
            )
        item: dict[str, Any] = {}
        if job:
            job = item["JobName"] = check_name("Job", job)
            item["Arguments"] = check_arguments(
                f"Trigger {trigger!r} action {job!r} Arguments", action.get("Arguments")
            )
            if action.get("Timeout") is not None:
                item["Timeout"] = check_timeout(
                    f"Trigger {trigger!r} action {job!r} Timeout", action["Timeout"]
                )
            key = ("job", job)
        else:
            crawler = item["CrawlerName"] = check_name("Crawler", crawler)
            key = ("crawler", crawler)
        if key in seen:
            raise _fail(
                f"Trigger {trigger!r}: {key[0]} {key[1]!r} is in Actions twice; a trigger "
                f"starts each {key[0]} once when it fires (keep one action for it)"
            )
        seen.add(key)
        target = f"Trigger {trigger!r} action {key[1]!r}"
        if action.get("SecurityConfiguration") is not None:
            item["SecurityConfiguration"] = check_name(
                f"{target} SecurityConfiguration", action["SecurityConfiguration"]
            )
        if action.get("NotificationProperty") is not None:
            item["NotificationProperty"] = _structure(
                f"{target} NotificationProperty",
                action["NotificationProperty"],
                {"NotifyDelayAfter": _notify_delay},
            )
        out.append(item)
    jobs = sum(1 for item in out if "JobName" in item)
    if jobs > 50:
        raise _fail(f"Trigger {trigger!r}: at most 50 jobs per trigger (Glue's quota), got {jobs}")
    return out


def _batching(trigger: str, batching: Any) -> dict:
    where = f"Trigger {trigger!r}: EventBatchingCondition"
    check_fields(where, batching, ("BatchSize", "BatchWindow"), "BatchSize (and BatchWindow)")
    size = check_integer(f"{where}.BatchSize", batching.get("BatchSize"), 1, 100)
    window = check_integer(
        f"{where}.BatchWindow (seconds)", batching.get("BatchWindow", 900), 1, 900
    )
    return {"BatchSize": size, "BatchWindow": window}
