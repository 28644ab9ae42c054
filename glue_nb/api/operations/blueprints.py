"""Blueprints: Create/Update/Delete/Get/List/BatchGetBlueprints, Start/GetBlueprintRun(s)
(the rules are :class:`glue_nb.blueprint.service.BlueprintService`'s)."""

from __future__ import annotations

from typing import Any

from glue_nb.api import paths
from glue_nb.api.operations.registry import Params, batch_get, call, fitted, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate


@operation("CreateBlueprint")
def create_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    tags = p.pop("Tags", None)
    p["BlueprintLocation"] = paths.confine(svc.settings, p["BlueprintLocation"],
                                           "BlueprintLocation")  # fmt: skip
    with svc.store.transaction():
        out = call(svc.blueprints.create_blueprint, p, "CreateBlueprint")
        svc.tags.create(svc, "blueprint", p["Name"], tags)
    return out


@operation("UpdateBlueprint")
def update_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    p["BlueprintLocation"] = paths.confine(svc.settings, p["BlueprintLocation"],
                                           "BlueprintLocation")  # fmt: skip
    return call(svc.blueprints.update_blueprint, p, "UpdateBlueprint")


@operation("DeleteBlueprint")
def delete_blueprint(svc: Service, p: Params) -> dict[str, Any]:
    with svc.store.transaction():
        out = call(svc.blueprints.delete_blueprint, p, "DeleteBlueprint")
        svc.tags.forget("blueprint", p["Name"])
    return out


@operation("BatchGetBlueprints", fitted("BatchGetBlueprints"))
def batch_get_blueprints(svc: Service, p: Params) -> dict[str, Any]:
    options = {
        "IncludeBlueprint": bool(p.get("IncludeBlueprint")),
        "IncludeParameterSpec": bool(p.get("IncludeParameterSpec")),
    }
    found, missing = batch_get(
        p["Names"], lambda name: svc.blueprints.get_blueprint(name, **options)["Blueprint"]
    )
    return {"Blueprints": found, "MissingBlueprints": missing}


def _delegate(name: str, target: str, method: str) -> None:
    def handler(svc: Service, p: Params) -> dict[str, Any]:
        return call(getattr(getattr(svc, target), method), p, name)

    handler.__name__ = method
    operation(name, fitted(name))(handler)


@operation("ListBlueprints")
def list_blueprints(svc: Service, p: Params) -> dict[str, Any]:
    names = [row["name"] for row in svc.blueprints.blueprints.all()]
    names = svc.tags.having(svc, "blueprint", names, p.get("Tags"))
    page, token = paginate(names, p.get("NextToken"), p.get("MaxResults"), 25, "ListBlueprints")
    return paged({}, "Blueprints", page, token)


for _name, _method in (
    ("GetBlueprint", "get_blueprint"),
    ("StartBlueprintRun", "start_blueprint_run"),
    ("GetBlueprintRun", "get_blueprint_run"),
    ("GetBlueprintRuns", "get_blueprint_runs"),
):
    _delegate(_name, "blueprints", _method)
