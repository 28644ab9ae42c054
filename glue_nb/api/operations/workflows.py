"""Workflows and their runs: Create/Update/Delete/Get/List/BatchGetWorkflows,
Start/Stop/ResumeWorkflowRun, GetWorkflowRun(s), Get/PutWorkflowRunProperties, and glue-nb's
WaitForWorkflowRun."""

from __future__ import annotations

from typing import Any

from glue_nb import records
from glue_nb.api.operations.registry import Params, batch_get, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.model import check_name, check_string_map
from glue_nb.store import loads

__all__ = ["WAIT_MAX"]


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
    return paged({}, "Workflows", page, token)


@operation(
    "BatchGetWorkflows",
    lambda svc, out: {**out, "Workflows": [records.glue_workflow(w) for w in out["Workflows"]]},
)
def batch_get_workflows(svc: Service, p: Params) -> dict[str, Any]:
    names = p["Names"]
    if not 1 <= len(names) <= 25:
        raise InvalidInputException("BatchGetWorkflows: Names must hold 1-25 workflow names")
    svc.engine.reap_orphans()
    graph = bool(p.get("IncludeGraph"))
    found, missing = batch_get(names, lambda name: _workflow(svc, name, graph))
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
    return paged({}, "Runs", runs, token)


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
