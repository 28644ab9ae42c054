"""The Data Catalog's operations, each answered by the method of :class:`glue_nb.catalog.Catalog`
of that name (databases, tables and their versions, partitions), with paths confined and the
tags of databases kept."""

from __future__ import annotations

from typing import Any

from glue_nb.api import paths
from glue_nb.api.operations.registry import Handler, Params, call, fitted, operation
from glue_nb.api.service import Service
from glue_nb.exceptions import OperationNotSupportedException

__all__ = ["CATALOG_OPERATIONS"]


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
            out = call(method, p, name)
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
    operation(_name, fitted(_name))(_catalog_handler(_name))
