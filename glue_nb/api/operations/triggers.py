"""Triggers: Create/Get/GetTriggers/List/BatchGet/Update/Delete/Start/StopTrigger."""

from __future__ import annotations

from typing import Any

from glue_nb import records
from glue_nb.api.operations.registry import Params, batch_get, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import InvalidInputException


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
    return paged({}, "Triggers", page, token)


@operation("ListTriggers")
def list_triggers(svc: Service, p: Params) -> dict[str, Any]:
    dependent = p.get("DependentJobName")
    if dependent is not None:
        svc.definitions.job(dependent)
    names = [t["Name"] for t in svc.definitions.triggers(dependent)]
    names = svc.tags.having(svc, "trigger", names, p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 200, "ListTriggers")
    return paged({}, "TriggerNames", page, token)


@operation(
    "BatchGetTriggers",
    lambda svc, out: {**out, "Triggers": [records.glue_trigger(t) for t in out["Triggers"]]},
)
def batch_get_triggers(svc: Service, p: Params) -> dict[str, Any]:
    found, missing = batch_get(p["TriggerNames"], svc.definitions.trigger)
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
