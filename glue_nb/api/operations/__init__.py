"""The handlers: one function per operation, from its input dict to its output dict.

Each handler takes the :class:`~glue_nb.api.service.Service` and the operation's input (the
request body, decoded against the input shape) and returns glue-nb's answer: Glue's output shape
plus what only glue-nb knows (each job run's notebook and error detail, which triggers fired,
each crawl's id and summary). That is what glue-nb's own API (``GlueNb.<Op>``) answers;
:data:`GLUE` holds the same handlers followed by the shaping of :mod:`glue_nb.records`, which
leaves exactly Glue's output shape (``AWSGlue.<Op>``). The rules stay where they live:
:mod:`glue_nb.definitions`, :mod:`glue_nb.engine`, :mod:`glue_nb.crawlers`,
:mod:`glue_nb.catalog`, :mod:`glue_nb.blueprint.service`; handlers translate, check paths against
the service's allowed roots, and keep tags.

One module per area, each registering its handlers with :func:`~.registry.operation` when
imported (this package imports them all, so :data:`NB` and :data:`GLUE` are complete once it is):
:mod:`~.workflows` (workflows and their runs), :mod:`~.jobs` (jobs, job runs, bookmarks),
:mod:`~.triggers`, :mod:`~.crawlers` (crawlers, crawls, schedules), :mod:`~.tags`,
:mod:`~.blueprints`, :mod:`~.catalog` (the Data Catalog), :mod:`~.apply` (ApplyWorkflow,
GetWorkflowDefinition) and :mod:`~.own` (glue-nb's other operations); :mod:`~.registry` holds the
registry and the helpers they share.
"""

from __future__ import annotations

from glue_nb.api.operations.registry import (
    GLUE,
    IGNORED_INPUTS,
    NB,
    NB_ONLY,
    Handler,
    Params,
    operation,
)

# the areas, in the order they register (this import fills the registry)
from glue_nb.api.operations import (  # isort: skip
    workflows,
    jobs,
    triggers,
    crawlers,
    tags,
    blueprints,
    catalog,
    apply,
    own,
)
from glue_nb.api.operations.catalog import CATALOG_OPERATIONS
from glue_nb.api.operations.catalog import _snake as _snake
from glue_nb.api.operations.jobs import RUN_RESOURCES
from glue_nb.api.operations.own import HISTORY_PAGE, HISTORY_PAGE_MAX
from glue_nb.api.operations.workflows import WAIT_MAX

__all__ = [
    "AREAS", "CATALOG_OPERATIONS", "GLUE", "HISTORY_PAGE", "HISTORY_PAGE_MAX", "IGNORED_INPUTS",
    "NB", "NB_ONLY", "RUN_RESOURCES", "WAIT_MAX", "Handler", "Params", "implemented", "operation",
]  # fmt: skip

#: The modules whose handlers fill the registry, in the order they register.
AREAS = (workflows, jobs, triggers, crawlers, tags, blueprints, catalog, apply, own)


def implemented() -> tuple[str, ...]:
    """The Glue operations glue-nb answers (the catalog's are looked up by name)."""
    return tuple(sorted({*GLUE, *CATALOG_OPERATIONS}))
