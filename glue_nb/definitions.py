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
from glue_nb.store import Store, dumps, loads
from glue_nb.timeutil import now, to_datetime

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

    # -- workflows ---------------------------------------------------------------------------
    def create_workflow(self, request: Mapping[str, Any]) -> str:
        body = workflow_body(request)
        with self.store.transaction() as conn:
            if self._row(conn, "workflows", body["Name"]) is not None:
                raise AlreadyExistsException(f"workflow {body['Name']!r} already exists")
            t = now()
            conn.execute(
                "INSERT INTO workflows(name, body, created_on, last_modified_on) VALUES (?,?,?,?)",
                (body["Name"], dumps(body), t, t),
            )
        return body["Name"]

    def update_workflow(self, request: Mapping[str, Any]) -> str:
        name = check_name("Workflow", request.get("Name"))
        with self.store.transaction() as conn:
            row = self._require(conn, "workflows", name, "workflow")
            merged = {**loads(row["body"]), **{k: v for k, v in request.items() if v is not None}}
            if "MaxConcurrentRuns" in request and request["MaxConcurrentRuns"] is None:
                merged.pop("MaxConcurrentRuns", None)
            body = workflow_body(merged)
            conn.execute(
                "UPDATE workflows SET body=?, last_modified_on=? WHERE name=?",
                (dumps(body), now(), name),
            )
        return name

    def delete_workflow(self, name: str) -> str:
        """Delete a workflow and its triggers (jobs and crawlers stay); absent is not an error."""
        check_name("Workflow", name)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM triggers WHERE workflow_name=?", (name,))
            conn.execute("DELETE FROM workflows WHERE name=?", (name,))
        return name

    def workflow(self, name: str) -> dict[str, Any]:
        """The stored Workflow dict with CreatedOn/LastModifiedOn (EntityNotFound if absent)."""
        with self.store.read() as conn:
            row = self._require(conn, "workflows", name, "workflow")
        body = loads(row["body"])
        body["CreatedOn"] = to_datetime(row["created_on"])
        body["LastModifiedOn"] = to_datetime(row["last_modified_on"])
        return body

    def workflow_names(self) -> list[str]:
        with self.store.read() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM workflows ORDER BY name")]

    def workflow_triggers(self, name: str, conn: sqlite3.Connection | None = None) -> list[dict]:
        def fetch(c: sqlite3.Connection) -> list[dict]:
            rows = c.execute(
                "SELECT body, state FROM triggers WHERE workflow_name=? ORDER BY rowid", (name,)
            )
            return [{**loads(r["body"]), "State": r["state"]} for r in rows]

        if conn is not None:
            return fetch(conn)
        with self.store.read() as c:
            return fetch(c)

    def graph(self, name: str) -> DesignGraph:
        """The design graph from the workflow's current triggers."""
        return design_graph(name, self.workflow_triggers(name))

    # -- jobs --------------------------------------------------------------------------------
    def create_job(self, request: Mapping[str, Any], base_dir: str | None = None) -> str:
        body = job_body(request, base_dir=base_dir)
        with self.store.transaction() as conn:
            if self._row(conn, "jobs", body["Name"]) is not None:
                raise AlreadyExistsException(f"job {body['Name']!r} already exists")
            self._put_job(conn, body, created=True)
        return body["Name"]

    def update_job(self, name: str, update: Mapping[str, Any], base_dir: str | None = None) -> str:
        """Glue's UpdateJob: the JobUpdate replaces the whole definition."""
        check_name("Job", name)
        body = job_body({**check_update("Job", name, update), "Name": name}, base_dir=base_dir)
        with self.store.transaction() as conn:
            self._require(conn, "jobs", name, "job")
            self._put_job(conn, body, created=False)
        return name

    def _put_job(self, conn: sqlite3.Connection, body: dict, created: bool) -> None:
        t = now()
        if created:
            conn.execute(
                "INSERT INTO jobs(name, body, created_on, last_modified_on) VALUES (?,?,?,?)",
                (body["Name"], dumps(body), t, t),
            )
        else:
            conn.execute(
                "UPDATE jobs SET body=?, last_modified_on=? WHERE name=?",
                (dumps(body), t, body["Name"]),
            )

    def delete_job(self, name: str) -> str:
        check_name("Job", name)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM jobs WHERE name=?", (name,))
        return name

    def job(self, name: str, conn: sqlite3.Connection | None = None) -> dict[str, Any]:
        def fetch(c: sqlite3.Connection) -> dict[str, Any]:
            row = self._require(c, "jobs", name, "job")
            body = loads(row["body"])
            body["CreatedOn"] = to_datetime(row["created_on"])
            body["LastModifiedOn"] = to_datetime(row["last_modified_on"])
            return body

        if conn is not None:
            return fetch(conn)
        with self.store.read() as c:
            return fetch(c)

    def job_names(self) -> list[str]:
        with self.store.read() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM jobs ORDER BY name")]

    # -- triggers ----------------------------------------------------------------------------
    def create_trigger(self, request: Mapping[str, Any]) -> str:
        body = trigger_body(request)  # checks StartOnCreation too (a bool; not for ON_DEMAND)
        start = request.get("StartOnCreation") is True
        state = "ACTIVATED" if start and body["Type"] in ("SCHEDULED", "CONDITIONAL") else "CREATED"
        with self.store.transaction() as conn:
            if self._row(conn, "triggers", body["Name"]) is not None:
                raise AlreadyExistsException(f"trigger {body['Name']!r} already exists")
            self._check_trigger(conn, body)
            activated = activation_time() if state == "ACTIVATED" else None
            self._insert_trigger(conn, body, state, activated)
        return body["Name"]

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
        with self.store.transaction() as conn:
            row = self._require(conn, "triggers", name, "trigger")
            current = loads(row["body"])
            merged = {**current, **{k: v for k, v in update.items() if v is not None}, "Name": name}
            body = trigger_body(merged)
            self._check_trigger(conn, body)
            conn.execute("UPDATE triggers SET body=? WHERE name=?", (dumps(body), name))
            return {**body, "State": row["state"]}

    def delete_trigger(self, name: str) -> str:
        check_name("Trigger", name)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM triggers WHERE name=?", (name,))
        return name

    def trigger(self, name: str) -> dict[str, Any]:
        with self.store.read() as conn:
            row = self._require(conn, "triggers", name, "trigger")
        return {**loads(row["body"]), "State": row["state"]}

    def triggers(self, dependent_job: str | None = None) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT body, state FROM triggers ORDER BY name").fetchall()
        out = [{**loads(r["body"]), "State": r["state"]} for r in rows]
        if dependent_job is not None:
            out = [t for t in out if any(a.get("JobName") == dependent_job for a in t["Actions"])]
        return out

    def set_trigger_state(self, name: str, state: str) -> dict[str, Any]:
        """Set a trigger's State. Entering ACTIVATED records the activation time
        (``activated_on``; an ACTIVATED trigger keeps its own); leaving it clears it."""
        with self.store.transaction() as conn:
            row = self._require(conn, "triggers", name, "trigger")
            if state != "ACTIVATED":
                activated = None
            elif row["state"] == "ACTIVATED":
                activated = row["activated_on"]
            else:
                activated = activation_time()
            conn.execute(
                "UPDATE triggers SET state=?, activated_on=? WHERE name=?",
                (state, activated, name),
            )
        return {**loads(row["body"]), "State": state}

    def _insert_trigger(
        self, conn: sqlite3.Connection, body: dict, state: str, activated_on: float | None
    ) -> None:
        conn.execute(
            "INSERT INTO triggers(name, workflow_name, type, state, body, activated_on) "
            "VALUES (?,?,?,?,?,?)",
            (
                body["Name"],
                body.get("WorkflowName"),
                body["Type"],
                state,
                dumps(body),
                activated_on,
            ),
        )

    def _check_trigger(
        self, conn: sqlite3.Connection, body: dict, pending: Mapping[str, set[str]] | None = None
    ) -> None:
        """Referenced entities exist; the trigger's workflow stays valid with it."""
        pending = pending or {}
        jobs = self._names(conn, "jobs") | pending.get("jobs", set())
        crawlers = self._names(conn, "crawlers") | pending.get("crawlers", set())
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
        if workflow not in (self._names(conn, "workflows") | pending.get("workflows", set())):
            raise EntityNotFoundException(
                f"Trigger {body['Name']!r} names workflow {workflow!r}, which does not exist "
                f"(known workflows: {_known(self._names(conn, 'workflows'))})"
            )
        others = [t for t in self.workflow_triggers(workflow, conn) if t["Name"] != body["Name"]]
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
                "ACTIVATED"
                if activate and body["Type"] in ("SCHEDULED", "CONDITIONAL")
                else "CREATED"
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
        with self.store.transaction() as conn:
            # a trigger ACTIVATED before and after keeps its activation time
            kept_activation: dict[str, float | None] = {}
            for body in trig_bodies:
                row = self._row(conn, "triggers", body["Name"])
                if row is not None and row["workflow_name"] != wf["Name"]:
                    raise AlreadyExistsException(
                        f"trigger {body['Name']!r} already exists in workflow "
                        f"{row['workflow_name']!r}; trigger names are global, choose another"
                    )
                if row is not None and row["state"] == "ACTIVATED":
                    kept_activation[body["Name"]] = row["activated_on"]
                self._check_refs_only(conn, body, pending)
            t = now()
            existing = self._row(conn, "workflows", wf["Name"])
            if existing is None:
                conn.execute(
                    "INSERT INTO workflows(name, body, created_on, last_modified_on) "
                    "VALUES (?,?,?,?)",
                    (wf["Name"], dumps(wf), t, t),
                )
            else:
                kept = loads(existing["body"]).get("BlueprintDetails")
                if kept and "BlueprintDetails" not in wf:
                    wf["BlueprintDetails"] = kept  # a redeploy keeps the blueprint link
                conn.execute(
                    "UPDATE workflows SET body=?, last_modified_on=? WHERE name=?",
                    (dumps(wf), t, wf["Name"]),
                )
            for body in job_bodies:
                self._put_job(conn, body, created=self._row(conn, "jobs", body["Name"]) is None)
            if crawler_service is not None:
                for crawler in crawlers:
                    crawler_service.upsert_crawler(crawler, conn)
            conn.execute("DELETE FROM triggers WHERE workflow_name=?", (wf["Name"],))
            for body in trig_bodies:
                state = states[body["Name"]]
                if state != "ACTIVATED":
                    activated = None
                elif body["Name"] in kept_activation:
                    activated = kept_activation[body["Name"]]
                else:
                    activated = activation_time()
                self._insert_trigger(conn, body, state, activated)
        return graph

    def _check_refs_only(
        self, conn: sqlite3.Connection, body: dict, pending: Mapping[str, set[str]]
    ) -> None:
        self._check_trigger(conn, {**body, "WorkflowName": None}, pending)

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _row(conn: sqlite3.Connection, table: str, name: str) -> sqlite3.Row | None:
        return conn.execute(f"SELECT * FROM {table} WHERE name=?", (name,)).fetchone()

    def _require(self, conn: sqlite3.Connection, table: str, name: str, kind: str) -> sqlite3.Row:
        row = self._row(conn, table, name)
        if row is None:
            raise EntityNotFoundException(
                f"{kind} {name!r} not found (known: {_known(self._names(conn, table))})"
            )
        return row

    @staticmethod
    def _names(conn: sqlite3.Connection, table: str) -> set[str]:
        try:
            return {r[0] for r in conn.execute(f"SELECT name FROM {table}")}
        except sqlite3.OperationalError:  # table not created by this store's schema
            return set()
