"""Real botocore clients answered in this process, or pointed at a server.

:func:`make_client` creates a botocore client for Glue (``"glue"``) or for glue-nb's own API
(``"gluenb"``, :mod:`glue_nb.api.models`). In-process, a handler on botocore's ``before-send``
event answers each request with :func:`glue_nb.api.wire.dispatch` and returns an ``AWSResponse``:
no socket, no HTTP; botocore still validates the parameters, serializes, parses, raises its
errors and paginates, as against AWS. With ``endpoint_url`` the same kind of client talks to a
``glue-nb serve`` over HTTP.

The client classes get glue-nb's attributes through botocore's ``creating-client-class`` event
(:class:`ClientMixin`), and their ``exceptions`` are classes that derive both from botocore's
``ClientError`` and from glue-nb's exception of that code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from glue_nb import exceptions as _exc
from glue_nb.api.service import DEFAULT_REGION, Service

__all__ = ["ClientMixin", "make_client", "session"]

_lock = threading.RLock()
_session: Any = None
_exception_classes: dict[str, type] = {}


class _Raw:
    """The raw body of an in-process answer (what botocore's AWSResponse reads)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class ClientMixin:
    """What glue-nb adds to its botocore clients (Glue's and glue-nb's own).

    ``service`` is the local :class:`~glue_nb.api.service.Service` (a client of a server has
    none); ``store``, ``definitions``, ``engine``, ``runs``, ``catalog``, ``crawlers``,
    ``blueprints`` are its parts, for code inside glue-nb that runs next to the store (the
    handlers, the scheduler). ``home`` and ``location`` say where the runs live. ``nb`` is
    glue-nb's own API beside Glue's (the same endpoint and credentials); ``glue`` is Glue's.
    """

    _glue_nb_service: Service | None = None
    _glue_nb_peers: dict[str, Any]

    if TYPE_CHECKING:  # the operations are botocore's, made at run time

        def __getattr__(self, name: str) -> Any: ...

    @property
    def service(self) -> Service:
        svc = self._glue_nb_service
        if svc is None:
            raise _exc.InvalidInputException(
                f"this client talks to the server at {self.meta.endpoint_url}; the "
                "store, engine and catalog are the server's (use the API)"
            )
        return svc

    @property
    def home(self) -> Any:
        """The local home's folder (``None`` for a client of a server)."""
        svc = self._glue_nb_service
        return None if svc is None else svc.home

    @property
    def location(self) -> str:
        """Where this client's runs live: the local home's folder, or the server's URL (what
        the Jupyter extension and the live view name a home by)."""
        svc = self._glue_nb_service
        return str(svc.home) if svc is not None else str(self.meta.endpoint_url)

    @property
    def is_remote(self) -> bool:
        """Whether a ``glue-nb serve`` answers this client (over HTTP)."""
        return self._glue_nb_service is None

    @property
    def store(self) -> Any:
        return self.service.store

    @property
    def definitions(self) -> Any:
        return self.service.definitions

    @property
    def engine(self) -> Any:
        return self.service.engine

    @property
    def runs(self) -> Any:
        return self.service.runs

    @property
    def catalog(self) -> Any:
        return self.service.catalog

    @property
    def crawlers(self) -> Any:
        return self.service.crawlers

    @property
    def blueprints(self) -> Any:
        return self.service.blueprints

    @property
    def nb(self) -> Any:
        """glue-nb's own API (``GlueNb.<Op>``): Glue's operations with glue-nb's details in
        their answers and ``Executor`` where runs start, and glue-nb's own operations."""
        return self._peer("gluenb")

    @property
    def glue(self) -> Any:
        """Glue's API (``AWSGlue.<Op>``), exactly."""
        return self._peer("glue")

    def _peer(self, name: str) -> Any:
        meta = self.meta
        if meta.service_model.service_name == name:
            return self
        peer = self._glue_nb_peers.get(name)
        if peer is None:
            with _lock:
                peer = self._glue_nb_peers.get(name)
                if peer is None:
                    peer = self._glue_nb_peers[name] = make_client(
                        name, self._glue_nb_service, peer_of=self
                    )
        return peer

    def __repr__(self) -> str:
        meta = self.meta
        where = (
            repr(str(self._glue_nb_service.home))
            if self._glue_nb_service is not None
            else f"endpoint_url={meta.endpoint_url!r}"
        )
        suffix = ".nb" if meta.service_model.service_name == "gluenb" else ""
        return f"glue_nb.client({where}){suffix}"


def _add_mixin(base_classes: list[type], **_: Any) -> None:
    base_classes.insert(0, ClientMixin)


def session() -> Any:
    """The botocore session glue-nb's clients are made from (glue-nb's loader, its events)."""
    global _session
    with _lock:
        if _session is None:
            import botocore.session

            from glue_nb.api import models

            sess = botocore.session.get_session()
            sess.register_component(
                "data_loader",
                models.Loader(models.OPERATIONS, extra_search_paths=_search_paths(sess)),
            )
            sess.register("creating-client-class.glue", _add_mixin)
            sess.register("creating-client-class.gluenb", _add_mixin)
            _session = sess
        return _session


def _search_paths(sess: Any) -> list[str]:
    value = sess.get_config_variable("data_path") or ""
    return [p for p in str(value).split(":") if p]


def exception_class(code: str) -> type:
    """The class a client raises for ``code``: a ``ClientError`` and glue-nb's exception."""
    cls = _exception_classes.get(code)
    if cls is None:
        from botocore.exceptions import ClientError

        base = _exc.error_class(code)

        def __reduce__(self: Any) -> tuple[Any, ...]:
            return (_rebuild, (code, self.response, self.operation_name))

        cls = type(code, (base, ClientError), {"__module__": __name__, "__reduce__": __reduce__})
        _exception_classes[code] = cls
    return cls


def _rebuild(code: str, response: dict[str, Any], operation: str) -> Exception:
    return exception_class(code)(response, operation)  # type: ignore[no-any-return]


_PROTOCOL_ERRORS = {
    "ValidationException", "SerializationException", "UnknownOperationException",
    "UnrecognizedClientException", "InvalidSignatureException",
    "MissingAuthenticationTokenException", "InternalServiceException", "AccessDeniedException",
    "OperationNotSupportedException",
}  # fmt: skip
_exceptions_objects: dict[str, Any] = {}


def _exceptions(service_model: Any) -> Any:
    """``client.exceptions``: every error of the model (and of the protocol), by code."""
    name = service_model.service_name
    found = _exceptions_objects.get(name)
    if found is None:
        from botocore.errorfactory import BaseClientExceptions

        codes = {str(shape.error_code) for shape in service_model.error_shapes}
        classes = {code: exception_class(code) for code in sorted(codes | _PROTOCOL_ERRORS)}
        holder = type(f"{service_model.service_id}Exceptions", (BaseClientExceptions,), classes)
        found = _exceptions_objects[name] = holder(classes)
    return found


def make_client(
    service_name: str,
    service: Service | None,
    *,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    credentials: dict[str, str | None] | None = None,
    config: Any = None,
    peer_of: Any = None,
) -> Any:
    """A botocore client of ``service_name`` (``"glue"`` or ``"gluenb"``): answered in this
    process by ``service``, or (``service=None``) sent to ``endpoint_url``."""
    import botocore
    from botocore.config import Config

    sess = session()
    if peer_of is not None:
        meta = peer_of.meta
        endpoint_url = None if service is not None else meta.endpoint_url
        region_name = meta.region_name
        config = meta.config
        creds = getattr(peer_of, "_request_signer", None)
        creds = getattr(creds, "_credentials", None)
        credentials = (
            None
            if creds is None
            else {
                "aws_access_key_id": creds.access_key,
                "aws_secret_access_key": creds.secret_key,
                "aws_session_token": creds.token,
            }
        )
    region = region_name or sess.get_config_variable("region") or DEFAULT_REGION
    kwargs: dict[str, Any] = {}
    if service is not None:
        # In-process: nothing to sign, nothing to retry (an answer is final), no network.
        base = Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
        config = base if config is None else base.merge(config)
        # not an AWS host: nothing (moto, proxies) mistakes these requests for AWS ones
        endpoint_url = endpoint_url or "https://glue-nb.invalid"
    else:
        if credentials is None:
            found = sess.get_credentials()
            if found is None:  # a server without credentials: send unsigned requests
                unsigned = Config(signature_version=botocore.UNSIGNED)
                config = unsigned if config is None else unsigned.merge(config)
        else:
            kwargs.update({k: v for k, v in credentials.items() if v is not None})
    with _lock:
        client = sess.create_client(
            service_name, region_name=region, endpoint_url=endpoint_url, config=config, **kwargs
        )
    client._glue_nb_service = service
    client._glue_nb_peers = {}
    if peer_of is not None:
        client._glue_nb_peers[peer_of.meta.service_model.service_name] = peer_of
    client._exceptions = _exceptions(client.meta.service_model)
    if service is not None:
        _answer_in_process(client, service)
    elif service_name == "gluenb":
        client.meta.events.register("provide-client-params.gluenb", _default_executor)
    return client


def _default_executor(params: dict[str, Any], **_: Any) -> None:
    """``Executor=None`` means the default executor (the server's), as in-process."""
    if "Executor" in params and params["Executor"] is None:
        del params["Executor"]


#: ``GLUE_NB_IN_PROCESS_WIRE=1``: in-process answers make the JSON round trip too (see below).
WIRE_ENV = "GLUE_NB_IN_PROCESS_WIRE"
_pending = threading.local()


def _answer_in_process(client: Any, service: Service) -> None:
    """Answer the client's requests in this process.

    An error is answered on the wire (``{"__type", "message"}`` and its status), for botocore
    to raise. A success skips the JSON round trip: the handler's answer already has exactly the
    output shape with botocore's Python types (tests check every operation's answers against
    the shapes), so the response body is ``{}`` and the answer joins botocore's parsed result
    through its ``before-parse`` event; botocore's parser would walk the same structure again
    (most of the cost of a large answer: a 100-node run graph). ``GLUE_NB_IN_PROCESS_WIRE=1``
    makes successes travel as JSON too.
    """
    import os

    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    from glue_nb.api.wire import EXECUTOR_OBJECT, answer, encode, without_nulls

    service_id = client.meta.service_model.service_id.hyphenize()
    rich = service_id == "gluenb"

    def keep_executor(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """An executor object (in-process only) travels beside the request, not in it."""
        if "Executor" in params and params["Executor"] is None:
            del params["Executor"]  # the default executor
        value = params.get("Executor")
        if value is not None and not isinstance(value, str):
            context["glue_nb_executor"] = value
            params["Executor"] = EXECUTOR_OBJECT

    def send(request: Any, **_: Any) -> Any:
        context = getattr(request, "context", None) or {}
        status, headers, value = answer(
            service,
            request.headers.get("X-Amz-Target"),
            request.body,
            executor=context.get("glue_nb_executor"),
        )
        if isinstance(value, bytes):
            body = value
        elif os.environ.get(WIRE_ENV) == "1":
            body = encode(value)
        else:  # handed to ``parsed`` below, for this very response only
            _pending.value = (headers["x-amzn-RequestId"], without_nulls(value) if rich else value)
            body = b"{}"
        response_headers = HTTPHeaders()
        for key, item in headers.items():
            response_headers[key] = item
        response_headers["Content-Length"] = str(len(body))
        return AWSResponse(request.url, status, response_headers, _Raw(body))

    def parsed(
        response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
    ) -> None:
        pending = getattr(_pending, "value", None)
        _pending.value = None
        if pending is not None and pending[0] == response_dict["headers"].get("x-amzn-requestid"):
            customized_response_dict.update(pending[1])

    events = client.meta.events
    if rich:
        events.register(f"provide-client-params.{service_id}", keep_executor)
    events.register(f"before-send.{service_id}", send)
    events.register(f"before-parse.{service_id}", parsed)
