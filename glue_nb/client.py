"""``glue_nb.client()``: AWS Glue's API (boto3 names, PascalCase parameters, Glue-shaped dicts).

Code written against ``boto3.client("glue")`` for workflows, jobs, triggers, crawlers and the
Data Catalog runs against glue-nb by swapping the client. Errors are ``client.exceptions.X``
classes carrying ``response["Error"]["Code"]`` as botocore's do. This module only translates: the
rules live in :mod:`glue_nb.definitions`, :mod:`glue_nb.engine`, :mod:`glue_nb.crawlers` and
:mod:`glue_nb.catalog`.
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from glue_nb import exceptions as _exc
from glue_nb.definitions import Definitions, paginate
from glue_nb.engine import Engine
from glue_nb.exceptions import EntityNotFoundException, GlueNbError, InvalidInputException
from glue_nb.model import (
    check_id,
    check_name,
    check_parameters,
    check_start_job_run,
    check_start_workflow_run,
    check_string_map,
)
from glue_nb.records import job_run_dict
from glue_nb.runs import RunReader
from glue_nb.store import Store, loads

__all__ = ["GlueClient", "client"]

F = TypeVar("F", bound=Callable[..., Any])


def _operation(name: str) -> Callable[[F], F]:
    """Tag errors raised by a client method with Glue's operation name, as botocore does."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if args[1:]:
                raise TypeError(
                    f"{fn.__name__}() takes keyword arguments only (as boto3 does), "
                    f"e.g. {fn.__name__}(Name=...)"
                )
            try:
                check_parameters(name, kwargs)  # names, ids, flags, tokens: Glue's shapes
                return fn(*args, **kwargs)
            except GlueNbError as exc:
                if not exc.operation_name:
                    exc.operation_name = name
                raise
            except TypeError as exc:
                if "argument" in str(exc) and fn.__name__ in str(exc):
                    raise InvalidInputException(f"{name}: {exc}", name) from None
                raise

        return inner  # type: ignore[return-value]

    return wrap


def _meta(**payload: Any) -> dict[str, Any]:
    return {**payload, "ResponseMetadata": {"HTTPStatusCode": 200}}


class GlueClient:
    """A Glue client over one glue-nb home (the store and its run outputs)."""

    exceptions = types.SimpleNamespace(ClientError=GlueNbError, **_exc.ERRORS)

    def __init__(self, home: str | os.PathLike[str] | Store | None = None) -> None:
        # The store opens on first use: a job reading its own run properties needs none.
        if isinstance(home, Store):
            self.__dict__["store"] = home
            self.home = home.home
        else:
            from glue_nb.store import default_home

            self.home = Path(home).absolute() if home is not None else default_home()
        self._crawlers: Any = None
        self._catalog: Any = None

    def __repr__(self) -> str:
        return f"glue_nb.client({str(self.home)!r})"

    @functools.cached_property
    def store(self) -> Store:
        return Store(self.home)

    @functools.cached_property
    def definitions(self) -> Definitions:
        return Definitions(self.store)

    @functools.cached_property
    def engine(self) -> Engine:
        return Engine.for_store(self.store)

    @functools.cached_property
    def runs(self) -> RunReader:
        return RunReader(self.store)

    # -- workflows -------------------------------------------------------------------------------
    @_operation("CreateWorkflow")
    def create_workflow(self, **request: Any) -> dict[str, Any]:
        return _meta(Name=self.definitions.create_workflow(request))

    @_operation("UpdateWorkflow")
    def update_workflow(self, **request: Any) -> dict[str, Any]:
        return _meta(Name=self.definitions.update_workflow(request))

    @_operation("DeleteWorkflow")
    def delete_workflow(self, *, Name: str) -> dict[str, Any]:
        return _meta(Name=self.definitions.delete_workflow(Name))

    @_operation("GetWorkflow")
    def get_workflow(self, *, Name: str, IncludeGraph: bool = False) -> dict[str, Any]:
        return _meta(Workflow=self._workflow(Name, IncludeGraph))

    def _workflow(self, name: str, include_graph: bool) -> dict[str, Any]:
        self.engine.reap_orphans()
        wf = self.definitions.workflow(name)
        last = self.runs.last_run(name)
        if last is not None:
            wf["LastRun"] = self.runs.run(last, include_graph=include_graph)
        if include_graph:
            wf["Graph"] = self.definitions.graph(name).to_glue()
        return wf

    @_operation("ListWorkflows")
    def list_workflows(
        self, *, NextToken: str | None = None, MaxResults: int | None = None
    ) -> dict[str, Any]:
        names = self.definitions.workflow_names()
        page, token = paginate(names, NextToken, MaxResults, 25, "ListWorkflows")
        return _meta(Workflows=page, **({"NextToken": token} if token else {}))

    @_operation("BatchGetWorkflows")
    def batch_get_workflows(self, *, Names: list[str], IncludeGraph: bool = False) -> dict:
        if not isinstance(Names, list) or not 1 <= len(Names) <= 25:
            raise InvalidInputException("Names must be a list of 1-25 workflow names")
        found, missing = [], []
        for name in Names:
            try:
                found.append(self._workflow(name, IncludeGraph))
            except EntityNotFoundException:
                missing.append(name)
        return _meta(Workflows=found, MissingWorkflows=missing)

    # -- workflow runs ---------------------------------------------------------------------------
    @_operation("StartWorkflowRun")
    def start_workflow_run(
        self,
        *,
        Name: str,
        RunProperties: dict[str, str] | None = None,
        Executor: Any = None,
    ) -> dict[str, Any]:
        """Start a run; ``Executor`` (beyond Glue) picks where its jobs run (``"dask"``, ...)."""
        name, props = check_start_workflow_run(Name, RunProperties)
        return _meta(RunId=self.engine.start_workflow_run(name, props, executor=Executor))

    @_operation("StopWorkflowRun")
    def stop_workflow_run(self, *, Name: str, RunId: str) -> dict[str, Any]:
        self.engine.stop_workflow_run(Name, RunId)
        return _meta()

    @_operation("ResumeWorkflowRun")
    def resume_workflow_run(
        self, *, Name: str, RunId: str, NodeIds: list[str], Executor: Any = None
    ) -> dict[str, Any]:
        run_id, nodes = self.engine.resume_workflow_run(Name, RunId, NodeIds, executor=Executor)
        return _meta(RunId=run_id, NodeIds=nodes)

    @_operation("GetWorkflowRun")
    def get_workflow_run(
        self, *, Name: str, RunId: str, IncludeGraph: bool = False
    ) -> dict[str, Any]:
        self.engine.reap_orphans()
        row = self._run_row(Name, RunId)
        return _meta(Run=self.runs.run(row, include_graph=IncludeGraph))

    @_operation("GetWorkflowRuns")
    def get_workflow_runs(
        self,
        *,
        Name: str,
        IncludeGraph: bool = False,
        NextToken: str | None = None,
        MaxResults: int | None = None,
    ) -> dict[str, Any]:
        self.engine.reap_orphans()
        self.definitions.workflow(Name)
        rows = self.runs.runs(Name)
        page, token = paginate(rows, NextToken, MaxResults, 1000, "GetWorkflowRuns")
        runs = [self.runs.run(r, include_graph=IncludeGraph) for r in page]
        return _meta(Runs=runs, **({"NextToken": token} if token else {}))

    @_operation("GetWorkflowRunProperties")
    def get_workflow_run_properties(self, *, Name: str, RunId: str) -> dict[str, Any]:
        ctx = _job_context(Name, RunId)
        if ctx is not None:
            return _meta(RunProperties=ctx.properties())
        row = self._run_row(Name, RunId)
        return _meta(RunProperties=loads(row["run_properties"], {}))

    @_operation("PutWorkflowRunProperties")
    def put_workflow_run_properties(
        self, *, Name: str, RunId: str, RunProperties: dict[str, str]
    ) -> dict[str, Any]:
        """Upsert run properties. Inside a job of that run, they travel back with the job's
        result and become visible to every job that starts after it ends."""
        props = check_string_map("RunProperties", RunProperties)
        if not props:
            raise InvalidInputException("RunProperties must hold at least one property")
        ctx = _job_context(Name, RunId)
        if ctx is not None:
            ctx.record(props)
            return _meta()
        with self.store.transaction():
            self._run_row(Name, RunId)
            self.engine.ledger.runs.merge_properties(RunId, props)
        return _meta()

    def _run_row(self, name: str, run_id: str) -> Any:
        check_name("Workflow", name)
        check_id("RunId", run_id)
        row = self.runs.run_row(name, run_id)
        if row is None:
            self.definitions.workflow(name)  # EntityNotFound for the workflow first
            raise EntityNotFoundException(f"workflow run {run_id!r} of {name!r} not found")
        return row

    # -- jobs ------------------------------------------------------------------------------------
    @_operation("CreateJob")
    def create_job(self, **request: Any) -> dict[str, Any]:
        return _meta(Name=self.definitions.create_job(request))

    @_operation("UpdateJob")
    def update_job(self, *, JobName: str, JobUpdate: dict[str, Any]) -> dict[str, Any]:
        return _meta(JobName=self.definitions.update_job(JobName, JobUpdate))

    @_operation("DeleteJob")
    def delete_job(self, *, JobName: str) -> dict[str, Any]:
        return _meta(JobName=self.definitions.delete_job(JobName))

    @_operation("GetJob")
    def get_job(self, *, JobName: str) -> dict[str, Any]:
        return _meta(Job=self.definitions.job(JobName))

    @_operation("GetJobs")
    def get_jobs(self, *, NextToken: str | None = None, MaxResults: int | None = None) -> dict:
        names = self.definitions.job_names()
        page, token = paginate(names, NextToken, MaxResults, 1000, "GetJobs")
        jobs = [self.definitions.job(n) for n in page]
        return _meta(Jobs=jobs, **({"NextToken": token} if token else {}))

    @_operation("ListJobs")
    def list_jobs(self, *, NextToken: str | None = None, MaxResults: int | None = None) -> dict:
        page, token = paginate(
            self.definitions.job_names(), NextToken, MaxResults, 1000, "ListJobs"
        )
        return _meta(JobNames=page, **({"NextToken": token} if token else {}))

    @_operation("StartJobRun")
    def start_job_run(
        self,
        *,
        JobName: str,
        JobRunId: str | None = None,
        Arguments: dict[str, str] | None = None,
        Timeout: float | None = None,
        Executor: Any = None,
        **ignored: Any,
    ) -> dict[str, Any]:
        """Run a job outside any workflow; ``JobRunId`` retries that earlier run."""
        job, args, timeout, retry_of = check_start_job_run(JobName, Arguments, Timeout, JobRunId)
        run_id = self.engine.start_job_run(
            job, args, timeout=timeout, retry_of=retry_of, executor=Executor
        )
        return _meta(JobRunId=run_id)

    @_operation("GetJobRun")
    def get_job_run(
        self, *, JobName: str, RunId: str, PredecessorsIncluded: bool = False
    ) -> dict[str, Any]:
        self.engine.reap_orphans()
        row = self.engine.ledger.job_runs.get(RunId, JobName)
        if row is None:
            self.definitions.job(JobName)
            raise EntityNotFoundException(f"job run {RunId!r} of job {JobName!r} not found")
        job_run = job_run_dict(row)
        if PredecessorsIncluded:
            job_run["PredecessorRuns"] = self.runs.predecessor_runs(row)
        return _meta(JobRun=job_run)

    @_operation("GetJobRuns")
    def get_job_runs(
        self, *, JobName: str, NextToken: str | None = None, MaxResults: int | None = None
    ) -> dict[str, Any]:
        self.engine.reap_orphans()
        self.definitions.job(JobName)
        rows = self.engine.ledger.job_runs.of_job(JobName)
        page, token = paginate(rows, NextToken, MaxResults, 200, "GetJobRuns")
        return _meta(
            JobRuns=[job_run_dict(r) for r in page], **({"NextToken": token} if token else {})
        )

    @_operation("BatchStopJobRun")
    def batch_stop_job_run(self, *, JobName: str, JobRunIds: list[str]) -> dict[str, Any]:
        """Stop job runs, from any process: standalone ones, or single job runs of a workflow
        run (which goes on; a trigger watching for STOPPED can fire)."""
        stopped, errors = [], []
        for run_id in JobRunIds:
            try:
                self.engine.stop_job_run(JobName, run_id)
                stopped.append({"JobName": JobName, "JobRunId": run_id})
            except GlueNbError as exc:
                errors.append(_batch_error(JobName, run_id, exc.code, exc.message))
        return _meta(SuccessfulSubmissions=stopped, Errors=errors)

    # -- triggers --------------------------------------------------------------------------------
    @_operation("CreateTrigger")
    def create_trigger(self, **request: Any) -> dict[str, Any]:
        name = self.definitions.create_trigger(request)
        return _meta(Name=name)

    @_operation("GetTrigger")
    def get_trigger(self, *, Name: str) -> dict[str, Any]:
        return _meta(Trigger=self.definitions.trigger(Name))

    @_operation("GetTriggers")
    def get_triggers(
        self,
        *,
        NextToken: str | None = None,
        DependentJobName: str | None = None,
        MaxResults: int | None = None,
    ) -> dict[str, Any]:
        if DependentJobName is not None:
            self.definitions.job(DependentJobName)
        triggers = self.definitions.triggers(DependentJobName)
        page, token = paginate(triggers, NextToken, MaxResults, 200, "GetTriggers")
        return _meta(Triggers=page, **({"NextToken": token} if token else {}))

    @_operation("ListTriggers")
    def list_triggers(
        self,
        *,
        NextToken: str | None = None,
        DependentJobName: str | None = None,
        MaxResults: int | None = None,
        Tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        triggers = self.definitions.triggers(DependentJobName)
        if Tags:
            triggers = [t for t in triggers if Tags.items() <= (t.get("Tags") or {}).items()]
        names = [t["Name"] for t in triggers]
        page, token = paginate(names, NextToken, MaxResults, 200, "ListTriggers")
        return _meta(TriggerNames=page, **({"NextToken": token} if token else {}))

    @_operation("UpdateTrigger")
    def update_trigger(self, *, Name: str, TriggerUpdate: dict[str, Any]) -> dict[str, Any]:
        return _meta(Trigger=self.definitions.update_trigger(Name, TriggerUpdate))

    @_operation("DeleteTrigger")
    def delete_trigger(self, *, Name: str) -> dict[str, Any]:
        return _meta(Name=self.definitions.delete_trigger(Name))

    @_operation("StartTrigger")
    def start_trigger(self, *, Name: str) -> dict[str, Any]:
        """SCHEDULED/CONDITIONAL: activate. ON_DEMAND: fire now (a workflow's start trigger
        starts a workflow run). EVENT: refused, as in Glue."""
        trigger = self.definitions.trigger(Name)
        kind = trigger["Type"]
        if kind == "EVENT":
            raise InvalidInputException(f"Trigger Type EVENT cannot be started (trigger {Name!r})")
        if kind == "ON_DEMAND":
            if trigger.get("WorkflowName"):
                self.engine.start_workflow_run(trigger["WorkflowName"])
            else:
                for action in trigger["Actions"]:
                    if action.get("JobName"):
                        self.engine.start_job_run(action["JobName"], action.get("Arguments"))
                    else:
                        self.engine.start_crawl(action["CrawlerName"])
        else:
            self.definitions.set_trigger_state(Name, "ACTIVATED")
        return _meta(Name=Name)

    @_operation("StopTrigger")
    def stop_trigger(self, *, Name: str) -> dict[str, Any]:
        trigger = self.definitions.trigger(Name)
        if trigger["Type"] == "EVENT":
            raise InvalidInputException(f"Trigger Type EVENT cannot be stopped (trigger {Name!r})")
        if trigger["Type"] == "ON_DEMAND":
            raise InvalidInputException(
                f"Trigger {Name!r} is ON_DEMAND: it is never activated, so it cannot be stopped"
            )
        self.definitions.set_trigger_state(Name, "DEACTIVATED")
        return _meta(Name=Name)

    # -- crawlers and the catalog (delegated) -----------------------------------------------------
    @property
    def crawlers(self) -> Any:
        if self._crawlers is None:
            from glue_nb.crawlers import CrawlerService

            self._crawlers = CrawlerService(self.store)
        return self._crawlers

    @property
    def catalog(self) -> Any:
        if self._catalog is None:
            from glue_nb.catalog import Catalog

            self._catalog = Catalog(self.store)
        return self._catalog

    @_operation("StartCrawler")
    def start_crawler(self, *, Name: str) -> dict[str, Any]:
        """StartCrawler: the crawl runs in this process (a standalone unit of the engine)."""
        self.engine.start_crawl(Name)
        return _meta()

    @_operation("StopCrawler")
    def stop_crawler(self, *, Name: str) -> dict[str, Any]:
        """StopCrawler, whichever process runs the crawl: it ends CANCELLED, writing nothing."""
        self.engine.stop_crawl(Name)
        return _meta()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        target = next((t for t, names in _DELEGATED.items() if name in names), None)
        if target is None:
            raise AttributeError(
                f"glue_nb client has no operation {name!r}; it implements Glue's workflow, job, "
                f"trigger, crawler and Data Catalog operations (see dir(client))"
            )
        method = getattr(getattr(self, target), name)

        @_operation(_pascal(name))
        def call(self_: GlueClient, **kwargs: Any) -> Any:
            if target == "crawlers":
                self.engine.reap_orphans()  # a crawl whose process is gone shows as ended
            return method(**kwargs)

        return call.__get__(self)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *_DELEGATED["crawlers"], *_DELEGATED["catalog"]})

    # -- events for EVENT start triggers (beyond Glue: the local stand-in for EventBridge) -------
    @_operation("NotifyEvent")
    def notify_event(
        self,
        *,
        WorkflowName: str,
        Detail: dict[str, Any] | str | None = None,
        EventId: str | None = None,
        Source: str | None = None,
        DetailType: str | None = None,
    ) -> dict[str, Any]:
        """Post one event to a workflow whose start trigger has Type EVENT. It is stored at once;
        a scheduler batches events into runs (EventBatchingCondition). Returns ``EventId`` and
        ``Duplicate`` (an EventId already posted is not stored twice)."""
        from glue_nb.events import post_events

        entry = {"EventId": EventId, "Source": Source, "DetailType": DetailType, "Detail": Detail}
        [posted] = post_events(
            self.store,
            check_name("Workflow", WorkflowName),
            [{k: v for k, v in entry.items() if v is not None}],
        )
        return _meta(**posted)

    @_operation("GetWorkflowEvents")
    def get_workflow_events(
        self,
        *,
        WorkflowName: str,
        Pending: bool | None = None,
        NextToken: str | None = None,
        MaxResults: int | None = None,
    ) -> dict[str, Any]:
        """A workflow's events, oldest first, with the ``RunId`` of the batch run each went to
        (``Pending=True``: only events waiting for their batch to close)."""
        from glue_nb.events import list_events

        self.definitions.workflow(WorkflowName)
        events = list_events(self.store, WorkflowName, pending=Pending)
        page, token = paginate(events, NextToken, MaxResults, 1000, "GetWorkflowEvents")
        return _meta(Events=page, **({"NextToken": token} if token else {}))

    # -- blueprints (glue_nb.blueprint.service) ---------------------------------------------------
    @functools.cached_property
    def blueprints(self) -> Any:
        from glue_nb.blueprint.service import BlueprintService

        return BlueprintService(self)

    @_operation("CreateBlueprint")
    def create_blueprint(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.create_blueprint(**request))

    @_operation("GetBlueprint")
    def get_blueprint(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.get_blueprint(**request))

    @_operation("ListBlueprints")
    def list_blueprints(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.list_blueprints(**request))

    @_operation("UpdateBlueprint")
    def update_blueprint(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.update_blueprint(**request))

    @_operation("DeleteBlueprint")
    def delete_blueprint(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.delete_blueprint(**request))

    @_operation("StartBlueprintRun")
    def start_blueprint_run(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.start_blueprint_run(**request))

    @_operation("GetBlueprintRun")
    def get_blueprint_run(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.get_blueprint_run(**request))

    @_operation("GetBlueprintRuns")
    def get_blueprint_runs(self, **request: Any) -> dict[str, Any]:
        return _meta(**self.blueprints.get_blueprint_runs(**request))


_DELEGATED = {
    "crawlers": {
        "create_crawler",
        "get_crawler",
        "get_crawlers",
        "list_crawlers",
        "update_crawler",
        "delete_crawler",
        "list_crawls",
    },
    "catalog": {
        "create_database",
        "get_database",
        "get_databases",
        "update_database",
        "delete_database",
        "create_table",
        "get_table",
        "get_tables",
        "update_table",
        "delete_table",
        "batch_delete_table",
        "get_table_versions",
        "get_table_version",
        "delete_table_version",
        "batch_delete_table_version",
        "create_partition",
        "get_partitions",
        "get_partition",
        "update_partition",
        "delete_partition",
        "batch_create_partition",
        "batch_update_partition",
        "batch_delete_partition",
        "batch_get_partition",
    },
}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _batch_error(job: str, run_id: str, code: str, message: str) -> dict[str, Any]:
    return {
        "JobName": job,
        "JobRunId": run_id,
        "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message},
    }


def _job_context(name: str, run_id: str) -> Any:
    """The running job's context when ``(name, run_id)`` is its own workflow run."""
    from glue_nb.runtime import context

    ctx = context()
    if ctx is not None and ctx.workflow_name == name and ctx.workflow_run_id == run_id:
        return ctx
    return None


_clients: dict[str, GlueClient] = {}


def client(home: str | os.PathLike[str] | None = None) -> GlueClient:
    """The Glue client of a glue-nb home: ``home``, else ``$GLUE_NB_HOME``, else (inside a job)
    the home of the run that started it, else ``./.glue_nb``.

    Clients are cached per home within a process.
    """
    from glue_nb.runtime import context
    from glue_nb.store import default_home

    ctx = context()
    if home is None and not os.environ.get("GLUE_NB_HOME") and ctx is not None and ctx.home:
        home = ctx.home  # inside a job: the home of the run that started it
    path = str(Path(home).absolute() if home is not None else default_home())
    cached = _clients.get(path)
    if cached is None:
        cached = _clients[path] = GlueClient(path)
    return cached
