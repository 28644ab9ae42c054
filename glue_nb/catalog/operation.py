"""The parameters of a catalog operation, checked as Glue checks a request.

:func:`operation` wraps a :class:`~glue_nb.catalog.Catalog` method that implements one Glue
operation. Before the method runs: parameters are keywords only; an unknown one, a missing
required one, or one Glue defines that glue-nb cannot honour raises InvalidInputException naming
it (never a raw TypeError); parameters that only inform AWS's auditing are type-checked and
dropped; ``CatalogId`` must be the local catalog's. Errors carry Glue's operation name, as
botocore's do.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from glue_nb.catalog.shapes import CATALOG_ID
from glue_nb.exceptions import EntityNotFoundException, GlueNbError, InvalidInputException

__all__ = ["GOVERNED", "IGNORED", "OPEN_FORMATS", "operation"]

F = TypeVar("F", bound=Callable[..., Any])

#: Lake Formation governed tables (transactions, time travel): glue-nb's catalog has none.
GOVERNED = (
    "glue-nb's catalog has no Lake Formation governed tables (transactions, time travel); "
    "leave it out"
)
#: Open table formats and multi-dialect views: not in glue-nb's catalog.
OPEN_FORMATS = (
    "glue-nb's catalog has no open table formats (Iceberg) or multi-dialect views; "
    "describe the table with TableInput"
)
#: Parameters that only inform AWS's auditing or status reporting: checked, then dropped.
IGNORED: dict[str, type | tuple[type, ...]] = {
    "AuditContext": Mapping,
    "QuerySessionContext": Mapping,
    "IncludeStatusDetails": bool,
    "Force": bool,  # UpdateTable: only matters for views
}


def operation(
    name: str,
    *,
    ignored: tuple[str, ...] = (),
    unsupported: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Mark a method as Glue's operation ``name`` and check its parameters before it runs.

    ``ignored`` names parameters of :data:`IGNORED` that the operation accepts; ``unsupported``
    maps parameters Glue defines for it that glue-nb refuses to what the user can do instead.
    """
    refused = dict(unsupported or {})

    def wrap(fn: F) -> F:
        params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        accepted = {p.name for p in params}
        required = [p.name for p in params if p.default is inspect.Parameter.empty]
        valid = ", ".join(sorted(accepted | set(ignored) | set(refused)))

        @functools.wraps(fn)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                if args:
                    raise InvalidInputException(
                        f"{name} takes keyword parameters only (as boto3 does), e.g. "
                        f"{fn.__name__}({', '.join(f'{r}=...' for r in required) or '...'})"
                    )
                for key in list(kwargs):
                    if key in accepted:
                        continue
                    value = kwargs.pop(key)
                    if key in ignored:
                        if value is not None and not isinstance(value, IGNORED[key]):
                            raise InvalidInputException(
                                f"{name}: {key} must be a {_type_name(IGNORED[key])}, got {value!r}"
                            )
                    elif key in refused:
                        if value is not None:
                            raise InvalidInputException(f"{name}: {key}: {refused[key]}")
                    else:
                        raise InvalidInputException(
                            f"{name}: unknown parameter {key!r}; valid parameters: {valid}"
                        )
                missing = [r for r in required if kwargs.get(r) is None]
                if missing:
                    raise InvalidInputException(
                        f"{name}: missing required parameter(s) {', '.join(missing)}"
                    )
                _check_catalog_id(kwargs.get("CatalogId"))
                return fn(self, **kwargs)
            except GlueNbError as exc:
                if not exc.operation_name:
                    exc.operation_name = name
                raise

        inner.glue_operation = name  # type: ignore[attr-defined]
        inner.glue_parameters = frozenset(accepted | set(ignored) | set(refused))  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap


def _type_name(kind: type | tuple[type, ...]) -> str:
    if kind is Mapping:
        return "map"
    if kind is bool:
        return "boolean"
    return getattr(kind, "__name__", str(kind))


def _check_catalog_id(value: Any) -> None:
    """CatalogId, when given, must be the local catalog's id."""
    if value is None:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise InvalidInputException(
            f"CatalogId must be a string of 1-255 characters, got {value!r}"
        )
    if value != CATALOG_ID:
        raise EntityNotFoundException(
            f"Catalog {value} not found: glue-nb has one Data Catalog, CatalogId {CATALOG_ID} "
            "(or leave CatalogId out)"
        )
