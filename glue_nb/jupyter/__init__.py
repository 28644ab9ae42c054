"""glue-nb's Jupyter Server extension: a channel to the store that needs no kernel.

The live view's buttons, node details and notebook links, and JupyterLab's Workflows panel, call
these routes (:mod:`glue_nb.jupyter.handlers`) on the Jupyter server itself, so they answer at
once whatever the notebook's kernel is doing. The extension is enabled on install by
``etc/jupyter/jupyter_server_config.d/glue_nb.json``.

Configuration (``jupyter_server_config.py`` or the command line)::

    c.GlueNb.home = "/data/glue"              # the home the panel opens first: a folder,
    c.GlueNb.home = "http://glue.team:8742"   # or a team's glue-nb serve
    # default: $GLUE_NB_HOME, else $GLUE_NB_ENDPOINT_URL, else $AWS_ENDPOINT_URL_GLUE,
    # else <root_dir>/.glue_nb

A server's URL works wherever a home is asked for (the panel's home field, the routes' ``home``
parameter): the extension then talks to that server with glue-nb's client (signed with
botocore's usual credentials: environment, ``~/.aws``), and runs started or resumed from the
panel are driven by the server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from traitlets import Unicode
from traitlets.config import Configurable

__all__ = ["GlueNb"]


class GlueNb(Configurable):
    """Settings of glue-nb's Jupyter Server extension."""

    home = Unicode(
        "",
        help="The glue-nb home the Workflows panel shows first: a folder or a glue-nb serve URL "
        "(default: $GLUE_NB_HOME, else $GLUE_NB_ENDPOINT_URL, else $AWS_ENDPOINT_URL_GLUE, else "
        "<root_dir>/.glue_nb).",
    ).tag(config=True)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "glue_nb.jupyter"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "glue-nb-jupyterlab"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from glue_nb.client import is_endpoint
    from glue_nb.jupyter.handlers import routes

    config = GlueNb(parent=server_app)
    root = Path(os.path.expanduser(server_app.root_dir)).absolute()
    home = (
        config.home
        or os.environ.get("GLUE_NB_HOME")
        or os.environ.get("GLUE_NB_ENDPOINT_URL")
        or os.environ.get("AWS_ENDPOINT_URL_GLUE")
        or str(root / ".glue_nb")
    )
    home = home.rstrip("/") if is_endpoint(home) else str(Path(home).expanduser().absolute())
    web_app = server_app.web_app
    web_app.settings["glue_nb"] = {"default_home": home, "homes": {home: None}}
    web_app.add_handlers(".*$", routes(web_app.settings["base_url"]))
    server_app.log.info("glue-nb: server extension loaded (default home %s)", home)
