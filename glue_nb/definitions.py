"""Stored definitions: workflows, jobs and triggers, with the rules that span entities.

Each write validates everything first (model rules, unknown names, one start trigger per workflow,
no cycle) and then writes in one transaction, so a rejected request leaves the store untouched.
:meth:`Definitions.apply` writes a whole workflow (what the fluent API builds) the same way.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.graph import DesignGraph, check_design, design_graph
from glue_nb.model import (
    check_name,
    check_page,
    check_update,
    job_body,
    trigger_body,
    workflow_body,
)
from glue_nb.states import TriggerState
from glue_nb.store import Store, dumps, loads
from glue_nb.store.crawlers import CrawlerDefinitions
from glue_nb.store.definitions import Jobs, Triggers, Workflows
from glue_nb.timeutil import to_datetime

__all__ = ["Definitions", "paginate"]


def paginate(
    items: Sequence[Any], next_token: str | None, max_results: int | None, limit: int, what: str
) -> tuple[list[Any], str | None]:
    """Glue-style NextToken/MaxResults paging over a sorted list."""
    start, size = check_page(what, next_token, max_results, limit)
    page = list(items[start : start + size])
    more = start + size < len(items)
    return page, (str(start + size) if more else None)


def activation_time() -> float:
    """When a trigger enters ACTIVATED, on the scheduler's clock (the wall clock unless the
    test/dev speed-up ``GLUE_NB_SCHEDULER_CLOCK_SPEEDUP`` is set), so that the scheduler can
    tell which fires came due after it."""
    from glue_nb.events import default_clock

    return default_clock()()


def _known(names: Iterable[str], limit: int = 10) -> str:
    names = sorted(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown or "none"


class Definitions:
    """CRUD over workflow, job and trigger definitions in a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.workflow_rows = Workflows(store)
        self.job_rows = Jobs(store)
        self.trigger_rows = Triggers(store)

    # -- workflows ---------------------------------------------------------------------------
    def create_workflow(self, request: Mapping[str, Any]) -> str:
        body = workflow_body(request)
        with self.store.transaction():
            if self.workflow_rows.get(body["Name"]) is not None:
                raise AlreadyExistsException(f"workflow {body['Name']!r} already exists")
            self.workflow_rows.insert(body)
        return str(body["Name"])

    def update_workflow(self, request: Mapping[str, Any]) -> str:
        name = check_name("Workflow", request.get("Name"))
        with self.store.transaction():
            row = self._require(self.workflow_rows, name, "workflow")
            merged = {**loads(row["body"]), **{k: v for k, v in request.items() if v is not None}}
            if "MaxConcurrentRuns" in request and request["MaxConcurrentRuns"] is None:
                merged.pop("MaxConcurrentRuns", None)
            self.workflow_rows.replace(workflow_body(merged))
        return name

    def delete_workflow(self, name: str) -> str:
        """Delete a workflow and its triggers (jobs and crawlers stay); absent is not an error."""
        check_name("Workflow", name)
        self.workflow_rows.delete(name)
        return name

    def workflow(self, name: str) -> dict[str, Any]:
        """The stored Workflow dict with CreatedOn/LastModifiedOn (EntityNotFound if absent)."""
        return _with_times(self._require(self.workflow_rows, name, "workflow"))

    def workflow_names(self) -> list[str]:
        return self.workflow_rows.names()

    def workflow_triggers(self, name: str) -> list[dict]:
        """A workflow's triggers, in creation order."""
        return self.trigger_rows.of_workflow(name)

    def graph(self, name: str) -> DesignGraph:
        """The design graph from the workflow's current triggers."""
        return design_graph(name, self.workflow_triggers(name))

    # -- jobs --------------------------------------------------------------------------------
    def create_job(self, request: Mapping[str, Any], base_dir: str | None = None) -> str:
        body = job_body(request, base_dir=base_dir)
        with self.store.transaction():
            if self.job_rows.get(body["Name"]) is not None:
                raise AlreadyExistsException(f"job {body['Name']!r} already exists")
            self.job_rows.insert(body)
        return str(body["Name"])

    def update_job(self, name: str, update: Mapping[str, Any], base_dir: str | None = None) -> str:
        """Glue's UpdateJob: the JobUpdate replaces the whole definition."""
        check_name("Job", name)
        body = job_body({**check_update("Job", name, update), "Name": name}, base_dir=base_dir)
        with self.store.transaction():
            self._require(self.job_rows, name, "job")
            self.job_rows.replace(body)
        return name

    def delete_job(self, name: str) -> str:
        check_name("Job", name)
        self.job_rows.delete(name)
        return name

    def job(self, name: str) -> dict[str, Any]:
        return _with_times(self._require(self.job_rows, name, "job"))

    def job_names(self) -> list[str]:
        return self.job_rows.names()

    # -- triggers ----------------------------------------------------------------------------
    def create_trigger(self, request: Mapping[str, Any]) -> str:
        body = trigger_body(request)  # checks StartOnCreation too (a bool; not for ON_DEMAND)
        start = request.get("StartOnCreation") is True
        activate = start and body["Type"] in ("SCHEDULED", "CONDITIONAL")
        state = TriggerState.ACTIVATED if activate else TriggerState.CREATED
        with self.store.transaction():
            if self.trigger_rows.get(body["Name"]) is not None:
                raise AlreadyExistsException(f"trigger {body['Name']!r} already exists")
            self._check_trigger(body)
            activated = activation_time() if activate else None
            self.trigger_rows.insert(body, state, activated)
        return str(body["Name"])

    def update_trigger(self, name: str, update: Mapping[str, Any]) -> dict[str, Any]:
        """Glue's UpdateTrigger: Type and WorkflowName cannot change."""
        check_name("Trigger", name)
        check_update("Trigger", name, update)
        for fixed in ("Type", "WorkflowName"):
            if fixed in update:
                raise InvalidInputException(
                    f"Trigger {name!r}: {fixed} cannot be changed by UpdateTrigger "
                    "(delete and re-create the trigger)"
                )
        with self.store.transaction():
            row = self._require(self.trigger_rows, name, "trigger")
            current = loads(row["body"])
            merged = {**current, **{k: v for k, v in update.items() if v is not None}, "Name": name}
            body = trigger_body(merged)
            self._check_trigger(body)
            self.trigger_rows.replace_body(body)
            return {**body, "State": row["state"]}

    def delete_trigger(self, name: str) -> str:
        check_name("Trigger", name)
        self.trigger_rows.delete(name)
        return name

    def trigger(self, name: str) -> dict[str, Any]:
        row = self._require(self.trigger_rows, name, "trigger")
        return {**loads(row["body"]), "State": row["state"]}

    def triggers(self, dependent_job: str | None = None) -> list[dict[str, Any]]:
        out = self.trigger_rows.all()
        if dependent_job is not None:
            out = [t for t in out if any(a.get("JobName") == dependent_job for a in t["Actions"])]
        return out

    def set_trigger_state(self, name: str, state: str) -> dict[str, Any]:
        """Set a trigger's State (checked by its transition table). Entering ACTIVATED records
        the activation time (``activated_on``; an ACTIVATED trigger keeps its own); leaving it
        clears it."""
        new = TriggerState(state)
        with self.store.transaction():
            row = self._require(self.trigger_rows, name, "trigger")
            if new is not TriggerState.ACTIVATED:
                activated = None
            elif row["state"] == TriggerState.ACTIVATED:
                activated = row["activated_on"]
            else:
                activated = activation_time()
            self.trigger_rows.set_state(name, new, activated)
        return {**loads(row["body"]), "State": new.value}

    def _check_trigger(self, body: dict, pending: Mapping[str, set[str]] | None = None) -> None:
        """Referenced entities exist; the trigger's workflow stays valid with it."""
        pending = pending or {}
        jobs = set(self.job_rows.names()) | pending.get("jobs", set())
        crawlers = set(CrawlerDefinitions(self.store).names()) | pending.get("crawlers", set())
        refs = [*body["Actions"], *(body.get("Predicate") or {}).get("Conditions", [])]
        for ref in refs:
            if ref.get("JobName") and ref["JobName"] not in jobs:
                raise EntityNotFoundException(
                    f"Trigger {body['Name']!r} names job {ref['JobName']!r}, which does not "
                    f"exist (known jobs: {_known(jobs)})"
                )
            if ref.get("CrawlerName") and ref["CrawlerName"] not in crawlers:
                raise EntityNotFoundException(
                    f"Trigger {body['Name']!r} names crawler {ref['CrawlerName']!r}, which does "
                    f"not exist (known crawlers: {_known(crawlers)})"
                )
        workflow = body.get("WorkflowName")
        if workflow is None:
            return
        workflows = set(self.workflow_rows.names())
        if workflow not in (workflows | pending.get("workflows", set())):
            raise EntityNotFoundException(
                f"Trigger {body['Name']!r} names workflow {workflow!r}, which does not exist "
                f"(known workflows: {_known(workflows)})"
            )
        others = [t for t in self.workflow_triggers(workflow) if t["Name"] != body["Name"]]
        check_design(design_graph(workflow, [*others, body]))

    # -- whole workflows (fluent API) --------------------------------------------------------
    def apply(
        self,
        workflow: Mapping[str, Any],
        jobs: Sequence[Mapping[str, Any]] = (),
        triggers: Sequence[Mapping[str, Any]] = (),
        crawlers: Sequence[Mapping[str, Any]] = (),
        *,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> DesignGraph:
        """Create or replace a workflow with its jobs, crawlers and triggers, atomically.

        Jobs and crawlers are upserted; the workflow's triggers become exactly ``triggers``.
        Everything is validated before the single write transaction.
        """
        wf = workflow_body(workflow)
        job_bodies = [job_body(j, base_dir=base_dir) for j in jobs]
        trig_bodies, states = [], {}
        for request in triggers:
            body = trigger_body(request)
            if body.get("WorkflowName", wf["Name"]) != wf["Name"]:
                raise InvalidInputException(
                    f"Trigger {body['Name']!r} belongs to workflow {body['WorkflowName']!r}, "
                    f"not {wf['Name']!r}"
                )
            body["WorkflowName"] = wf["Name"]
            trig_bodies.append(body)
            activate = request.get("StartOnCreation", body["Type"] == "CONDITIONAL")
            states[body["Name"]] = (
                TriggerState.ACTIVATED
                if activate and body["Type"] in ("SCHEDULED", "CONDITIONAL")
                else TriggerState.CREATED
            )
        for kind, items in (("job", job_bodies), ("trigger", trig_bodies)):
            counts = Counter(b["Name"] for b in items)
            dupes = sorted(n for n, k in counts.items() if k > 1)
            if dupes:
                raise InvalidInputException(
                    f"Workflow {wf['Name']!r}: {kind} name {dupes[0]!r} is used more than once"
                )
        graph = design_graph(wf["Name"], trig_bodies)
        check_design(graph)
        crawler_service = None
        if crawlers:
            from glue_nb.crawlers import CrawlerService

            crawler_service = CrawlerService(self.store)
        pending = {
            "jobs": {b["Name"] for b in job_bodies},
            "crawlers": {c["Name"] for c in crawlers},
            "workflows": {wf["Name"]},
        }
        with self.store.transaction():
            # a trigger ACTIVATED before and after keeps its activation time
            kept_activation: dict[str, float | None] = {}
            for body in trig_bodies:
                row = self.trigger_rows.get(body["Name"])
                if row is not None and row["workflow_name"] != wf["Name"]:
                    raise AlreadyExistsException(
                        f"trigger {body['Name']!r} already exists in workflow "
                        f"{row['workflow_name']!r}; trigger names are global, choose another"
                    )
                if row is not None and row["state"] == TriggerState.ACTIVATED:
                    kept_activation[body["Name"]] = row["activated_on"]
                self._check_trigger({**body, "WorkflowName": None}, pending)
            existing = self.workflow_rows.get(wf["Name"])
            if existing is None:
                self.workflow_rows.insert(wf)
            else:
                kept = loads(existing["body"]).get("BlueprintDetails")
                if kept and "BlueprintDetails" not in wf:
                    wf["BlueprintDetails"] = kept  # a redeploy keeps the blueprint link
                self.workflow_rows.replace(wf)
            self._check_shared_jobs(wf["Name"], job_bodies)
            for body in job_bodies:
                if self.job_rows.get(body["Name"]) is None:
                    self.job_rows.insert(body)
                else:
                    self.job_rows.replace(body)
            if crawler_service is not None:
                for crawler in crawlers:
                    crawler_service.upsert_crawler(crawler)
            self.trigger_rows.delete_of_workflow(wf["Name"])
            for body in trig_bodies:
                state = states[body["Name"]]
                if state is not TriggerState.ACTIVATED:
                    activated = None
                elif body["Name"] in kept_activation:
                    activated = kept_activation[body["Name"]]
                else:
                    activated = activation_time()
                self.trigger_rows.insert(body, state, activated)
        return graph

    # -- helpers -----------------------------------------------------------------------------
    def _check_shared_jobs(self, workflow: str, bodies: Sequence[Mapping[str, Any]]) -> None:
        """Jobs are global (as in Glue): applying a workflow must not silently change a job
        that another workflow's (or a standalone) trigger runs."""
        changed = set()
        for body in bodies:
            row = self.job_rows.get(body["Name"])
            if row is not None and loads(row["body"]) != loads(dumps(dict(body))):
                changed.add(body["Name"])
        if not changed:
            return
        for trig in self.trigger_rows.all():
            owner = trig.get("WorkflowName")
            if owner == workflow:
                continue
            for act in trig["Actions"]:
                name = act.get("JobName")
                if name in changed:
                    user = f"workflow {owner!r}" if owner else f"trigger {trig['Name']!r}"
                    raise AlreadyExistsException(
                        f"job {name!r} already exists with another definition, and {user} runs "
                        f"it: applying workflow {workflow!r} would change what {user} runs. "
                        f"Give this workflow's job another name, or change the job for every "
                        f"workflow with UpdateJob (client.update_job)"
                    )

    @staticmethod
    def _require(table: Any, name: str, kind: str) -> sqlite3.Row:
        row: sqlite3.Row | None = table.get(name)
        if row is None:
            names = table.names() if hasattr(table, "names") else [t["Name"] for t in table.all()]
            raise EntityNotFoundException(f"{kind} {name!r} not found (known: {_known(names)})")
        return row


def _with_times(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = loads(row["body"])
    body["CreatedOn"] = to_datetime(row["created_on"])
    body["LastModifiedOn"] = to_datetime(row["last_modified_on"])
    return body
