"""``glue_nb.client()``: a real botocore Glue client, answered by glue-nb.

The client is botocore's own Glue client (``boto3.client("glue")`` is the same kind of object):
parameters are validated by botocore (``ParamValidationError`` before anything is written),
errors are ``botocore.exceptions.ClientError`` subclasses with Glue's codes
(``client.exceptions.EntityNotFoundException``, ``from_code``), paginators are Glue's. Its
requests are answered in this process by glue-nb's handlers (:mod:`glue_nb.api`) over a local
home, with no HTTP; or, with ``endpoint_url``, by a ``glue-nb serve`` server.

Its answers have exactly Glue's shapes. What only glue-nb knows (each job run's executed notebook,
logs and error detail, which triggers fired, each crawl's summary, ``Executor=`` where runs start,
events for EVENT triggers) is glue-nb's own API beside it: ``client.nb`` (same operations, same
errors and paginators, richer answers). ``client.service`` is the local service (store, engine,
definitions, catalog, ...) that code inside glue-nb uses.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from glue_nb.api.inprocess import ClientMixin

__all__ = ["GlueClient", "client"]

GlueClient = ClientMixin
"""The type of ``glue_nb.client()`` and of its ``.nb`` (botocore client classes made at run time
with this class among their bases)."""

_clients: dict[str, Any] = {}
_services: dict[str, Any] = {}
_lock = threading.Lock()


def local_service(home: str | os.PathLike[str], settings: Any = None) -> Any:
    """The one :class:`~glue_nb.api.service.Service` of ``home`` in this process."""
    from glue_nb.api.service import Service

    path = str(Path(home).absolute())
    with _lock:
        svc = _services.get(path)
        if svc is None:
            svc = _services[path] = Service(path, settings, client=lambda: client(path))
        return svc


def client(
    home: str | os.PathLike[str] | None = None,
    *,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
    config: Any = None,
) -> GlueClient:
    """The Glue client of a glue-nb home: ``home``, else ``$GLUE_NB_HOME``, else (inside a job)
    the home of the run that started it, else ``./.glue_nb``. Clients of a home are cached per
    process.

    With ``endpoint_url`` (e.g. ``"http://127.0.0.1:8742"``) it is a client of that
    ``glue-nb serve`` instead, signed with the given credentials or botocore's usual ones
    (environment, ``~/.aws``), unsigned when there are none.
    """
    from glue_nb.api.inprocess import make_client

    if endpoint_url is not None:
        if home is not None:
            raise TypeError("glue_nb.client(): give home or endpoint_url, not both")
        creds = {
            "aws_access_key_id": aws_access_key_id,
            "aws_secret_access_key": aws_secret_access_key,
            "aws_session_token": aws_session_token,
        }
        return make_client(
            "glue",
            None,
            endpoint_url=endpoint_url,
            region_name=region_name,
            credentials=creds if aws_access_key_id else None,
            config=config,
        )
    from glue_nb.blueprint.context import current_client
    from glue_nb.runtime import context
    from glue_nb.store import default_home

    running_layout = current_client.get()
    if home is None and running_layout is not None and region_name is None and config is None:
        return running_layout  # inside a blueprint layout: the run's client (its transaction)
    ctx = context()
    if home is None and not os.environ.get("GLUE_NB_HOME") and ctx is not None and ctx.home:
        home = ctx.home  # inside a job: the home of the run that started it
    path = str(Path(home).absolute() if home is not None else default_home())
    key = f"{path}|{region_name or ''}"
    cached = _clients.get(key) if config is None else None
    if cached is None:
        cached = make_client("glue", local_service(path), region_name=region_name, config=config)
        if config is None:
            _clients[key] = cached
    return cached
