"""AWS JSON 1.1 on the wire: one request in (``X-Amz-Target`` and a JSON body), one answer out.

:func:`dispatch` is the whole protocol, shared by the in-process client and the server: it finds
the operation (``AWSGlue.<Op>``: Glue's answers; ``GlueNb.<Op>``: glue-nb's), decodes the body
against the operation's input shape (epoch-second timestamps → ``datetime``, base64 → ``bytes``),
optionally validates it as botocore would (the server does; the in-process client's botocore
already did), calls the handler, and encodes the answer (``datetime`` → epoch seconds). Errors
become ``{"__type": code, "message": text}`` with the error's HTTP status; an unexpected one is
logged with its traceback and answered as InternalServiceException without it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from glue_nb.api import models, operations
from glue_nb.api.columns import Document
from glue_nb.api.service import Service
from glue_nb.exceptions import (
    GlueNbError,
    InternalServiceException,
    OperationNotSupportedException,
    SerializationException,
    UnknownOperationException,
    ValidationException,
)
from glue_nb.model import check_parameters

__all__ = [
    "CONTENT_TYPE",
    "EXECUTOR_OBJECT",
    "answer",
    "dispatch",
    "encode",
    "error_answer",
    "without_nulls",
]

log = logging.getLogger("glue_nb.api")

CONTENT_TYPE = "application/x-amz-json-1.1"
#: ``Executor`` value standing for an executor object passed in-process (see inprocess.py).
EXECUTOR_OBJECT = "<in-process executor object>"
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _default(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return (value - _EPOCH).total_seconds()
    if isinstance(value, _dt.date):
        return _default(_dt.datetime(value.year, value.month, value.day))
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def encode(value: Any) -> bytes:
    """JSON for the wire: timestamps as epoch seconds, blobs as base64."""
    return json.dumps(value, default=_default, separators=(",", ":")).encode("utf-8")


class _Operation:
    """One operation of one service: its model, its handler, how to decode its input."""

    def __init__(self, model: Any, handler: operations.Handler) -> None:
        self.model = model
        self.handler = handler
        self.input_shape = model.input_shape
        self.converts = self.input_shape is not None and _has_conversions(self.input_shape, set())


def _has_conversions(shape: Any, seen: set[str]) -> bool:
    if shape.name in seen:
        return False
    seen.add(shape.name)
    kind = shape.type_name
    if kind in ("timestamp", "blob"):
        return True
    if kind == "structure":
        return any(_has_conversions(m, seen) for m in shape.members.values())
    if kind == "list":
        return _has_conversions(shape.member, seen)
    if kind == "map":
        return _has_conversions(shape.value, seen)
    return False


def _decode(value: Any, shape: Any) -> Any:
    """Wire values → Python values for one shape (timestamps and blobs; the rest as is)."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        members = shape.members
        return {k: (_decode(v, members[k]) if k in members else v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_decode(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _decode(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        from botocore.utils import parse_timestamp

        try:
            return parse_timestamp(value)
        except (ValueError, TypeError):
            raise SerializationException(f"{value!r} is not a timestamp (epoch seconds)")
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise SerializationException(f"{value[:40]!r} is not base64")
    return value


class Services:
    """The operations of Glue's API and glue-nb's, by ``X-Amz-Target`` prefix."""

    def __init__(self) -> None:
        from botocore.model import ServiceModel

        self.glue = models.glue_service_model()
        self.nb = ServiceModel(models.nb_model(models.OPERATIONS), service_name=models.GLUE_NB)
        self.prefixes = {
            self.glue.metadata["targetPrefix"]: (self.glue, operations.GLUE),
            self.nb.metadata["targetPrefix"]: (self.nb, operations.NB),
        }
        self._ops: dict[str, _Operation | None] = {}

    def find(self, target: str | None) -> _Operation:
        if target in self._ops:
            found = self._ops[target]
            if found is None:
                raise OperationNotSupportedException(_unsupported(target))
            return found
        prefix, _, name = (target or "").partition(".")
        if prefix not in self.prefixes or not name:
            raise UnknownOperationException(
                f"Unknown operation {target!r}: X-Amz-Target must be AWSGlue.<Operation> (Glue's "
                "API) or GlueNb.<Operation> (glue-nb's)"
            )
        model, handlers = self.prefixes[prefix]
        if name not in model.operation_names:
            raise UnknownOperationException(f"Unknown operation {target!r}")
        handler = handlers.get(name)
        op = None if handler is None else _Operation(model.operation_model(name), handler)
        self._ops[target or ""] = op
        if op is None:
            raise OperationNotSupportedException(_unsupported(target))
        return op


def _unsupported(target: Any) -> str:
    return (
        f"glue-nb does not implement {str(target).partition('.')[2]}: it answers Glue's "
        "workflow, job, trigger, crawler, blueprint, tag and Data Catalog operations"
    )


_services: Services | None = None


def services() -> Services:
    """The operation tables (built once per process)."""
    global _services
    if _services is None:
        _services = Services()
    return _services


def error_answer(exc: GlueNbError, request_id: str) -> tuple[int, dict[str, str], bytes]:
    body = encode({"__type": exc.code, "message": exc.message})
    return exc.http_status, _headers(request_id, len(body)), body


def _headers(request_id: str, length: int) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "x-amzn-RequestId": request_id,
        "Content-Length": str(length),
    }


def validate(params: Mapping[str, Any], shape: Any) -> None:
    """botocore's client-side validation, on the server (ValidationException naming members)."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        problems = report.generate_report().splitlines()
        raise ValidationException(
            f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
            + "; ".join(problems)
        )


def dispatch(
    service: Service,
    target: str | bytes | None,
    body: bytes | str | None,
    *,
    check: bool = False,
    executor: Any = None,
) -> tuple[int, dict[str, str], bytes]:
    """Answer one request → ``(HTTP status, headers, body)``.

    ``check``: validate the input against its shape first (for requests that no botocore
    validated). ``executor``: the object an in-process ``Executor`` parameter stands for.
    """
    status, headers, value = answer(service, target, body, check=check, executor=executor)
    if isinstance(value, bytes):
        return status, headers, value
    data = encode(value)
    headers["Content-Length"] = str(len(data))
    return status, headers, data


def answer(
    service: Service,
    target: str | bytes | None,
    body: bytes | str | None,
    *,
    check: bool = False,
    executor: Any = None,
) -> tuple[int, dict[str, str], Any]:
    """Like :func:`dispatch`, but a success is answered with the output itself (Python values:
    ``datetime``, ``bytes``), not yet encoded; an error with its encoded body."""
    request_id = str(uuid.uuid4())
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    name = target or "?"
    try:
        op = services().find(target)
        name = op.model.name
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="strict") if body else ""
        try:
            params = json.loads(body) if body and body.strip() else {}
        except ValueError as exc:
            raise SerializationException(f"The request body is not valid JSON: {exc}")
        if not isinstance(params, dict):
            raise SerializationException("The request body must be a JSON object")
        if op.converts:
            params = _decode(params, op.input_shape)
        if check and op.input_shape is not None:
            validate(params, op.input_shape)
            if params.get("Executor") == EXECUTOR_OBJECT:
                raise ValidationException("Executor: name an executor (local, dask)")
        if executor is not None and params.get("Executor") == EXECUTOR_OBJECT:
            params["Executor"] = executor
        check_parameters(name, params)  # what botocore's shapes leave open: names, ids, tokens
        out = op.handler(service, params)
        return 200, _headers(request_id, 0), out
    except GlueNbError as exc:
        return error_answer(exc, request_id)
    except UnicodeDecodeError as exc:
        return error_answer(SerializationException(f"The request body is not UTF-8: {exc}"),
                            request_id)  # fmt: skip
    except Exception:
        log.exception("%s failed (request %s)", name, request_id)
        return error_answer(
            InternalServiceException(
                f"{name} failed inside glue-nb (request {request_id}; the details are in the "
                "log of the process that answered)"
            ),
            request_id,
        )


def without_nulls(value: Any) -> Any:
    """``value`` with the null members of every structure left out (as botocore's parser
    leaves them out); documents (:class:`~glue_nb.api.columns.Document`) are left as they are,
    as botocore's parser leaves them."""
    if isinstance(value, Document):
        return value
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value
