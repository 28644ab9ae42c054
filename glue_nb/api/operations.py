"""The handlers: one function per operation, from its input dict to its output dict.

Each handler takes the :class:`~glue_nb.api.service.Service` and the operation's input (the
request body, decoded against the input shape) and returns glue-nb's answer: Glue's output shape
plus what only glue-nb knows (each job run's notebook and error detail, which triggers fired,
each crawl's id and summary). That is what glue-nb's own API (``GlueNb.<Op>``) answers;
:data:`GLUE` holds the same handlers followed by the shaping of :mod:`glue_nb.records`, which
leaves exactly Glue's output shape (``AWSGlue.<Op>``). The rules stay where they live:
:mod:`glue_nb.definitions`, :mod:`glue_nb.engine`, :mod:`glue_nb.crawlers`,
:mod:`glue_nb.catalog`, :mod:`glue_nb.blueprint.service`; handlers translate, check paths against
the service's allowed roots, and keep tags.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from glue_nb import records
from glue_nb.api import paths
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import (
    AccessDeniedException,
    EntityNotFoundException,
    GlueNbError,
    InvalidInputException,
    NoScheduleException,
    OperationNotSupportedException,
    SchedulerNotRunningException,
    SchedulerRunningException,
)
from glue_nb.model import check_name, check_start_job_run, check_string_map
from glue_nb.store import dumps, loads

__all__ = ["GLUE", "NB", "Handler", "implemented"]

Params = dict[str, Any]
Handler = Callable[[Service, Params], dict[str, Any]]

NB: dict[str, Handler] = {}
"""Operation name → handler giving glue-nb's answer (``GlueNb.<Op>``)."""
GLUE: dict[str, Handler] = {}
"""Operation name → handler giving exactly Glue's output shape (``AWSGlue.<Op>``)."""
NB_ONLY: set[str] = set()


def operation(
    name: str, glue: Callable[[Service, dict[str, Any]], dict[str, Any]] | None = None,
    *, nb_only: bool = False,
) -> Callable[[Handler], Handler]:  # fmt: skip
    """Register a handler; ``glue(service, answer)`` shapes its answer for Glue's API."""

    def register(fn: Handler) -> Handler:
        NB[name] = fn
        if nb_only:
            NB_ONLY.add(name)
        elif glue is None:
            GLUE[name] = fn
        else:
            shape = glue

            def shaped(svc: Service, p: Params) -> dict[str, Any]:
                return shape(svc, fn(svc, p))

            shaped.__name__ = fn.__name__
            GLUE[name] = shaped
        return fn

    return register


def implemented() -> tuple[str, ...]:
    """The Glue operations glue-nb answers (the catalog's are looked up by name)."""
    return tuple(sorted({*GLUE, *CATALOG_OPERATIONS}))


def _fitted(name: str) -> Callable[[Service, dict[str, Any]], dict[str, Any]]:
    """Shape an answer generically to Glue's output shape of ``name``."""

    def shape(svc: Service, out: dict[str, Any]) -> dict[str, Any]:
        from glue_nb.api.shapes import fit, output_shape

        return dict(fit(out, output_shape(name), svc.settings.account_id))

    return shape


def _page(out: dict[str, Any], key: str, page: list[Any], token: str | None) -> dict[str, Any]:
    out[key] = page
    if token:
        out["NextToken"] = token
    return out


# -- workflows -----------------------------------------------------------------------------------
@operation("CreateWorkflow")
def create_workflow(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    with svc.store.transaction():
        name = svc.definitions.create_workflow(p)
        svc.tags.create(svc, "workflow", name, tags)
    return {"Name": name}


@operation("UpdateWorkflow")
def update_workflow(svc: Service, p: Params) -> dict[str, Any]:
    return {"Name": svc.definitions.update_workflow(p)}


@operation("DeleteWorkflow")
def delete_workflow(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        name = svc.definitions.delete_workflow(p["Name"])
        svc.tags.forget("workflow", name)
    return {"Name": name}


def _workflow(svc: Service, name: str, include_graph: bool) -> dict[str, Any]:
    wf = svc.definitions.workflow(name)
    last = svc.runs.last_run(name)
    if last is not None:
        wf["LastRun"] = svc.runs.run(last, include_graph=include_graph)
    if include_graph:
        wf["Graph"] = svc.definitions.graph(name).to_glue()
    return wf


@operation("GetWorkflow", lambda svc, out: {"Workflow": records.glue_workflow(out["Workflow"])})
def get_workflow(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    return {"Workflow": _workflow(svc, p["Name"], bool(p.get("IncludeGraph")))}


@operation("ListWorkflows")
def list_workflows(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.definitions.workflow_names()
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 25, "ListWorkflows")
    return _page({}, "Workflows", page, token)


@operation(
    "BatchGetWorkflows",
    lambda svc, out: {**out, "Workflows": [records.glue_workflow(w) for w in out["Workflows"]]},
)
def batch_get_workflows(svc: Service, p: Params) -> dict[str, Any]:
    names = p["Names"]
    if not 1 <= len(names) <= 25:
        raise InvalidInputException("BatchGetWorkflows: Names must hold 1-25 workflow names")
    svc.engine.reap_orphans()
    found, missing = [], []
    for name in names:
        try:
            found.append(_workflow(svc, name, bool(p.get("IncludeGraph"))))
        except EntityNotFoundException:
            missing.append(name)
    return {"Workflows": found, "MissingWorkflows": missing}


# -- workflow runs -------------------------------------------------------------------------------
@operation("StartWorkflowRun")
def start_workflow_run(svc: Service, p: Params) -> dict[str, Any]:
    run_id = svc.engine.start_workflow_run(
        p["Name"], p.get("RunProperties"), executor=p.get("Executor"), reuse=p.get("Reuse")
    )
    return {"RunId": run_id}


@operation("StopWorkflowRun")
def stop_workflow_run(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.stop_workflow_run(p["Name"], p["RunId"])
    return {}


@operation("ResumeWorkflowRun")
def resume_workflow_run(svc: Service, p: Params) -> dict[str, Any]:
    run_id, nodes = svc.engine.resume_workflow_run(
        p["Name"], p["RunId"], p["NodeIds"], executor=p.get("Executor"), reuse=p.get("Reuse")
    )
    return {"RunId": run_id, "NodeIds": nodes}


def _run_row(svc: Service, name: str, run_id: str) -> Any:
    check_name("Workflow", name)
    row = svc.runs.run_row(name, run_id)
    if row is None:
        svc.definitions.workflow(name)  # EntityNotFound for the workflow first
        raise EntityNotFoundException(f"workflow run {run_id!r} of {name!r} not found")
    return row


@operation("GetWorkflowRun", lambda svc, out: {"Run": records.glue_workflow_run(out["Run"])})
def get_workflow_run(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    row = _run_row(svc, p["Name"], p["RunId"])
    return {"Run": svc.runs.run(row, include_graph=bool(p.get("IncludeGraph")))}


@operation(
    "GetWorkflowRuns",
    lambda svc, out: {**out, "Runs": [records.glue_workflow_run(r) for r in out["Runs"]]},
)
def get_workflow_runs(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    svc.definitions.workflow(p["Name"])
    rows = svc.runs.runs(p["Name"])
    page, token = paginate(rows, p.get("NextToken"), p.get("MaxResults"), 1000, "GetWorkflowRuns")
    runs = [svc.runs.run(r, include_graph=bool(p.get("IncludeGraph"))) for r in page]
    return _page({}, "Runs", runs, token)


#: WaitForWorkflowRun's longest wait, in seconds (a waiting request holds a server thread).
WAIT_MAX = 20.0


@operation("WaitForWorkflowRun", nb_only=True)
def wait_for_workflow_run(svc: Service, p: Params) -> dict[str, Any]:
    """GetWorkflowRun (without the graph) as soon as the run has ended, or after
    ``WaitSeconds`` (default 1, at most 20) while it is still active: whoever follows a run
    learns of its end at once instead of at its next poll. A run this process drives is waited
    for on its driver; one driven elsewhere, by reading the store every 50 ms."""
    import time

    from glue_nb.states import WORKFLOW_RUN_ACTIVE

    wait = p.get("WaitSeconds")
    wait = 1.0 if wait is None else float(wait)
    if not 0 <= wait <= WAIT_MAX:
        raise InvalidInputException(
            f"WaitForWorkflowRun: WaitSeconds must be 0-{WAIT_MAX:g} seconds, got {wait:g}"
        )
    deadline = time.monotonic() + wait
    svc.engine.reap_orphans()
    row = _run_row(svc, p["Name"], p["RunId"])
    while row["status"] in WORKFLOW_RUN_ACTIVE:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        driver = svc.engine.driver(p["RunId"])
        if driver is not None:
            driver.finished.wait(min(left, 0.5))
        else:
            time.sleep(min(left, 0.05))
            svc.engine.reap_orphans()
        row = _run_row(svc, p["Name"], p["RunId"])
    return {"Run": svc.runs.run(row, include_graph=False)}


def _job_context(name: str, run_id: str) -> Any:
    """The running job's context when ``(name, run_id)`` is its own workflow run."""
    from glue_nb.runtime import context

    ctx = context()
    if ctx is not None and ctx.workflow_name == name and ctx.workflow_run_id == run_id:
        return ctx
    return None


@operation("GetWorkflowRunProperties")
def get_workflow_run_properties(svc: Service, p: Params) -> dict[str, Any]:
    ctx = _job_context(p["Name"], p["RunId"])
    if ctx is not None:  # every property is read (for reuse: the recorder notes them all)
        from glue_nb.runtime import get_run_properties

        return {"RunProperties": dict(get_run_properties(raw=True).items())}
    row = _run_row(svc, p["Name"], p["RunId"])
    return {"RunProperties": loads(row["run_properties"], {})}


@operation("PutWorkflowRunProperties")
def put_workflow_run_properties(svc: Service, p: Params) -> dict[str, Any]:
    """Upsert run properties. Inside a job of that run, they travel back with the job's result
    and become visible to every job that starts after it ends."""
    props = check_string_map("RunProperties", p["RunProperties"])
    if not props:
        raise InvalidInputException("RunProperties must hold at least one property")
    ctx = _job_context(p["Name"], p["RunId"])
    if ctx is not None:
        ctx.record(props)
        return {}
    with svc.store.transaction():
        _run_row(svc, p["Name"], p["RunId"])
        svc.engine.ledger.runs.merge_properties(p["RunId"], props)
    return {}


# -- jobs ----------------------------------------------------------------------------------------
def _job_request(svc: Service, request: Mapping[str, Any]) -> dict[str, Any]:
    """A notebook job's ScriptLocation, confined (Glue's own commands never run here)."""
    command = request.get("Command")
    if (
        isinstance(command, Mapping)
        and isinstance(command.get("ScriptLocation"), str)
        and command.get("Name", "notebook") == "notebook"
    ):
        location = paths.confine(svc.settings, command["ScriptLocation"], "Command.ScriptLocation")
        return {**request, "Command": {**command, "ScriptLocation": location}}
    return dict(request)


@operation("CreateJob")
def create_job(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    request = _job_request(svc, p)
    with svc.store.transaction():
        name = svc.definitions.create_job(request, base_dir=paths.base_dir(svc.settings))
        svc.tags.create(svc, "job", name, tags)
    return {"Name": name}


@operation("UpdateJob")
def update_job(svc: Service, p: Params) -> dict[str, Any]:
    update = _job_request(svc, p["JobUpdate"])
    base = paths.base_dir(svc.settings)
    return {"JobName": svc.definitions.update_job(p["JobName"], update, base_dir=base)}


@operation("DeleteJob")
def delete_job(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        name = svc.definitions.delete_job(p["JobName"])
        svc.tags.forget("job", name)
    return {"JobName": name}


@operation("GetJob", lambda svc, out: {"Job": records.glue_job(out["Job"])})
def get_job(svc: Service, p: Params) -> dict[str, Any]:
    return {"Job": svc.definitions.job(p["JobName"])}


@operation("GetJobs", lambda svc, out: {**out, "Jobs": [records.glue_job(j) for j in out["Jobs"]]})
def get_jobs(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.definitions.job_names()
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 1000, "GetJobs")
    return _page({}, "Jobs", [svc.definitions.job(n) for n in page], token)


@operation("ListJobs")
def list_jobs(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.tags.having(svc, "job", svc.definitions.job_names(), p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 1000, "ListJobs")
    return _page({}, "JobNames", page, token)


@operation(
    "BatchGetJobs", lambda svc, out: {**out, "Jobs": [records.glue_job(j) for j in out["Jobs"]]}
)
def batch_get_jobs(svc: Service, p: Params) -> dict[str, Any]:
    found, missing = [], []
    for name in p["JobNames"]:
        try:
            found.append(svc.definitions.job(name))
        except EntityNotFoundException:
            missing.append(name)
    return {"Jobs": found, "JobsNotFound": missing}


#: StartJobRun inputs that describe a run's resources: kept with the run and answered back.
RUN_RESOURCES = (
    "AllocatedCapacity", "MaxCapacity", "WorkerType", "NumberOfWorkers", "SecurityConfiguration",
    "NotificationProperty", "ExecutionClass", "JobRunQueuingEnabled", "ExecutionRoleSessionPolicy",
)  # fmt: skip


@operation("StartJobRun")
def start_job_run(svc: Service, p: Params) -> dict[str, Any]:
    """Run a job outside any workflow; ``JobRunId`` retries that earlier run."""
    job, args, timeout, retry_of = check_start_job_run(
        p["JobName"], p.get("Arguments"), p.get("Timeout"), p.get("JobRunId")
    )
    resources = {k: p[k] for k in RUN_RESOURCES if p.get(k) is not None}
    run_id = svc.engine.start_job_run(
        job, args, timeout=timeout, retry_of=retry_of, executor=p.get("Executor"),
        glue_fields=resources,
    )  # fmt: skip
    return {"JobRunId": run_id}


@operation("GetJobRun", lambda svc, out: {"JobRun": records.glue_job_run(out["JobRun"])})
def get_job_run(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    row = svc.engine.ledger.job_runs.get(p["RunId"], p["JobName"])
    if row is None:
        svc.definitions.job(p["JobName"])
        raise EntityNotFoundException(f"job run {p['RunId']!r} of job {p['JobName']!r} not found")
    job_run = records.job_run_dict(row)
    if p.get("PredecessorsIncluded"):
        job_run["PredecessorRuns"] = svc.runs.predecessor_runs(row)
    return {"JobRun": job_run}


@operation(
    "GetJobRuns",
    lambda svc, out: {**out, "JobRuns": [records.glue_job_run(r) for r in out["JobRuns"]]},
)
def get_job_runs(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    svc.definitions.job(p["JobName"])
    rows = svc.engine.ledger.job_runs.of_job(p["JobName"])
    page, token = paginate(rows, p.get("NextToken"), p.get("MaxResults"), 200, "GetJobRuns")
    runs = [records.job_run_dict(r) for r in page]
    return _page({}, "JobRuns", runs, token)


@operation("BatchStopJobRun")
def batch_stop_job_run(svc: Service, p: Params) -> dict[str, Any]:
    """Stop job runs, from any process: standalone ones, or single job runs of a workflow run
    (which goes on; a trigger watching for STOPPED can fire)."""
    stopped, errors = [], []
    job = p["JobName"]
    for run_id in p["JobRunIds"]:
        try:
            svc.engine.stop_job_run(job, run_id)
            stopped.append({"JobName": job, "JobRunId": run_id})
        except GlueNbError as exc:
            errors.append(
                {
                    "JobName": job,
                    "JobRunId": run_id,
                    "ErrorDetail": {"ErrorCode": exc.code, "ErrorMessage": exc.message},
                }
            )
    return {"SuccessfulSubmissions": stopped, "Errors": errors}


# -- job bookmarks -------------------------------------------------------------------------------
def _bookmarks(svc: Service) -> Any:
    from glue_nb.bookmarks import JobBookmarks

    return JobBookmarks(svc.store, svc.definitions.job)


@operation("GetJobBookmark")
def get_job_bookmark(svc: Service, p: Params) -> dict[str, Any]:
    return _bookmarks(svc).get_job_bookmark(p["JobName"], p.get("RunId"))


@operation("ResetJobBookmark")
def reset_job_bookmark(svc: Service, p: Params) -> dict[str, Any]:
    return _bookmarks(svc).reset_job_bookmark(p["JobName"], p.get("RunId"))


# -- triggers ------------------------------------------------------------------------------------
@operation("CreateTrigger")
def create_trigger(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    with svc.store.transaction():
        name = svc.definitions.create_trigger(p)
        svc.tags.create(svc, "trigger", name, tags)
    return {"Name": name}


@operation("GetTrigger", lambda svc, out: {"Trigger": records.glue_trigger(out["Trigger"])})
def get_trigger(svc: Service, p: Params) -> dict[str, Any]:
    return {"Trigger": svc.definitions.trigger(p["Name"])}


@operation(
    "GetTriggers",
    lambda svc, out: {**out, "Triggers": [records.glue_trigger(t) for t in out["Triggers"]]},
)
def get_triggers(svc: Service, p: Params) -> dict[str, Any]:
    dependent = p.get("DependentJobName")
    if dependent is not None:
        svc.definitions.job(dependent)
    triggers = svc.definitions.triggers(dependent)
    page, token = paginate(triggers, p.get("NextToken"), p.get("MaxResults"), 200, "GetTriggers")
    return _page({}, "Triggers", page, token)


@operation("ListTriggers")
def list_triggers(svc: Service, p: Params) -> dict[str, Any]:
    dependent = p.get("DependentJobName")
    if dependent is not None:
        svc.definitions.job(dependent)
    names = [t["Name"] for t in svc.definitions.triggers(dependent)]
    names = svc.tags.having(svc, "trigger", names, p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 200, "ListTriggers")
    return _page({}, "TriggerNames", page, token)


@operation(
    "BatchGetTriggers",
    lambda svc, out: {**out, "Triggers": [records.glue_trigger(t) for t in out["Triggers"]]},
)
def batch_get_triggers(svc: Service, p: Params) -> dict[str, Any]:
    found, missing = [], []
    for name in p["TriggerNames"]:
        try:
            found.append(svc.definitions.trigger(name))
        except EntityNotFoundException:
            missing.append(name)
    return {"Triggers": found, "TriggersNotFound": missing}


@operation("UpdateTrigger", lambda svc, out: {"Trigger": records.glue_trigger(out["Trigger"])})
def update_trigger(svc: Service, p: Params) -> dict[str, Any]:
    return {"Trigger": svc.definitions.update_trigger(p["Name"], p["TriggerUpdate"])}


@operation("DeleteTrigger")
def delete_trigger(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        name = svc.definitions.delete_trigger(p["Name"])
        svc.tags.forget("trigger", name)
    return {"Name": name}


@operation("StartTrigger")
def start_trigger(svc: Service, p: Params) -> dict[str, Any]:
    """SCHEDULED/CONDITIONAL: activate. ON_DEMAND: fire now (a workflow's start trigger starts
    a workflow run). EVENT: refused, as in Glue."""
    name = p["Name"]
    trigger = svc.definitions.trigger(name)
    kind = trigger["Type"]
    if kind == "EVENT":
        raise InvalidInputException(f"Trigger Type EVENT cannot be started (trigger {name!r})")
    if kind == "ON_DEMAND":
        if trigger.get("WorkflowName"):
            svc.engine.start_workflow_run(trigger["WorkflowName"])
        else:
            for action in trigger["Actions"]:
                if action.get("JobName"):
                    svc.engine.start_job_run(action["JobName"], action.get("Arguments"))
                else:
                    svc.engine.start_crawl(action["CrawlerName"])
    else:
        svc.definitions.set_trigger_state(name, "ACTIVATED")
    return {"Name": name}


@operation("StopTrigger")
def stop_trigger(svc: Service, p: Params) -> dict[str, Any]:
    name = p["Name"]
    trigger = svc.definitions.trigger(name)
    if trigger["Type"] == "EVENT":
        raise InvalidInputException(f"Trigger Type EVENT cannot be stopped (trigger {name!r})")
    if trigger["Type"] == "ON_DEMAND":
        raise InvalidInputException(
            f"Trigger {name!r} is ON_DEMAND: it is never activated, so it cannot be stopped"
        )
    svc.definitions.set_trigger_state(name, "DEACTIVATED")
    return {"Name": name}


# -- crawlers ------------------------------------------------------------------------------------
def _crawler_request(svc: Service, p: Params) -> Params:
    targets = p.get("Targets")
    if isinstance(targets, Mapping):
        s3 = [
            {**t, "Path": paths.confine(svc.settings, t["Path"], f"Targets.S3Targets[{i}].Path")}
            if isinstance(t, Mapping) and isinstance(t.get("Path"), str)
            else t
            for i, t in enumerate(targets.get("S3Targets") or ())
        ]
        targets = {k: v for k, v in targets.items() if v}  # Glue allows empty target lists
        if s3:
            targets["S3Targets"] = s3
        p = {**p, "Targets": targets}
    if isinstance(p.get("Schedule"), str) and not p["Schedule"].strip():
        p = {k: v for k, v in p.items() if k != "Schedule"}
    return p


def _crawler_out(svc: Service, crawler: dict[str, Any]) -> dict[str, Any]:
    schedule = crawler.get("Schedule")
    if schedule:
        schedule = dict(schedule)
        schedule["State"] = _schedule_state(svc, crawler["Name"])
        crawler = {**crawler, "Schedule": schedule}
    return crawler


@operation("CreateCrawler")
def create_crawler(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    request = _crawler_request(svc, p)
    with svc.store.transaction():
        svc.crawlers.create_crawler(**request, base_dir=paths.base_dir(svc.settings))
        svc.tags.create(svc, "crawler", p["Name"], tags)
    return {}


@operation("UpdateCrawler")
def update_crawler(svc: Service, p: Params) -> dict[str, Any]:
    request = _crawler_request(svc, p)
    schedule = p.get("Schedule")
    with svc.store.transaction():
        if schedule is not None and not schedule.strip():  # "" removes the schedule
            body = loads(svc.crawlers._require(p["Name"])["body"])
            body.pop("Schedule", None)
            svc.crawlers.definitions.set_body(p["Name"], body)
        svc.crawlers.update_crawler(**request, base_dir=paths.base_dir(svc.settings))
    return {}


@operation("DeleteCrawler")
def delete_crawler(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        svc.crawlers.delete_crawler(p["Name"])  # its schedule state goes with it
        svc.tags.forget("crawler", p["Name"])
    return {}


@operation("GetCrawler", lambda svc, out: {"Crawler": records.glue_crawler(out["Crawler"])})
def get_crawler(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()  # a crawl whose process is gone shows as ended
    return {"Crawler": _crawler_out(svc, svc.crawlers.get_crawler(p["Name"])["Crawler"])}


def _glue_crawlers(svc: Service, out: dict[str, Any]) -> dict[str, Any]:
    return {**out, "Crawlers": [records.glue_crawler(c) for c in out["Crawlers"]]}


@operation("GetCrawlers", _glue_crawlers)
def get_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    out = svc.crawlers.get_crawlers(MaxResults=p.get("MaxResults"), NextToken=p.get("NextToken"))
    out["Crawlers"] = [_crawler_out(svc, c) for c in out["Crawlers"]]
    return dict(out)


@operation("ListCrawlers")
def list_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.tags.having(svc, "crawler", svc.crawlers.definitions.names(), p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 1000, "ListCrawlers")
    return _page({}, "CrawlerNames", page, token)


@operation("BatchGetCrawlers", _glue_crawlers)
def batch_get_crawlers(svc: Service, p: Params) -> dict[str, Any]:
    svc.engine.reap_orphans()
    found, missing = [], []
    for name in p["CrawlerNames"]:
        try:
            found.append(_crawler_out(svc, svc.crawlers.get_crawler(name)["Crawler"]))
        except EntityNotFoundException:
            missing.append(name)
    return {"Crawlers": found, "CrawlersNotFound": missing}


@operation("StartCrawler")
def start_crawler(svc: Service, p: Params) -> dict[str, Any]:
    """The crawl is driven by this process's engine (a standalone unit of one crawl)."""
    svc.engine.start_crawl(p["Name"], executor=p.get("Executor"))
    return {}


@operation("StopCrawler")
def stop_crawler(svc: Service, p: Params) -> dict[str, Any]:
    """Whichever process drives the crawl: it ends CANCELLED, writing nothing."""
    svc.engine.stop_crawl(p["Name"])
    return {}


_CRAWL_FIELDS: dict[str, tuple[str, Any]] = {
    "CRAWL_ID": ("CrawlId", str),
    "STATE": ("State", str),
    "START_TIME": ("StartTime", "time"),
    "END_TIME": ("EndTime", "time"),
    "DPU_HOUR": ("DPUHour", float),
}


def _crawl_filter(f: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    field, kind = _CRAWL_FIELDS[f["FieldName"]]
    op = f.get("FilterOperator", "EQ")
    raw = f.get("FieldValue")
    if raw is None:
        raise InvalidInputException(f"ListCrawls: filter on {f['FieldName']} needs a FieldValue")
    value: Any
    try:
        if kind == "time":
            from datetime import datetime, timezone

            value = (
                datetime.fromtimestamp(float(raw), timezone.utc)
                if raw.replace(".", "", 1).isdigit()
                else datetime.fromisoformat(raw.replace("Z", "+00:00"))
            )
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
        else:
            value = kind(raw)
    except ValueError:
        raise InvalidInputException(
            f"ListCrawls: FieldValue {raw!r} is not valid for {f['FieldName']}"
        )
    compare: Callable[[Any], bool] = {
        "EQ": lambda a: a == value, "NE": lambda a: a != value, "GT": lambda a: a > value,
        "GE": lambda a: a >= value, "LT": lambda a: a < value, "LE": lambda a: a <= value,
    }[op]  # fmt: skip

    def test(crawl: Mapping[str, Any]) -> bool:
        have = crawl.get(field)
        return have is not None and bool(compare(have))

    return test


@operation("ListCrawls")
def list_crawls(svc: Service, p: Params) -> dict[str, Any]:
    """ListCrawls, newest first, with Glue's Filters (CRAWL_ID, STATE, START_TIME, END_TIME,
    DPU_HOUR with EQ/NE/GT/GE/LT/LE)."""
    svc.engine.reap_orphans()
    crawls: list[dict[str, Any]] = []
    token = None
    while True:
        out = svc.crawlers.list_crawls(CrawlerName=p["CrawlerName"], MaxResults=1000,
                                       NextToken=token)  # fmt: skip
        crawls += out["Crawls"]
        token = out.get("NextToken")
        if not token:
            break
    for f in p.get("Filters") or ():
        crawls = list(filter(_crawl_filter(f), crawls))
    crawls = [{k: v for k, v in c.items() if v is not None} for c in crawls]
    page, next_token = paginate(crawls, p.get("NextToken"), p.get("MaxResults"), 1000, "ListCrawls")
    return _page({}, "Crawls", page, next_token)


@operation("GetCrawlerMetrics")
def get_crawler_metrics(svc: Service, p: Params) -> dict[str, Any]:
    metrics = svc.crawlers.get_crawler_metrics(CrawlerNameList=p.get("CrawlerNameList"))
    items = metrics["CrawlerMetricsList"]
    page, token = paginate(
        items, p.get("NextToken"), p.get("MaxResults"), 1000, "GetCrawlerMetrics"
    )
    return _page({}, "CrawlerMetricsList", page, token)


def _schedule_state(svc: Service, name: str) -> str:
    return svc.crawlers.definitions.schedule_state(name)


def _scheduled_crawler(svc: Service, name: str) -> str:
    """The crawler's schedule state (NoScheduleException without a schedule)."""
    row = svc.crawlers._require(name)
    if not loads(row["body"]).get("Schedule"):
        raise NoScheduleException(f"Crawler {name} has no schedule")
    return _schedule_state(svc, name)


@operation("StartCrawlerSchedule")
def start_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    name = p["CrawlerName"]
    with svc.store.transaction():
        if _scheduled_crawler(svc, name) == "SCHEDULED":
            raise SchedulerRunningException(f"Crawler {name}'s schedule is already running")
        svc.crawlers.definitions.set_schedule_state(name, "SCHEDULED")
    return {}


@operation("StopCrawlerSchedule")
def stop_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    name = p["CrawlerName"]
    with svc.store.transaction():
        if _scheduled_crawler(svc, name) != "SCHEDULED":
            raise SchedulerNotRunningException(f"Crawler {name}'s schedule is not running")
        svc.crawlers.definitions.set_schedule_state(name, "NOT_SCHEDULED")
    return {}


@operation("UpdateCrawlerSchedule")
def update_crawler_schedule(svc: Service, p: Params) -> dict[str, Any]:
    return update_crawler(svc, {"Name": p["CrawlerName"], "Schedule": p.get("Schedule") or ""})


# -- tags ----------------------------------------------------------------------------------------
@operation("TagResource")
def tag_resource(svc: Service, p: Params) -> dict[str, Any]:
    svc.tags.tag(svc, p["ResourceArn"], p["TagsToAdd"])
    return {}


@operation("UntagResource")
def untag_resource(svc: Service, p: Params) -> dict[str, Any]:
    svc.tags.untag(svc, p["ResourceArn"], p["TagsToRemove"])
    return {}


@operation("GetTags")
def get_tags(svc: Service, p: Params) -> dict[str, Any]:
    return {"Tags": svc.tags.get(svc, p["ResourceArn"])}


# -- blueprints ----------------------------------------------------------------------------------
@operation("CreateBlueprint")
def create_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    p["BlueprintLocation"] = paths.confine(svc.settings, p["BlueprintLocation"],
                                           "BlueprintLocation")  # fmt: skip
    with svc.store.transaction():
        out = _call(svc.blueprints.create_blueprint, p, "CreateBlueprint")
        svc.tags.create(svc, "blueprint", p["Name"], tags)
    return out


@operation("UpdateBlueprint")
def update_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    p["BlueprintLocation"] = paths.confine(svc.settings, p["BlueprintLocation"],
                                           "BlueprintLocation")  # fmt: skip
    return _call(svc.blueprints.update_blueprint, p, "UpdateBlueprint")


@operation("DeleteBlueprint")
def delete_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        out = _call(svc.blueprints.delete_blueprint, p, "DeleteBlueprint")
        svc.tags.forget("blueprint", p["Name"])
    return out


@operation("BatchGetBlueprints", _fitted("BatchGetBlueprints"))
def batch_get_blueprints(svc: Service, p: Params) -> dict[str, Any]:
    found, missing = [], []
    for name in p["Names"]:
        try:
            found.append(
                svc.blueprints.get_blueprint(
                    name,
                    IncludeBlueprint=bool(p.get("IncludeBlueprint")),
                    IncludeParameterSpec=bool(p.get("IncludeParameterSpec")),
                )["Blueprint"]
            )
        except EntityNotFoundException:
            missing.append(name)
    return {"Blueprints": found, "MissingBlueprints": missing}


def _delegate(name: str, target: str, method: str) -> None:
    def handler(svc: Service, p: Params) -> dict[str, Any]:
        return _call(getattr(getattr(svc, target), method), p, name)

    handler.__name__ = method
    operation(name, _fitted(name))(handler)


@operation("ListBlueprints")
def list_blueprints(svc: Service, p: Params) -> dict[str, Any]:
    names = [row["name"] for row in svc.blueprints.blueprints.all()]
    names = svc.tags.having(svc, "blueprint", names, p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 25, "ListBlueprints")
    return _page({}, "Blueprints", page, token)


for _name, _method in (
    ("GetBlueprint", "get_blueprint"),
    ("StartBlueprintRun", "start_blueprint_run"),
    ("GetBlueprintRun", "get_blueprint_run"),
    ("GetBlueprintRuns", "get_blueprint_runs"),
):
    _delegate(_name, "blueprints", _method)


# -- the Data Catalog (glue_nb.catalog) ----------------------------------------------------------
#: Catalog operations, answered by the method of :class:`glue_nb.catalog.Catalog` of that name
#: when it has one (OperationNotSupportedException otherwise).
CATALOG_OPERATIONS = (
    "CreateDatabase", "GetDatabase", "GetDatabases", "UpdateDatabase", "DeleteDatabase",
    "CreateTable", "GetTable", "GetTables", "UpdateTable", "DeleteTable", "BatchDeleteTable",
    "GetTableVersions", "GetTableVersion", "DeleteTableVersion", "BatchDeleteTableVersion",
    "CreatePartition", "BatchCreatePartition", "GetPartition", "GetPartitions",
    "BatchGetPartition", "UpdatePartition", "BatchUpdatePartition", "DeletePartition",
    "BatchDeletePartition",
)  # fmt: skip

#: Catalog inputs glue-nb accepts and has nothing to do with (one catalog, no transactions).
IGNORED_INPUTS = {"CatalogId", "ResourceShareType", "AttributesToGet", "IncludeStatusDetails"}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _catalog_handler(name: str) -> Handler:
    method_name = _snake(name)

    def handler(svc: Service, p: Params) -> dict[str, Any]:
        method = getattr(svc.catalog, method_name, None)
        if method is None:
            raise OperationNotSupportedException(f"glue-nb does not implement {name} yet")
        tags = p.pop("Tags", None) if name == "CreateDatabase" else None
        _confine_locations(svc, p)
        with svc.store.transaction():
            out = _call(method, p, name)
            if tags:
                svc.tags.create(svc, "database", p["DatabaseInput"]["Name"].lower(), tags)
            if name == "DeleteDatabase":
                svc.tags.forget("database", p["Name"].lower())
            elif name == "DeleteTable":
                svc.tags.forget("table", f"{p['DatabaseName']}/{p['Name']}".lower())
        return out

    handler.__name__ = method_name
    return handler


def _confine_locations(svc: Service, p: Params) -> None:
    for key in ("TableInput", "PartitionInput", "DatabaseInput"):
        item = p.get(key)
        if not isinstance(item, dict):
            continue
        sd = item.get("StorageDescriptor")
        if isinstance(sd, dict) and isinstance(sd.get("Location"), str) and sd["Location"]:
            sd["Location"] = paths.confine(svc.settings, sd["Location"],
                                           f"{key}.StorageDescriptor.Location")  # fmt: skip
        if isinstance(item.get("LocationUri"), str) and item["LocationUri"]:
            item["LocationUri"] = paths.confine(svc.settings, item["LocationUri"],
                                                f"{key}.LocationUri")  # fmt: skip


for _name in CATALOG_OPERATIONS:
    operation(_name, _fitted(_name))(_catalog_handler(_name))


def _call(method: Callable[..., Any], p: Params, name: str) -> dict[str, Any]:
    """Call a service method with the request's members as keyword arguments. A member the
    method does not take is dropped when glue-nb has nothing to do with it (``CatalogId``,
    ...) or empty; otherwise it is refused, naming it (rather than silently ignored)."""
    params = inspect.signature(method).parameters
    takes_any = any(v.kind is inspect.Parameter.VAR_KEYWORD for v in params.values())
    kwargs = {}
    for key, value in p.items():
        if takes_any or key in params:
            kwargs[key] = value
        elif key in IGNORED_INPUTS or value in (None, "", [], {}, False):
            continue
        else:
            raise InvalidInputException(
                f"{name}: glue-nb does not support the parameter {key} (given {value!r})"
            )
    return dict(method(**kwargs))


# -- glue-nb's own operations --------------------------------------------------------------------
@operation("ExplainJobRun", nb_only=True)
def explain_job_run(svc: Service, p: Params) -> dict[str, Any]:
    """Why a job run ran, or why it was reused (:func:`glue_nb.reuse.why.explain`)."""
    from glue_nb.reuse.why import explain

    return {"Explanation": explain(svc.store, p["RunId"])}


@operation("NotifyEvent", nb_only=True)
def notify_event(svc: Service, p: Params) -> dict[str, Any]:
    """Post one event to a workflow whose start trigger has Type EVENT. It is stored at once; a
    scheduler batches events into runs (EventBatchingCondition). ``Duplicate``: an EventId
    already posted is not stored twice."""
    from glue_nb.events import post_events

    entry = {k: p.get(k) for k in ("EventId", "Source", "DetailType", "Detail")}
    [posted] = post_events(
        svc.store,
        check_name("Workflow", p["WorkflowName"]),
        [{k: v for k, v in entry.items() if v is not None}],
    )
    return dict(posted)


@operation("GetWorkflowEvents", nb_only=True)
def get_workflow_events(svc: Service, p: Params) -> dict[str, Any]:
    """A workflow's events, oldest first, with the ``RunId`` of the batch run each went to
    (``Pending=True``: only events waiting for their batch to close)."""
    from glue_nb.events import list_events

    svc.definitions.workflow(p["WorkflowName"])
    events = list_events(svc.store, p["WorkflowName"], pending=p.get("Pending"))
    page, token = paginate(events, p.get("NextToken"), p.get("MaxResults"), 1000,
                           "GetWorkflowEvents")  # fmt: skip
    return _page({}, "Events", page, token)


@operation("ApplyWorkflow", nb_only=True)
def apply_workflow(svc: Service, p: Params) -> dict[str, Any]:
    """Create or replace a workflow with its jobs, crawlers and triggers in one transaction (the
    fluent API's ``deploy``); with ``Start``, then start a run of it (``start``). Everything is
    checked first (the run properties and the executor too): an error writes nothing."""
    start = bool(p.get("Start"))
    props = p.get("RunProperties")
    executor = p.get("Executor")
    if not start and (props is not None or executor is not None or "Reuse" in p):
        raise InvalidInputException(
            "ApplyWorkflow: RunProperties, Executor and Reuse need Start=true"
        )
    chosen = None
    if start:
        props = check_string_map("RunProperties", props)
        chosen = svc.engine.executor(executor)
    workflow = dict(p["Workflow"])
    tagged: list[tuple[str, str, Any]] = []
    if "Tags" in workflow:
        tagged.append(("workflow", workflow["Name"], workflow.pop("Tags")))
    parts: dict[str, list[dict[str, Any]]] = {}
    for key, kind in (("Jobs", "job"), ("Triggers", "trigger"), ("Crawlers", "crawler")):
        items = []
        for item in p.get(key) or ():
            item = dict(item)
            if "Tags" in item:
                tagged.append((kind, item["Name"], item.pop("Tags")))
            items.append(item)
        parts[key] = items
    jobs = [_job_request(svc, j) for j in parts["Jobs"]]
    crawlers = [_crawler_request(svc, c) for c in parts["Crawlers"]]
    with svc.store.transaction():
        graph = svc.definitions.apply(
            workflow, jobs, parts["Triggers"], crawlers, base_dir=paths.base_dir(svc.settings)
        )
        for kind, name, tags in tagged:
            svc.tags.create(svc, kind, name, tags)
    out: dict[str, Any] = {"Name": graph.workflow}
    if start:
        out["RunId"] = svc.engine.start_workflow_run(
            graph.workflow, props, executor=chosen, reuse=p.get("Reuse")
        )
    return out


@operation("GetWorkflowDefinition", nb_only=True)
def get_workflow_definition(svc: Service, p: Params) -> dict[str, Any]:
    """A stored workflow as ApplyWorkflow takes it: the workflow, its triggers (with their
    State), and the jobs and crawlers they start or watch (``Workflow.load``); those named but
    no longer defined are listed in ``MissingJobs`` / ``MissingCrawlers``."""
    name = check_name("Workflow", p["Name"])
    workflow = svc.definitions.workflow(name)
    triggers = svc.definitions.workflow_triggers(name)
    jobs: dict[str, Any] = {}
    crawlers: dict[str, Any] = {}
    for trig in triggers:
        for ref in [*trig["Actions"], *(trig.get("Predicate") or {}).get("Conditions", [])]:
            if ref.get("JobName") and ref["JobName"] not in jobs:
                try:
                    jobs[ref["JobName"]] = svc.definitions.job(ref["JobName"])
                except EntityNotFoundException:
                    jobs[ref["JobName"]] = None
            if ref.get("CrawlerName") and ref["CrawlerName"] not in crawlers:
                try:
                    crawler = svc.crawlers.get_crawler(ref["CrawlerName"])["Crawler"]
                    crawlers[ref["CrawlerName"]] = _crawler_out(svc, crawler)
                except EntityNotFoundException:
                    crawlers[ref["CrawlerName"]] = None
    return {
        "Workflow": workflow,
        "Jobs": [j for j in jobs.values() if j is not None],
        "Triggers": triggers,
        "Crawlers": [c for c in crawlers.values() if c is not None],
        "MissingJobs": [n for n, j in jobs.items() if j is None],
        "MissingCrawlers": [n for n, c in crawlers.items() if c is None],
    }


#: GetJobRunHistory's page size: default and largest.
HISTORY_PAGE = 20_000
HISTORY_PAGE_MAX = 200_000


@operation("GetJobRunHistory", nb_only=True)
def get_job_run_history(svc: Service, p: Params) -> dict[str, Any]:
    """Job runs (every attempt) and crawls as columns, a page at a time (``glue_nb.history``
    reads it): filtered by workflow, workflow run, start time ``[Since, Until)`` and job or
    crawler names; ``IncludeCrawls=false`` leaves crawls out. Pages follow the order the rows
    were written; repeated values travel once per page (:mod:`glue_nb.api.columns`)."""
    from glue_nb.api import columns
    from glue_nb.store.history import read_history_page

    limit = p.get("MaxResults") or HISTORY_PAGE
    if not 1 <= limit <= HISTORY_PAGE_MAX:
        raise InvalidInputException(
            f"GetJobRunHistory: MaxResults must be 1-{HISTORY_PAGE_MAX} rows, got {limit}"
        )
    since, until = (_epoch(p.get("Since")), _epoch(p.get("Until")))
    filters = {
        "workflow": p.get("WorkflowName"), "run_id": p.get("RunId"), "since": since,
        "until": until, "names": p.get("JobNames"), "crawls": p.get("IncludeCrawls", True),
    }  # fmt: skip
    after_job, after_crawl = columns.read_token(p.get("NextToken"), filters)
    page = read_history_page(
        svc.store, **filters, after_job_run=after_job, after_crawl=after_crawl, limit=limit
    )
    out: dict[str, Any] = {
        "JobRuns": columns.encode(page.job_runs, columns.JOB_RUN_FIELDS),
        "Crawls": columns.encode(page.crawls, columns.CRAWL_FIELDS),
        "RunProperties": columns.Document(page.properties),
    }
    if page.next_job_run is not None or page.next_crawl is not None:
        out["NextToken"] = columns.token(page.next_job_run, page.next_crawl, filters)
    return out


def _epoch(value: Any) -> float | None:
    return None if value is None else float(value.timestamp())


@operation("GetSchedulerStatus", nb_only=True)
def get_scheduler_status(svc: Service, p: Params) -> dict[str, Any]:
    """Who holds the home's scheduler lease (``Lease`` absent: no scheduler ever ran)."""
    from glue_nb.scheduler import status

    lease = status(svc.store)["Lease"]
    return {} if lease is None else {"Lease": lease}


@operation("GetNotebook", nb_only=True)
def get_notebook(svc: Service, p: Params) -> dict[str, Any]:
    """An executed notebook (a job run's ``OutputLocation``) as JSON text, for a client that
    does not share the server's files. Only notebooks under the home's output folder are
    served."""
    from glue_nb.engine.jobs import output_root
    from glue_nb.model import is_url

    location = p["Location"]
    root = output_root(svc.home)
    if is_url(root) or is_url(location):
        raise OperationNotSupportedException(
            f"GetNotebook: {location!r} is a URL; read it where it is stored"
        )
    path = Path(location).resolve()
    base = Path(root).resolve()
    if path.suffix != ".ipynb" or base not in path.parents:
        raise AccessDeniedException(
            f"GetNotebook: {location!r} is not an executed notebook under this home's output "
            f"folder {root}"
        )
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise EntityNotFoundException(f"GetNotebook: no notebook at {location!r}") from None
    return {"Location": str(path), "Content": text}


@operation("GetLineage", nb_only=True)
def get_lineage(svc: Service, p: Params) -> dict[str, Any]:
    """What produced a resource and what read it, or what is upstream and downstream of a run
    (:func:`glue_nb.lineage.graph.lineage`): ``Runs`` and ``Records`` as JSON text of columns
    and rows (compact: a lineage may hold 100,000 records)."""
    from glue_nb.lineage.graph import lineage

    answer = lineage(
        svc.store, resource=p.get("Resource"), kind=p.get("Kind"), run_id=p.get("RunId"),
        workflow=p.get("WorkflowName"), depth=p.get("Depth"),
        direction=p.get("Direction") or "BOTH",
    )  # fmt: skip
    return {k: dumps(v) for k, v in answer.items()}
