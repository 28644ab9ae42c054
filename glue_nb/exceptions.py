"""Errors with AWS Glue's names and codes.

Every error glue-nb raises for bad input or an illegal operation derives from
:class:`GlueNbError`, which looks like botocore's ``ClientError``: it carries
``response["Error"]["Code"]`` (the Glue error code, equal to the class name) and
``response["Error"]["Message"]``, plus ``operation_name``. Code written against
``boto3.client("glue")`` therefore catches them unchanged, either as
``client.exceptions.EntityNotFoundException`` or by inspecting the code.

    GlueNbError
     ├── AlreadyExistsException
     ├── ConcurrentModificationException
     ├── ConcurrentRunsExceededException
     ├── CrawlerNotRunningException
     ├── CrawlerRunningException
     ├── CrawlerStoppingException
     ├── EntityNotFoundException
     ├── IllegalWorkflowStateException
     ├── IllegalBlueprintStateException
     ├── InternalServiceException
     ├── InvalidInputException
     ├── OperationTimeoutException
     ├── ResourceNumberLimitExceededException
     ├── NoScheduleException, SchedulerRunningException, SchedulerNotRunningException
     ├── OperationNotSupportedException, AccessDeniedException
     └── the protocol's: ValidationException, SerializationException,
         UnknownOperationException, MissingAuthenticationTokenException,
         UnrecognizedClientException, InvalidSignatureException

``glue_nb.client().exceptions.<Code>`` (botocore's errors) derive both from botocore's
``ClientError`` and from the class here of that code, so either catch style works.

All of them survive pickling (they cross process boundaries, e.g. to Dask workers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ERRORS",
    "AlreadyExistsException",
    "ConcurrentModificationException",
    "ConcurrentRunsExceededException",
    "CrawlerNotRunningException",
    "CrawlerRunningException",
    "CrawlerStoppingException",
    "EntityNotFoundException",
    "GlueNbError",
    "IllegalBlueprintStateException",
    "IllegalWorkflowStateException",
    "InternalServiceException",
    "InvalidInputException",
    "OperationTimeoutException",
    "ResourceNumberLimitExceededException",
    "error_class",
]


class GlueNbError(Exception):
    """Base of all glue-nb errors; shaped like ``botocore.exceptions.ClientError``.

    ``GlueNbError(message)`` is how glue-nb raises one; ``GlueNbError(response, operation)``
    (a parsed error response, as botocore builds its errors) is how the classes of
    ``glue_nb.client().exceptions`` are built, which derive from this class and from botocore's
    ``ClientError``."""

    http_status = 400

    def __init__(self, message: str | Mapping[str, Any], operation_name: str = "") -> None:
        if isinstance(message, Mapping):  # botocore: (parsed error response, operation name)
            response = dict(message)
            text = str((response.get("Error") or {}).get("Message", ""))
        else:
            text = message
            response = {
                "Error": {"Code": self.code, "Message": text},
                "ResponseMetadata": {"HTTPStatusCode": self.http_status},
            }
        Exception.__init__(self, text)  # not ClientError's (response, operation) signature
        self.message = text
        self.operation_name = operation_name
        self.response: dict[str, Any] = response

    @property
    def code(self) -> str:
        """The Glue error code, e.g. ``"EntityNotFoundException"``."""
        return getattr(type(self), "error_code", None) or type(self).__name__

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.operation_name))

    def __str__(self) -> str:
        if self.operation_name:
            return (
                f"An error occurred ({self.code}) when calling the "
                f"{self.operation_name} operation: {self.message}"
            )
        return f"{self.code}: {self.message}"


class AlreadyExistsException(GlueNbError):
    """A resource with that name exists already."""


class ConcurrentModificationException(GlueNbError):
    """Two callers changed the same resource at once."""


class ConcurrentRunsExceededException(GlueNbError):
    """A workflow's or job's MaxConcurrentRuns would be exceeded."""


class CrawlerNotRunningException(GlueNbError):
    """The crawler is not running."""


class CrawlerRunningException(GlueNbError):
    """The crawler is running already."""


class CrawlerStoppingException(GlueNbError):
    """The crawler is stopping."""


class EntityNotFoundException(GlueNbError):
    """No workflow, job, trigger, crawler, run or catalog entry by that name or id."""


class IllegalWorkflowStateException(GlueNbError):
    """The workflow run is in a state that does not allow the operation."""


class IllegalBlueprintStateException(GlueNbError):
    """The blueprint is in a state that does not allow the operation."""


class InternalServiceException(GlueNbError):
    """Something failed inside glue-nb (a bug, or the store is unusable)."""

    http_status = 500


class InvalidInputException(GlueNbError):
    """The request is malformed or violates a rule; the message names what and why."""


class OperationTimeoutException(GlueNbError):
    """The operation did not finish in time (e.g. the store stayed locked)."""


class ResourceNumberLimitExceededException(GlueNbError):
    """A limit on the number of resources was reached."""


class NoScheduleException(GlueNbError):
    """The crawler has no schedule."""


class SchedulerRunningException(GlueNbError):
    """The crawler's schedule is running (SCHEDULED) already."""


class SchedulerNotRunningException(GlueNbError):
    """The crawler's schedule is not running (NOT_SCHEDULED)."""


class OperationNotSupportedException(GlueNbError):
    """A Glue operation or option that glue-nb does not implement."""


class ValidationException(GlueNbError):
    """The request does not fit the operation's input shape (AWS's protocol-level answer)."""


class AccessDeniedException(GlueNbError):
    """The caller may not do this (e.g. a path outside the server's allowed roots)."""


class SerializationException(GlueNbError):
    """The request body is not valid JSON for the operation (AWS's protocol-level answer)."""


class UnknownOperationException(GlueNbError):
    """The X-Amz-Target names no operation of the service."""


class MissingAuthenticationTokenException(GlueNbError):
    """The request is not signed, and the server needs signed requests."""

    http_status = 403


class UnrecognizedClientException(GlueNbError):
    """The request is signed with an access key the server does not know."""


class InvalidSignatureException(GlueNbError):
    """The request's signature does not match (wrong secret, changed request, expired date)."""

    http_status = 403


ERRORS: dict[str, type[GlueNbError]] = {
    cls.__name__: cls
    for cls in (
        AlreadyExistsException,
        ConcurrentModificationException,
        ConcurrentRunsExceededException,
        CrawlerNotRunningException,
        CrawlerRunningException,
        CrawlerStoppingException,
        EntityNotFoundException,
        IllegalWorkflowStateException,
        IllegalBlueprintStateException,
        InternalServiceException,
        InvalidInputException,
        OperationTimeoutException,
        ResourceNumberLimitExceededException,
        NoScheduleException,
        SchedulerRunningException,
        SchedulerNotRunningException,
        OperationNotSupportedException,
        ValidationException,
        AccessDeniedException,
        SerializationException,
        UnknownOperationException,
        MissingAuthenticationTokenException,
        UnrecognizedClientException,
        InvalidSignatureException,
    )
}
"""Glue error code → the class glue-nb raises it with."""


def error_class(code: str) -> type[GlueNbError]:
    """The class for an error code: glue-nb's own, or one made (once) for any other code."""
    cls = ERRORS.get(code)
    if cls is None:
        cls = ERRORS[code] = type(code, (GlueNbError,), {"__module__": __name__})
    return cls
