"""A stand-in for ``boto3`` inside blueprint layouts: ``client("glue")`` is glue-nb's Glue
client; every other service is real boto3.

Glue's sample layouts call the Glue API (e.g. ``create_database``) and other AWS services (S3's
``head_bucket``, ``create_bucket``, ``upload_fileobj``) through boto3. Changing ``import boto3``
to ``from glue_nb.blueprint import boto3`` makes that code run unchanged:

    from glue_nb.blueprint import boto3
    session = boto3.Session(region_name=system_params["region"])
    glue = session.client("glue")          # glue-nb: what the layout creates joins the run
    s3 = session.client("s3")              # real boto3: your endpoint, your credentials
    glue.create_database(DatabaseInput={"Name": "sales"})

During a blueprint run ``client("glue")`` returns the Glue client of the run's glue-nb home (the
same object as ``system_params["glue_client"]``, and as ``glue_nb.client()`` called in the
layout), so what the layout creates is rolled back with everything else if the run fails; outside
a run it is ``glue_nb.client()``. Other services are ``boto3.client(...)`` as configured for the
process (``AWS_ENDPOINT_URL_S3``, ``AWS_PROFILE``, ...), in the session's region (else the
process's, else us-east-1, as a layout runs in a region in Glue).
"""

from __future__ import annotations

from typing import Any

from glue_nb.blueprint.context import current_client

__all__ = ["Session", "client", "resource"]

DEFAULT_REGION = "us-east-1"


def _glue() -> Any:
    current = current_client.get()
    if current is not None:
        return current
    from glue_nb.client import client as glue_client

    return glue_client()


def _region(session: Any, given: str | None) -> str:
    return given or session.region_name or DEFAULT_REGION


def client(service_name: str, *args: Any, **kwargs: Any) -> Any:
    """glue-nb's Glue client for ``"glue"``; real ``boto3.client`` for any other service."""
    return Session().client(service_name, *args, **kwargs)


def resource(service_name: str, *args: Any, **kwargs: Any) -> Any:
    """Real ``boto3.resource`` (Glue has no resource API)."""
    return Session().resource(service_name, *args, **kwargs)


class Session:
    """``boto3.Session(...)``: ``client("glue")`` is glue-nb's; the rest is a real boto3
    session with the same arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import boto3

        self._session = boto3.Session(*args, **kwargs)

    @property
    def region_name(self) -> str | None:
        return self._session.region_name  # type: ignore[no-any-return]

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if service_name == "glue":
            return _glue()
        if not args:  # boto3's second positional argument is region_name
            kwargs["region_name"] = _region(self._session, kwargs.get("region_name"))
        return self._session.client(service_name, *args, **kwargs)

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if not args:
            kwargs["region_name"] = _region(self._session, kwargs.get("region_name"))
        return self._session.resource(service_name, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
