"""``glue_nb.client()``: a real botocore Glue client, answered by glue-nb.

The client is botocore's own Glue client (``boto3.client("glue")`` is the same kind of object):
parameters are validated by botocore (``ParamValidationError`` before anything is written),
errors are ``botocore.exceptions.ClientError`` subclasses with Glue's codes
(``client.exceptions.EntityNotFoundException``, ``from_code``), paginators are Glue's. Its
requests are answered in this process by glue-nb's handlers (:mod:`glue_nb.api`) over a local
home, with no HTTP; or, with ``endpoint_url``, by a ``glue-nb serve`` server.

Its answers have exactly Glue's shapes. What only glue-nb knows (each job run's executed notebook,
logs and error detail, which triggers fired, each crawl's summary, ``Executor=`` where runs start,
events for EVENT triggers, whole workflows written at once, history in columns) is glue-nb's own
API beside it: ``client.nb`` (same operations, same errors and paginators, richer answers).
``glue_nb.Run``, the fluent API, history, charts, the views and the CLI use only these two APIs,
so they work the same against a local home and against a server.

Which home or server ``glue_nb.client()`` answers for, first match wins:

1. ``home=`` (a folder, or a server's ``http(s)://`` URL) or ``endpoint_url=`` given in the call;
2. :func:`connect` called in this process (a notebook picks its team's server once);
3. ``$GLUE_NB_HOME``;
4. inside a job: the home of the run that started it;
5. ``$GLUE_NB_ENDPOINT_URL``, then ``$AWS_ENDPOINT_URL_GLUE`` (the variable boto3 itself reads);
6. ``./.glue_nb``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from glue_nb.api.inprocess import ClientMixin

__all__ = ["ENDPOINT_ENV", "GlueClient", "client", "connect", "is_endpoint", "resolve"]

GlueClient = ClientMixin
"""The type of ``glue_nb.client()`` and of its ``.nb`` (botocore client classes made at run time
with this class among their bases)."""

#: The environment variable naming the ``glue-nb serve`` every client of this process talks to.
ENDPOINT_ENV = "GLUE_NB_ENDPOINT_URL"
#: boto3's own variable for Glue's endpoint, honoured after glue-nb's.
AWS_ENDPOINT_ENV = "AWS_ENDPOINT_URL_GLUE"

_clients: dict[str, Any] = {}
_services: dict[str, Any] = {}
_lock = threading.Lock()
_connected: dict[str, Any] = {}


def local_service(home: str | os.PathLike[str], settings: Any = None) -> Any:
    """The one :class:`~glue_nb.api.service.Service` of ``home`` in this process."""
    from glue_nb.api.service import Service

    path = str(Path(home).absolute())
    with _lock:
        svc = _services.get(path)
        if svc is None:
            svc = _services[path] = Service(path, settings, client=lambda: client(path))
        return svc


def is_endpoint(value: Any) -> bool:
    """Whether a home names a server (an ``http://`` or ``https://`` URL) rather than a folder."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def resolve(home: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """Where ``client(home)`` goes → ``("home", folder)`` or ``("endpoint", url)``, following
    the order in this module's docstring."""
    if home is not None:
        return ("endpoint", str(home)) if is_endpoint(home) else ("home", _folder(home))
    if _connected.get("url"):
        return "endpoint", _connected["url"]
    if os.environ.get("GLUE_NB_HOME"):
        return "home", _folder(os.environ["GLUE_NB_HOME"])
    from glue_nb.runtime import context

    ctx = context()
    if ctx is not None and ctx.home:
        return "home", _folder(ctx.home)  # inside a job: the home of the run that started it
    for name in (ENDPOINT_ENV, AWS_ENDPOINT_ENV):
        url = os.environ.get(name, "").strip()
        if url:
            return "endpoint", url
    return "home", _folder(".glue_nb")


def _folder(home: str | os.PathLike[str]) -> str:
    return str(Path(os.path.expanduser(home)).absolute())


def connect(
    endpoint_url: str | None,
    *,
    region_name: str | None = None,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
) -> GlueClient | None:
    """Make every ``glue_nb.client()`` of this process without a home (and so ``gn.Run.get``,
    ``gn.Workflow(...)``, history, charts and the views) a client of the ``glue-nb serve`` at
    ``endpoint_url``; returns that client. ``connect(None)`` goes back to the default.

    Credentials: the given key pair, else botocore's usual ones (environment, ``~/.aws``),
    else unsigned requests (a server without credentials)."""
    if endpoint_url is not None and not is_endpoint(endpoint_url):
        from glue_nb.exceptions import InvalidInputException

        raise InvalidInputException(
            f"connect(): {endpoint_url!r} is not a server URL; give http://host:port (what "
            "glue-nb serve prints), or None to go back to the local home"
        )
    with _lock:
        _connected.clear()
        if endpoint_url is not None:
            _connected.update(
                url=endpoint_url.rstrip("/"),
                region_name=region_name,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token,
            )
    return None if endpoint_url is None else client()


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
    """The Glue client of a glue-nb home or server: ``home`` (a folder, or a server's URL),
    else what :func:`connect`, ``$GLUE_NB_HOME``, a job's context, ``$GLUE_NB_ENDPOINT_URL``
    or ``$AWS_ENDPOINT_URL_GLUE`` name (in that order), else ``./.glue_nb``. Clients are
    cached per process.

    With ``endpoint_url`` (e.g. ``"http://127.0.0.1:8742"``) it is a client of that
    ``glue-nb serve``, signed with the given credentials or botocore's usual ones
    (environment, ``~/.aws``), unsigned when there are none.
    """
    from glue_nb.api.inprocess import make_client

    if endpoint_url is not None and home is not None:
        raise TypeError("glue_nb.client(): give home or endpoint_url, not both")
    creds = {
        "aws_access_key_id": aws_access_key_id,
        "aws_secret_access_key": aws_secret_access_key,
        "aws_session_token": aws_session_token,
    }
    where = ""
    if endpoint_url is None and home is None and region_name is None and config is None:
        from glue_nb.blueprint.context import current_client

        running_layout = current_client.get()
        if running_layout is not None:
            return running_layout  # inside a blueprint layout: the run's client (its transaction)
    if endpoint_url is None:
        kind, where = resolve(home)
        if kind == "endpoint":
            endpoint_url = where
    if endpoint_url is not None:
        endpoint_url = endpoint_url.rstrip("/")
        if _connected.get("url") == endpoint_url and not aws_access_key_id:
            # the server connect() named: with the settings given there
            region_name = region_name or _connected.get("region_name")
            creds = {k: _connected.get(k) for k in creds}
        key = "|".join([endpoint_url, region_name or "", *(v or "" for v in creds.values())])
        cached = _clients.get(key) if config is None else None
        if cached is None:
            cached = make_client(
                "glue",
                None,
                endpoint_url=endpoint_url,
                region_name=region_name,
                credentials=creds if creds["aws_access_key_id"] else None,
                config=config,
            )
            if config is None:
                _clients[key] = cached
        return cached
    key = f"{where}|{region_name or ''}"
    cached = _clients.get(key) if config is None else None
    if cached is None:
        cached = make_client("glue", local_service(where), region_name=region_name, config=config)
        if config is None:
            _clients[key] = cached
    return cached
