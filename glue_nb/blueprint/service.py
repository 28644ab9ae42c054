"""Blueprint operations: register packages, run them into workflows, roll back on failure.

A blueprint run validates the parameters (every problem in one InvalidInputException, before
anything is recorded), records the run as RUNNING, then inside ONE store transaction imports the
layout, calls ``generate_layout(user_params, system_params)``, and writes the workflow it returns
with all its jobs, crawlers and triggers. Whatever the layout itself wrote through the run's
client (``system_params["glue_client"]``, ``glue_nb.blueprint.boto3.client("glue")`` or
``glue_nb.client()``; e.g. a database) joins that transaction. If anything fails, the transaction
is rolled back, so the store is exactly as before, and the run ends FAILED (after ROLLING_BACK)
with ErrorMessage. Runs are synchronous: ``start_blueprint_run`` returns once the run has ended.

``system_params`` holds Glue's ``region`` and ``accountId`` (placeholders here) plus
``glue_client`` (the client to create catalog entries with), ``home``, ``blueprint_name``,
``run_id`` and ``package_dir`` (the folder holding ``blueprint.cfg``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.blueprint import boto3 as _boto3
from glue_nb.blueprint.package import (
    IMPORT_LOCK,
    Package,
    absolute_location,
    describe_error,
    layout_generator,
    load_package,
)
from glue_nb.blueprint.params import Parameter, check_parameters, validate_parameters
from glue_nb.definitions import Definitions, paginate
from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    GlueNbError,
    IllegalBlueprintStateException,
    InvalidInputException,
    OperationTimeoutException,
)
from glue_nb.model import check_name, check_string_map
from glue_nb.store import dumps, loads
from glue_nb.timeutil import now, to_datetime

if TYPE_CHECKING:
    from glue_nb.client import GlueClient

__all__ = ["BlueprintService", "layout_requests"]

RUN_STATES = ("RUNNING", "SUCCEEDED", "FAILED", "ROLLING_BACK")
SYSTEM_PARAMS = {"region": "local", "accountId": "000000000000"}


class _DryRun(Exception):
    def __init__(self, requests: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.requests = requests


def layout_requests(result: Any, name_suffix: str = "") -> dict[str, Any]:
    """What a layout returned → ``{"Workflow", "Jobs", "Crawlers", "Triggers"}`` requests.

    Accepts a :class:`glue_nb.Workflow` (fluent API), a
    :class:`glue_nb.blueprint.workflow.Workflow` (Glue's classes; entity names get
    ``_<name_suffix>``) or such a dict.
    """
    from glue_nb.blueprint.workflow import Workflow as GlueWorkflow
    from glue_nb.builder import Workflow as FluentWorkflow

    if isinstance(result, FluentWorkflow):
        requests = result.to_glue()
    elif isinstance(result, GlueWorkflow):
        requests = result.to_json(name_suffix)
    elif isinstance(result, Mapping) and isinstance(result.get("Workflow"), Mapping):
        requests = {k: result.get(k) or [] for k in ("Jobs", "Crawlers", "Triggers")}
        requests["Workflow"] = result["Workflow"]
    else:
        raise TypeError(
            "generate_layout must return a glue_nb.Workflow (fluent API) or a "
            f"glue_nb.blueprint.workflow.Workflow (Glue's classes), got {type(result).__name__}"
        )
    return {
        "Workflow": dict(requests["Workflow"]),
        "Jobs": [_string_arguments(dict(j), _JOB_ARGUMENTS) for j in requests["Jobs"]],
        "Crawlers": [dict(c) for c in requests["Crawlers"]],
        "Triggers": [_trigger_arguments(dict(t)) for t in requests["Triggers"]],
    }


_JOB_ARGUMENTS = ("DefaultArguments", "NonOverridableArguments")


def _string_arguments(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Argument values as Glue's blueprint service passes them: booleans and numbers from a
    layout (the compaction sample's ``--enable_size_control``) become their JSON text
    (``"true"``, ``"128"``)."""
    for key in keys:
        args = item.get(key)
        if isinstance(args, Mapping):
            item[key] = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()
                if v is not None
            }  # fmt: skip
    return item


def _trigger_arguments(trigger: dict[str, Any]) -> dict[str, Any]:
    if isinstance(trigger.get("Actions"), list):
        trigger["Actions"] = [
            _string_arguments(dict(a), ("Arguments",)) if isinstance(a, Mapping) else a
            for a in trigger["Actions"]
        ]
    return trigger


class BlueprintService:
    """Glue's blueprint operations over the store of one glue-nb client."""

    def __init__(self, client: GlueClient) -> None:
        from glue_nb.client import client as cached_client

        # Layouts that call glue_nb.client() get the cached client of this home; using its store
        # makes their writes join the run's transaction (same connection).
        self.client = cached_client(client.home)
        self.store = self.client.store
        self.home = Path(self.client.home)
        self.cache_dir = self.home / "blueprints" / "packages"

    # -- blueprints ------------------------------------------------------------------------------
    def create_blueprint(
        self,
        Name: str,
        BlueprintLocation: str,
        Description: str | None = None,
        Tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """CreateBlueprint: the package is read and checked now (InvalidInput if unusable)."""
        check_name("Blueprint", Name)
        BlueprintLocation = absolute_location(BlueprintLocation)
        package = load_package(BlueprintLocation, self.cache_dir)
        body: dict[str, Any] = {"Name": Name, "BlueprintLocation": BlueprintLocation}
        if Description is not None:
            body["Description"] = _description(Description)
        if Tags is not None:
            body["Tags"] = check_string_map(f"Blueprint {Name!r} Tags", Tags)
        t = now()
        body["LastActiveDefinition"] = _definition(body, package, t)
        with self.store.transaction() as conn:
            if _row(conn, Name) is not None:
                raise AlreadyExistsException(f"Blueprint {Name!r} already exists")
            conn.execute(
                "INSERT INTO blueprints(name, body, created_on, last_modified_on) VALUES (?,?,?,?)",
                (Name, dumps(body), t, t),
            )
        return {"Name": Name}

    def update_blueprint(
        self, Name: str, BlueprintLocation: str, Description: str | None = None
    ) -> dict[str, Any]:
        """UpdateBlueprint: point at a (new version of the) package."""
        check_name("Blueprint", Name)
        BlueprintLocation = absolute_location(BlueprintLocation)
        package = load_package(BlueprintLocation, self.cache_dir)
        t = now()
        with self.store.transaction() as conn:
            row = _require(conn, Name)
            body = loads(row["body"])
            body["BlueprintLocation"] = BlueprintLocation
            if Description is not None:
                body["Description"] = _description(Description)
            body["LastActiveDefinition"] = _definition(body, package, t)
            conn.execute(
                "UPDATE blueprints SET body=?, last_modified_on=? WHERE name=?",
                (dumps(body), t, Name),
            )
        return {"Name": Name}

    def delete_blueprint(self, Name: str) -> dict[str, Any]:
        """DeleteBlueprint (absent is not an error; workflows it created stay)."""
        check_name("Blueprint", Name)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM blueprints WHERE name=?", (Name,))
        return {"Name": Name}

    def get_blueprint(
        self, Name: str, IncludeBlueprint: bool = False, IncludeParameterSpec: bool = False
    ) -> dict[str, Any]:
        """GetBlueprint. The package is re-read: Status is FAILED (with ErrorMessage) when it no
        longer loads, ParameterSpec is the one runs will use."""
        with self.store.read() as conn:
            row = _require(conn, Name)
        return {"Blueprint": self._blueprint(row, IncludeBlueprint, IncludeParameterSpec)}

    def _blueprint(self, row: sqlite3.Row, include_location: bool, include_spec: bool) -> dict:
        body = loads(row["body"])
        out: dict[str, Any] = {"Name": row["name"]}
        if body.get("Description") is not None:
            out["Description"] = body["Description"]
        out["CreatedOn"] = to_datetime(row["created_on"])
        out["LastModifiedOn"] = to_datetime(row["last_modified_on"])
        try:
            package = load_package(body["BlueprintLocation"], self.cache_dir)
            out["Status"] = "ACTIVE"
        except GlueNbError as exc:
            package = None
            out["Status"] = "FAILED"
            out["ErrorMessage"] = exc.message
        if include_spec:
            out["ParameterSpec"] = (
                package.parameter_spec if package else body["LastActiveDefinition"]["ParameterSpec"]
            )
        if include_location:
            out["BlueprintLocation"] = body["BlueprintLocation"]
            out["BlueprintServiceLocation"] = str(package.root) if package else None
        last = dict(body["LastActiveDefinition"])
        last["LastModifiedOn"] = to_datetime(last["LastModifiedOn"])
        out["LastActiveDefinition"] = last
        return out

    def list_blueprints(
        self,
        NextToken: str | None = None,
        MaxResults: int | None = None,
        Tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """ListBlueprints → names (filtered by Tags)."""
        with self.store.read() as conn:
            rows = conn.execute("SELECT name, body FROM blueprints ORDER BY name").fetchall()
        names = [
            r["name"]
            for r in rows
            if not Tags or Tags.items() <= (loads(r["body"]).get("Tags") or {}).items()
        ]
        page, token = paginate(names, NextToken, MaxResults, 25, "ListBlueprints")
        return {"Blueprints": page, **({"NextToken": token} if token else {})}

    def package(self, name: str) -> Package:
        """The blueprint's package as it is now (IllegalBlueprintState when it does not load)."""
        with self.store.read() as conn:
            body = loads(_require(conn, name)["body"])
        try:
            return load_package(body["BlueprintLocation"], self.cache_dir)
        except GlueNbError as exc:
            raise IllegalBlueprintStateException(
                f"Blueprint {name!r} cannot be used: {exc.message} (fix the package, then call "
                "update_blueprint)"
            )

    def parameter_spec(self, name: str) -> dict[str, Parameter]:
        """The parsed parameter spec of a blueprint."""
        return self.package(name).spec

    # -- runs ------------------------------------------------------------------------------------
    def start_blueprint_run(
        self,
        BlueprintName: str,
        Parameters: str | Mapping[str, Any] | None = None,
        RoleArn: str | None = None,
    ) -> dict[str, Any]:
        """StartBlueprintRun → ``{"RunId"}``; the run has ended when this returns."""
        package = self.package(BlueprintName)
        values = validate_parameters(package.spec, Parameters, BlueprintName)
        run_id = str(uuid.uuid4())
        text = (
            Parameters if isinstance(Parameters, str) else json.dumps(Parameters or {}, default=str)
        )
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO blueprint_runs(run_id, blueprint_name, state, started_on, parameters,"
                " role_arn) VALUES (?,?,?,?,?,?)",
                (run_id, BlueprintName, "RUNNING", now(), text, RoleArn),
            )
        self._execute(package, BlueprintName, run_id, values)
        return {"RunId": run_id}

    def _execute(self, package: Package, blueprint: str, run_id: str, values: dict) -> None:
        named: str | None = None  # the workflow the layout returned
        new: str | None = None  # ... once known not to exist before this run
        try:
            with self.store.transaction() as conn:
                requests = self._generate(package, blueprint, run_id, values)
                named = requests["Workflow"].get("Name")
                self._check_new(conn, requests)
                new = named
                self._apply(package, requests)
                conn.execute(
                    "UPDATE blueprint_runs SET state='SUCCEEDED', completed_on=?, workflow_name=? "
                    "WHERE run_id=?",
                    (now(), requests["Workflow"]["Name"], run_id),
                )
        except BaseException as exc:
            message = describe_error(exc, package.root.resolve())
            if isinstance(exc, OperationTimeoutException):
                message += (
                    "; a layout must write through the run's client (system_params['glue_client'] "
                    "or glue_nb.client()), not open another store on the same home"
                )
            message = message[:2048]
            rollback_error = None
            try:
                with self.store.transaction() as conn:
                    conn.execute(
                        "UPDATE blueprint_runs SET state='ROLLING_BACK', error_message=?, "
                        "workflow_name=? WHERE run_id=?",
                        (message, named if isinstance(named, str) else None, run_id),
                    )
                    rollback_error = self._leftover(conn, new)
            finally:
                with self.store.transaction() as conn:
                    conn.execute(
                        "UPDATE blueprint_runs SET state='FAILED', completed_on=?, "
                        "rollback_error_message=? WHERE run_id=?",
                        (now(), rollback_error, run_id),
                    )
            if not isinstance(exc, Exception):
                raise

    @staticmethod
    def _leftover(conn: sqlite3.Connection, workflow: str | None) -> str | None:
        """The run's writes were one transaction, rolled back whole; this double-checks that its
        workflow is absent (it cannot have existed before: runs refuse existing workflows)."""
        if (
            workflow
            and conn.execute("SELECT 1 FROM workflows WHERE name=?", (workflow,)).fetchone()
        ):
            return (
                f"workflow {workflow!r} still exists after the rollback (was it written through "
                "another store connection?); delete it with delete_workflow"
            )
        return None

    def _generate(
        self, package: Package, blueprint: str, run_id: str, values: dict
    ) -> dict[str, Any]:
        settings = getattr(getattr(self.client, "service", None), "settings", None)
        system = {
            **SYSTEM_PARAMS,
            **(
                {"region": settings.region, "accountId": settings.account_id}
                if settings is not None
                else {}
            ),
            "glue_client": self.client,
            "home": str(self.home),
            "blueprint_name": blueprint,
            "run_id": run_id,
            "package_dir": str(package.root),
        }
        with IMPORT_LOCK, self._layout_environment(), layout_generator(package) as generate:
            result = generate(dict(values), system)
        suffix = run_id.replace("-", "")[:8]
        requests = layout_requests(result, suffix)
        requests["Workflow"]["BlueprintDetails"] = {"BlueprintName": blueprint, "RunId": run_id}
        return requests

    @contextmanager
    def _layout_environment(self) -> Any:
        """``glue_nb.client()`` and ``boto3.client("glue")`` mean this run's client meanwhile."""
        token = _boto3._current.set(self.client)
        saved = os.environ.get("GLUE_NB_HOME")
        os.environ["GLUE_NB_HOME"] = str(self.home)
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("GLUE_NB_HOME", None)
            else:
                os.environ["GLUE_NB_HOME"] = saved
            _boto3._current.reset(token)

    def _check_new(self, conn: sqlite3.Connection, requests: dict) -> None:
        """The workflow is new; its jobs and crawlers belong to no other workflow."""
        wf = requests["Workflow"]
        name = check_name("Workflow", wf.get("Name"))
        if conn.execute("SELECT 1 FROM workflows WHERE name=?", (name,)).fetchone():
            raise AlreadyExistsException(
                f"workflow {name!r} already exists; choose another workflow name or delete it first"
            )
        owners = _owners(conn)
        for kind, items in (("job", requests["Jobs"]), ("crawler", requests["Crawlers"])):
            for item in items:
                owner = owners.get((kind, item.get("Name")))
                if owner and owner != name:
                    raise AlreadyExistsException(
                        f"{kind} {item['Name']!r} already exists in workflow {owner!r}; "
                        "choose other names (e.g. derived from the workflow name)"
                    )

    def _apply(self, package: Package, requests: dict) -> None:
        """Write the generated workflow (joins the run's transaction)."""
        name = requests["Workflow"]["Name"]
        for trigger in requests["Triggers"]:
            trigger.setdefault("WorkflowName", name)
        Definitions(self.store).apply(
            requests["Workflow"],
            requests["Jobs"],
            requests["Triggers"],
            requests["Crawlers"],
            base_dir=package.root,
        )

    def preview(
        self, BlueprintName: str, Parameters: str | Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """What a run would create, without keeping anything: the layout runs and the workflow is
        written and checked inside a transaction that is always rolled back. Raises what the run
        would fail with."""
        package = self.package(BlueprintName)
        values = validate_parameters(package.spec, Parameters, BlueprintName)
        try:
            with self.store.transaction() as conn:
                requests = self._generate(package, BlueprintName, "preview", values)
                self._check_new(conn, requests)
                self._apply(package, json.loads(json.dumps(requests, default=str)))
                raise _DryRun(requests)
        except _DryRun as done:
            return done.requests

    def check_parameters(
        self, BlueprintName: str, Parameters: str | Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """``(resolved values, problems by parameter)`` without raising."""
        return check_parameters(self.parameter_spec(BlueprintName), Parameters)

    def get_blueprint_run(self, BlueprintName: str, RunId: str) -> dict[str, Any]:
        """GetBlueprintRun → ``{"BlueprintRun": {...}}``."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM blueprint_runs WHERE run_id=? AND blueprint_name=?",
                (RunId, BlueprintName),
            ).fetchone()
            if row is None:
                _require(conn, BlueprintName)
                raise EntityNotFoundException(
                    f"blueprint run {RunId!r} of blueprint {BlueprintName!r} not found"
                )
        return {"BlueprintRun": _run_dict(row)}

    def get_blueprint_runs(
        self, BlueprintName: str, NextToken: str | None = None, MaxResults: int | None = None
    ) -> dict[str, Any]:
        """GetBlueprintRuns → newest first."""
        with self.store.read() as conn:
            _require(conn, BlueprintName)
            rows = conn.execute(
                "SELECT * FROM blueprint_runs WHERE blueprint_name=? ORDER BY started_on DESC",
                (BlueprintName,),
            ).fetchall()
        page, token = paginate(rows, NextToken, MaxResults, 1000, "GetBlueprintRuns")
        return {
            "BlueprintRuns": [_run_dict(r) for r in page],
            **({"NextToken": token} if token else {}),
        }


def _owners(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """``(kind, name) -> workflow`` for every job and crawler some workflow's trigger uses."""
    owners: dict[tuple[str, str], str] = {}
    rows = conn.execute("SELECT workflow_name, body FROM triggers WHERE workflow_name IS NOT NULL")
    for row in rows:
        body = loads(row["body"])
        for ref in [*body.get("Actions", []), *(body.get("Predicate") or {}).get("Conditions", [])]:
            if ref.get("JobName"):
                owners[("job", ref["JobName"])] = row["workflow_name"]
            if ref.get("CrawlerName"):
                owners[("crawler", ref["CrawlerName"])] = row["workflow_name"]
    return owners


def _row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM blueprints WHERE name=?", (name,)).fetchone()


def _require(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    check_name("Blueprint", name)
    row = _row(conn, name)
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM blueprints ORDER BY name")]
        raise EntityNotFoundException(
            f"Blueprint {name!r} not found (known: {', '.join(known) or 'none'})"
        )
    return row


def _description(text: Any) -> str:
    if not isinstance(text, str) or len(text) > 512:
        raise InvalidInputException("Description must be a string of at most 512 characters")
    return text


def _definition(body: Mapping[str, Any], package: Package, t: float) -> dict[str, Any]:
    out = {
        "LastModifiedOn": t,
        "ParameterSpec": package.parameter_spec,
        "BlueprintLocation": body["BlueprintLocation"],
        "BlueprintServiceLocation": str(package.root),
    }
    if body.get("Description") is not None:
        out["Description"] = body["Description"]
    return out


def _run_dict(row: sqlite3.Row) -> dict[str, Any]:
    out = {
        "BlueprintName": row["blueprint_name"],
        "RunId": row["run_id"],
        "WorkflowName": row["workflow_name"],
        "State": row["state"],
        "StartedOn": to_datetime(row["started_on"]),
        "CompletedOn": to_datetime(row["completed_on"]),
        "ErrorMessage": row["error_message"],
        "RollbackErrorMessage": row["rollback_error_message"],
        "Parameters": row["parameters"],
        "RoleArn": row["role_arn"],
    }
    return {k: v for k, v in out.items() if v is not None}
