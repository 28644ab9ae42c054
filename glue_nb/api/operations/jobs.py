"""Jobs, their runs and their bookmarks: Create/Update/Delete/Get/GetJobs/List/BatchGetJobs,
StartJobRun, GetJobRun(s), BatchStopJobRun, GetJobBookmark, ResetJobBookmark."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb import records
from glue_nb.api import paths
from glue_nb.api.operations.registry import Params, batch_get, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import EntityNotFoundException, GlueNbError
from glue_nb.model import check_start_job_run

__all__ = ["RUN_RESOURCES", "job_request"]


# -- jobs ----------------------------------------------------------------------------------------
def job_request(svc: Service, request: Mapping[str, Any]) -> dict[str, Any]:
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
    request = job_request(svc, p)
    with svc.store.transaction():
        name = svc.definitions.create_job(request, base_dir=paths.base_dir(svc.settings))
        svc.tags.create(svc, "job", name, tags)
    return {"Name": name}


@operation("UpdateJob")
def update_job(svc: Service, p: Params) -> dict[str, Any]:
    update = job_request(svc, p["JobUpdate"])
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
    return paged({}, "Jobs", [svc.definitions.job(n) for n in page], token)


@operation("ListJobs")
def list_jobs(svc: Service, p: Params) -> dict[str, Any]:
    names = svc.tags.having(svc, "job", svc.definitions.job_names(), p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 1000, "ListJobs")
    return paged({}, "JobNames", page, token)


@operation(
    "BatchGetJobs", lambda svc, out: {**out, "Jobs": [records.glue_job(j) for j in out["Jobs"]]}
)
def batch_get_jobs(svc: Service, p: Params) -> dict[str, Any]:
    found, missing = batch_get(p["JobNames"], svc.definitions.job)
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
    return paged({}, "JobRuns", runs, token)


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
