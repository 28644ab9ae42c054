"""Tags: TagResource, UntagResource, GetTags (the rules are :mod:`glue_nb.store.tags`'s)."""

from __future__ import annotations

from typing import Any

from glue_nb.api.operations.registry import Params, operation
from glue_nb.api.service import Service


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
