"""The registry of handlers: :func:`operation` fills :data:`NB` and :data:`GLUE`, and the helpers
the handlers of every area share (Glue's shaping, pages, calling a service method with a request).

Reading the registry means importing :mod:`glue_nb.api.operations`, which imports every area's
module (each registers its handlers when imported).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from glue_nb.api.service import Service
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException

__all__ = [
    "GLUE", "IGNORED_INPUTS", "NB", "NB_ONLY", "Handler", "Params", "batch_get", "call", "fitted",
    "operation", "paged",
]  # fmt: skip

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


def fitted(name: str) -> Callable[[Service, dict[str, Any]], dict[str, Any]]:
    """Shape an answer generically to Glue's output shape of ``name``."""

    def shape(svc: Service, out: dict[str, Any]) -> dict[str, Any]:
        from glue_nb.api.shapes import fit, output_shape

        return dict(fit(out, output_shape(name), svc.settings.account_id))

    return shape


def paged(out: dict[str, Any], key: str, page: list[Any], token: str | None) -> dict[str, Any]:
    """``out`` with the page under ``key``, and its ``NextToken`` when there is a next page."""
    out[key] = page
    if token:
        out["NextToken"] = token
    return out


def batch_get(names: Iterable[str], get: Callable[[str], Any]) -> tuple[list[Any], list[str]]:
    """A BatchGet*'s two lists: what ``get(name)`` found, and the names it did not find."""
    found, missing = [], []
    for name in names:
        try:
            found.append(get(name))
        except EntityNotFoundException:
            missing.append(name)
    return found, missing


#: Catalog inputs glue-nb accepts and has nothing to do with (one catalog, no transactions).
IGNORED_INPUTS = {"CatalogId", "ResourceShareType", "AttributesToGet", "IncludeStatusDetails"}


def call(method: Callable[..., Any], p: Params, name: str) -> dict[str, Any]:
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
