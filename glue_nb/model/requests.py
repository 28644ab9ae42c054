"""Checks of whole operation requests beyond one definition: the parameters many operations share
(checked at the client's boundary), paging, StartJobRun, StartWorkflowRun and the bodies of
UpdateJob and UpdateTrigger."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.model.values import (
    _as_number,
    _fail,
    _kind,
    _show,
    check_arguments,
    check_bool,
    check_id,
    check_name,
    check_string,
    check_string_map,
    check_timeout,
)

__all__ = [
    "check_page",
    "check_parameters",
    "check_start_job_run",
    "check_start_workflow_run",
    "check_update",
]

_TOKEN = re.compile(r"[0-9]{1,18}")  # a NextToken this module's pages gave out: an offset

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


def check_start_workflow_run(name: Any, run_properties: Any) -> tuple[str, dict[str, str]]:
    """StartWorkflowRun's Name and RunProperties, checked before anything is written."""
    workflow = check_name("Workflow", name)
    return workflow, check_string_map(f"Workflow {workflow!r} RunProperties", run_properties)


def check_update(kind: str, name: Any, update: Any) -> Mapping[str, Any]:
    """The body of an UpdateJob/UpdateTrigger request (JobUpdate, TriggerUpdate): a map."""
    if not isinstance(update, Mapping):
        raise _fail(
            f"{kind} {_show(name)}: {kind}Update must be a map of {kind} fields, "
            f"got {_kind(update)}"
        )
    return update
