"""A workflow as a whole (glue-nb's own operations): ApplyWorkflow writes it with its jobs,
crawlers and triggers in one transaction, GetWorkflowDefinition reads it back."""

from __future__ import annotations

from typing import Any

from glue_nb.api import paths
from glue_nb.api.operations.crawlers import crawler_out, crawler_request
from glue_nb.api.operations.jobs import job_request
from glue_nb.api.operations.registry import Params, operation
from glue_nb.api.service import Service
from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.model import check_name, check_string_map


@operation("ApplyWorkflow", nb_only=True)
def apply_workflow(svc: Service, p: Params) -> dict[str, Any]:
    """Create or replace a workflow with its jobs, crawlers and triggers in one transaction (the
    fluent API's ``deploy``); with ``Start``, then start a run of it (``start``). Everything is
    checked first (the run properties and the executor too): an error writes nothing."""
    start = bool(p.get("Start"))
    props = p.get("RunProperties")
    executor = p.get("Executor")
    if not start and (props is not None or executor is not None or "Reuse" in p):
        raise InvalidInputException(
            "ApplyWorkflow: RunProperties, Executor and Reuse need Start=true"
        )
    chosen = None
    if start:
        props = check_string_map("RunProperties", props)
        chosen = svc.engine.executor(executor)
    workflow = dict(p["Workflow"])
    tagged: list[tuple[str, str, Any]] = []
    if "Tags" in workflow:
        tagged.append(("workflow", workflow["Name"], workflow.pop("Tags")))
    parts: dict[str, list[dict[str, Any]]] = {}
    for key, kind in (("Jobs", "job"), ("Triggers", "trigger"), ("Crawlers", "crawler")):
        items = []
        for item in p.get(key) or ():
            item = dict(item)
            if "Tags" in item:
                tagged.append((kind, item["Name"], item.pop("Tags")))
            items.append(item)
        parts[key] = items
    jobs = [job_request(svc, j) for j in parts["Jobs"]]
    crawlers = [crawler_request(svc, c) for c in parts["Crawlers"]]
    with svc.store.transaction():
        graph = svc.definitions.apply(
            workflow, jobs, parts["Triggers"], crawlers, base_dir=paths.base_dir(svc.settings)
        )
        for kind, name, tags in tagged:
            svc.tags.create(svc, kind, name, tags)
    out: dict[str, Any] = {"Name": graph.workflow}
    if start:
        out["RunId"] = svc.engine.start_workflow_run(
            graph.workflow, props, executor=chosen, reuse=p.get("Reuse")
        )
    return out


@operation("GetWorkflowDefinition", nb_only=True)
def get_workflow_definition(svc: Service, p: Params) -> dict[str, Any]:
    """A stored workflow as ApplyWorkflow takes it: the workflow, its triggers (with their
    State), and the jobs and crawlers they start or watch (``Workflow.load``); those named but
    no longer defined are listed in ``MissingJobs`` / ``MissingCrawlers``."""
    name = check_name("Workflow", p["Name"])
    workflow = svc.definitions.workflow(name)
    triggers = svc.definitions.workflow_triggers(name)
    jobs: dict[str, Any] = {}
    crawlers: dict[str, Any] = {}
    for trig in triggers:
        for ref in [*trig["Actions"], *(trig.get("Predicate") or {}).get("Conditions", [])]:
            if ref.get("JobName") and ref["JobName"] not in jobs:
                try:
                    jobs[ref["JobName"]] = svc.definitions.job(ref["JobName"])
                except EntityNotFoundException:
                    jobs[ref["JobName"]] = None
            if ref.get("CrawlerName") and ref["CrawlerName"] not in crawlers:
                try:
                    crawler = svc.crawlers.get_crawler(ref["CrawlerName"])["Crawler"]
                    crawlers[ref["CrawlerName"]] = crawler_out(svc, crawler)
                except EntityNotFoundException:
                    crawlers[ref["CrawlerName"]] = None
    return {
        "Workflow": workflow,
        "Jobs": [j for j in jobs.values() if j is not None],
        "Triggers": triggers,
        "Crawlers": [c for c in crawlers.values() if c is not None],
        "MissingJobs": [n for n, j in jobs.items() if j is None],
        "MissingCrawlers": [n for n, c in crawlers.items() if c is None],
    }
