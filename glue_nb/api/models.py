"""The two service models the clients and the server speak: Glue's, and glue-nb's own.

``glue`` is botocore's own Glue model, unchanged. ``gluenb`` (``X-Amz-Target: GlueNb.<Op>``) is
glue-nb's API beside it, derived here at run time from Glue's model rather than written out: the
same operations (those glue-nb implements) whose answers also carry what only glue-nb knows
(each job run's executed notebook, logs and error detail, which triggers fired, each crawl's id
and summary), the same inputs with ``Executor`` where runs start, Timeout as minutes with
fractions, Role optional; plus operations of its own (events for EVENT triggers). botocore reads
it through :class:`Loader`, so glue-nb's API gets botocore's validation, errors and paginators.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import JSONFileLoader
from botocore.loaders import Loader as _BotocoreLoader

__all__ = [
    "GLUE",
    "GLUE_NB",
    "OPERATIONS",
    "JSONFiles",
    "Loader",
    "glue_model",
    "nb_model",
    "nb_paginators",
]

GLUE = "glue"
GLUE_NB = "gluenb"
NB_API_VERSION = "2026-12-01"
NB_TARGET_PREFIX = "GlueNb"

_STRING = {"type": "string"}
_DOCUMENT = {"type": "structure", "members": {}, "document": True}

#: The operations glue-nb answers (Glue's and its own), those :mod:`glue_nb.api.operations`
#: registers (a test checks the two agree). Listed here so
#: that a client of a server builds glue-nb's model without importing the handlers (and the
#: store and definitions they work on).
OPERATIONS: tuple[str, ...] = (
    "CreateWorkflow", "UpdateWorkflow", "DeleteWorkflow", "GetWorkflow", "ListWorkflows",
    "BatchGetWorkflows", "StartWorkflowRun", "StopWorkflowRun", "ResumeWorkflowRun",
    "GetWorkflowRun", "WaitForWorkflowRun", "GetWorkflowRuns", "GetWorkflowRunProperties",
    "PutWorkflowRunProperties",
    "CreateJob", "UpdateJob", "DeleteJob", "GetJob", "GetJobs", "ListJobs", "BatchGetJobs",
    "StartJobRun", "GetJobRun", "GetJobRuns", "BatchStopJobRun", "CreateTrigger", "GetTrigger",
    "GetTriggers", "ListTriggers", "BatchGetTriggers", "UpdateTrigger", "DeleteTrigger",
    "StartTrigger", "StopTrigger", "CreateCrawler", "UpdateCrawler", "DeleteCrawler",
    "GetCrawler", "GetCrawlers", "ListCrawlers", "BatchGetCrawlers", "StartCrawler",
    "StopCrawler", "ListCrawls", "GetCrawlerMetrics", "StartCrawlerSchedule",
    "StopCrawlerSchedule", "UpdateCrawlerSchedule", "TagResource", "UntagResource", "GetTags",
    "CreateBlueprint", "UpdateBlueprint", "DeleteBlueprint", "BatchGetBlueprints",
    "ListBlueprints", "GetBlueprint", "StartBlueprintRun", "GetBlueprintRun",
    "GetBlueprintRuns", "CreateDatabase", "GetDatabase", "GetDatabases", "UpdateDatabase",
    "DeleteDatabase", "CreateTable", "GetTable", "GetTables", "UpdateTable", "DeleteTable",
    "BatchDeleteTable", "GetTableVersions", "GetTableVersion", "DeleteTableVersion",
    "BatchDeleteTableVersion", "CreatePartition", "BatchCreatePartition", "GetPartition",
    "GetPartitions", "BatchGetPartition", "UpdatePartition", "BatchUpdatePartition",
    "DeletePartition", "BatchDeletePartition", "NotifyEvent", "GetWorkflowEvents",
    "ApplyWorkflow", "GetWorkflowDefinition", "GetJobRunHistory", "GetSchedulerStatus",
    "GetNotebook", "GetJobBookmark", "ResetJobBookmark", "ExplainJobRun", "GetLineage",
    "WaitForChange",
)  # fmt: skip

#: Members only glue-nb's answers carry, per Glue shape.
NB_MEMBERS: dict[str, dict[str, str]] = {
    "JobRun": {
        "OutputLocation": "NbString",
        "LogLocation": "NbString",
        "ErrorDetail": "NbDocument",
        "WorkflowName": "NbString",
        "WorkflowRunId": "NbString",
        # a job run recorded SUCCEEDED at once with the results of an earlier run (reuse)
        "ReusedFrom": "NbString",
        "ReuseSavedSeconds": "NbDouble",
    },
    "TriggerNodeDetails": {"Fired": "NbBoolean"},
    "Crawl": {
        "CrawlId": "NbString",
        "CrawlerName": "NbString",
        "TriggerName": "NbString",
        "Summary": "NbDocument",
    },
    # Reuse: reuse unchanged job runs (True) or run every job (False); default: the jobs' and
    # workflow's settings (--glue-nb-reuse / glue-nb-reuse), else off
    "StartWorkflowRunRequest": {"Executor": "NbString", "Reuse": "NbBoolean"},
    "ResumeWorkflowRunRequest": {"Executor": "NbString", "Reuse": "NbBoolean"},
    "StartJobRunRequest": {"Executor": "NbString"},
    # the Jupyter kernel a notebook job runs on (default: the notebook's kernelspec)
    "JobCommand": {"KernelName": "NbString"},
}

#: glue-nb's own operations: (input members, required, output members, paginated result key).
NB_OPERATIONS: dict[str, dict[str, Any]] = {
    "ExplainJobRun": {
        "input": {"RunId": "NbString"},
        "required": ["RunId"],
        "output": {"Explanation": "NbDocument"},
        "doc": "Why a job run ran, or why it was reused: the run it reused, or what changed "
        "(old and new) since the earlier run it was compared with.",
    },
    "NotifyEvent": {
        "input": {
            "WorkflowName": "NbString",
            "Detail": "NbDocument",
            "EventId": "NbString",
            "Source": "NbString",
            "DetailType": "NbString",
        },
        "required": ["WorkflowName"],
        "output": {"EventId": "NbString", "Duplicate": "NbBoolean"},
        "doc": "Post one event to a workflow whose start trigger has Type EVENT.",
    },
    "GetWorkflowEvents": {
        "input": {
            "WorkflowName": "NbString",
            "Pending": "NbBoolean",
            "NextToken": "NbString",
            "MaxResults": "NbInteger",
        },
        "required": ["WorkflowName"],
        "output": {"Events": "NbEventList", "NextToken": "NbString"},
        "doc": "A workflow's events, oldest first, with the run each went to.",
        "paginate": "Events",
    },
    "ApplyWorkflow": {
        "input": {
            "Workflow": "CreateWorkflowRequest",
            "Jobs": "NbCreateJobRequestList",
            "Triggers": "NbCreateTriggerRequestList",
            "Crawlers": "NbCreateCrawlerRequestList",
            "Start": "NbBoolean",
            "RunProperties": "WorkflowRunProperties",
            "Executor": "NbString",
            "Reuse": "NbBoolean",
        },
        "required": ["Workflow"],
        "output": {"Name": "NbString", "RunId": "NbString"},
        "doc": "Create or replace a workflow with its jobs, crawlers and triggers atomically; "
        "with Start, then start a run of it.",
        "errors": ["AlreadyExistsException", "ConcurrentRunsExceededException"],
    },
    "GetWorkflowDefinition": {
        "input": {"Name": "NbString"},
        "required": ["Name"],
        "output": {
            "Workflow": "Workflow",
            "Jobs": "JobList",
            "Triggers": "TriggerList",
            "Crawlers": "CrawlerList",
            "MissingJobs": "NbStringList",
            "MissingCrawlers": "NbStringList",
        },
        "doc": "A stored workflow with its triggers and the jobs and crawlers they name.",
    },
    "GetJobRunHistory": {
        "input": {
            "WorkflowName": "NbString",
            "RunId": "NbString",
            "JobNames": "NbStringList",
            "Since": "NbTimestamp",
            "Until": "NbTimestamp",
            "IncludeCrawls": "NbBoolean",
            "NextToken": "NbString",
            "MaxResults": "NbInteger",
        },
        "required": [],
        "output": {
            "JobRuns": "NbDocument",
            "Crawls": "NbDocument",
            "RunProperties": "NbDocument",
            "NextToken": "NbString",
        },
        "doc": "Job runs and crawls as columns, a page at a time.",
    },
    "WaitForWorkflowRun": {
        "input": {"Name": "NbString", "RunId": "NbString", "WaitSeconds": "NbDouble"},
        "required": ["Name", "RunId"],
        "output": {"Run": "WorkflowRun"},
        "doc": "GetWorkflowRun once the run has ended, or after WaitSeconds while active.",
    },
    "WaitForChange": {
        "input": {"Since": "NbString", "WaitSeconds": "NbDouble"},
        "required": [],
        "output": {"ChangeToken": "NbString", "Changed": "NbBoolean"},
        "doc": "The home's change token, which changes with every commit to its store (by any "
        "process): at once, or once it differs from Since (waiting up to WaitSeconds, at most "
        "20).",
    },
    "GetSchedulerStatus": {
        "input": {},
        "required": [],
        "output": {"Lease": "NbSchedulerLease"},
        "doc": "Who holds the home's scheduler lease.",
    },
    "GetNotebook": {
        "input": {"Location": "NbString"},
        "required": ["Location"],
        "output": {"Location": "NbString", "Content": "NbString"},
        "doc": "An executed notebook under the home's output folder, as JSON text.",
        "errors": ["AccessDeniedException", "OperationNotSupportedException"],
    },
    "GetLineage": {
        "input": {
            "Resource": "NbString",
            "Kind": "NbString",
            "RunId": "NbString",
            "WorkflowName": "NbString",
            "Depth": "NbInteger",
            "Direction": "NbString",
        },
        "required": [],
        "output": {"Runs": "NbString", "Records": "NbString"},
        "doc": "What produced a resource and what read it, or what is upstream and downstream "
        "of a job run, crawl, workflow run or workflow (glue_nb.lineage): Runs and Records are "
        'JSON text, {"Columns": [...], "Rows": [[...], ...]}.',
    },
}

#: Errors every operation of glue-nb's own may answer.
_NB_ERRORS = ("EntityNotFoundException", "InvalidInputException")

_NB_SHAPES: dict[str, dict[str, Any]] = {
    "NbString": _STRING,
    "NbBoolean": {"type": "boolean"},
    "NbInteger": {"type": "integer"},
    "NbDouble": {"type": "double"},
    "NbTimestamp": {"type": "timestamp"},
    "NbDocument": _DOCUMENT,
    "NbEvent": {
        "type": "structure",
        "members": {
            "EventId": {"shape": "NbString"},
            "WorkflowName": {"shape": "NbString"},
            "Source": {"shape": "NbString"},
            "DetailType": {"shape": "NbString"},
            "Detail": {"shape": "NbDocument"},
            "ReceivedOn": {"shape": "NbTimestamp"},
            "RunId": {"shape": "NbString"},
        },
    },
    "NbEventList": {"type": "list", "member": {"shape": "NbEvent"}},
    "NbStringList": {"type": "list", "member": {"shape": "NbString"}},
    "NbCreateJobRequestList": {"type": "list", "member": {"shape": "CreateJobRequest"}},
    "NbCreateTriggerRequestList": {"type": "list", "member": {"shape": "CreateTriggerRequest"}},
    "NbCreateCrawlerRequestList": {"type": "list", "member": {"shape": "CreateCrawlerRequest"}},
    "NbSchedulerLease": {
        "type": "structure",
        "members": {
            "Host": {"shape": "NbString"},
            "Pid": {"shape": "NbInteger"},
            "AcquiredOn": {"shape": "NbTimestamp"},
            "Expires": {"shape": "NbTimestamp"},
            "Active": {"shape": "NbBoolean"},
        },
    },
    # Timeouts are minutes with fractions in glue-nb (Glue: whole minutes, at least 1)
    "Timeout": {"type": "double"},
}


class JSONFiles(JSONFileLoader):
    """botocore's JSON data files as plain dicts (ordered since Python 3.7). botocore parses
    them into OrderedDicts, which takes five times as long: 36 ms instead of 7 for Glue's
    1.4 MB model, paid by every process that makes a client."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in ((".json", open), (".json.gz", gzip.open)):
            try:
                with opener(file_path + ext, "rb") as f:
                    return json.loads(f.read().decode("utf-8"))
            except (FileNotFoundError, IsADirectoryError):
                continue
        return None


class Loader(_BotocoreLoader):
    """botocore's loader, which also knows glue-nb's own service model."""

    def __init__(self, operations: Iterable[str], **kwargs: Any) -> None:
        # before botocore's __init__, which appends its default paths to the list it is given
        self._extra_paths = bool(kwargs.get("extra_search_paths"))
        kwargs.setdefault("file_loader", JSONFiles())
        super().__init__(**kwargs)
        self._nb_operations = tuple(operations)

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        shared = service_name == GLUE and type_name == "service-2" and api_version is None
        if shared and not self._extra_paths:
            return glue_model()  # the same dict glue-nb's model is derived from
        if service_name != GLUE_NB:
            return super().load_service_model(service_name, type_name, api_version)
        if type_name == "service-2":
            return nb_model(self._nb_operations)
        if type_name == "paginators-1":
            return nb_paginators(self._nb_operations)
        if type_name == "endpoint-rule-set-1":  # botocore then routes by endpoint_url alone
            raise UnknownServiceError(service_name=GLUE_NB, known_service_names=GLUE_NB)
        raise DataNotFoundError(data_path=f"{GLUE_NB}/{type_name}")

    def list_available_services(self, type_name: str) -> list[str]:
        services = list(super().list_available_services(type_name))
        if type_name in ("service-2", "paginators-1"):
            services.append(GLUE_NB)
        return services

    def determine_latest_version(self, service_name: str, type_name: str) -> str:
        if service_name == GLUE_NB:
            return NB_API_VERSION
        return str(super().determine_latest_version(service_name, type_name))


@functools.lru_cache(maxsize=1)
def glue_service_model() -> Any:
    """botocore's ``ServiceModel`` of Glue (built once per process)."""
    from botocore.model import ServiceModel

    return ServiceModel(glue_model(), service_name=GLUE)


@functools.lru_cache(maxsize=1)
def glue_model() -> dict[str, Any]:
    """botocore's Glue service model (the dict, read once per process: its JSON is large)."""
    return dict(_plain_loader().load_service_model(GLUE, "service-2"))


@functools.lru_cache(maxsize=1)
def glue_paginators() -> dict[str, Any]:
    return dict(_plain_loader().load_service_model(GLUE, "paginators-1"))


@functools.lru_cache(maxsize=1)
def _plain_loader() -> _BotocoreLoader:
    """botocore's loader of its own data (no ``AWS_DATA_PATH``), reading with :class:`JSONFiles`."""
    return _BotocoreLoader(file_loader=JSONFiles())


def _reachable(shapes: dict[str, Any], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        refs = [m["shape"] for m in shape.get("members", {}).values()]
        for key in ("member", "key", "value"):
            if key in shape:
                refs.append(shape[key]["shape"])
        todo.extend(r for r in refs if r not in seen)
    return seen


def _glue_refs(name: str, gshapes: dict[str, Any]) -> list[str]:
    """The Glue shapes a shape of glue-nb's model names (itself when it is one of Glue's)."""
    if name in gshapes:
        return [name]
    shape = _NB_SHAPES.get(name, {})
    refs = [m["shape"] for m in shape.get("members", {}).values()]
    refs += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
    return [r for ref in refs if ref != name for r in _glue_refs(ref, gshapes)]


@functools.lru_cache(maxsize=4)
def nb_model(operations: tuple[str, ...]) -> dict[str, Any]:
    """glue-nb's service model: Glue's ``operations`` with glue-nb's details, and its own."""
    glue = glue_model()
    gshapes = glue["shapes"]
    ops: dict[str, Any] = {}
    roots: list[str] = []
    for name in operations:
        op = glue["operations"].get(name)
        if op is None:
            continue
        dropped = ("documentation", "endpoint", "staticContextParams", "contextParams")
        op = {k: v for k, v in op.items() if k not in dropped}
        ops[name] = op
        roots += [op.get("input", {}).get("shape"), op.get("output", {}).get("shape")]
        roots += [e["shape"] for e in op.get("errors", [])]
    for spec in NB_OPERATIONS.values():
        named = [*spec["input"].values(), *spec["output"].values(), *spec.get("errors", ())]
        for target in named:
            roots.extend(_glue_refs(target, gshapes))
    shapes: dict[str, Any] = {}
    for name in _reachable(gshapes, roots):
        # copies of what is changed here (Glue's model itself is shared, read-only)
        shape = {k: v for k, v in gshapes[name].items() if k != "documentation"}
        if "members" in shape:
            shape["members"] = {
                m: {k: v for k, v in ref.items() if k != "documentation"}
                for m, ref in shape["members"].items()
            }
        if "required" in shape and shape["type"] == "structure":
            shape["required"] = [r for r in shape["required"] if r not in ("Role", "RoleArn")]
        shapes[name] = shape
    for name, extra in NB_MEMBERS.items():
        if name in shapes:
            for member, target in extra.items():
                shapes[name]["members"][member] = {"shape": target}
    for name, spec in NB_OPERATIONS.items():
        shapes[f"{name}Request"] = {
            "type": "structure",
            "required": list(spec["required"]),
            "members": {k: {"shape": v} for k, v in spec["input"].items()},
        }
        shapes[f"{name}Response"] = {
            "type": "structure",
            "members": {k: {"shape": v} for k, v in spec["output"].items()},
        }
        ops[name] = {
            "name": name,
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": f"{name}Request"},
            "output": {"shape": f"{name}Response"},
            "errors": [{"shape": e} for e in (*_NB_ERRORS, *spec.get("errors", ()))],
            "documentation": spec["doc"],
        }
    for error in ("EntityNotFoundException", "InvalidInputException"):
        shapes.setdefault(error, copy.deepcopy(gshapes[error]))
        roots.append(error)
    shapes.update(copy.deepcopy(_NB_SHAPES))
    if "Timeout" not in _reachable(gshapes, roots):
        shapes.pop("Timeout")
    metadata = {
        "apiVersion": NB_API_VERSION,
        "endpointPrefix": "glue",
        "jsonVersion": "1.1",
        "protocol": "json",
        "protocols": ["json"],
        "serviceFullName": "glue-nb",
        "serviceId": "GlueNb",
        "signatureVersion": "v4",
        "signingName": "glue",
        "targetPrefix": NB_TARGET_PREFIX,
        "uid": f"gluenb-{NB_API_VERSION}",
    }
    return {"version": "2.0", "metadata": metadata, "operations": ops, "shapes": shapes}


@functools.lru_cache(maxsize=4)
def nb_paginators(operations: tuple[str, ...]) -> dict[str, Any]:
    """Glue's paginators for the Glue operations of glue-nb's model, and its own."""
    glue = glue_paginators()["pagination"]
    out = {name: copy.deepcopy(glue[name]) for name in operations if name in glue}
    for name, spec in NB_OPERATIONS.items():
        if spec.get("paginate"):
            out[name] = {
                "input_token": "NextToken",
                "output_token": "NextToken",
                "limit_key": "MaxResults",
                "result_key": spec["paginate"],
            }
    return {"pagination": out}
