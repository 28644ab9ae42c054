"""Check glue-nb's responses against botocore's Glue service model, member by member.

``assert_output(operation, response)`` walks ``response`` against the output shape of Glue's
``operation`` (as boto3 returns it: timestamps as datetimes) and fails on any key the shape does
not define, a required member that is missing, a value of the wrong type, an enum value Glue does
not have, or a string, list or map whose length, or a number whose value, is outside the shape's
bounds. ``response_problems`` returns the problems instead of failing; ``input_members`` gives the
parameters Glue's request shape defines (to check that an operation accepts exactly those).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["assert_output", "input_members", "operation_model", "response_problems"]

#: Keys botocore adds to every response; not part of any output shape.
RESPONSE_EXTRAS = {"ResponseMetadata"}


@functools.lru_cache(maxsize=1)
def glue_model() -> ServiceModel:
    """botocore's Glue service model (loaded once)."""
    return botocore.session.get_session().get_service_model("glue")


def operation_model(operation: str) -> OperationModel:
    """The model of one Glue operation, by its PascalCase name (``BatchCreatePartition``)."""
    return glue_model().operation_model(operation)


def input_members(operation: str) -> set[str]:
    """The parameters Glue's request shape for ``operation`` defines."""
    shape = operation_model(operation).input_shape
    return set(shape.members) if shape is not None else set()


def response_problems(operation: str, response: Mapping[str, Any]) -> list[str]:
    """Every way ``response`` departs from ``operation``'s output shape (empty: it conforms)."""
    shape = operation_model(operation).output_shape
    if shape is None:
        extra = sorted(set(response) - RESPONSE_EXTRAS)
        return [f"{operation} has no output shape, but the response has {extra}"] if extra else []
    body = {k: v for k, v in response.items() if k not in RESPONSE_EXTRAS}
    problems: list[str] = []
    _walk(shape, body, operation, problems)
    return problems


def assert_output(operation: str, response: Mapping[str, Any]) -> None:
    """Fail, listing every problem, unless ``response`` conforms to ``operation``'s output shape."""
    problems = response_problems(operation, response)
    assert not problems, f"{operation} response departs from botocore's model:\n  " + "\n  ".join(
        problems
    )


def _walk(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    check = _CHECKS.get(kind)
    if check is None:
        problems.append(f"{path}: shape {shape.name} has type {kind}, which this check lacks")
        return
    check(shape, value, path, problems)


def _structure(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: expected a {shape.name} structure, got {type(value).__name__}")
        return
    members = shape.members  # type: ignore[attr-defined]
    for key in value:
        if key not in members:
            problems.append(
                f"{path}: key {key!r} is not a member of {shape.name} "
                f"(members: {', '.join(members)})"
            )
    for key in shape.required_members:  # type: ignore[attr-defined]
        if key not in value:
            problems.append(f"{path}: required member {key!r} of {shape.name} is missing")
    for key, member in value.items():
        if key in members:
            if member is None:
                problems.append(f"{path}.{key}: None (a member is left out, never null)")
                continue
            _walk(members[key], member, f"{path}.{key}", problems)


def _list(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, (list, tuple)):
        problems.append(f"{path}: expected a list ({shape.name}), got {type(value).__name__}")
        return
    _bounds(shape, len(value), path, problems, "length")
    member = shape.member  # type: ignore[attr-defined]
    for i, item in enumerate(value):
        _walk(member, item, f"{path}[{i}]", problems)


def _map(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: expected a map ({shape.name}), got {type(value).__name__}")
        return
    _bounds(shape, len(value), path, problems, "size")
    for key, item in value.items():
        _walk(shape.key, key, f"{path} key {key!r}", problems)  # type: ignore[attr-defined]
        _walk(shape.value, item, f"{path}[{key!r}]", problems)  # type: ignore[attr-defined]


def _string(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{path}: expected a string ({shape.name}), got {value!r}")
        return
    enum = getattr(shape, "enum", None) or []
    if enum and value not in enum:
        problems.append(f"{path}: {value!r} is not one of {shape.name}'s values {enum}")
    _bounds(shape, len(value), path, problems, "length")


def _integer(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{path}: expected an integer ({shape.name}), got {value!r}")
        return
    _bounds(shape, value, path, problems, "value")


def _double(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{path}: expected a number ({shape.name}), got {value!r}")
        return
    _bounds(shape, value, path, problems, "value")


def _boolean(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, bool):
        problems.append(f"{path}: expected a boolean ({shape.name}), got {value!r}")


def _timestamp(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        problems.append(f"{path}: expected a tz-aware datetime ({shape.name}), got {value!r}")


def _blob(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, (bytes, bytearray)):
        problems.append(f"{path}: expected bytes ({shape.name}), got {type(value).__name__}")


def _bounds(shape: Shape, measure: float, path: str, problems: list[str], what: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measure < low:
        problems.append(f"{path}: {what} {measure} is below {shape.name}'s minimum {low}")
    if high is not None and measure > high:
        problems.append(f"{path}: {what} {measure} is above {shape.name}'s maximum {high}")


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "double": _double,
    "float": _double,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}
