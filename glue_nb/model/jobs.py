"""Job definitions (CreateJob, UpdateJob): Glue's Job fields and glue-nb's notebook command."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from glue_nb.model.notebooks import resolve_notebook
from glue_nb.model.values import (
    DEFAULT_JOB_TIMEOUT_MINUTES,
    MAX_RETRIES,
    _check_fields,
    _choice,
    _fail,
    _map,
    _notify_delay,
    _number,
    _request,
    _show,
    _string_list,
    _structure,
    _tags,
    check_arguments,
    check_bool,
    check_integer,
    check_kernel_name,
    check_name,
    check_string,
    check_string_map,
    check_text,
    check_timeout,
)

__all__ = ["GLUE_COMMANDS", "NOTEBOOK_COMMAND", "job_body"]

NOTEBOOK_COMMAND = "notebook"
GLUE_COMMANDS = ("glueetl", "pythonshell", "gluestreaming", "glueray")
JOB_MODES = ("SCRIPT", "VISUAL", "NOTEBOOK")
EXECUTION_CLASSES = ("FLEX", "STANDARD")
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
