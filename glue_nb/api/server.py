"""``glue-nb serve``: Glue's wire protocol over HTTP, for the AWS CLI, boto3 and every SDK.

``POST /`` with ``X-Amz-Target: AWSGlue.<Operation>`` (or ``GlueNb.<Operation>``, glue-nb's own
API) and a JSON body, as AWS JSON 1.1 has it. One process serves many clients at once: an
asyncio (tornado) front reads requests, a thread pool answers them with
:func:`glue_nb.api.wire.dispatch` over one :class:`~glue_nb.api.service.Service` (one store, one
engine). The server owns the runs it starts: they go on when the client that asked goes away.
Its kernel pool stays warm between runs.

Security: it listens on 127.0.0.1 unless told otherwise, and refuses another address without
credentials unless forced (``insecure=True``). With credentials, every request must be signed
(SigV4, :mod:`glue_nb.api.auth`). Requests are limited in size, validated against the
operation's input shape, and local paths in them are confined to the configured roots.

Shutdown (SIGTERM, SIGINT): the server stops accepting requests, finishes those in flight, then
stops the runs, job runs and crawls it is driving: they end STOPPED / CANCELLED, recorded, and a
stopped workflow run can be resumed (``resume_workflow_run``, ``glue-nb resume``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glue_nb.api.service import DEFAULT_ACCOUNT, DEFAULT_REGION, Service, Settings
from glue_nb.exceptions import GlueNbError, UnknownOperationException, ValidationException

__all__ = ["DEFAULT_PORT", "Server", "ServerConfig", "serve"]

log = logging.getLogger("glue_nb.serve")

DEFAULT_PORT = 8742
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass
class ServerConfig:
    """How a server listens and what it allows (see ``glue-nb serve --help``)."""

    home: str | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    credentials: Mapping[str, str] = field(default_factory=dict)
    insecure: bool = False
    roots: Sequence[str] | None = None
    remote_urls: bool = False
    threads: int = 16
    max_request_bytes: int = DEFAULT_MAX_BYTES
    account_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    warm_kernels: bool = True
    stop_timeout: float = 30.0

    def check(self) -> None:
        """Refuse a configuration that would expose an unauthenticated server."""
        if self.credentials or self.insecure:
            return
        if not _is_loopback(self.host):
            raise ValueError(
                f"refusing to listen on {self.host} without credentials: anyone who can reach it "
                "could run code as you. Configure credentials (--access-key-id/"
                "--secret-access-key, $GLUE_NB_SERVER_ACCESS_KEY_ID/"
                "$GLUE_NB_SERVER_SECRET_ACCESS_KEY or --credentials-file), or pass --insecure"
            )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server:
    """A running ``glue-nb serve`` (start it with :meth:`start`, stop it with :meth:`stop`)."""

    def __init__(self, config: ServerConfig) -> None:
        from glue_nb.client import local_service
        from glue_nb.store import default_home

        config.check()
        self.config = config
        home = Path(config.home).absolute() if config.home else default_home()
        roots = [str(Path(r).resolve()) for r in (config.roots or [os.getcwd()])]
        settings = Settings(
            account_id=config.account_id,
            region=config.region,
            roots=roots,
            remote_urls=config.remote_urls,
        )
        # the one service of this home in this process (blueprint layouts' clients use it too)
        self.service: Service = local_service(home, settings)
        self.service.settings = settings
        # open the store and the engine now (not racing on the first requests), and mark the
        # runs and crawls of a server that was killed on this home as stopped at once
        self.service.engine.reap_orphans()
        self.pool = ThreadPoolExecutor(config.threads, thread_name_prefix="glue-nb-serve")
        self.port = config.port
        self._http: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = threading.Event()

    # -- answering -------------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One request → (status, headers, body); runs on a pool thread."""
        from glue_nb.api import wire

        request_id = str(uuid.uuid4())
        try:
            if len(body) > self.config.max_request_bytes:
                raise ValidationException(
                    f"Request body of {len(body)} bytes exceeds the limit of "
                    f"{self.config.max_request_bytes} bytes"
                )
            if self.config.credentials:
                from glue_nb.api.auth import verify

                verify(method, path, headers, body, self.config.credentials)
            if method != "POST" or path.split("?")[0] != "/":
                raise UnknownOperationException(
                    f"{method} {path}: Glue's API is POST / with an X-Amz-Target header"
                )
        except GlueNbError as exc:
            status, out_headers, data = wire.error_answer(exc, request_id)
            if len(body) > self.config.max_request_bytes:
                status = 413
            return status, out_headers, data
        lower = {k.lower(): v for k, v in headers.items()}
        return wire.dispatch(self.service, lower.get("x-amz-target"), body, check=True)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, sockets: list[socket.socket] | None = None) -> int:
        """Listen (in the calling thread's event loop, which the caller then runs) on
        ``sockets`` (default: :func:`listen`'s) → the port."""
        import tornado.httpserver
        import tornado.web

        server = self

        class Handler(tornado.web.RequestHandler):
            async def _any(self) -> None:
                request = self.request
                loop = asyncio.get_running_loop()
                status, headers, data = await loop.run_in_executor(
                    server.pool,
                    server.answer,
                    request.method or "",
                    request.uri or "/",
                    dict(request.headers.get_all()),
                    request.body or b"",
                )
                self.set_status(status)
                for key, value in headers.items():
                    if key.lower() != "content-length":
                        self.set_header(key, value)
                self.finish(data)

            post = _any
            put = _any
            delete = _any
            patch = _any

            async def get(self) -> None:
                if (self.request.path or "/") in ("/", "/health"):
                    self.set_header("Content-Type", "application/json")
                    self.finish(json.dumps({"service": "glue-nb", "status": "ok"}))
                else:
                    await self._any()

            def compute_etag(self) -> None:
                return None

        app = tornado.web.Application([(r"/.*", Handler)], log_function=_log_request)
        self._http = tornado.httpserver.HTTPServer(
            app,
            max_body_size=self.config.max_request_bytes * 2,
            xheaders=False,
        )
        if sockets is None:
            sockets = listen(self.config)
        self.port = sockets[0].getsockname()[1]
        self._http.add_sockets(sockets)
        self._loop = asyncio.get_event_loop()
        if self.config.warm_kernels:
            threading.Thread(target=_warm_kernels, name="glue-nb-warm", daemon=True).start()
        return int(self.port)

    def stop(self) -> None:
        """Stop accepting, finish the requests in flight, stop the runs this server drives."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._http is not None:
            self._http.stop()
        self.pool.shutdown(wait=True)
        stop_owned_work(self.service, self.config.stop_timeout)


def _log_request(handler: Any) -> None:
    status = handler.get_status()
    if status >= 500:
        log.error("%s %s %s", status, handler.request.method, handler.request.uri)
    else:
        log.debug("%s %s %s", status, handler.request.method, handler.request.uri)


def _warm_kernels() -> None:
    try:
        from glue_nb.kernels.pool import default_pool

        pool = default_pool()
        if pool is not None:
            pool.warm()
    except Exception:  # a cold first job is slower, nothing worse
        log.exception("warming kernels failed")


def stop_owned_work(service: Service, timeout: float) -> list[str]:
    """Stop the workflow runs, standalone job runs and crawls this process drives (they end
    STOPPED / CANCELLED and stay resumable); wait (up to ``timeout`` seconds) for them to be
    recorded → what was asked to stop."""
    engine = service.engine
    asked = engine.stop_everything()
    deadline = time.monotonic() + timeout
    for driver in engine.active_drivers():
        driver.join(max(0.0, deadline - time.monotonic()))
    return asked


def listen(config: ServerConfig) -> list[socket.socket]:
    """The server's listening sockets (OSError when the address is taken)."""
    import tornado.netutil

    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    return tornado.netutil.bind_sockets(config.port, config.host, family=family)


def serve(config: ServerConfig, *, ready: Any = None) -> None:
    """Run a server in the foreground until SIGTERM/SIGINT; ``ready(server)`` once listening."""
    sockets = listen(config)  # first: a taken port must not leave a new, empty home behind
    try:
        server = Server(config)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    port = server.start(sockets)
    done = asyncio.Event()

    def on_signal(signum: int, frame: Any) -> None:
        loop.call_soon_threadsafe(done.set)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    host = config.host if ":" not in config.host else f"[{config.host}]"
    auth = "SigV4 required" if config.credentials else "no credentials: unsigned requests accepted"
    print(
        f"glue-nb serve: listening on http://{host}:{port} (home {server.service.home}; "
        f"{auth}; paths under {', '.join(server.service.settings.roots or [])})",
        flush=True,
    )
    if ready is not None:
        ready(server)

    async def main() -> None:
        await done.wait()

    loop.run_until_complete(main())
    print("glue-nb serve: stopping (runs in progress end STOPPED and can be resumed)", flush=True)
    server.stop()
    loop.close()
    print("glue-nb serve: stopped", flush=True)
    sys.stdout.flush()
