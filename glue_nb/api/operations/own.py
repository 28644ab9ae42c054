"""glue-nb's own operations beyond Glue's: ExplainJobRun (reuse), NotifyEvent and
GetWorkflowEvents (EVENT triggers), GetJobRunHistory (pages of columns), GetSchedulerStatus,
GetNotebook (an executed notebook for a remote client), GetLineage, WaitForChange (what pages
and views following a home wait on)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from glue_nb.api.operations.registry import Params, operation, paged
from glue_nb.api.service import Service
from glue_nb.definitions import paginate
from glue_nb.exceptions import (
    AccessDeniedException,
    EntityNotFoundException,
    InvalidInputException,
    OperationNotSupportedException,
)
from glue_nb.model import check_name
from glue_nb.store import dumps

__all__ = ["CHANGE_WAIT_MAX", "HISTORY_PAGE", "HISTORY_PAGE_MAX"]

#: WaitForChange's longest wait, in seconds (a waiting request holds a server thread).
CHANGE_WAIT_MAX = 20.0
#: How often a waiting WaitForChange looks at the store's change token, in seconds.
CHANGE_POLL = 0.05


@operation("WaitForChange", nb_only=True)
def wait_for_change(svc: Service, p: Params) -> dict[str, Any]:
    """The home's change token (:class:`~glue_nb.store.watch.StoreWatch`): it changes with every
    commit to the store, by any process. At once, or, with ``Since`` (a token handed out
    before) and ``WaitSeconds``, as soon as it differs from ``Since``: who follows a home (the
    Workflows panel, a run's view) learns of a change without re-reading everything."""
    wait = p.get("WaitSeconds")
    wait = 0.0 if wait is None else float(wait)
    if not 0 <= wait <= CHANGE_WAIT_MAX:
        raise InvalidInputException(
            f"WaitForChange: WaitSeconds must be 0-{CHANGE_WAIT_MAX:g} seconds, got {wait:g}"
        )
    since = p.get("Since")
    deadline = time.monotonic() + wait
    token = svc.watch.token() or ""
    while token == since and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(CHANGE_POLL, left))
        token = svc.watch.token() or ""
    return {"ChangeToken": token, "Changed": token != since}


@operation("ExplainJobRun", nb_only=True)
def explain_job_run(svc: Service, p: Params) -> dict[str, Any]:
    """Why a job run ran, or why it was reused (:func:`glue_nb.reuse.why.explain`)."""
    from glue_nb.reuse.why import explain

    return {"Explanation": explain(svc.store, p["RunId"])}


@operation("NotifyEvent", nb_only=True)
def notify_event(svc: Service, p: Params) -> dict[str, Any]:
    """Post one event to a workflow whose start trigger has Type EVENT. It is stored at once; a
    scheduler batches events into runs (EventBatchingCondition). ``Duplicate``: an EventId
    already posted is not stored twice."""
    from glue_nb.events import post_events

    entry = {k: p.get(k) for k in ("EventId", "Source", "DetailType", "Detail")}
    [posted] = post_events(
        svc.store,
        check_name("Workflow", p["WorkflowName"]),
        [{k: v for k, v in entry.items() if v is not None}],
    )
    return dict(posted)


@operation("GetWorkflowEvents", nb_only=True)
def get_workflow_events(svc: Service, p: Params) -> dict[str, Any]:
    """A workflow's events, oldest first, with the ``RunId`` of the batch run each went to
    (``Pending=True``: only events waiting for their batch to close)."""
    from glue_nb.events import list_events

    svc.definitions.workflow(p["WorkflowName"])
    events = list_events(svc.store, p["WorkflowName"], pending=p.get("Pending"))
    page, token = paginate(events, p.get("NextToken"), p.get("MaxResults"), 1000,
                           "GetWorkflowEvents")  # fmt: skip
    return paged({}, "Events", page, token)


#: GetJobRunHistory's page size: default and largest.
HISTORY_PAGE = 20_000
HISTORY_PAGE_MAX = 200_000


@operation("GetJobRunHistory", nb_only=True)
def get_job_run_history(svc: Service, p: Params) -> dict[str, Any]:
    """Job runs (every attempt) and crawls as columns, a page at a time (``glue_nb.history``
    reads it): filtered by workflow, workflow run, start time ``[Since, Until)`` and job or
    crawler names; ``IncludeCrawls=false`` leaves crawls out. Pages follow the order the rows
    were written; repeated values travel once per page (:mod:`glue_nb.api.columns`). A
    workflow that is not defined and has no history is EntityNotFoundException (one deleted
    since keeps its history)."""
    from glue_nb.api import columns
    from glue_nb.store.history import read_history_page

    limit = p.get("MaxResults") or HISTORY_PAGE
    if not 1 <= limit <= HISTORY_PAGE_MAX:
        raise InvalidInputException(
            f"GetJobRunHistory: MaxResults must be 1-{HISTORY_PAGE_MAX} rows, got {limit}"
        )
    since, until = (_epoch(p.get("Since")), _epoch(p.get("Until")))
    filters = {
        "workflow": p.get("WorkflowName"), "run_id": p.get("RunId"), "since": since,
        "until": until, "names": p.get("JobNames"), "crawls": p.get("IncludeCrawls", True),
    }  # fmt: skip
    after_job, after_crawl = columns.read_token(p.get("NextToken"), filters)
    page = read_history_page(
        svc.store, **filters, after_job_run=after_job, after_crawl=after_crawl, limit=limit
    )
    if filters["workflow"] and not p.get("NextToken") and not page.job_runs and not page.crawls:
        svc.definitions.workflow(filters["workflow"])  # a typo: EntityNotFound, naming the known
    out: dict[str, Any] = {
        "JobRuns": columns.encode(page.job_runs, columns.JOB_RUN_FIELDS),
        "Crawls": columns.encode(page.crawls, columns.CRAWL_FIELDS),
        "RunProperties": columns.Document(page.properties),
    }
    if page.next_job_run is not None or page.next_crawl is not None:
        out["NextToken"] = columns.token(page.next_job_run, page.next_crawl, filters)
    return out


def _epoch(value: Any) -> float | None:
    return None if value is None else float(value.timestamp())


@operation("GetSchedulerStatus", nb_only=True)
def get_scheduler_status(svc: Service, p: Params) -> dict[str, Any]:
    """Who holds the home's scheduler lease (``Lease`` absent: no scheduler ever ran)."""
    from glue_nb.scheduler import status

    lease = status(svc.store)["Lease"]
    return {} if lease is None else {"Lease": lease}


@operation("GetNotebook", nb_only=True)
def get_notebook(svc: Service, p: Params) -> dict[str, Any]:
    """An executed notebook (a job run's ``OutputLocation``) as JSON text, for a client that
    does not share the server's files. Only notebooks under the home's output folder are
    served."""
    from glue_nb.engine.jobs import output_root
    from glue_nb.model import is_url

    location = p["Location"]
    root = output_root(svc.home)
    if is_url(root) or is_url(location):
        raise OperationNotSupportedException(
            f"GetNotebook: {location!r} is a URL; read it where it is stored"
        )
    path = Path(location).resolve()
    base = Path(root).resolve()
    if path.suffix != ".ipynb" or base not in path.parents:
        raise AccessDeniedException(
            f"GetNotebook: {location!r} is not an executed notebook under this home's output "
            f"folder {root}"
        )
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise EntityNotFoundException(f"GetNotebook: no notebook at {location!r}") from None
    return {"Location": str(path), "Content": text}


@operation("GetLineage", nb_only=True)
def get_lineage(svc: Service, p: Params) -> dict[str, Any]:
    """What produced a resource and what read it, or what is upstream and downstream of a run
    (:func:`glue_nb.lineage.graph.lineage`): ``Runs`` and ``Records`` as JSON text of columns
    and rows (compact: a lineage may hold 100,000 records)."""
    from glue_nb.lineage.graph import lineage

    answer = lineage(
        svc.store, resource=p.get("Resource"), kind=p.get("Kind"), run_id=p.get("RunId"),
        workflow=p.get("WorkflowName"), depth=p.get("Depth"),
        direction=p.get("Direction") or "BOTH",
    )  # fmt: skip
    return {k: dumps(v) for k, v in answer.items()}
