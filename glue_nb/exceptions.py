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
     └── ResourceNumberLimitExceededException

All of them survive pickling (they cross process boundaries, e.g. to Dask workers).
"""

from __future__ import annotations

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
]


class GlueNbError(Exception):
    """Base of all glue-nb errors; shaped like ``botocore.exceptions.ClientError``."""

    def __init__(self, message: str, operation_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.operation_name = operation_name
        self.response: dict[str, Any] = {
            "Error": {"Code": self.code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": self.http_status},
        }

    http_status = 400

    #: The Glue error code when it is not the class name (a finer class of a Glue error).
    error_code: str | None = None

    @property
    def code(self) -> str:
        """The Glue error code, e.g. ``"EntityNotFoundException"``."""
        return type(self).error_code or type(self).__name__

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
    )
}
"""Glue error code → exception class (what ``client.exceptions`` exposes)."""
