"""Blueprint parameter specs (``parameterSpec`` of ``blueprint.cfg``) and parameter validation.

A spec maps each parameter name to ``{"type", "collection", "defaultValue", "allowedValues",
"description"}`` as in AWS Glue. Types: ``String``, ``Integer``, ``Double``, ``Boolean``,
``S3Uri`` (here any local path or URL), ``S3Bucket``, ``IAMRoleName`` and ``IAMRoleArn`` (accepted,
unused). ``defaultValue`` makes a parameter optional; ``collection`` makes its value a list.

:func:`check_parameters` returns every problem per parameter (the Jupyter form shows them beside
the fields); :func:`validate_parameters` raises them all together in one InvalidInputException.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "MAX_PARAMETERS_BYTES",
    "PARAMETER_TYPES",
    "Parameter",
    "check_parameters",
    "parse_spec",
    "validate_parameters",
]

#: Glue's types; the IAM ones are accepted and passed through (glue-nb has no IAM).
PARAMETER_TYPES = (
    "String",
    "Integer",
    "Double",
    "Boolean",
    "S3Uri",
    "S3Bucket",
    "IAMRoleName",
    "IAMRoleArn",
)
TEXT_TYPES = ("String", "S3Uri", "S3Bucket", "IAMRoleName", "IAMRoleArn")
SPEC_FIELDS = ("type", "collection", "defaultValue", "allowedValues", "description")
MAX_PARAMETERS_BYTES = 128 * 1024  # StartBlueprintRun.Parameters limit
_MISSING = object()


@dataclass(frozen=True)
class Parameter:
    """One entry of a parameter spec."""

    name: str
    type: str
    collection: bool = False
    default: Any = _MISSING
    allowed: tuple[Any, ...] | None = None
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def type_label(self) -> str:
        return f"list of {self.type}" if self.collection else self.type

    def check(self, value: Any) -> tuple[Any, list[str]]:
        """``(coerced value, problems)`` for a supplied value."""
        if self.collection:
            if not isinstance(value, (list, tuple)):
                return value, [f"expects a list of {self.type} values, got {_show(value)}"]
            out, problems = [], []
            for i, item in enumerate(value):
                coerced, problem = _coerce(self.type, item)
                if problem:
                    problems.append(f"item {i}: {problem}")
                elif self.allowed is not None and coerced not in self.allowed:
                    problems.append(f"item {i}: {_not_allowed(coerced, self.allowed)}")
                out.append(coerced)
            return out, problems
        coerced, problem = _coerce(self.type, value)
        if problem:
            return value, [problem]
        if self.allowed is not None and coerced not in self.allowed:
            return coerced, [_not_allowed(coerced, self.allowed)]
        return coerced, []


def _show(value: Any, limit: int = 60) -> str:
    text = json.dumps(value) if _jsonable(value) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _not_allowed(value: Any, allowed: tuple[Any, ...]) -> str:
    return f"{_show(value)} is not allowed; choose one of {', '.join(_show(a) for a in allowed)}"


def _coerce(kind: str, value: Any) -> tuple[Any, str | None]:
    """A value of ``kind`` (numbers and booleans may come as their usual text forms)."""
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            return value, f"expects {kind} (a string), got {_show(value)}"
        if kind in ("S3Uri", "S3Bucket") and not value.strip():
            return value, f"expects {kind} (a path or URL), got an empty string"
        return value, None
    if kind == "Boolean":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true", None
        return value, f"expects Boolean (true or false), got {_show(value)}"
    if kind == "Integer":
        if isinstance(value, bool):
            return value, f"expects Integer, got {_show(value)}"
        if isinstance(value, int):
            return value, None
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        if isinstance(value, str):
            try:
                return int(value.strip()), None
            except ValueError:
                pass
        return value, f"expects Integer, got {_show(value)}"
    if kind == "Double":
        if isinstance(value, bool):
            return value, f"expects Double (a number), got {_show(value)}"
        number: Any = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        if isinstance(number, (int, float)) and math.isfinite(number):
            return float(number), None
        return value, f"expects Double (a number), got {_show(value)}"
    return value, f"has unknown type {kind!r}"


def parse_spec(spec: Any) -> dict[str, Parameter]:
    """Validate a ``parameterSpec``; every problem is reported in one InvalidInputException."""
    if not isinstance(spec, Mapping):
        raise InvalidInputException(
            f'parameterSpec must be a JSON object of parameter name -> {{"type": ...}}, '
            f"got {type(spec).__name__}"
        )
    params: dict[str, Parameter] = {}
    problems: list[str] = []
    for name, entry in spec.items():
        if not isinstance(entry, Mapping):
            problems.append(f'{name}: must be an object with at least "type"')
            continue
        kind = entry.get("type")
        unknown = sorted(set(entry) - set(SPEC_FIELDS))
        if unknown:
            problems.append(
                f"{name}: unknown field(s) {', '.join(unknown)} (valid: {', '.join(SPEC_FIELDS)})"
            )
        if kind not in PARAMETER_TYPES:
            problems.append(f"{name}: type {kind!r} is not one of {', '.join(PARAMETER_TYPES)}")
            continue
        collection = entry.get("collection", False)
        if not isinstance(collection, bool):
            problems.append(f"{name}: collection must be true or false, got {_show(collection)}")
            collection = False
        allowed = entry.get("allowedValues")
        allowed_t: tuple[Any, ...] | None = None
        if allowed is not None:
            if not isinstance(allowed, list) or not allowed:
                problems.append(f"{name}: allowedValues must be a non-empty list")
            else:
                coerced = [_coerce(kind, v) for v in allowed]
                bad = [_show(v) for v, (_, p) in zip(allowed, coerced, strict=True) if p]
                if bad:
                    problems.append(f"{name}: allowedValues {', '.join(bad)} are not {kind}")
                allowed_t = tuple(c for c, _ in coerced)
        description = entry.get("description", "")
        if not isinstance(description, str):
            problems.append(f"{name}: description must be a string")
            description = str(description)
        param = Parameter(name, kind, collection, _MISSING, allowed_t, description, dict(entry))
        if "defaultValue" in entry:
            default, errors = param.check(entry["defaultValue"])
            problems.extend(f"{name}: defaultValue {e}" for e in errors)
            param = Parameter(name, kind, collection, default, allowed_t, description, dict(entry))
        params[name] = param
    if problems:
        raise InvalidInputException(_message("Invalid parameterSpec", problems))
    return params


def check_parameters(
    spec: Mapping[str, Parameter], parameters: str | Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``(resolved values with defaults, problems by parameter name)``.

    Problems of the document as a whole (malformed JSON, not an object) are filed under ``""``.
    """
    problems: dict[str, list[str]] = {}
    values: Any = parameters
    if parameters is None or parameters == "":
        values = {}
    elif isinstance(parameters, str):
        if len(parameters.encode("utf-8")) > MAX_PARAMETERS_BYTES:
            return {}, {"": [f"Parameters is larger than {MAX_PARAMETERS_BYTES // 1024} KB"]}
        try:
            values = json.loads(parameters)
        except json.JSONDecodeError as exc:
            return {}, {
                "": [
                    f"Parameters is not valid JSON: {exc.msg} at line {exc.lineno} "
                    f"column {exc.colno}"
                ]
            }
    if not isinstance(values, Mapping):
        return {}, {"": [f"Parameters must be a JSON object, got {_show(values)}"]}
    resolved: dict[str, Any] = {}
    for name, param in spec.items():
        if name in values:
            value, errors = param.check(values[name])
            if errors:
                problems[name] = errors
            else:
                resolved[name] = value
        elif param.has_default:
            resolved[name] = param.default
        else:
            problems[name] = [f"missing: required {param.type_label()}"]
    for name in values:
        if name not in spec:
            problems[name] = [f"unknown parameter (known: {', '.join(spec) or 'none'})"]
    return resolved, problems


def validate_parameters(
    spec: Mapping[str, Parameter], parameters: str | Mapping[str, Any] | None, blueprint: str = ""
) -> dict[str, Any]:
    """Resolved parameter values, or one InvalidInputException naming every problem."""
    resolved, problems = check_parameters(spec, parameters)
    if problems:
        lines = []
        for name, found in problems.items():
            for problem in found:
                param = spec.get(name)
                if param is not None and param.description and problem.startswith("missing"):
                    problem += f" ({param.description})"
                lines.append(f"{name}: {problem}" if name else problem)
        what = (
            f"Invalid parameters for blueprint {blueprint!r}" if blueprint else "Invalid parameters"
        )
        raise InvalidInputException(_message(what, lines))
    return resolved


def _message(what: str, problems: list[str]) -> str:
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"{what} ({count}):\n" + "\n".join(f"- {p}" for p in problems)
