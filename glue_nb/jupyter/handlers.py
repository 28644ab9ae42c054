"""The server extension's HTTP routes (all under ``<base_url>glue-nb/``).

JSON API (jupyter_server's ``APIHandler``: authenticated, XSRF-checked on POST); ``home`` is a
home's folder or a ``glue-nb serve`` URL:

    GET  api/status                                  version, default home, known homes
    GET  api/workflows?home=                         workflows with their latest runs
    GET  api/runs?home=&workflow=&limit=             latest runs of one workflow
    GET  api/view?home=&workflow=[&run_id=&selected=]  what the live view shows
    GET  api/detail?home=&workflow=&run_id=&node=    one node's attempts
    GET  api/design?home=&workflow=                  the design graph (SVG)
    GET  api/changes?home=&since=&wait=              as soon as the home's store changed since
                                                     token ``since`` (or after ``wait`` s)
    POST api/stop    {home, workflow, run_id}        stop a run (any owner)
    POST api/start   {home, workflow, properties?}   start a run (driven by a driver process)
    POST api/resume  {home, workflow, run_id, nodes?}  resume a run (ditto)

Pages (authenticated; sandboxed, so a notebook's own HTML cannot act as the user):

    GET  notebook?path=<path or URL of an .ipynb>    an executed notebook rendered by nbconvert
                                                     (a relative path is under the Jupyter root;
                                                     gluenb+<server URL>#<path>: on a server)
    GET  report?home=&workflow=&run_id=              a run's report, its links to ``notebook``
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop

from glue_nb.exceptions import GlueNbError
from glue_nb.jupyter import service

__all__ = ["routes"]

AUTH_RESOURCE = "contents"
_SANDBOX = (
    "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'"
)


class _Base(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def glue(self) -> dict[str, Any]:
        return self.settings["glue_nb"]

    def home(self, given: str | None) -> str:
        home = given or self.glue["default_home"]
        self.glue["homes"].setdefault(home, None)  # remember the homes views and panels use
        return home

    async def answer(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            result = await IOLoop.current().run_in_executor(None, lambda: fn(*args, **kwargs))
        except GlueNbError as exc:
            self.refuse(exc)
            return
        self.finish(json.dumps(result, default=str))

    def refuse(self, exc: GlueNbError) -> None:
        """Answer with glue-nb's error: its code and message, and an HTTP status to match."""
        self.set_status(exc.http_status if exc.http_status != 400 else _status_of(exc))
        self.finish(json.dumps({"code": type(exc).__name__, "message": exc.message}))

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the request body is not JSON")
        if not isinstance(data, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return data


def _status_of(exc: GlueNbError) -> int:
    return {"EntityNotFoundException": 404}.get(type(exc).__name__, 400)


class StatusHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        from importlib.metadata import version

        self.finish(
            json.dumps(
                {
                    "version": version("glue-nb"),
                    "home": self.glue["default_home"],
                    "homes": list(self.glue["homes"]),
                }
            )
        )


class WorkflowsHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(service.workflows, self.home(self.get_argument("home", "")))


class RunsHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(
            service.runs,
            self.home(self.get_argument("home", "")),
            self.get_argument("workflow"),
            int(self.get_argument("limit", "20")),
        )


class ViewHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(
            service.view,
            self.home(self.get_argument("home", "")),
            self.get_argument("workflow"),
            self.get_argument("run_id", ""),
            self.get_argument("selected", ""),
        )


class DetailHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(
            service.detail,
            self.home(self.get_argument("home", "")),
            self.get_argument("workflow"),
            self.get_argument("run_id"),
            self.get_argument("node"),
        )


class DesignHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(
            service.design, self.home(self.get_argument("home", "")), self.get_argument("workflow")
        )


class ChangesHandler(_Base):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        home = self.home(self.get_argument("home", ""))
        try:  # waits on the event loop: a waiting page holds no thread
            answer = await service.changes(
                home, self.get_argument("since", ""), self.get_argument("wait", "10")
            )
        except GlueNbError as exc:
            self.refuse(exc)
            return
        self.finish(json.dumps(answer))


class StopHandler(_Base):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        b = self.body()
        await self.answer(
            service.stop, self.home(b.get("home")), b.get("workflow", ""), b.get("run_id", "")
        )


class StartHandler(_Base):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        b = self.body()
        await self.answer(
            service.start, self.home(b.get("home")), b.get("workflow", ""), b.get("properties")
        )


class ResumeHandler(_Base):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        b = self.body()
        await self.answer(
            service.resume,
            self.home(b.get("home")),
            b.get("workflow", ""),
            b.get("run_id", ""),
            b.get("nodes"),
        )


class _Page(JupyterHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def content_security_policy(self) -> str:
        return _SANDBOX

    async def page(self, fn: Callable[..., str], *args: Any) -> None:
        try:
            html = await IOLoop.current().run_in_executor(None, lambda: fn(*args))
        except GlueNbError as exc:
            raise web.HTTPError(_status_of(exc), exc.message)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)


class NotebookHandler(_Page):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        from glue_nb.views.notebook_html import render_notebook

        path = self.get_argument("path")
        if "://" not in path and not os.path.isabs(path):  # a link under the Jupyter root
            path = os.path.join(self.settings.get("server_root_dir", os.getcwd()), path)
        await self.page(render_notebook, path)


_IPYNB_HREF = re.compile(r'href="([^"]+?\.ipynb)"')


class ReportHandler(_Page):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        home = self.get_argument("home", "") or self.settings["glue_nb"]["default_home"]
        workflow, run_id = self.get_argument("workflow"), self.get_argument("run_id")
        base = url_path_join(self.base_url, "glue-nb", "notebook")

        def report() -> str:
            from glue_nb.views.notebook_html import remote_location
            from glue_nb.views.report import run_report_html

            c = service.open_client(home)
            html = run_report_html(c, workflow, run_id, base="/")

            def link(match: re.Match[str]) -> str:
                path = _absolute(match[1])
                if c.is_remote and "://" not in path:  # a notebook on the server's machine
                    path = remote_location(c.location, path)
                return f'href="{base}?path={quote(path, safe="/:")}"'

            return _IPYNB_HREF.sub(link, html)

        await self.page(report)


def _absolute(href: str) -> str:
    """A report link written relative to ``/`` back to the notebook's path (URLs stay)."""
    import html

    href = html.unescape(href)
    if "://" in href:
        return href
    return "/" + href.lstrip("/")


def routes(base_url: str) -> list[tuple[str, type[JupyterHandler]]]:
    api = {
        "status": StatusHandler,
        "workflows": WorkflowsHandler,
        "runs": RunsHandler,
        "view": ViewHandler,
        "detail": DetailHandler,
        "design": DesignHandler,
        "changes": ChangesHandler,
        "stop": StopHandler,
        "start": StartHandler,
        "resume": ResumeHandler,
    }
    out: list[tuple[str, type[JupyterHandler]]] = [
        (url_path_join(base_url, "glue-nb", "api", name), handler) for name, handler in api.items()
    ]
    out.append((url_path_join(base_url, "glue-nb", "notebook"), NotebookHandler))
    out.append((url_path_join(base_url, "glue-nb", "report"), ReportHandler))
    return out
