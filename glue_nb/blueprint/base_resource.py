"""The base of Glue's blueprint classes (mirrors ``awsglue.blueprint.base_resource``).

A resource takes keyword arguments named as in the Glue API, checks their types when set (a wrong
type raises ``TypeError``, as in Glue's library), keeps only the fields that were given, and
``to_json()`` returns them as a dict. Unknown keyword arguments are dropped as in Glue, but with a
warning so a misspelt field does not vanish silently.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

__all__ = ["BaseResource", "ensure_type"]


def ensure_type(key: str, value: Any, types: type | tuple[type, ...]) -> Any:
    """``value`` if it is ``None`` or of ``types``, else ``TypeError``."""
    if value is None or isinstance(value, types):
        return value
    names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
    raise TypeError(f"Value {value!r} for key {key} should be of type {names}")


class BaseResource:
    """Fields are declared in ``_validator`` as ``name -> (type(s), required)``."""

    _validator: ClassVar[dict[str, tuple[Any, bool]]] = {}
    _aliases: ClassVar[dict[str, str]] = {}  # accepted spelling -> field (Glue quirks)

    def __init__(self, **kwargs: Any) -> None:
        for alias, name in self._aliases.items():
            if alias in kwargs and name not in kwargs:
                kwargs[name] = kwargs.pop(alias)
        unknown = sorted(set(kwargs) - set(self._validator))
        if unknown:
            warnings.warn(
                f"{type(self).__name__}: ignoring unknown argument(s) {', '.join(unknown)} "
                f"(as AWS Glue's blueprint library does); valid: {', '.join(self._validator)}",
                UserWarning,
                stacklevel=3,
            )
        for key in self._validator:
            setattr(self, key, kwargs.get(key))

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self._validator:
            raise AttributeError(f"{type(self).__name__} has no field {key!r}")
        if value is None:
            self.__dict__.pop(key, None)
            return
        value = ensure_type(key, value, self._validator[key][0])
        self._check(key, value)
        self.__dict__[key] = value

    def __getattr__(self, key: str) -> Any:
        if key in type(self)._validator:
            return None
        raise AttributeError(f"{type(self).__name__} has no field {key!r}")

    def _check(self, key: str, value: Any) -> None:
        """Field-specific checks (subclasses)."""

    def _missing_fields(self) -> list[str]:
        return [
            k for k, (_, required) in self._validator.items() if required and k not in self.__dict__
        ]

    def validate(self) -> bool:
        """True when every required field is present, else ``TypeError`` naming the missing."""
        missing = self._missing_fields()
        if missing:
            name = self.__dict__.get("Name")
            which = f" {name!r}" if name else ""
            raise TypeError(
                f"Required fields for {type(self).__name__}{which} are missing: "
                f"{', '.join(missing)}"
            )
        return True

    def to_json(self) -> dict[str, Any]:
        """The fields that were set, as a dict (after :meth:`validate`)."""
        self.validate()
        return {k: v for k, v in self.__dict__.items() if k in self._validator}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Name={self.__dict__.get('Name')!r})"
