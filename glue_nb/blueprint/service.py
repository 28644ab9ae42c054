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
import sqlite3
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_nb.blueprint.context import current_client
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
from glue_nb.states import BlueprintRunState
from glue_nb.store import loads
from glue_nb.store.blueprints import BlueprintRuns, Blueprints
from glue_nb.store.definitions import Triggers, Workflows
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

    if callable(getattr(result, "to_glue", None)) and not isinstance(result, GlueWorkflow):
        requests = result.to_glue()  # a fluent glue_nb.Workflow
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
        # ``client``: the cached Glue client of the home (what glue_nb.client() gives layouts);
        # using its store makes the layout's writes join the run's transaction
        self.client = client
        self.store = self.client.store
        self.home = Path(self.client.home)
        self.cache_dir = self.home / "blueprints" / "packages"
        self.blueprints = Blueprints(self.store)
        self.runs = BlueprintRuns(self.store)
        self.workflows = Workflows(self.store)

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
        with self.store.transaction():
            if self.blueprints.get(Name) is not None:
                raise AlreadyExistsException(f"Blueprint {Name!r} already exists")
            self.blueprints.insert(Name, body, t)
        return {"Name": Name}

    def update_blueprint(
        self, Name: str, BlueprintLocation: str, Description: str | None = None
    ) -> dict[str, Any]:
        """UpdateBlueprint: point at a (new version of the) package."""
        check_name("Blueprint", Name)
        BlueprintLocation = absolute_location(BlueprintLocation)
        package = load_package(BlueprintLocation, self.cache_dir)
        t = now()
        with self.store.transaction():
            row = self._require(Name)
            body = loads(row["body"])
            body["BlueprintLocation"] = BlueprintLocation
            if Description is not None:
                body["Description"] = _description(Description)
            body["LastActiveDefinition"] = _definition(body, package, t)
            self.blueprints.replace(Name, body, t)
        return {"Name": Name}

    def delete_blueprint(self, Name: str) -> dict[str, Any]:
        """DeleteBlueprint (absent is not an error; workflows it created stay)."""
        check_name("Blueprint", Name)
        self.blueprints.delete(Name)
        return {"Name": Name}

    def get_blueprint(
        self, Name: str, IncludeBlueprint: bool = False, IncludeParameterSpec: bool = False
    ) -> dict[str, Any]:
        """GetBlueprint. The package is re-read: Status is FAILED (with ErrorMessage) when it no
        longer loads, ParameterSpec is the one runs will use."""
        row = self._require(Name)
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
        rows = self.blueprints.all()
        names = [
            r["name"]
            for r in rows
            if not Tags or Tags.items() <= (loads(r["body"]).get("Tags") or {}).items()
        ]
        page, token = paginate(names, NextToken, MaxResults, 25, "ListBlueprints")
        return {"Blueprints": page, **({"NextToken": token} if token else {})}

    def package(self, name: str) -> Package:
        """The blueprint's package as it is now (IllegalBlueprintState when it does not load)."""
        body = loads(self._require(name)["body"])
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

    def _require(self, name: str) -> sqlite3.Row:
        check_name("Blueprint", name)
        row = self.blueprints.get(name)
        if row is None:
            known = [r["name"] for r in self.blueprints.all()]
            raise EntityNotFoundException(
                f"Blueprint {name!r} not found (known: {', '.join(known) or 'none'})"
            )
        return row

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
        self.runs.insert(run_id, BlueprintName, text, RoleArn)
        self._execute(package, BlueprintName, run_id, values)
        return {"RunId": run_id}

    def _execute(self, package: Package, blueprint: str, run_id: str, values: dict) -> None:
        named: str | None = None  # the workflow the layout returned
        new: str | None = None  # ... once known not to exist before this run
        try:
            with self.store.transaction():
                requests = self._generate(package, blueprint, run_id, values)
                named = requests["Workflow"].get("Name")
                self._check_new(requests)
                new = named
                self._apply(package, requests)
                self.runs.advance(
                    run_id, BlueprintRunState.SUCCEEDED, workflow_name=requests["Workflow"]["Name"]
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
                with self.store.transaction():
                    self.runs.advance(
                        run_id, BlueprintRunState.ROLLING_BACK, error_message=message,
                        workflow_name=named if isinstance(named, str) else None,
                    )  # fmt: skip
                    rollback_error = self._leftover(new)
            finally:
                self.runs.advance(
                    run_id, BlueprintRunState.FAILED, rollback_error_message=rollback_error
                )
            if not isinstance(exc, Exception):
                raise

    def _leftover(self, workflow: str | None) -> str | None:
        """The run's writes were one transaction, rolled back whole; this double-checks that its
        workflow is absent (it cannot have existed before: runs refuse existing workflows)."""
        if workflow and self.workflows.get(workflow) is not None:
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
        """``glue_nb.client()`` and ``boto3.client("glue")`` mean this run's client meanwhile (a
        context variable: other threads, e.g. a server's other requests, are not affected)."""
        token = current_client.set(self.client)
        try:
            yield
        finally:
            current_client.reset(token)

    def _check_new(self, requests: dict) -> None:
        """The workflow is new; its jobs and crawlers belong to no other workflow."""
        wf = requests["Workflow"]
        name = check_name("Workflow", wf.get("Name"))
        if self.workflows.get(name) is not None:
            raise AlreadyExistsException(
                f"workflow {name!r} already exists; choose another workflow name or delete it first"
            )
        owners = _owners(Triggers(self.store).all())
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
            with self.store.transaction():
                requests = self._generate(package, BlueprintName, "preview", values)
                self._check_new(requests)
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
        row = self.runs.get(BlueprintName, RunId)
        if row is None:
            self._require(BlueprintName)
            raise EntityNotFoundException(
                f"blueprint run {RunId!r} of blueprint {BlueprintName!r} not found"
            )
        return {"BlueprintRun": _run_dict(row)}

    def get_blueprint_runs(
        self, BlueprintName: str, NextToken: str | None = None, MaxResults: int | None = None
    ) -> dict[str, Any]:
        """GetBlueprintRuns → newest first."""
        self._require(BlueprintName)
        rows = self.runs.of_blueprint(BlueprintName)
        page, token = paginate(rows, NextToken, MaxResults, 1000, "GetBlueprintRuns")
        return {
            "BlueprintRuns": [_run_dict(r) for r in page],
            **({"NextToken": token} if token else {}),
        }


def _owners(triggers: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """``(kind, name) -> workflow`` for every job and crawler some workflow's trigger uses."""
    owners: dict[tuple[str, str], str] = {}
    for body in triggers:
        workflow = body.get("WorkflowName")
        if not workflow:
            continue
        for ref in [*body.get("Actions", []), *(body.get("Predicate") or {}).get("Conditions", [])]:
            if ref.get("JobName"):
                owners[("job", ref["JobName"])] = workflow
            if ref.get("CrawlerName"):
                owners[("crawler", ref["CrawlerName"])] = workflow
    return owners


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
