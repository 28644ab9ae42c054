"""Validation and normalisation of Glue-shaped definitions (jobs, triggers, workflows).

Definitions are plain data: the dicts ``glue_nb.client()`` returns and accepts. Each ``*_body``
function checks one request against Glue's rules and returns the normalised dict to store, or raises
:class:`~glue_nb.exceptions.InvalidInputException` naming the entity, the field and what would be
valid, before anything is written. Rules that involve other entities (unknown names, cycles, a
second start trigger) live in :mod:`glue_nb.definitions`.

The ``check_*`` functions are the single rules for values met in several requests (names, maps of
strings, job arguments, timeouts, page tokens); the engine, the client and the fluent API call them
too, so one value is judged the same way wherever it arrives.
"""

from __future__ import annotations

import functools
import keyword
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.states import TRIGGER_TYPES, WATCHABLE_CRAWL_STATES, WATCHABLE_JOB_STATES

__all__ = [
    "DEFAULT_KERNEL",
    "MAX_JOB_TIMEOUT_MINUTES",
    "MAX_RETRIES",
    "NOTEBOOK_COMMAND",
    "check_arguments",
    "check_bool",
    "check_id",
    "check_integer",
    "check_kernel_name",
    "check_name",
    "check_page",
    "check_parameters",
    "check_start_job_run",
    "check_start_workflow_run",
    "check_string",
    "check_string_map",
    "check_text",
    "check_timeout",
    "check_update",
    "job_body",
    "job_notebook",
    "parameter_name",
    "trigger_body",
    "workflow_body",
]

NOTEBOOK_COMMAND = "notebook"
GLUE_COMMANDS = ("glueetl", "pythonshell", "gluestreaming", "glueray")
MAX_JOB_TIMEOUT_MINUTES = 10080  # 7 days: Glue refuses longer job timeouts
DEFAULT_JOB_TIMEOUT_MINUTES = 2880
MAX_RETRIES = 10
# The kernel of a notebook that names none: jupyter_client's NATIVE_KERNEL_NAME, which nbclient
# (and so ``jupyter nbconvert --execute``) also falls back to. papermill alone refuses to guess.
DEFAULT_KERNEL = "python3"
JOB_MODES = ("SCRIPT", "VISUAL", "NOTEBOOK")
EXECUTION_CLASSES = ("FLEX", "STANDARD")
MAX_TAGS = 50

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
COMMAND_FIELDS = {"Name", "ScriptLocation", "PythonVersion", "Runtime", "KernelName"}
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
PREDICATE_FIELDS = {"Logical", "Conditions"}
CONDITION_FIELDS = {"LogicalOperator", "JobName", "State", "CrawlerName", "CrawlState"}

# Glue's NameString allows tabs and other control characters; glue-nb names also become file
# names and are printed in terminals, so none of Unicode's control characters (C0, DEL, C1).
_BAD_NAME_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Glue's DescriptionString: printable text, tabs and line breaks.
_BAD_TEXT_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Any stored string: a lone surrogate cannot be encoded (UTF-8: the store, a notebook, a page).
_SURROGATE = re.compile("[\ud800-\udfff]")
# jupyter_client's rule for kernelspec names
_KERNEL_NAME = re.compile(r"[a-z0-9._-]+", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9]{1,18}")


def _fail(message: str) -> InvalidInputException:
    return InvalidInputException(message)


def _show(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to a readable length (a 100,000-character name stays one line)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, (str, bytes)) else type(value).__name__
    return f"{text[: limit - 20]}... ({size})"


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {_show(value)}"


def _as_number(value: Any) -> int | float | None:
    """``value`` as a Python int or float (numpy numbers too); None for anything else, bools
    included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return None
    return None


def _char(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (not valid Unicode text)"
    if code in (0xFFFE, 0xFFFF):
        return f"the non-character U+{code:04X}"
    return f"the control character U+{code:04X}"


def _no_surrogate(what: str, value: str) -> str:
    bad = _SURROGATE.search(value)
    if bad:
        raise _fail(f"{what} {_show(value)} contains {_char(bad.group())}")
    return value


# -- values met in many requests ----------------------------------------------------------------
def check_name(kind: str, name: Any) -> str:
    """A Glue name: a string of 1-255 printable characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _fail(f"{kind} name must be a string of 1-255 characters, got {_show(name)}")
    bad = _BAD_NAME_CHAR.search(name)
    if bad:
        raise _fail(
            f"{kind} name {_show(name)} contains {_char(bad.group())}; "
            "names are 1-255 printable characters"
        )
    return name


def check_text(what: str, value: Any, limit: int) -> str:
    """Free text such as a Description: a string of at most ``limit`` printable characters
    (tabs and line breaks allowed)."""
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(f"{what} must be a string of at most {limit:,} characters, got {_kind(value)}")
    bad = _BAD_TEXT_CHAR.search(value)
    if bad:
        raise _fail(f"{what} contains {_char(bad.group())}; use printable text")
    return value


def check_string_map(what: str, value: Any, *, key_limit: int = 255) -> dict[str, str]:
    """A ``{str: str}`` map such as run properties or arguments (None: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(
            f"{what} must be a map of strings to strings, e.g. {{'key': 'value'}}, "
            f"got {_kind(value)}"
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= key_limit:
            raise _fail(f"{what}: key {_show(key)} must be a string of 1-{key_limit} characters")
        _no_surrogate(f"{what}: key", key)
        if not isinstance(val, str):
            raise _fail(
                f"{what}: value of {_show(key)} must be a string, got {_kind(val)} "
                f"(convert it, e.g. str({_show(val)}))"
            )
        _no_surrogate(f"{what}: value of {_show(key)}", val)
        out[key] = val
    return out


def check_arguments(what: str, value: Any) -> dict[str, str]:
    """Job arguments (``{"--name": "value"}``): a map of strings whose names can become notebook
    parameters. A Python keyword (``--class``, ``--lambda``) cannot be a variable of the notebook,
    so it is refused here rather than failing every run on a SyntaxError."""
    args = check_string_map(what, value)
    for key in args:
        name = parameter_name(key)
        if keyword.iskeyword(name):
            raise _fail(
                f"{what}: argument {key!r} cannot become a notebook parameter, because "
                f"{name!r} is a Python keyword; rename it, e.g. to '--{name}_' "
                f"(read as {name}_ in the notebook)"
            )
    return args


def _tags(what: str, value: Any) -> dict[str, str]:
    tags = check_string_map(what, value, key_limit=128)
    if len(tags) > MAX_TAGS:
        raise _fail(f"{what}: at most {MAX_TAGS} tags, got {len(tags)}")
    too_long = next((k for k, v in tags.items() if len(v) > 256), None)
    if too_long is not None:
        raise _fail(f"{what}: the value of tag {too_long!r} is longer than 256 characters")
    return tags


def check_bool(what: str, value: Any) -> bool:
    """A flag: ``True`` or ``False`` (not "yes", not 1)."""
    if not isinstance(value, bool):
        raise _fail(f"{what} must be true or false (a bool), got {_kind(value)}")
    return value


def check_integer(what: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole number from ``low`` (to ``high``); numpy integers are accepted as ints."""
    number = _as_number(value) if isinstance(value, numbers.Integral) else None
    if number is None or number < low or (high is not None and number > high):
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        raise _fail(f"{what} must be an integer {span}, got {_kind(value)}")
    return int(number)


def _number(what: str, value: Any, low: float) -> float | int:
    """A finite number >= ``low``."""
    number = _as_number(value)
    if number is None or not low <= number < float("inf"):
        raise _fail(f"{what} must be a finite number >= {low}, got {_kind(value)}")
    return number


def check_timeout(what: str, value: Any) -> int | float:
    """A job run's Timeout in minutes: above 0 and at most 7 days (10080 minutes).

    The one rule for a job's Timeout, a trigger action's Timeout and StartJobRun's Timeout.
    Glue takes whole minutes (its model: integer, at least 1); glue-nb also takes fractions of a
    minute (``0.5`` = 30 seconds) for short notebooks and tests. Strings, bools, NaN, infinity,
    zero and negative numbers are refused (zero would mean "no timeout" to some readers and
    "time out at once" to others)."""
    minutes = _as_number(value)
    if minutes is None or not 0 < minutes <= MAX_JOB_TIMEOUT_MINUTES:
        raise _fail(
            f"{what} must be a number of minutes above 0 and at most {MAX_JOB_TIMEOUT_MINUTES} "
            f"(7 days), e.g. 60; Glue takes whole minutes, glue-nb also fractions such as 0.5 "
            f"for 30 seconds; got {_kind(value)}"
        )
    return minutes


def check_kernel_name(what: str, value: Any) -> str:
    """The name of a Jupyter kernelspec (as ``jupyter kernelspec list`` shows them)."""
    if not isinstance(value, str) or len(value) > 255 or not _KERNEL_NAME.fullmatch(value):
        raise _fail(
            f"{what} must be the name of a Jupyter kernel (letters, digits, '.', '_' or '-', as "
            f"`jupyter kernelspec list` shows them, e.g. 'python3'), got {_kind(value)}"
        )
    return value


def check_page(what: str, next_token: Any, max_results: Any, limit: int) -> tuple[int, int]:
    """Glue-style paging: ``(start, size)`` from a NextToken (one this module's pages gave out,
    or None for the first page) and MaxResults (1-``limit``, default ``limit``)."""
    size = limit if max_results is None else _as_number(max_results)
    if not isinstance(size, int) or not 1 <= size <= limit:
        raise _fail(f"{what}: MaxResults must be 1-{limit} (an integer), got {_kind(max_results)}")
    if next_token is None or (isinstance(next_token, str) and not next_token):
        return 0, size
    if not isinstance(next_token, str) or not _TOKEN.fullmatch(next_token):
        raise _fail(
            f"{what}: invalid NextToken {_kind(next_token)}; pass the NextToken string of the "
            "previous page unchanged, or none for the first page"
        )
    return int(next_token), size


def check_start_job_run(
    job_name: Any, arguments: Any, timeout: Any, job_run_id: Any = None
) -> tuple[str, dict[str, str], int | float | None, str | None]:
    """StartJobRun's JobName, Arguments, Timeout (None: the job's) and JobRunId (the run to
    retry, or None), checked before anything is written."""
    job = check_name("Job", job_name)
    where = f"StartJobRun of job {job!r}"
    args = check_arguments(f"{where}: Arguments", arguments)
    minutes = None if timeout is None else check_timeout(f"{where}: Timeout", timeout)
    if job_run_id is not None:
        job_run_id = check_id(f"{where}: JobRunId", job_run_id)
    return job, args, minutes, job_run_id


def check_id(what: str, value: Any) -> str:
    """An id such as a RunId or JobRunId: a string of 1-255 characters (Glue's IdString)."""
    if not isinstance(value, str) or not value:
        raise _fail(f"{what} must be a string of 1-255 characters, got {_kind(value)}")
    return check_string(what, value, 255)


def check_update(kind: str, name: Any, update: Any) -> Mapping[str, Any]:
    """The body of an UpdateJob/UpdateTrigger request (JobUpdate, TriggerUpdate): a map."""
    if not isinstance(update, Mapping):
        raise _fail(
            f"{kind} {_show(name)}: {kind}Update must be a map of {kind} fields, "
            f"got {_kind(update)}"
        )
    return update


def check_start_workflow_run(name: Any, run_properties: Any) -> tuple[str, dict[str, str]]:
    """StartWorkflowRun's Name and RunProperties, checked before anything is written."""
    workflow = check_name("Workflow", name)
    return workflow, check_string_map(f"Workflow {workflow!r} RunProperties", run_properties)


# Parameters that many operations share, typed as Glue's model types them (NameString,
# IdString, ...): checked once at the client's boundary, before any of them reaches the store.
_NAME_PARAMETERS = {
    "Name": "Name",
    "JobName": "Job",
    "WorkflowName": "Workflow",
    "CrawlerName": "Crawler",
    "DatabaseName": "Database",
    "TableName": "Table",
    "BlueprintName": "Blueprint",
    "DependentJobName": "Job",
}
_NAME_LIST_PARAMETERS = {"Names", "JobNames", "CrawlerNames", "TriggerNames"}
_ID_PARAMETERS = {"RunId", "JobRunId", "CatalogId", "VersionId"}
_ID_LIST_PARAMETERS = {"JobRunIds", "NodeIds"}
_BOOL_PARAMETERS = {
    "IncludeGraph",
    "PredecessorsIncluded",
    "Pending",
    "IncludeBlueprint",
    "IncludeParameterSpec",
    "SkipArchive",
}


def check_parameters(operation: str, parameters: Mapping[str, Any]) -> None:
    """Check the parameters of any Glue operation that many operations share: names, run ids,
    lists of them, flags, NextToken (a string) and MaxResults (an integer; its range is the
    operation's). A parameter that is None counts as not given, except for lists. Request
    bodies (JobUpdate, TableInput, ...) are checked by their own rules."""
    for key, value in parameters.items():
        lists = key in _NAME_LIST_PARAMETERS or key in _ID_LIST_PARAMETERS
        if value is None and not lists:
            continue
        what = f"{operation}: {key}"
        if key in _NAME_PARAMETERS:
            try:
                check_name(_NAME_PARAMETERS[key], value)
            except InvalidInputException as exc:
                raise _fail(f"{what}: {exc.message}") from None
        elif key in _ID_PARAMETERS:
            check_id(what, value)
        elif lists:
            if not isinstance(value, list):
                raise _fail(f"{what} must be a list, got {_kind(value)}")
            for i, item in enumerate(value):
                if key in _ID_LIST_PARAMETERS:
                    check_id(f"{what}[{i}]", item)
                else:
                    try:
                        check_name("Name", item)
                    except InvalidInputException as exc:
                        raise _fail(f"{what}[{i}]: {exc.message}") from None
        elif key in _BOOL_PARAMETERS:
            check_bool(what, value)
        elif key == "NextToken":
            check_string(what, value, 4096)
        elif key == "MaxResults" and (isinstance(value, bool) or _as_number(value) is None):
            raise _fail(f"{what} must be an integer, got {_kind(value)}")  # the range: its own


def _plain(what: str, value: Any, depth: int = 0) -> Any:
    """JSON-shaped data (maps with string keys, lists, strings, finite numbers, bools, None),
    for fields glue-nb stores for Glue but does not use."""
    if depth > 32:
        raise _fail(f"{what} is nested more than 32 levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _no_surrogate(what, value)
    if isinstance(value, numbers.Real):
        return _number(what, value, float("-inf"))
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(f"{what}: key {_show(key)} must be a string")
            out[_no_surrogate(f"{what}: key", key)] = _plain(f"{what}.{key}", item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(f"{what}[{i}]", item, depth + 1) for i, item in enumerate(value)]
    raise _fail(
        f"{what} must be JSON-shaped data (maps, lists, strings, numbers), got {_kind(value)}"
    )


def _structure(what: str, value: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A Glue structure: a map whose keys are ``fields`` (each checked by its function)."""
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a map with {', '.join(fields)}, got {_kind(value)}")
    unknown = sorted(map(str, set(value) - set(fields)))
    if unknown:
        raise _fail(
            f"{what}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(fields))}"
        )
    return {k: fields[k](f"{what}.{k}", v) for k, v in value.items() if v is not None}


def _check_fields(kind: str, name: str, request: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(map(str, set(request) - allowed))
    if unknown:
        raise _fail(
            f"{kind} {name!r}: unknown parameter(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(allowed))}"
        )


def _request(kind: str, request: Any) -> Mapping[str, Any]:
    if not isinstance(request, Mapping):
        raise _fail(
            f"a {kind} definition must be a map of Glue's {kind} fields, got {_kind(request)}"
        )
    return request


def parameter_name(argument: str) -> str:
    """Glue-style argument key ``--name`` → notebook parameter ``name``."""
    return argument[2:] if argument.startswith("--") else argument


# -- jobs ---------------------------------------------------------------------------------------
def check_string(what: str, value: Any, limit: int | None = None) -> str:
    """A string (of at most ``limit`` characters) that can be stored: no lone surrogate."""
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        size = f" of at most {limit:,} characters" if limit is not None else ""
        raise _fail(f"{what} must be a string{size}, got {_kind(value)}")
    return _no_surrogate(what, value)


def _choice(what: str, value: Any, valid: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in valid:
        raise _fail(f"{what} must be one of {', '.join(valid)}, got {_kind(value)}")
    return value


def _string_list(what: str, value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _fail(f"{what} must be a list of strings, got {_kind(value)}")
    return [check_string(f"{what}[{i}]", item) for i, item in enumerate(value)]


def _map(what: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a map, got {_kind(value)}")
    return _plain(what, value)  # type: ignore[no-any-return]


def _notify_delay(what: str, value: Any) -> int:
    return check_integer(what, value, 1)


# Fields glue-nb stores for Glue (GetJob returns them) but does not use: their type is checked
# against Glue's model so that what is stored is what Glue would have accepted.
_JOB_STORED_FIELDS: dict[str, Any] = {
    "Role": check_string,
    "LogUri": check_string,
    "WorkerType": check_string,  # Glue's list of worker types grows; any name is kept
    "GlueVersion": lambda what, v: check_string(what, v, 255),
    "MaintenanceWindow": check_string,
    "SecurityConfiguration": check_name,
    "ProfileName": check_name,
    "ExecutionClass": lambda what, v: _choice(what, v, EXECUTION_CLASSES),
    "AllocatedCapacity": lambda what, v: check_integer(what, v, 0),
    "NumberOfWorkers": lambda what, v: check_integer(what, v, 0),
    "MaxCapacity": lambda what, v: _number(what, v, 0),
    "Connections": lambda what, v: _structure(what, v, {"Connections": _string_list}),
    "NotificationProperty": lambda what, v: _structure(
        what, v, {"NotifyDelayAfter": _notify_delay}
    ),
    "SourceControlDetails": _map,
    "CodeGenConfigurationNodes": _map,
}


def job_body(request: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None) -> dict:
    """Validate a CreateJob/UpdateJob request and return the Job dict to store.

    A notebook job has ``Command={"Name": "notebook", "ScriptLocation": <.ipynb path or URL>}``
    and optionally ``Command.KernelName`` (else the notebook's kernelspec, else
    :data:`DEFAULT_KERNEL`); relative local paths resolve against ``base_dir`` (default: the
    working directory). A local notebook must exist, be readable and be valid nbformat (version
    3 notebooks are upgraded in memory when they run). Glue's own command names (glueetl,
    pythonshell, ...) are stored, and refused when a run starts.
    """
    request = _request("Job", request)
    name = check_name("Job", request.get("Name"))
    _check_fields("Job", name, request, JOB_FIELDS)
    where = f"Job {name!r}"
    body: dict[str, Any] = {k: v for k, v in request.items() if v is not None}
    command = _command(name, request.get("Command"), base_dir)
    body["Command"] = command
    if "Description" in body:
        body["Description"] = check_text(f"{where} Description", body["Description"], 2048)
    body["JobMode"] = _choice(f"{where} JobMode", body.get("JobMode", "NOTEBOOK"), JOB_MODES)
    # a notebook job's arguments become notebook parameters; Glue's commands keep theirs as is
    arguments = check_arguments if command["Name"] == NOTEBOOK_COMMAND else check_string_map
    for field in ("DefaultArguments", "NonOverridableArguments"):
        body[field] = arguments(f"{where} {field}", body.get(field))
    body["MaxRetries"] = check_integer(
        f"{where} MaxRetries", body.get("MaxRetries", 0), 0, MAX_RETRIES
    )
    body["Timeout"] = check_timeout(
        f"{where} Timeout", body.get("Timeout", DEFAULT_JOB_TIMEOUT_MINUTES)
    )
    prop = _structure(
        f"{where} ExecutionProperty",
        body.get("ExecutionProperty", {}),
        {"MaxConcurrentRuns": lambda what, v: check_integer(what, v, 1)},
    )
    body["ExecutionProperty"] = {"MaxConcurrentRuns": prop.get("MaxConcurrentRuns", 1)}
    body["JobRunQueuingEnabled"] = check_bool(
        f"{where} JobRunQueuingEnabled", body.get("JobRunQueuingEnabled", False)
    )
    if "Tags" in body:
        body["Tags"] = _tags(f"{where} Tags", body["Tags"])
    for field, check in _JOB_STORED_FIELDS.items():
        if field in body:
            body[field] = check(f"{where} {field}", body[field])
    return body


def _command(job: str, command: Any, base_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    where = f"Job {job!r}"
    if not isinstance(command, Mapping) or not command.get("ScriptLocation"):
        raise _fail(
            f"{where}: Command must be a map with ScriptLocation, e.g. "
            '{"Name": "notebook", "ScriptLocation": "jobs/clean.ipynb"}'
        )
    given = {k: v for k, v in command.items() if v is not None}
    unknown = sorted(map(str, set(given) - COMMAND_FIELDS))
    if unknown:
        raise _fail(
            f"{where}: unknown Command field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(COMMAND_FIELDS))}"
        )
    kind = given.get("Name", NOTEBOOK_COMMAND)
    if not isinstance(kind, str) or kind not in (NOTEBOOK_COMMAND, *GLUE_COMMANDS):
        raise _fail(
            f"{where}: Command.Name {_show(kind)} is not valid; use 'notebook' "
            f"(Glue's {', '.join(GLUE_COMMANDS)} are stored but cannot run here)"
        )
    out: dict[str, Any] = {**given, "Name": kind}
    for field in ("PythonVersion", "Runtime"):
        if field in given:
            out[field] = check_string(f"{where} Command.{field}", given[field], 64)
    kernel = None
    if "KernelName" in given:
        kernel = out["KernelName"] = check_kernel_name(
            f"{where} Command.KernelName", given["KernelName"]
        )
    location = given["ScriptLocation"]
    if kind == NOTEBOOK_COMMAND:
        out["ScriptLocation"] = resolve_notebook(job, location, base_dir, kernel)
    else:
        out["ScriptLocation"] = check_string(f"{where} Command.ScriptLocation", location, 400000)
    return out


def is_url(location: str) -> bool:
    """True for ``scheme://...`` locations other than ``file://``."""
    return "://" in location and not location.startswith("file://")


def resolve_notebook(
    job: str,
    location: Any,
    base_dir: str | os.PathLike[str] | None,
    kernel_name: str | None = None,
) -> str:
    """Absolute path of a local notebook (checked), or the URL unchanged."""
    where = f"Job {job!r}: Command.ScriptLocation"
    if not isinstance(location, str) or not location or len(location) > 400000:
        raise _fail(
            f"{where} must be the path or URL of an .ipynb (at most 400,000 characters), "
            f"got {_kind(location)}"
        )
    bad = re.search("[\x00\ud800-\udfff]", location)
    if bad:
        raise _fail(f"{where} {_show(location)} contains {_char(bad.group())}; no path can")
    if is_url(location):
        return location
    try:
        path = Path(location.removeprefix("file://")).expanduser()
        if not path.is_absolute():
            path = Path(base_dir or os.getcwd()) / path
        path = path.resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symlink loop
        raise _fail(f"{where} {_show(location)} cannot be resolved: {exc}")
    check_notebook_file(job, path, kernel_name)
    return str(path)


def check_notebook_file(job: str, path: Path, kernel_name: str | None = None) -> None:
    """Raise InvalidInputException unless ``path`` is a readable, valid notebook that a kernel
    can be chosen for (``kernel_name``, its kernelspec, or :data:`DEFAULT_KERNEL` when it is
    written in Python or says nothing of its language).

    A notebook file is read and validated once per version (path, modification time, size):
    a workflow of a thousand jobs built from one notebook validates it once."""
    shown = _show(str(path), 300)
    try:
        stat = path.stat()
    except OSError as exc:
        raise _fail(f"Job {job!r}: notebook {shown} does not exist ({exc.strerror or exc})")
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise _fail(f"Job {job!r}: notebook {shown} is {kind}, not an .ipynb file")
    facts = _notebook_facts(str(path), stat.st_mtime_ns, stat.st_size)
    if facts.problem is not None:
        raise _fail(f"Job {job!r}: {facts.problem}")
    language = (facts.language or "python").lower()
    if kernel_name is None and facts.kernel is None and language != "python":
        raise _fail(
            f"Job {job!r}: notebook {shown} is written in {facts.language!r} but names no "
            f"kernel (its metadata has no kernelspec), and glue-nb would run it with "
            f"{DEFAULT_KERNEL!r}; set Command.KernelName to the kernel that runs it (see "
            "`jupyter kernelspec list`), or open it in Jupyter, select that kernel and save it"
        )


@dataclass(frozen=True)
class _NotebookFacts:
    problem: str | None = None  # what is wrong with the file (None: nothing)
    kernel: str | None = None  # metadata.kernelspec.name
    language: str | None = None  # metadata.language_info.name or kernelspec.language


@functools.lru_cache(maxsize=1024)
def _notebook_facts(path: str, mtime_ns: int, size: int) -> _NotebookFacts:
    """What matters to a job in the notebook file at ``path`` (read as nbformat 4)."""
    import nbformat
    from nbformat.reader import NotJSONError

    try:
        nb = nbformat.read(path, as_version=4)
    except OSError as exc:
        return _NotebookFacts(f"notebook {path!r} cannot be read: {exc}")
    except NotJSONError:  # its message quotes the file: say less
        return _NotebookFacts(f"{path!r} is not a valid notebook: it is not JSON")
    except Exception as exc:
        return _NotebookFacts(f"{path!r} is not a valid notebook: {exc}")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return _NotebookFacts(f"{path!r} is not valid nbformat: {exc.message}")
    spec = nb.metadata.get("kernelspec")
    spec = spec if isinstance(spec, Mapping) else {}
    info = nb.metadata.get("language_info")
    info = info if isinstance(info, Mapping) else {}
    return _NotebookFacts(None, spec.get("name") or None, info.get("name") or spec.get("language"))


def job_notebook(nb: Any, kernel_name: str | None = None) -> Any:
    """A job's notebook as papermill needs it: an nbformat 4 ``NotebookNode`` whose metadata
    names the kernel that runs it, which is ``Command.KernelName``, else the notebook's own
    kernelspec, else :data:`DEFAULT_KERNEL` (the file itself is never changed).

    papermill reads the kernel and the language from the metadata and refuses a notebook that
    names no kernel ("No kernel name found in notebook"), as nbformat 3 notebooks never do;
    nbformat 3 notebooks, upgraded when read, also come back as nbformat 3's node type, which
    papermill does not take. A kernel that is not installed here is left for the kernel start
    to report (a kernel pool backs off from it), unless the notebook does not say its language
    either: then InvalidInputException names the installed kernels.
    """
    import nbformat

    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
    metadata = nb.metadata
    own = metadata.get("kernelspec")
    own = dict(own) if isinstance(own, Mapping) else {}
    info = metadata.get("language_info")
    language = (info if isinstance(info, Mapping) else {}).get("name") or own.get("language")
    name = kernel_name or own.get("name") or DEFAULT_KERNEL
    if name == own.get("name") and language:
        return nb
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    specs = KernelSpecManager()
    try:
        found = specs.get_kernel_spec(name)
        spec = {"name": name, "display_name": found.display_name, "language": found.language}
    except NoSuchKernel:
        if not language:
            installed = ", ".join(sorted(specs.find_kernel_specs())) or "none"
            raise _fail(
                f"no Jupyter kernel named {name!r} is installed here (installed: {installed}); "
                "install it, or choose another with Command.KernelName"
            ) from None
        spec = {"name": name, "display_name": name, "language": language}
    metadata["kernelspec"] = nbformat.from_dict(spec)
    return nb


# -- triggers -----------------------------------------------------------------------------------
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
    if not isinstance(batching, Mapping):
        raise _fail(f"{where} must be a map with BatchSize (and BatchWindow)")
    unknown = sorted(map(str, set(batching) - {"BatchSize", "BatchWindow"}))
    if unknown:
        raise _fail(
            f"{where}: unknown field(s) {', '.join(unknown)}; valid: BatchSize, BatchWindow"
        )
    size = check_integer(f"{where}.BatchSize", batching.get("BatchSize"), 1, 100)
    window = check_integer(
        f"{where}.BatchWindow (seconds)", batching.get("BatchWindow", 900), 1, 900
    )
    return {"BatchSize": size, "BatchWindow": window}


# -- workflows ----------------------------------------------------------------------------------
def workflow_body(request: Mapping[str, Any]) -> dict:
    """Validate a CreateWorkflow/UpdateWorkflow request and return the Workflow dict to store."""
    request = _request("Workflow", request)
    name = check_name("Workflow", request.get("Name"))
    _check_fields("Workflow", name, request, WORKFLOW_FIELDS | {"BlueprintDetails"})
    body: dict[str, Any] = {"Name": name}
    if request.get("Description") is not None:
        body["Description"] = check_text(
            f"Workflow {name!r} Description", request["Description"], 120000
        )
    body["DefaultRunProperties"] = check_string_map(
        f"Workflow {name!r} DefaultRunProperties", request.get("DefaultRunProperties")
    )
    limit = request.get("MaxConcurrentRuns")
    if limit is not None:
        body["MaxConcurrentRuns"] = check_integer(
            f"Workflow {name!r}: MaxConcurrentRuns (None: unlimited)", limit, 1
        )
    if request.get("Tags") is not None:
        body["Tags"] = _tags(f"Workflow {name!r} Tags", request["Tags"])
    if request.get("BlueprintDetails") is not None:
        body["BlueprintDetails"] = _structure(
            f"Workflow {name!r} BlueprintDetails",
            request["BlueprintDetails"],
            {"BlueprintName": check_name, "RunId": check_id},
        )
    return body
