"""glue-nb: AWS Glue Workflows for Jupyter.

Jobs are parameterized notebooks run by papermill, crawlers fill a local Data Catalog, triggers
chain them into workflows; every run is recorded in an embedded store. Build workflows with the
fluent API (``Workflow``, ``NotebookJob``, ``Crawler``) or with ``client()``, Glue's own API.
"""

from typing import Any

from glue_nb.builder import Action, Crawler, NotebookJob, Workflow
from glue_nb.client import GlueClient, client
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
]


def __getattr__(name: str) -> Any:
    """``glue_nb.blueprint`` on first use (it imports more than a job notebook needs)."""
    if name == "blueprint":
        import importlib

        return importlib.import_module("glue_nb.blueprint")
    raise AttributeError(f"module 'glue_nb' has no attribute {name!r}")
