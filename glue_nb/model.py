"""Validation and normalisation of Glue-shaped definitions (jobs, triggers, workflows).

Definitions are plain data: the dicts ``glue_nb.client()`` returns and accepts. Each ``*_body``
function checks one request against Glue's rules and returns the normalised dict to store, or raises
:class:`~glue_nb.exceptions.InvalidInputException` naming the entity, the field and what would be
valid, before anything is written. Rules that involve other entities (unknown names, cycles, a
second start trigger) live in :mod:`glue_nb.definitions`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.states import TRIGGER_TYPES, WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

__all__ = [
    "NOTEBOOK_COMMAND",
    "check_name",
    "check_string_map",
    "job_body",
    "parameter_name",
    "trigger_body",
    "workflow_body",
]

NOTEBOOK_COMMAND = "notebook"
GLUE_COMMANDS = ("glueetl", "pythonshell", "gluestreaming", "glueray")
MAX_JOB_TIMEOUT_MINUTES = 10080

JOB_FIELDS = {
    "Name",
    "Description",
    "Role",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "MaxRetries",
    "Timeout",
    "ExecutionProperty",
    "JobRunQueuingEnabled",
    "Tags",
    "JobMode",
    "LogUri",
    "Connections",
    "AllocatedCapacity",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "GlueVersion",
    "ExecutionClass",
    "MaintenanceWindow",
    "ProfileName",
    "SourceControlDetails",
    "CodeGenConfigurationNodes",
}
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
WORKFLOW_FIELDS = {"Name", "Description", "DefaultRunProperties", "Tags", "MaxConcurrentRuns"}
ACTION_FIELDS = {
    "JobName",
    "CrawlerName",
    "Arguments",
    "Timeout",
    "SecurityConfiguration",
    "NotificationProperty",
}


def _fail(message: str) -> InvalidInputException:
    return InvalidInputException(message)


def check_name(kind: str, name: Any) -> str:
    """A Glue name: a string of 1-255 characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _fail(f"{kind} name must be a string of 1-255 characters, got {name!r}")
    if any(ord(ch) < 32 for ch in name):
        raise _fail(f"{kind} name {name!r} contains control characters")
    return name


def check_string_map(what: str, value: Any, *, key_limit: int = 255) -> dict[str, str]:
    """A ``{str: str}`` map such as run properties or arguments."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a map of strings to strings, got {type(value).__name__}")
    out: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= key_limit:
            raise _fail(f"{what}: key {key!r} must be a string of 1-{key_limit} characters")
        if not isinstance(val, str):
            raise _fail(
                f"{what}: value of {key!r} must be a string, got {type(val).__name__} {val!r} "
                f"(convert it, e.g. str({val!r}))"
            )
        out[key] = val
    return out


def _check_fields(kind: str, name: str, request: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(request) - allowed)
    if unknown:
        raise _fail(
            f"{kind} {name!r}: unknown parameter(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(allowed))}"
        )


def _minutes(what: str, value: Any, *, upper: float = MAX_JOB_TIMEOUT_MINUTES) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < upper:
        raise _fail(
            f"{what} must be a number of minutes above 0 and below {upper} "
            f"(fractions allowed), got {value!r}"
        )
    return value


def parameter_name(argument: str) -> str:
    """Glue-style argument key ``--name`` → notebook parameter ``name``."""
    return argument[2:] if argument.startswith("--") else argument


# -- jobs ---------------------------------------------------------------------------------------
def job_body(request: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None) -> dict:
    """Validate a CreateJob/UpdateJob request and return the Job dict to store.

    A notebook job has ``Command={"Name": "notebook", "ScriptLocation": <.ipynb path or URL>}``;
    relative local paths resolve against ``base_dir`` (default: the working directory). A local
    notebook must exist, be readable and be valid nbformat. Glue's own command names
    (glueetl, pythonshell, ...) are stored, and refused when a run starts.
    """
    name = check_name("Job", request.get("Name"))
    _check_fields("Job", name, request, JOB_FIELDS)
    body: dict[str, Any] = {k: v for k, v in request.items() if v is not None}
    command = request.get("Command")
    if not isinstance(command, Mapping) or not command.get("ScriptLocation"):
        raise _fail(
            f"Job {name!r}: Command must be a map with ScriptLocation, e.g. "
            '{"Name": "notebook", "ScriptLocation": "jobs/clean.ipynb"}'
        )
    command = dict(command)
    command.setdefault("Name", NOTEBOOK_COMMAND)
    if command["Name"] not in (NOTEBOOK_COMMAND, *GLUE_COMMANDS):
        raise _fail(
            f"Job {name!r}: Command.Name {command['Name']!r} is not valid; use 'notebook' "
            f"(Glue's {', '.join(GLUE_COMMANDS)} are stored but cannot run here)"
        )
    if command["Name"] == NOTEBOOK_COMMAND:
        command["ScriptLocation"] = resolve_notebook(name, command["ScriptLocation"], base_dir)
    body["Command"] = command
    body["JobMode"] = request.get("JobMode", "NOTEBOOK")
    body["DefaultArguments"] = check_string_map(
        f"Job {name!r} DefaultArguments", request.get("DefaultArguments")
    )
    body["NonOverridableArguments"] = check_string_map(
        f"Job {name!r} NonOverridableArguments", request.get("NonOverridableArguments")
    )
    retries = request.get("MaxRetries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise _fail(f"Job {name!r}: MaxRetries must be an integer from 0 to 10, got {retries!r}")
    body["MaxRetries"] = retries
    body["Timeout"] = _minutes(f"Job {name!r} Timeout", request.get("Timeout", 2880))
    prop = request.get("ExecutionProperty") or {}
    concurrent = prop.get("MaxConcurrentRuns", 1) if isinstance(prop, Mapping) else prop
    if isinstance(concurrent, bool) or not isinstance(concurrent, int) or concurrent < 1:
        raise _fail(
            f"Job {name!r}: ExecutionProperty.MaxConcurrentRuns must be an integer >= 1, "
            f"got {concurrent!r}"
        )
    body["ExecutionProperty"] = {"MaxConcurrentRuns": concurrent}
    body["JobRunQueuingEnabled"] = bool(request.get("JobRunQueuingEnabled", False))
    return body


def is_url(location: str) -> bool:
    """True for ``scheme://...`` locations other than ``file://``."""
    return "://" in location and not location.startswith("file://")


def resolve_notebook(job: str, location: Any, base_dir: str | os.PathLike[str] | None) -> str:
    """Absolute path of a local notebook (checked), or the URL unchanged."""
    if not isinstance(location, str) or not location:
        raise _fail(f"Job {job!r}: Command.ScriptLocation must be a path or URL of an .ipynb")
    if is_url(location):
        return location
    path = Path(location.removeprefix("file://")).expanduser()
    if not path.is_absolute():
        path = Path(base_dir or os.getcwd()) / path
    path = path.resolve()
    check_notebook_file(job, path)
    return str(path)


def check_notebook_file(job: str, path: Path) -> None:
    """Raise InvalidInputException unless ``path`` is a readable, valid notebook.

    A notebook file is read and validated once per version (path, modification time, size):
    a workflow of a thousand jobs built from one notebook validates it once."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        raise _fail(f"Job {job!r}: notebook {str(path)!r} does not exist")
    problem = _notebook_problem(str(path), stat.st_mtime_ns, stat.st_size)
    if problem is not None:
        raise _fail(f"Job {job!r}: {problem}")


@functools.lru_cache(maxsize=1024)
def _notebook_problem(path: str, mtime_ns: int, size: int) -> str | None:
    """What is wrong with the notebook file at ``path`` (None: nothing)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except OSError as exc:
        return f"notebook {path!r} cannot be read: {exc}"
    except Exception as exc:
        return f"{path!r} is not a valid notebook: {exc}"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return f"{path!r} is not valid nbformat: {exc.message}"
    return None


# -- triggers -----------------------------------------------------------------------------------
def trigger_body(request: Mapping[str, Any]) -> dict:
    """Validate a CreateTrigger request (or an updated trigger) and return the Trigger dict."""
    name = check_name("Trigger", request.get("Name"))
    _check_fields("Trigger", name, request, TRIGGER_FIELDS | {"State", "Id"})
    kind = request.get("Type")
    if kind not in TRIGGER_TYPES:
        raise _fail(
            f"Trigger {name!r}: Type must be one of {', '.join(TRIGGER_TYPES)}, got {kind!r}"
        )
    body: dict[str, Any] = {"Name": name, "Type": kind}
    if request.get("WorkflowName") is not None:
        body["WorkflowName"] = check_name("Workflow", request["WorkflowName"])
    if request.get("Description") is not None:
        body["Description"] = _text(f"Trigger {name!r} Description", request["Description"], 2048)
    schedule = request.get("Schedule")
    if kind == "SCHEDULED":
        if not schedule:
            raise _fail(
                f"Trigger {name!r}: a SCHEDULED trigger needs Schedule, e.g. 'cron(0 6 1 * ? *)'"
            )
        from glue_nb.schedule import validate

        try:
            validate(schedule)
        except InvalidInputException as exc:
            raise _fail(f"Trigger {name!r}: {exc.message}")
        body["Schedule"] = schedule
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
    if request.get("StartOnCreation") and kind == "ON_DEMAND":
        raise _fail(f"Trigger {name!r}: StartOnCreation cannot be true for an ON_DEMAND trigger")
    if request.get("Tags") is not None:
        body["Tags"] = check_string_map(f"Trigger {name!r} Tags", request["Tags"])
    return body


def _text(what: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(f"{what} must be a string of at most {limit} characters")
    return value


def _predicate(trigger: str, predicate: Any) -> dict:
    if not isinstance(predicate, Mapping) or not predicate.get("Conditions"):
        raise _fail(
            f"Trigger {trigger!r}: a CONDITIONAL trigger needs Predicate.Conditions, e.g. "
            '{"Conditions": [{"LogicalOperator": "EQUALS", "JobName": "a", "State": "SUCCEEDED"}]}'
        )
    conditions = predicate["Conditions"]
    if not isinstance(conditions, list) or len(conditions) > 500:
        raise _fail(f"Trigger {trigger!r}: Predicate.Conditions must be a list of 1-500 conditions")
    logical = predicate.get("Logical", "AND")
    if logical not in ("AND", "ANY"):
        raise _fail(f"Trigger {trigger!r}: Predicate.Logical must be AND or ANY, got {logical!r}")
    return {"Logical": logical, "Conditions": [_condition(trigger, c) for c in conditions]}


def _condition(trigger: str, cond: Any) -> dict:
    if not isinstance(cond, Mapping):
        raise _fail(f"Trigger {trigger!r}: each condition must be a map, got {cond!r}")
    op = cond.get("LogicalOperator", "EQUALS")
    if op != "EQUALS":
        raise _fail(f"Trigger {trigger!r}: LogicalOperator must be EQUALS, got {op!r}")
    job, crawler = cond.get("JobName"), cond.get("CrawlerName")
    if job and crawler:
        raise _fail(
            f"Trigger {trigger!r}: a condition names both JobName {job!r} and CrawlerName "
            f"{crawler!r}; use one condition per job or crawler"
        )
    if job:
        state = cond.get("State")
        if cond.get("CrawlState") is not None:
            raise _fail(
                f"Trigger {trigger!r}: the condition on job {job!r} uses CrawlState; "
                f"job conditions use State ({', '.join(WATCHABLE_JOB_STATES)})"
            )
        if state not in WATCHABLE_JOB_STATES:
            raise _fail(
                f"Trigger {trigger!r}: the condition on job {job!r} has State {state!r}; "
                f"watchable job states are {', '.join(WATCHABLE_JOB_STATES)}"
            )
        return {"LogicalOperator": "EQUALS", "JobName": check_name("Job", job), "State": state}
    if crawler:
        state = cond.get("CrawlState")
        if state is None and cond.get("State") is not None:
            raise _fail(
                f"Trigger {trigger!r}: the condition on crawler {crawler!r} uses State; crawler "
                f"conditions use CrawlState ({', '.join(WATCHABLE_CRAWL_STATES)})"
            )
        if state not in WATCHABLE_CRAWL_STATES:
            raise _fail(
                f"Trigger {trigger!r}: the condition on crawler {crawler!r} has CrawlState "
                f"{state!r}; watchable crawl states are {', '.join(WATCHABLE_CRAWL_STATES)}"
            )
        return {
            "LogicalOperator": "EQUALS",
            "CrawlerName": check_name("Crawler", crawler),
            "CrawlState": state,
        }
    raise _fail(
        f"Trigger {trigger!r}: a condition needs JobName (+State) or CrawlerName (+CrawlState)"
    )


def _actions(trigger: str, actions: Any) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        raise _fail(
            f"Trigger {trigger!r}: Actions must be a non-empty list of {{JobName|CrawlerName}}"
        )
    out, crawlers = [], 0
    for action in actions:
        if not isinstance(action, Mapping):
            raise _fail(f"Trigger {trigger!r}: each action must be a map, got {action!r}")
        unknown = sorted(set(action) - ACTION_FIELDS)
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
            item["JobName"] = check_name("Job", job)
            item["Arguments"] = check_string_map(
                f"Trigger {trigger!r} action {job!r} Arguments", action.get("Arguments")
            )
            if action.get("Timeout") is not None:
                item["Timeout"] = _minutes(
                    f"Trigger {trigger!r} action {job!r} Timeout", action["Timeout"]
                )
        else:
            crawlers += 1
            item["CrawlerName"] = check_name("Crawler", crawler)
        for key in ("SecurityConfiguration", "NotificationProperty"):
            if action.get(key) is not None:
                item[key] = action[key]
        out.append(item)
    if len(out) - crawlers > 50:
        raise _fail(
            f"Trigger {trigger!r}: at most 50 jobs per trigger (Glue's quota), got {len(out)}"
        )
    return out


def _batching(trigger: str, batching: Any) -> dict:
    if not isinstance(batching, Mapping):
        raise _fail(f"Trigger {trigger!r}: EventBatchingCondition must be a map")
    size, window = batching.get("BatchSize"), batching.get("BatchWindow", 900)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise _fail(
            f"Trigger {trigger!r}: EventBatchingCondition.BatchSize must be 1-100, got {size!r}"
        )
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 900:
        raise _fail(
            f"Trigger {trigger!r}: EventBatchingCondition.BatchWindow must be 1-900 seconds, "
            f"got {window!r}"
        )
    return {"BatchSize": size, "BatchWindow": window}


# -- workflows ----------------------------------------------------------------------------------
def workflow_body(request: Mapping[str, Any]) -> dict:
    """Validate a CreateWorkflow/UpdateWorkflow request and return the Workflow dict to store."""
    name = check_name("Workflow", request.get("Name"))
    _check_fields("Workflow", name, request, WORKFLOW_FIELDS | {"BlueprintDetails"})
    body: dict[str, Any] = {"Name": name}
    if request.get("Description") is not None:
        body["Description"] = _text(
            f"Workflow {name!r} Description", request["Description"], 120000
        )
    body["DefaultRunProperties"] = check_string_map(
        f"Workflow {name!r} DefaultRunProperties", request.get("DefaultRunProperties")
    )
    limit = request.get("MaxConcurrentRuns")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise _fail(
            f"Workflow {name!r}: MaxConcurrentRuns must be a positive integer or None "
            f"(unlimited), got {limit!r}"
        )
    if limit is not None:
        body["MaxConcurrentRuns"] = limit
    if request.get("Tags") is not None:
        body["Tags"] = check_string_map(f"Workflow {name!r} Tags", request["Tags"])
    if request.get("BlueprintDetails") is not None:
        body["BlueprintDetails"] = dict(request["BlueprintDetails"])
    return body
