"""Workflow definitions (CreateWorkflow, UpdateWorkflow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.model.values import (
    _check_fields,
    _request,
    _structure,
    _tags,
    check_id,
    check_integer,
    check_name,
    check_string_map,
    check_text,
)

__all__ = ["workflow_body"]

WORKFLOW_FIELDS = {"Name", "Description", "DefaultRunProperties", "Tags", "MaxConcurrentRuns"}


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
