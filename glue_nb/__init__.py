"""glue-nb: AWS Glue Workflows for Jupyter.

Jobs are parameterized notebooks run by papermill, crawlers fill a local Data Catalog, triggers
chain them into workflows; every run is recorded in an embedded store. Build workflows with the
fluent API (``Workflow``, ``NotebookJob``, ``Crawler``) or with ``client()``, Glue's own API.

``import glue_nb`` imports none of glue-nb's modules: each public name is imported on first use,
so a job notebook's ``from glue_nb import runtime`` loads the runtime and nothing else.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glue_nb import blueprint as blueprint
    from glue_nb.builder import Action, Crawler, NotebookJob, Workflow
    from glue_nb.client import GlueClient, client, connect
    from glue_nb.exceptions import GlueNbError
    from glue_nb.run import Run

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Crawler",
    "GlueClient",
    "GlueNbError",
    "NotebookJob",
    "Run",
    "Workflow",
    "__version__",
    "blueprint",
    "client",
    "connect",
]


def __getattr__(name: str) -> Any:
    """A public name, imported on first use (and then kept as an attribute)."""
    if name in ("Action", "Crawler", "NotebookJob", "Workflow"):
        value = getattr(importlib.import_module("glue_nb.builder"), name)
    elif name == "GlueClient":
        value = importlib.import_module("glue_nb.client").GlueClient
    elif name == "connect":
        value = importlib.import_module("glue_nb.client").connect
    elif name == "GlueNbError":
        value = importlib.import_module("glue_nb.exceptions").GlueNbError
    elif name == "Run":
        value = importlib.import_module("glue_nb.run").Run
    elif name == "blueprint":
        value = importlib.import_module("glue_nb.blueprint")
    else:
        raise AttributeError(f"module 'glue_nb' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


class _Package(types.ModuleType):
    """``glue_nb.client`` is the function ``client()``, though a submodule has the same name.

    Importing the submodule ``glue_nb.client`` binds the module as the package's attribute; this
    property keeps the function there, as in Glue's ``boto3.client``. An explicit assignment
    (e.g. a test's monkeypatch) still replaces it.
    """

    @property
    def client(self) -> Any:
        override = self.__dict__.get("_client_override")
        if override is not None:
            return override
        return importlib.import_module("glue_nb.client").client

    @client.setter
    def client(self, value: Any) -> None:
        is_submodule = isinstance(value, types.ModuleType) and value.__name__ == "glue_nb.client"
        self.__dict__["_client_override"] = None if is_submodule else value


sys.modules[__name__].__class__ = _Package
