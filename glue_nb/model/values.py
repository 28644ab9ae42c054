"""The rules for values met in many requests: names, free text, maps of strings, job arguments,
flags, integers, timeouts, kernel names, ids, and the JSON-shaped data of Glue's stored-only
fields.

Each ``check_*`` function returns the value (normalised: numpy numbers become ints and floats) or
raises :class:`~glue_nb.exceptions.InvalidInputException` naming what was checked, what it got
(cut short when long) and what would be valid.
"""

from __future__ import annotations

import keyword
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "MAX_JOB_TIMEOUT_MINUTES",
    "MAX_RETRIES",
    "check_arguments",
    "check_bool",
    "check_fields",
    "check_id",
    "check_integer",
    "check_kernel_name",
    "check_name",
    "check_string",
    "check_string_map",
    "check_text",
    "check_timeout",
    "parameter_name",
]

MAX_JOB_TIMEOUT_MINUTES = 10080  # 7 days: Glue refuses longer job timeouts
DEFAULT_JOB_TIMEOUT_MINUTES = 2880
MAX_RETRIES = 10
MAX_TAGS = 50
# Glue's NameString allows tabs and other control characters; glue-nb names also become file
# names and are printed in terminals, so none of Unicode's control characters (C0, DEL, C1).
_BAD_NAME_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Glue's DescriptionString: printable text, tabs and line breaks.
_BAD_TEXT_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Any stored string: a lone surrogate cannot be encoded (UTF-8: the store, a notebook, a page).
_SURROGATE = re.compile("[\ud800-\udfff]")
# jupyter_client's rule for kernelspec names
_KERNEL_NAME = re.compile(r"[a-z0-9._-]+", re.IGNORECASE)


def _fail(message: str) -> InvalidInputException:
    return InvalidInputException(message)


def _show(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to a readable length (a 100,000-character name stays one line)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, (str, bytes)) else type(value).__name__
    return f"{text[: limit - 20]}... ({size})"


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {_show(value)}"


def _as_number(value: Any) -> int | float | None:
    """``value`` as a Python int or float (numpy numbers too); None for anything else, bools
    included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return None
    return None


def _char(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (not valid Unicode text)"
    if code in (0xFFFE, 0xFFFF):
        return f"the non-character U+{code:04X}"
    return f"the control character U+{code:04X}"


def _no_surrogate(what: str, value: str) -> str:
    bad = _SURROGATE.search(value)
    if bad:
        raise _fail(f"{what} {_show(value)} contains {_char(bad.group())}")
    return value


def check_name(kind: str, name: Any) -> str:
    """A Glue name: a string of 1-255 printable characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _fail(f"{kind} name must be a string of 1-255 characters, got {_show(name)}")
    bad = _BAD_NAME_CHAR.search(name)
    if bad:
        raise _fail(
            f"{kind} name {_show(name)} contains {_char(bad.group())}; "
            "names are 1-255 printable characters"
        )
    return name


def check_text(what: str, value: Any, limit: int) -> str:
    """Free text such as a Description: a string of at most ``limit`` printable characters
    (tabs and line breaks allowed)."""
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(f"{what} must be a string of at most {limit:,} characters, got {_kind(value)}")
    bad = _BAD_TEXT_CHAR.search(value)
    if bad:
        raise _fail(f"{what} contains {_char(bad.group())}; use printable text")
    return value


def check_string(what: str, value: Any, limit: int | None = None) -> str:
    """A string (of at most ``limit`` characters) that can be stored: no lone surrogate."""
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        size = f" of at most {limit:,} characters" if limit is not None else ""
        raise _fail(f"{what} must be a string{size}, got {_kind(value)}")
    return _no_surrogate(what, value)


def check_string_map(what: str, value: Any, *, key_limit: int = 255) -> dict[str, str]:
    """A ``{str: str}`` map such as run properties or arguments (None: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(
            f"{what} must be a map of strings to strings, e.g. {{'key': 'value'}}, "
            f"got {_kind(value)}"
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= key_limit:
            raise _fail(f"{what}: key {_show(key)} must be a string of 1-{key_limit} characters")
        _no_surrogate(f"{what}: key", key)
        if not isinstance(val, str):
            raise _fail(
                f"{what}: value of {_show(key)} must be a string, got {_kind(val)} "
                f"(convert it, e.g. str({_show(val)}))"
            )
        _no_surrogate(f"{what}: value of {_show(key)}", val)
        out[key] = val
    return out


def parameter_name(argument: str) -> str:
    """Glue-style argument key ``--name`` → notebook parameter ``name``."""
    return argument[2:] if argument.startswith("--") else argument


def check_arguments(what: str, value: Any) -> dict[str, str]:
    """Job arguments (``{"--name": "value"}``): a map of strings whose names can become notebook
    parameters. A Python keyword (``--class``, ``--lambda``) cannot be a variable of the notebook,
    so it is refused here rather than failing every run on a SyntaxError."""
    args = check_string_map(what, value)
    for key in args:
        name = parameter_name(key)
        if keyword.iskeyword(name):
            raise _fail(
                f"{what}: argument {key!r} cannot become a notebook parameter, because "
                f"{name!r} is a Python keyword; rename it, e.g. to '--{name}_' "
                f"(read as {name}_ in the notebook)"
            )
    return args


def _tags(what: str, value: Any) -> dict[str, str]:
    tags = check_string_map(what, value, key_limit=128)
    if len(tags) > MAX_TAGS:
        raise _fail(f"{what}: at most {MAX_TAGS} tags, got {len(tags)}")
    too_long = next((k for k, v in tags.items() if len(v) > 256), None)
    if too_long is not None:
        raise _fail(f"{what}: the value of tag {too_long!r} is longer than 256 characters")
    return tags


def check_bool(what: str, value: Any) -> bool:
    """A flag: ``True`` or ``False`` (not "yes", not 1)."""
    if not isinstance(value, bool):
        raise _fail(f"{what} must be true or false (a bool), got {_kind(value)}")
    return value


def check_integer(what: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole number from ``low`` (to ``high``); numpy integers are accepted as ints."""
    number = _as_number(value) if isinstance(value, numbers.Integral) else None
    if number is None or number < low or (high is not None and number > high):
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        raise _fail(f"{what} must be an integer {span}, got {_kind(value)}")
    return int(number)


def _number(what: str, value: Any, low: float) -> float | int:
    """A finite number >= ``low``."""
    number = _as_number(value)
    if number is None or not low <= number < float("inf"):
        raise _fail(f"{what} must be a finite number >= {low}, got {_kind(value)}")
    return number


def check_timeout(what: str, value: Any) -> int | float:
    """A job run's Timeout in minutes: above 0 and at most 7 days (10080 minutes).

    The one rule for a job's Timeout, a trigger action's Timeout and StartJobRun's Timeout.
    Glue takes whole minutes (its model: integer, at least 1); glue-nb also takes fractions of a
    minute (``0.5`` = 30 seconds) for short notebooks and tests. Strings, bools, NaN, infinity,
    zero and negative numbers are refused (zero would mean "no timeout" to some readers and
    "time out at once" to others)."""
    minutes = _as_number(value)
    if minutes is None or not 0 < minutes <= MAX_JOB_TIMEOUT_MINUTES:
        raise _fail(
            f"{what} must be a number of minutes above 0 and at most {MAX_JOB_TIMEOUT_MINUTES} "
            f"(7 days), e.g. 60; Glue takes whole minutes, glue-nb also fractions such as 0.5 "
            f"for 30 seconds; got {_kind(value)}"
        )
    return minutes


def check_kernel_name(what: str, value: Any) -> str:
    """The name of a Jupyter kernelspec (as ``jupyter kernelspec list`` shows them)."""
    if not isinstance(value, str) or len(value) > 255 or not _KERNEL_NAME.fullmatch(value):
        raise _fail(
            f"{what} must be the name of a Jupyter kernel (letters, digits, '.', '_' or '-', as "
            f"`jupyter kernelspec list` shows them, e.g. 'python3'), got {_kind(value)}"
        )
    return value


def check_id(what: str, value: Any) -> str:
    """An id such as a RunId or JobRunId: a string of 1-255 characters (Glue's IdString)."""
    if not isinstance(value, str) or not value:
        raise _fail(f"{what} must be a string of 1-255 characters, got {_kind(value)}")
    return check_string(what, value, 255)


def _choice(what: str, value: Any, valid: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in valid:
        raise _fail(f"{what} must be one of {', '.join(valid)}, got {_kind(value)}")
    return value


def _string_list(what: str, value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _fail(f"{what} must be a list of strings, got {_kind(value)}")
    return [check_string(f"{what}[{i}]", item) for i, item in enumerate(value)]


def _plain(what: str, value: Any, depth: int = 0) -> Any:
    """JSON-shaped data (maps with string keys, lists, strings, finite numbers, bools, None),
    for fields glue-nb stores for Glue but does not use."""
    if depth > 32:
        raise _fail(f"{what} is nested more than 32 levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _no_surrogate(what, value)
    if isinstance(value, numbers.Real):
        return _number(what, value, float("-inf"))
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(f"{what}: key {_show(key)} must be a string")
            out[_no_surrogate(f"{what}: key", key)] = _plain(f"{what}.{key}", item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(f"{what}[{i}]", item, depth + 1) for i, item in enumerate(value)]
    raise _fail(
        f"{what} must be JSON-shaped data (maps, lists, strings, numbers), got {_kind(value)}"
    )


def _map(what: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a map, got {_kind(value)}")
    return _plain(what, value)  # type: ignore[no-any-return]


def check_fields(
    what: str, value: Any, fields: Iterable[str], needs: str | None = None
) -> Mapping[str, Any]:
    """``value`` as a Glue structure: a map with no keys but ``fields`` (``needs`` names what it
    must have, for the message when it is no map at all)."""
    fields = set(fields)
    if not isinstance(value, Mapping):
        needs = needs or ", ".join(sorted(fields))
        raise _fail(f"{what} must be a map with {needs}, got {_kind(value)}")
    unknown = sorted(map(str, set(value) - fields))
    if unknown:
        raise _fail(
            f"{what}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(fields))}"
        )
    return value


def _structure(what: str, value: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A Glue structure: a map whose keys are ``fields`` (each checked by its function)."""
    check_fields(what, value, fields, ", ".join(fields))
    return {k: fields[k](f"{what}.{k}", v) for k, v in value.items() if v is not None}


def _notify_delay(what: str, value: Any) -> int:
    return check_integer(what, value, 1)


def _check_fields(kind: str, name: str, request: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(map(str, set(request) - allowed))
    if unknown:
        raise _fail(
            f"{kind} {name!r}: unknown parameter(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(allowed))}"
        )


def _request(kind: str, request: Any) -> Mapping[str, Any]:
    if not isinstance(request, Mapping):
        raise _fail(
            f"a {kind} definition must be a map of Glue's {kind} fields, got {_kind(request)}"
        )
    return request
