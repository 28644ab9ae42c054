"""A sweep of hostile values over every create/update operation of the client and the fluent API.

Each case puts one hostile value (None, numbers, bools, NaN, lists, maps, huge strings, lone
surrogates, NUL and control characters, path traversal, bytes, objects) into one field of a valid
request. The operation must either accept it (and then read it back without error) or refuse it
with a Glue error (InvalidInputException, or another error Glue documents for the operation),
never a raw Python or sqlite3 error, and a refusal must write nothing: no commit to the store
(``PRAGMA data_version`` of a watching connection is unchanged) and no file in the home.

Fast and without kernels: one home for the module, job runs go to an executor that ends them
at once.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import sqlite3
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from conftest import JOB_NB

import glue_nb as gn
from glue_nb.client import GlueClient
from glue_nb.exceptions import (
    AlreadyExistsException,
    CrawlerNotRunningException,
    EntityNotFoundException,
    GlueNbError,
    IllegalWorkflowStateException,
    InvalidInputException,
)
from glue_nb.executors.instant import InstantExecutor

# -- hostile values -----------------------------------------------------------------------------
HOSTILE: dict[str, Any] = {
    "None": None,
    "0": 0,
    "-1": -1,
    "1.5": 1.5,
    "True": True,
    "False": False,
    "NaN": float("nan"),
    "inf": float("inf"),
    "10**30": 10**30,
    "[]": [],
    "['a']": ["a"],
    "{}": {},
    "{'a': 1}": {"a": 1},
    "{1: 2}": {1: 2},
    "''": "",
    "huge": "x" * 100_000,
    "surrogate": "a\udc80",
    "NUL": "a\x00b",
    "control": "a\x07\x1b[31mb",
    "newline": "a\nb",
    "traversal": "../../../../etc/passwd",
    "absolute": "/etc/passwd",
    "bytes": b"abc",
    "object": object(),
}
# more, for fields that hold a map of strings
MAP_HOSTILE: dict[str, Any] = {
    "{'k': None}": {"k": None},
    "{'k': 5}": {"k": 5},
    "{'k': surrogate}": {"k": "a\udc80"},
    "{surrogate: 'v'}": {"a\udc80": "v"},
    "{'': 'v'}": {"": "v"},
    "{'--class': 'v'}": {"--class": "v"},
    "{huge key}": {"k" * 300: "v"},
    "{'k': ['v']}": {"k": ["v"]},
}
# more, for fields that hold a list of maps
LIST_HOSTILE: dict[str, Any] = {
    "[None]": [None],
    "[5]": [5],
    "[{}]": [{}],
    "[{'x': 1}]": [{"x": 1}],
    "1000 items": [{"JobName": f"j{i}"} for i in range(1000)],
}

_names = itertools.count()


def uniq(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


# -- the module's home --------------------------------------------------------------------------
@dataclass
class World:
    home: Path
    client: GlueClient
    data: Path
    blueprint: Path
    run_id: str


def write_blueprint(folder: Path) -> Path:
    folder.mkdir(parents=True)
    cfg = {"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {}}
    (folder / "blueprint.cfg").write_text(json.dumps(cfg))
    (folder / "layout.py").write_text(
        textwrap.dedent("""\
        from glue_nb.blueprint.workflow import Workflow, Entities
        def generate_layout(user_params, system_params):
            return Workflow(Name="bp-wf", Entities=Entities(Jobs=[], Crawlers=[]))
        """)
    )
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("sweep")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("GLUE_NB_JOB_CONTEXT", "GLUE_NB_HOME", "GLUE_NB_OUTPUT_ROOT"):
            mp.delenv(var, raising=False)
        c = gn.client(root / "home").nb  # glue-nb's API: Glue's operations, Role optional
        data = root / "data"
        (data / "sales").mkdir(parents=True)
        (data / "sales" / "a.csv").write_text("id,amount\n1,2.5\n")
        for job in ("j", "k", "upd-job"):
            c.create_job(Name=job, Command={"ScriptLocation": JOB_NB},
                         ExecutionProperty={"MaxConcurrentRuns": 1000})  # fmt: skip
        c.create_workflow(Name="wf")
        c.create_trigger(Name="wf-start", WorkflowName="wf", Type="ON_DEMAND",
                         Actions=[{"JobName": "j"}])  # fmt: skip
        c.create_workflow(Name="upd-wf")
        c.create_trigger(Name="upd-trig", Type="ON_DEMAND", Actions=[{"JobName": "k"}])
        c.create_workflow(Name="ev")
        c.create_trigger(Name="ev-start", WorkflowName="ev", Type="EVENT",
                         EventBatchingCondition={"BatchSize": 100, "BatchWindow": 900},
                         Actions=[{"JobName": "j"}])  # fmt: skip
        c.create_database(DatabaseInput={"Name": "db"})
        c.create_crawler(Name="upd-crawler", Targets={"S3Targets": [{"Path": str(data)}]},
                         DatabaseName="db")  # fmt: skip
        blueprint = write_blueprint(root / "bp")
        c.create_blueprint(Name="upd-bp", BlueprintLocation=str(blueprint))
        run_id = c.start_workflow_run(Name="wf", Executor=InstantExecutor())["RunId"]
        world = World(root / "home", c, data, blueprint, run_id)
        settle_run(world, run_id)
        yield world


def settle_run(w: World, run_id: str) -> None:
    """Wait until a run's driver (a thread of this process) has written its last row, so that
    no commit of it falls into the next request's watch."""
    driver = w.client.engine.driver(run_id)
    if driver is not None:
        assert driver.finished.wait(60), f"run {run_id} still driven after 60 s"


class Watch:
    """What a refused request must leave unchanged: commits to the store, files in the home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.conn = sqlite3.connect(f"file:{home / 'glue_nb.sqlite'}?mode=ro", uri=True)

    def commits(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def files(self) -> dict[str, int]:
        out = {}
        for folder, _, names in os.walk(self.home):
            for name in names:
                if not name.startswith("glue_nb.sqlite"):
                    path = os.path.join(folder, name)
                    out[os.path.relpath(path, self.home)] = os.path.getsize(path)
        return out

    def mark(self) -> tuple[int, dict[str, int]]:
        return self.commits(), self.files()


# -- operations ---------------------------------------------------------------------------------
FieldPath = tuple[Any, ...]


@dataclass
class Op:
    """One operation: a valid request, how to call it, the fields to sweep, the Glue errors it
    may raise besides InvalidInputException, and how to read an accepted request back."""

    name: str
    base: Callable[[World], dict[str, Any]]
    call: Callable[[World, dict[str, Any]], Any]
    fields: list[FieldPath]
    errors: tuple[type[GlueNbError], ...] = ()
    read_back: Callable[[World, dict[str, Any]], Any] | None = None
    settle: Callable[[World, Any], Any] | None = None  # waits for what an accepted call started
    must_accept: bool = True  # the base request succeeds (reads may name what is not there)


def job_request(w: World) -> dict[str, Any]:
    return {
        "Name": uniq("job"),
        "Description": "a job",
        "Role": "arn:aws:iam::1:role/x",
        "Command": {"Name": "notebook", "ScriptLocation": JOB_NB, "KernelName": "python3"},
        "DefaultArguments": {"--n": "1"},
        "NonOverridableArguments": {"--label": "x"},
        "MaxRetries": 1,
        "Timeout": 60,
        "ExecutionProperty": {"MaxConcurrentRuns": 2},
        "JobRunQueuingEnabled": False,
        "Tags": {"team": "data"},
        "JobMode": "NOTEBOOK",
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
        "MaxCapacity": 1.0,
        "GlueVersion": "4.0",
        "Connections": {"Connections": ["db"]},
        "NotificationProperty": {"NotifyDelayAfter": 5},
        "SecurityConfiguration": "sec",
        "SourceControlDetails": {"Provider": "GITHUB", "Repository": "r"},
    }


JOB_FIELDS: list[FieldPath] = [
    ("Name",), ("Description",), ("Role",), ("Command",), ("Command", "Name"),
    ("Command", "ScriptLocation"), ("Command", "KernelName"), ("DefaultArguments",),
    ("NonOverridableArguments",), ("MaxRetries",), ("Timeout",), ("ExecutionProperty",),
    ("ExecutionProperty", "MaxConcurrentRuns"), ("JobRunQueuingEnabled",), ("Tags",),
    ("JobMode",), ("WorkerType",), ("NumberOfWorkers",), ("MaxCapacity",), ("GlueVersion",),
    ("Connections",), ("NotificationProperty",), ("SecurityConfiguration",),
    ("SourceControlDetails",), ("Bogus",),
]  # fmt: skip


def conditional_trigger(w: World) -> dict[str, Any]:
    return {
        "Name": uniq("trig"),
        "Type": "CONDITIONAL",
        "Predicate": {
            "Logical": "AND",
            "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "j", "State": "SUCCEEDED"}],
        },
        "Actions": [
            {
                "JobName": "k",
                "Arguments": {"--n": "2"},
                "Timeout": 5,
                "NotificationProperty": {"NotifyDelayAfter": 1},
            }
        ],
        "Description": "when j succeeded",
        "StartOnCreation": True,
        "Tags": {"team": "data"},
    }


def scheduled_trigger(w: World) -> dict[str, Any]:
    return {
        "Name": uniq("sched"),
        "Type": "SCHEDULED",
        "Schedule": "cron(0 6 * * ? *)",
        "Actions": [{"JobName": "k"}],
        "StartOnCreation": False,
    }


def event_trigger(w: World) -> dict[str, Any]:
    name = uniq("evwf")
    w.client.create_workflow(Name=name)
    return {
        "Name": uniq("evtrig"),
        "WorkflowName": name,
        "Type": "EVENT",
        "EventBatchingCondition": {"BatchSize": 5, "BatchWindow": 60},
        "Actions": [{"JobName": "k"}],
    }


def crawler_request(w: World) -> dict[str, Any]:
    return {
        "Name": uniq("crawler"),
        "Targets": {"S3Targets": [{"Path": str(w.data), "Exclusions": ["**.tmp"]}]},
        "DatabaseName": "db",
        "Role": "arn:aws:iam::1:role/x",
        "Description": "a crawler",
        "TablePrefix": "t_",
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
        "Configuration": '{"Version": 1.0}',
        "Classifiers": [],
        "Tags": {"team": "data"},
    }


CRAWLER_FIELDS: list[FieldPath] = [
    ("Name",), ("Targets",), ("Targets", "S3Targets"), ("Targets", "S3Targets", 0, "Path"),
    ("Targets", "S3Targets", 0, "Exclusions"), ("DatabaseName",), ("Role",), ("Description",),
    ("TablePrefix",), ("SchemaChangePolicy",), ("RecrawlPolicy",), ("Configuration",),
    ("Classifiers",), ("Tags",),
]  # fmt: skip


def table_input(w: World) -> dict[str, Any]:
    return {
        "Name": uniq("table"),
        "Description": "a table",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv"},
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}],
            "Location": str(w.data / "sales"),
        },
        "PartitionKeys": [{"Name": "period", "Type": "string"}],
    }


TABLE_FIELDS: list[FieldPath] = [
    ("Name",), ("Description",), ("TableType",), ("Parameters",), ("StorageDescriptor",),
    ("StorageDescriptor", "Columns"), ("StorageDescriptor", "Columns", 0, "Name"),
    ("StorageDescriptor", "Columns", 0, "Type"), ("StorageDescriptor", "Location"),
    ("PartitionKeys",), ("PartitionKeys", 0, "Name"),
]  # fmt: skip


def job_of(w: World, request: dict[str, Any]) -> Any:
    return w.client.get_job(JobName=request["Name"])


def ops() -> list[Op]:
    instant = InstantExecutor()
    nf = (EntityNotFoundException,)
    return [
        # -- workflows, jobs, triggers ---------------------------------------------------------
        Op(
            "create_workflow",
            lambda w: {"Name": uniq("wf"), "Description": "d", "MaxConcurrentRuns": 2,
                       "DefaultRunProperties": {"period": "2026-10"}, "Tags": {"t": "v"}},
            lambda w, r: w.client.create_workflow(**r),
            [("Name",), ("Description",), ("DefaultRunProperties",), ("MaxConcurrentRuns",),
             ("Tags",), ("Bogus",)],
            read_back=lambda w, r: w.client.get_workflow(Name=r["Name"], IncludeGraph=True),
        ),
        Op(
            "update_workflow",
            lambda w: {"Name": "upd-wf", "Description": "d", "MaxConcurrentRuns": 2,
                       "DefaultRunProperties": {"period": "2026-10"}},
            lambda w, r: w.client.update_workflow(**r),
            [("Name",), ("Description",), ("DefaultRunProperties",), ("MaxConcurrentRuns",),
             ("Bogus",)],
            nf,
            lambda w, r: w.client.get_workflow(Name=r["Name"]),
        ),
        Op("create_job", job_request, lambda w, r: w.client.create_job(**r), JOB_FIELDS,
           read_back=job_of),
        Op(
            "update_job",
            lambda w: {"JobName": "upd-job", "JobUpdate": {  # Glue's JobUpdate: no Tags
                k: v for k, v in job_request(w).items() if k not in ("Name", "Tags")}},
            lambda w, r: w.client.update_job(**r),
            [("JobName",), ("JobUpdate",),
             *[("JobUpdate", *p) for p in JOB_FIELDS if p[0] not in ("Name", "Tags")]],
            nf,
            lambda w, r: w.client.get_job(JobName=r["JobName"]),
        ),
        Op(
            "create_trigger (CONDITIONAL)",
            conditional_trigger,
            lambda w, r: w.client.create_trigger(**r),
            [("Name",), ("WorkflowName",), ("Type",), ("Predicate",), ("Predicate", "Logical"),
             ("Predicate", "Conditions"), ("Predicate", "Conditions", 0, "JobName"),
             ("Predicate", "Conditions", 0, "State"),
             ("Predicate", "Conditions", 0, "LogicalOperator"), ("Actions",),
             ("Actions", 0, "JobName"), ("Actions", 0, "Arguments"), ("Actions", 0, "Timeout"),
             ("Actions", 0, "NotificationProperty"), ("Actions", 0, "SecurityConfiguration"),
             ("Description",), ("StartOnCreation",), ("Tags",), ("Bogus",)],
            nf,
            lambda w, r: w.client.get_trigger(Name=r["Name"]),
        ),
        Op(
            "create_trigger (SCHEDULED)",
            scheduled_trigger,
            lambda w, r: w.client.create_trigger(**r),
            [("Schedule",), ("StartOnCreation",)],
            nf,
            lambda w, r: w.client.get_trigger(Name=r["Name"]),
        ),
        Op(
            "create_trigger (EVENT)",
            event_trigger,
            lambda w, r: w.client.create_trigger(**r),
            [("EventBatchingCondition",), ("EventBatchingCondition", "BatchSize"),
             ("EventBatchingCondition", "BatchWindow")],
            nf,
            lambda w, r: w.client.get_trigger(Name=r["Name"]),
        ),
        Op(
            "update_trigger",
            lambda w: {"Name": "upd-trig", "TriggerUpdate": {
                "Description": "d", "Actions": [{"JobName": "k", "Timeout": 5}]}},
            lambda w, r: w.client.update_trigger(**r),
            [("Name",), ("TriggerUpdate",), ("TriggerUpdate", "Description"),
             ("TriggerUpdate", "Actions"), ("TriggerUpdate", "Actions", 0, "Timeout"),
             ("TriggerUpdate", "Actions", 0, "Arguments"), ("TriggerUpdate", "Schedule"),
             ("TriggerUpdate", "Predicate"), ("TriggerUpdate", "Type")],
            nf,
            lambda w, r: w.client.get_trigger(Name=r["Name"]),
        ),
        # -- runs ------------------------------------------------------------------------------
        Op(
            "start_job_run",
            lambda w: {"JobName": "j", "Arguments": {"--n": "3"}, "Timeout": 5},
            lambda w, r: w.client.start_job_run(**r, Executor=instant),
            [("JobName",), ("Arguments",), ("Timeout",), ("JobRunId",)],
            nf,
            settle=lambda w, result: w.client.engine.wait(result["JobRunId"], 30),
        ),
        Op(
            "start_workflow_run",
            lambda w: {"Name": "wf", "RunProperties": {"period": "2026-11"}},
            lambda w, r: w.client.start_workflow_run(**r, Executor=instant),
            [("Name",), ("RunProperties",)],
            nf,
            settle=lambda w, result: settle_run(w, result["RunId"]),
        ),
        Op(
            "put_workflow_run_properties",
            lambda w: {"Name": "wf", "RunId": w.run_id, "RunProperties": {"seen": "yes"}},
            lambda w, r: w.client.put_workflow_run_properties(**r),
            [("Name",), ("RunId",), ("RunProperties",)],
            nf,
            lambda w, r: w.client.get_workflow_run_properties(Name="wf", RunId=w.run_id),
        ),
        Op(
            "notify_event",
            lambda w: {"WorkflowName": "ev", "Detail": {"file": "a.csv"}, "EventId": uniq("e"),
                       "Source": "test", "DetailType": "upload"},
            lambda w, r: w.client.notify_event(**r),
            [("WorkflowName",), ("Detail",), ("EventId",), ("Source",), ("DetailType",)],
            nf,
            lambda w, r: w.client.get_workflow_events(WorkflowName="ev"),
        ),
        # -- crawlers, catalog, blueprints -----------------------------------------------------
        Op(
            "create_crawler",
            crawler_request,
            lambda w, r: w.client.create_crawler(**r),
            CRAWLER_FIELDS,
            nf,
            lambda w, r: w.client.get_crawler(Name=r["Name"]),
        ),
        Op(
            "update_crawler",
            lambda w: {  # Glue's UpdateCrawler: no Tags
                k: v for k, v in {**crawler_request(w), "Name": "upd-crawler"}.items()
                if k != "Tags"},
            lambda w, r: w.client.update_crawler(**r),
            [f for f in CRAWLER_FIELDS if f != ("Tags",)],
            nf,
            lambda w, r: w.client.get_crawler(Name=r["Name"]),
        ),
        Op(
            "create_database",
            lambda w: {"DatabaseInput": {"Name": uniq("db"), "Description": "d",
                                         "LocationUri": str(w.data), "Parameters": {"a": "b"}}},
            lambda w, r: w.client.create_database(**r),
            [("DatabaseInput",), ("DatabaseInput", "Name"), ("DatabaseInput", "Description"),
             ("DatabaseInput", "LocationUri"), ("DatabaseInput", "Parameters")],
            read_back=lambda w, r: w.client.get_database(Name=r["DatabaseInput"]["Name"]),
        ),
        Op(
            "update_database",
            lambda w: {"Name": "db", "DatabaseInput": {"Name": "db", "Description": "d"}},
            lambda w, r: w.client.update_database(**r),
            [("Name",), ("DatabaseInput",), ("DatabaseInput", "Description")],
            nf,
        ),
        Op(
            "create_table",
            lambda w: {"DatabaseName": "db", "TableInput": table_input(w)},
            lambda w, r: w.client.create_table(**r),
            [("DatabaseName",), ("TableInput",), *[("TableInput", *p) for p in TABLE_FIELDS]],
            nf,
        ),
        Op(
            "create_blueprint",
            lambda w: {"Name": uniq("bp"), "BlueprintLocation": str(w.blueprint),
                       "Description": "d", "Tags": {"t": "v"}},
            lambda w, r: w.client.create_blueprint(**r),
            [("Name",), ("BlueprintLocation",), ("Description",), ("Tags",)],
            read_back=lambda w, r: w.client.get_blueprint(Name=r["Name"]),
        ),
        Op(
            "update_blueprint",
            lambda w: {"Name": "upd-bp", "BlueprintLocation": str(w.blueprint),
                       "Description": "d"},
            lambda w, r: w.client.update_blueprint(**r),
            [("Name",), ("BlueprintLocation",), ("Description",)],
            nf,
        ),
        # -- paging ----------------------------------------------------------------------------
        *[
            Op(
                f"{name} paging",
                lambda w, extra=extra: {"MaxResults": 2, **extra},
                lambda w, r, name=name: getattr(w.client, name)(**r),
                [("NextToken",), ("MaxResults",)],
                nf,
            )
            for name, extra in [
                ("list_workflows", {}), ("list_jobs", {}), ("get_jobs", {}),
                ("get_triggers", {}), ("list_triggers", {}), ("list_crawlers", {}),
                ("get_workflow_runs", {"Name": "wf"}), ("get_job_runs", {"JobName": "j"}),
                ("get_workflow_events", {"WorkflowName": "ev"}),
                ("get_crawlers", {}), ("list_crawls", {"CrawlerName": "upd-crawler"}),
                ("get_databases", {}), ("get_tables", {"DatabaseName": "db"}),
            ]
        ],
        # -- reading, deleting, starting and stopping: names and ids ----------------------------
        *[
            Op(
                f"{name} ({', '.join(fields)})",
                lambda w, base=base: {k: w.run_id if v == "RUN" else v for k, v in base.items()},
                lambda w, r, name=name: getattr(w.client, name)(**r),
                [(f,) for f in fields],
                (EntityNotFoundException, IllegalWorkflowStateException,
                 CrawlerNotRunningException),
                must_accept=False,
            )
            for name, base, fields in [
                ("get_workflow", {"Name": "wf", "IncludeGraph": True}, ["Name", "IncludeGraph"]),
                ("delete_workflow", {"Name": "gone"}, ["Name"]),
                ("batch_get_workflows", {"Names": ["wf"]}, ["Names"]),
                ("get_workflow_run", {"Name": "wf", "RunId": "RUN"}, ["Name", "RunId"]),
                ("get_workflow_runs", {"Name": "wf"}, ["Name"]),
                ("get_workflow_run_properties", {"Name": "wf", "RunId": "RUN"}, ["RunId"]),
                ("stop_workflow_run", {"Name": "wf", "RunId": "RUN"}, ["Name", "RunId"]),
                ("resume_workflow_run", {"Name": "wf", "RunId": "RUN", "NodeIds": ["n"]},
                 ["Name", "RunId", "NodeIds"]),
                ("get_job", {"JobName": "j"}, ["JobName"]),
                ("delete_job", {"JobName": "gone"}, ["JobName"]),
                ("get_job_runs", {"JobName": "j"}, ["JobName"]),
                ("get_job_run", {"JobName": "j", "RunId": "jr_x", "PredecessorsIncluded": True},
                 ["JobName", "RunId", "PredecessorsIncluded"]),
                ("batch_stop_job_run", {"JobName": "j", "JobRunIds": ["jr_x"]},
                 ["JobName", "JobRunIds"]),
                ("get_trigger", {"Name": "wf-start"}, ["Name"]),
                ("delete_trigger", {"Name": "gone"}, ["Name"]),
                ("stop_trigger", {"Name": "upd-trig"}, ["Name"]),
                ("get_triggers", {"DependentJobName": "j"}, ["DependentJobName"]),
                ("get_crawler", {"Name": "upd-crawler"}, ["Name"]),
                ("stop_crawler", {"Name": "upd-crawler"}, ["Name"]),
                ("list_crawls", {"CrawlerName": "upd-crawler"}, ["CrawlerName"]),
                ("get_database", {"Name": "db"}, ["Name"]),
                ("get_tables", {"DatabaseName": "db"}, ["DatabaseName"]),
                ("get_table", {"DatabaseName": "db", "Name": "t"}, ["DatabaseName", "Name"]),
                ("get_blueprint", {"Name": "upd-bp"}, ["Name"]),
                ("delete_blueprint", {"Name": "gone"}, ["Name"]),
                ("get_workflow_events", {"WorkflowName": "ev", "Pending": True},
                 ["WorkflowName", "Pending"]),
            ]
        ],
        # -- the fluent API --------------------------------------------------------------------
        Op(
            "NotebookJob",
            lambda w: {"name": uniq("fjob"), "notebook": JOB_NB, "parameters": {"n": 1},
                       "description": "d", "max_retries": 1, "timeout": 5,
                       "max_concurrent_runs": 2, "queue_runs": True, "kernel_name": "python3"},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).run(gn.NotebookJob(**r)).deploy(),
            [("name",), ("notebook",), ("parameters",), ("description",), ("max_retries",),
             ("timeout",), ("max_concurrent_runs",), ("queue_runs",), ("kernel_name",)],
            read_back=lambda w, r: w.client.get_job(JobName=r["name"]),
        ),
        Op(
            "Workflow",
            lambda w: {"name": uniq("fwf"), "description": "d", "max_concurrent_runs": 2,
                       "default_run_properties": {"a": "b"}},
            lambda w, r: gn.Workflow(**r, home=w.home).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB)).deploy(),
            [("name",), ("description",), ("max_concurrent_runs",),
             ("default_run_properties",)],
            read_back=lambda w, r: gn.Workflow.load(r["name"], home=w.home),
        ),
        Op(
            "Workflow.run",
            lambda w: {"arguments": {"n": 1}, "timeout": 5},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB), **r).deploy(),
            [("arguments",), ("timeout",)],
        ),
        Op(
            "NotebookJob.with_arguments",
            lambda w: {"timeout": 5, "n": 1},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB).with_arguments(**r)).deploy(),
            [("timeout",), ("n",)],
        ),
        Op(
            "Workflow.on_schedule",
            lambda w: {"name": uniq("fsched"), "schedule": "cron(0 6 * * ? *)", "active": True},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).on_schedule(**r).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB)).deploy(),
            [("name",), ("schedule",), ("active",)],
        ),
        Op(
            "Workflow.on_event",
            lambda w: {"name": uniq("fev"), "batch_size": 2, "batch_window": 60},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).on_event(**r).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB)).deploy(),
            [("name",), ("batch_size",), ("batch_window",)],
        ),
        Op(
            "Workflow.when",
            lambda w: {"name": uniq("fwhen"), "state": "SUCCEEDED", "logical": "ANY",
                       "node": "a"},
            lambda w, r: when(w, r),
            [("name",), ("state",), ("logical",), ("node",)],
        ),
        Op(
            "Crawler",
            lambda w: {"name": uniq("fcrawler"), "targets": [str(w.data)], "database": "db",
                       "table_prefix": "t_", "description": "d",
                       "schema_change_policy": {"UpdateBehavior": "LOG"},
                       "recrawl_policy": "CRAWL_EVERYTHING", "configuration": {"Version": 1.0}},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).run(gn.Crawler(**r)).deploy(),
            [("name",), ("targets",), ("targets", 0), ("database",), ("table_prefix",),
             ("description",), ("schema_change_policy",), ("recrawl_policy",),
             ("configuration",)],
            read_back=lambda w, r: w.client.get_crawler(Name=r["name"]),
        ),
        Op(
            "Workflow.start",
            lambda w: {"run_properties": {"a": "b"}},
            lambda w, r: gn.Workflow(uniq("fwf"), home=w.home).run(
                gn.NotebookJob(uniq("fjob"), JOB_NB)).start(**r, executor=instant),
            [("run_properties",)],
            settle=lambda w, run: settle_run(w, run.run_id),
        ),
        Op(
            "Workflow.load",
            lambda w: {"name": "wf"},
            lambda w, r: gn.Workflow.load(r["name"], home=w.home),
            [("name",)],
            nf,
        ),
    ]  # fmt: skip


def when(w: World, r: dict[str, Any]) -> Any:
    a, b = gn.NotebookJob("a", JOB_NB), gn.NotebookJob(uniq("fjob"), JOB_NB)
    wf = gn.Workflow(uniq("fwf"), home=w.home).run(a)
    return wf.when(r["name"], [(r["node"], r["state"])], logical=r["logical"]).run(b).deploy()


OPS = {op.name: op for op in ops()}

KNOWN: dict[tuple[str, FieldPath], str] = {}  # cases found and not fixed yet: none
CASES = [
    pytest.param(
        op.name,
        path,
        id=f"{op.name}-{'.'.join(map(str, path))}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN[op.name, path])]
        if (op.name, path) in KNOWN
        else [],
    )
    for op in OPS.values()
    for path in op.fields
]


def put(request: dict[str, Any], path: FieldPath, value: Any) -> dict[str, Any]:
    """A copy of ``request`` with ``value`` at ``path``."""
    out = copy.deepcopy(request)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def values_for(request: dict[str, Any], path: FieldPath) -> dict[str, Any]:
    target: Any = request
    for key in path:
        try:
            target = target[key]
        except (KeyError, IndexError):
            target = None
            break
    values = dict(HOSTILE)
    if isinstance(target, Mapping):
        values.update(MAP_HOSTILE)
    if isinstance(target, list):
        values.update(LIST_HOSTILE)
    return values


def attempt(w: World, op: Op, request: dict[str, Any]) -> tuple[str, str]:
    """``("accepted" | "refused" | "raw", detail)``; a refusal that wrote something is raw."""
    watch = Watch(w.home)
    before = watch.mark()
    try:
        result = op.call(w, request)
    except (InvalidInputException, AlreadyExistsException, ParamValidationError,
            *op.errors) as exc:  # fmt: skip
        message = getattr(exc, "message", None) or str(exc)  # botocore's: no .message
        after = watch.mark()
        if after != before:
            changed = "the store" if after[0] != before[0] else "files in the home"
            return (
                "raw",
                f"refused ({type(exc).__name__}: {message[:120]}) but {changed} changed",
            )
        if not message:
            return "raw", f"{type(exc).__name__} without a message"
        return "refused", message
    except Exception as exc:
        return "raw", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        watch.conn.close()
    if op.settle is not None:
        op.settle(w, result)
    if op.read_back is not None:
        try:
            op.read_back(w, request)
        except Exception as exc:
            return "raw", f"accepted, then reading it back raised {type(exc).__name__}: {exc}"
    return "accepted", ""


def test_the_watch_sees_writes_and_only_writes(world: World) -> None:
    watch = Watch(world.home)
    before = watch.mark()
    world.client.get_workflow(Name="wf", IncludeGraph=True)
    assert watch.mark() == before
    world.client.create_workflow(Name=uniq("watched"))
    assert watch.mark()[0] != before[0]
    watch.conn.close()


def test_every_baseline_request_is_accepted(world: World) -> None:
    """The sweep means something only if the valid request it starts from is accepted."""
    for op in OPS.values():
        outcome, detail = attempt(world, op, op.base(world))
        assert outcome == "accepted" or (outcome == "refused" and not op.must_accept), (
            f"{op.name}: {outcome}: {detail}"
        )


@pytest.mark.parametrize(("op_name", "path"), CASES)
def test_hostile_values_are_accepted_or_refused_cleanly(
    world: World, op_name: str, path: FieldPath
) -> None:
    op = OPS[op_name]
    base = op.base(world)
    problems, refused = [], 0
    for label, value in values_for(base, path).items():
        outcome, detail = attempt(world, op, put(op.base(world), path, value))
        if outcome == "raw":
            problems.append(f"{label}: {detail}")
        refused += outcome == "refused"
    assert not problems, f"{op_name} {'.'.join(map(str, path))}:\n" + "\n".join(problems)
    assert refused, f"{op_name} {path}: no hostile value was refused (is the field checked?)"
