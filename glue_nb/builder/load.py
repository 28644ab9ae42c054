"""Reading a stored workflow (however it was made: the fluent API, the client, a blueprint, the
AWS CLI against ``glue-nb serve``) back into the fluent form."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from glue_nb.builder.nodes import Crawler, NotebookJob
from glue_nb.builder.triggers import WorkflowGraph
from glue_nb.exceptions import EntityNotFoundException
from glue_nb.model import check_name

__all__ = ["load_workflow"]

_G = TypeVar("_G", bound=WorkflowGraph)


def load_workflow(
    make: Callable[..., _G], name: str, home: str | os.PathLike[str] | None = None
) -> _G:
    """The stored workflow ``name`` of ``home`` (a folder or a ``glue-nb serve`` URL), made with
    ``make`` (the workflow class) and filled with its jobs, crawlers and triggers."""
    from glue_nb.client import client

    check_name("Workflow", name)
    stored = client(home).nb.get_workflow_definition(Name=name)
    missing = [*stored.get("MissingJobs", []), *stored.get("MissingCrawlers", [])]
    if missing:
        raise EntityNotFoundException(
            f"Workflow {name!r} names jobs or crawlers that are no longer defined: "
            f"{', '.join(missing)}; define them again (or remove their triggers)"
        )
    workflow = stored["Workflow"]
    wf = make(
        name,
        description=workflow.get("Description"),
        default_run_properties=workflow.get("DefaultRunProperties"),
        max_concurrent_runs=workflow.get("MaxConcurrentRuns"),
        home=home,
    )
    for job in stored.get("Jobs", []):
        wf.jobs[job["Name"]] = NotebookJob.from_glue(job)
    for crawler in stored.get("Crawlers", []):
        wf.crawlers[crawler["Name"]] = Crawler.from_glue(crawler)
    for trig in stored.get("Triggers", []):
        trigger = {k: v for k, v in trig.items() if k not in ("State", "WorkflowName", "Id")}
        trigger["StartOnCreation"] = trig["State"] == "ACTIVATED"
        wf.triggers[trig["Name"]] = trigger
    return wf
