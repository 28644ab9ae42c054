"""A stand-in for ``boto3`` inside blueprint layouts: ``client("glue")`` is glue-nb's client.

Glue's sample layouts call the Glue API (e.g. ``create_database``) through boto3. Changing
``import boto3`` to ``from glue_nb.blueprint import boto3`` makes that code run unchanged:

    from glue_nb.blueprint import boto3
    glue = boto3.Session(region_name=system_params["region"]).client("glue")
    glue.create_database(DatabaseInput={"Name": "sales"})

During a blueprint run ``client("glue")`` returns the client of the run's glue-nb home (the same
object as ``system_params["glue_client"]``, and as ``glue_nb.client()`` called in the layout), so
what the layout creates is rolled back with everything else if the run fails. Outside a run it is
``glue_nb.client()``. Other services return a placeholder that raises when used.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["Session", "client"]

_current: ContextVar[Any] = ContextVar("glue_nb_blueprint_client", default=None)


def client(service_name: str, *args: Any, **kwargs: Any) -> Any:
    """``glue_nb.client()`` for ``"glue"``; a placeholder that raises on use otherwise."""
    if service_name != "glue":
        return _Unsupported(service_name)
    current = _current.get()
    if current is not None:
        return current
    import glue_nb

    return glue_nb.client()


class Session:
    """``boto3.Session(...)``: region and credentials are accepted and ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.region_name = kwargs.get("region_name", "local")

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        return client(service_name)


class _Unsupported:
    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(
            f"glue-nb has no {self._service!r} service ({self._service}.{name}); blueprint "
            "layouts here work with local folders: write files with pathlib or fsspec instead"
        )
