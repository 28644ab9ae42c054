"""glue_nb.definitions: stored workflows, jobs and triggers, and the rules spanning entities.

Every rejected request must raise the right Glue exception naming the entity, and leave the
store exactly as it was (checked row by row). No kernels.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import JOB_NB, job_request, snapshot, write_notebook

from glue_nb.definitions import Definitions, paginate
from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    GlueNbError,
    InternalServiceException,
    InvalidInputException,
)
from glue_nb.store import Store


def cond(job: str, state: str = "SUCCEEDED") -> dict:
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def conditional(name: str, conditions: list, actions: list, workflow: str = "w", **kw) -> dict:
    return {
        "Name": name,
        "WorkflowName": workflow,
        "Type": "CONDITIONAL",
        "Predicate": {"Conditions": conditions, **kw},
        "Actions": actions,
    }


@pytest.fixture
def defs(tmp_path: Path) -> Definitions:
    """Workflow ``w``: start -> a; t1: a SUCCEEDED -> b. Jobs a, b, c (c unused)."""
    d = Definitions(Store(tmp_path / "home"))
    d.create_workflow({"Name": "w", "DefaultRunProperties": {"period": "2026-10"}})
    for name in ("a", "b", "c"):
        d.create_job(job_request(name))
    d.create_trigger(
        {"Name": "start", "WorkflowName": "w", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}]}
    )
    d.create_trigger(
        {**conditional("t1", [cond("a")], [{"JobName": "b"}]), "StartOnCreation": True}
    )
    return d


def home_of(d: Definitions) -> Path:
    return d.store.home


# -- happy paths --------------------------------------------------------------------------------
def test_round_trip(defs: Definitions) -> None:
    wf = defs.workflow("w")
    assert wf["DefaultRunProperties"] == {"period": "2026-10"}
    assert wf["CreatedOn"].tzinfo is not None and wf["LastModifiedOn"] >= wf["CreatedOn"]
    assert defs.workflow_names() == ["w"]
    assert defs.job_names() == ["a", "b", "c"]
    assert defs.job("a")["Command"]["ScriptLocation"] == JOB_NB
    assert defs.trigger("start")["State"] == "CREATED"  # ON_DEMAND is never activated
    assert defs.trigger("t1")["State"] == "ACTIVATED"  # StartOnCreation
    assert [t["Name"] for t in defs.workflow_triggers("w")] == ["start", "t1"]
    assert [t["Name"] for t in defs.triggers(dependent_job="b")] == ["t1"]
    graph = defs.graph("w")
    assert sorted(n.name for n in graph.nodes.values()) == ["a", "b", "start", "t1"]


def test_update_workflow_merges_and_clears_limit(defs: Definitions) -> None:
    defs.update_workflow({"Name": "w", "MaxConcurrentRuns": 2, "Description": "d"})
    assert defs.workflow("w")["MaxConcurrentRuns"] == 2
    assert defs.workflow("w")["DefaultRunProperties"] == {"period": "2026-10"}
    defs.update_workflow({"Name": "w", "MaxConcurrentRuns": None})
    assert "MaxConcurrentRuns" not in defs.workflow("w")
    assert defs.workflow("w")["Description"] == "d"


def test_update_job_replaces_definition(defs: Definitions) -> None:
    created = defs.job("a")["CreatedOn"]
    defs.update_job("a", {"Command": {"ScriptLocation": JOB_NB}, "MaxRetries": 2})
    job = defs.job("a")
    assert job["MaxRetries"] == 2 and job["CreatedOn"] == created
    assert job["DefaultArguments"] == {}


def test_update_trigger_keeps_state(defs: Definitions) -> None:
    out = defs.update_trigger("t1", {"Actions": [{"JobName": "c"}]})
    assert out["State"] == "ACTIVATED"
    assert defs.trigger("t1")["Actions"] == [{"JobName": "c", "Arguments": {}}]


def test_delete_workflow_keeps_jobs_and_absent_is_fine(defs: Definitions) -> None:
    defs.delete_workflow("w")
    assert defs.workflow_names() == [] and defs.job_names() == ["a", "b", "c"]
    assert defs.triggers() == []
    before = snapshot(home_of(defs))
    defs.delete_workflow("w")  # deleting what does not exist is not an error
    defs.delete_job("nope")
    defs.delete_trigger("nope")
    assert snapshot(home_of(defs)) == before


def test_paginate() -> None:
    items = list(range(7))
    page, token = paginate(items, None, 3, 25, "X")
    assert page == [0, 1, 2] and token
    page, token = paginate(items, token, 3, 25, "X")
    assert page == [3, 4, 5] and token
    page, token = paginate(items, token, 3, 25, "X")
    assert page == [6] and token is None
    assert paginate(items, None, None, 25, "X") == (items, None)
    for bad in (0, 26, True):
        with pytest.raises(InvalidInputException, match="X: MaxResults must be 1-25"):
            paginate(items, None, bad, 25, "X")
    with pytest.raises(InvalidInputException, match="invalid NextToken"):
        paginate(items, "garbage", 3, 25, "X")


# -- bad input: right error, message naming the entity, nothing written -------------------------
BAD: list[tuple[str, Any, type[GlueNbError], str]] = [
    ("duplicate workflow", lambda d: d.create_workflow({"Name": "w"}), AlreadyExistsException,
     "workflow 'w' already exists"),
    ("duplicate job", lambda d: d.create_job(job_request("a")), AlreadyExistsException,
     "job 'a' already exists"),
    ("duplicate trigger",
     lambda d: d.create_trigger(conditional("t1", [cond("b")], [{"JobName": "c"}])),
     AlreadyExistsException, "trigger 't1' already exists"),
    ("unknown job in action",
     lambda d: d.create_trigger(conditional("t2", [cond("b")], [{"JobName": "ghost"}])),
     EntityNotFoundException, "Trigger 't2' names job 'ghost'"),
    ("unknown job in condition",
     lambda d: d.create_trigger(conditional("t2", [cond("ghost")], [{"JobName": "c"}])),
     EntityNotFoundException, "names job 'ghost'"),
    ("unknown crawler",
     lambda d: d.create_trigger(conditional("t2", [cond("b")], [{"CrawlerName": "crawly"}])),
     EntityNotFoundException, "names crawler 'crawly'"),
    ("unknown workflow",
     lambda d: d.create_trigger(conditional("t2", [cond("b")], [{"JobName": "c"}], "nowhere")),
     EntityNotFoundException, "names workflow 'nowhere'"),
    ("conditional trigger without conditions",
     lambda d: d.create_trigger(conditional("t2", [], [{"JobName": "c"}])),
     InvalidInputException, "Trigger 't2': a CONDITIONAL trigger needs Predicate.Conditions"),
    ("condition with JobName and CrawlerName",
     lambda d: d.create_trigger(conditional(
         "t2", [{"JobName": "b", "CrawlerName": "x", "State": "SUCCEEDED"}], [{"JobName": "c"}])),
     InvalidInputException, "both JobName 'b' and CrawlerName 'x'"),
    ("crawler condition using State",
     lambda d: d.create_trigger(conditional(
         "t2", [{"CrawlerName": "x", "State": "SUCCEEDED"}], [{"JobName": "c"}])),
     InvalidInputException, "crawler 'x' uses State"),
    ("job both predicate and action",
     lambda d: d.create_trigger(conditional("t2", [cond("b")], [{"JobName": "b"}])),
     InvalidInputException, "job 'b' cannot be both"),
    ("cycle",
     lambda d: d.create_trigger(conditional("t2", [cond("b")], [{"JobName": "a"}])),
     InvalidInputException, "Workflow 'w' would contain a cycle"),
    ("cycle by update",
     lambda d: d.update_trigger("t1", {"Predicate": {"Conditions": [cond("b")]},
                                       "Actions": [{"JobName": "b"}]}),
     InvalidInputException, "job 'b' cannot be both"),
    ("second start trigger",
     lambda d: d.create_trigger({"Name": "again", "WorkflowName": "w", "Type": "ON_DEMAND",
                                 "Actions": [{"JobName": "c"}]}),
     InvalidInputException, "Workflow 'w' would have 2 start triggers"),
    ("second start trigger (scheduled)",
     lambda d: d.create_trigger({"Name": "nightly", "WorkflowName": "w", "Type": "SCHEDULED",
                                 "Schedule": "cron(0 6 * * ? *)", "Actions": [{"JobName": "c"}]}),
     InvalidInputException, "start triggers"),
    ("invalid cron",
     lambda d: d.create_trigger({"Name": "nightly", "Type": "SCHEDULED",
                                 "Schedule": "cron(0 6 * * * *)", "Actions": [{"JobName": "c"}]}),
     InvalidInputException, "Trigger 'nightly': Invalid schedule expression"),
    ("trigger type change",
     lambda d: d.update_trigger("t1", {"Type": "ON_DEMAND"}),
     InvalidInputException, "Trigger 't1': Type cannot be changed"),
    ("missing notebook",
     lambda d: d.create_job(job_request("new", "/nonexistent/x.ipynb")),
     InvalidInputException, "Job 'new': notebook '/nonexistent/x.ipynb' does not exist"),
    ("non-string default run property",
     lambda d: d.create_workflow({"Name": "w2", "DefaultRunProperties": {"rows": 3}}),
     InvalidInputException, "Workflow 'w2' DefaultRunProperties: value of 'rows'"),
    ("non-string run property on update",
     lambda d: d.update_workflow({"Name": "w", "DefaultRunProperties": {"rows": 3.5}}),
     InvalidInputException, "value of 'rows'"),
    ("unknown workflow on update",
     lambda d: d.update_workflow({"Name": "nope"}),
     EntityNotFoundException, "workflow 'nope' not found (known: 'w')"),
    ("unknown job on update",
     lambda d: d.update_job("nope", {"Command": {"ScriptLocation": JOB_NB}}),
     EntityNotFoundException, "job 'nope' not found"),
    ("unknown trigger on update",
     lambda d: d.update_trigger("nope", {"Description": "x"}),
     EntityNotFoundException, "trigger 'nope' not found"),
    ("unknown workflow on get", lambda d: d.workflow("nope"), EntityNotFoundException,
     "workflow 'nope' not found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [(op, err, msg) for _, op, err, msg in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_input_writes_nothing(
    defs: Definitions, operation: Any, error: type[GlueNbError], message: str
) -> None:
    before = snapshot(home_of(defs))
    with pytest.raises(error) as err:
        operation(defs)
    assert message in err.value.message
    assert err.value.response["Error"]["Code"] == error.__name__
    assert snapshot(home_of(defs)) == before


def test_invalid_notebook_files_at_create_job(defs: Definitions, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.ipynb"
    garbage.write_bytes(b"\x00\x01 not a notebook")
    schema = tmp_path / "schema.ipynb"
    schema.write_text('{"cells": [{"cell_type": "bogus", "source": "", "metadata": {}}], '
                      '"metadata": {}, "nbformat": 4, "nbformat_minor": 4}')  # fmt: skip
    folder = tmp_path / "folder.ipynb"
    folder.mkdir()
    before = snapshot(home_of(defs))
    for path in (garbage, schema, folder):
        with pytest.raises(InvalidInputException, match=f"Job 'new'.*{path.name}"):
            defs.create_job(job_request("new", str(path)))
    assert snapshot(home_of(defs)) == before


# -- whole workflows (what the fluent API writes) -----------------------------------------------
def test_apply_creates_and_replaces(defs: Definitions, tmp_path: Path) -> None:
    nb = str(write_notebook(tmp_path / "other.ipynb", ["x = 1"]))
    graph = defs.apply(
        {"Name": "w", "DefaultRunProperties": {"period": "2026-11"}},
        jobs=[job_request("a", nb), job_request("d")],
        triggers=[
            {"Name": "start", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}]},
            {"Name": "t3", "Type": "CONDITIONAL", "Predicate": {"Conditions": [cond("a")]},
             "Actions": [{"JobName": "d"}]},
        ],
    )  # fmt: skip
    assert sorted(n.name for n in graph.nodes.values()) == ["a", "d", "start", "t3"]
    assert defs.workflow("w")["DefaultRunProperties"] == {"period": "2026-11"}
    assert defs.job("a")["Command"]["ScriptLocation"] == nb  # upserted
    assert [t["Name"] for t in defs.workflow_triggers("w")] == ["start", "t3"]  # t1 gone
    assert defs.trigger("t3")["State"] == "ACTIVATED"  # conditional: active by default
    assert defs.trigger("t3")["WorkflowName"] == "w"
    with pytest.raises(EntityNotFoundException):
        defs.trigger("t1")


APPLY_BAD: list[tuple[str, dict, type[GlueNbError], str]] = [
    ("duplicate job names",
     {"jobs": [job_request("x"), job_request("x")],
      "triggers": [{"Name": "s", "Type": "ON_DEMAND", "Actions": [{"JobName": "x"}]}]},
     InvalidInputException, "job name 'x' is used more than once"),
    ("unknown job",
     {"triggers": [{"Name": "s", "Type": "ON_DEMAND", "Actions": [{"JobName": "ghost"}]}]},
     EntityNotFoundException, "names job 'ghost'"),
    ("cycle",
     {"jobs": [job_request("x"), job_request("y")],
      "triggers": [
          {"Name": "s", "Type": "ON_DEMAND", "Actions": [{"JobName": "x"}]},
          {"Name": "xy", "Type": "CONDITIONAL", "Predicate": {"Conditions": [cond("x")]},
           "Actions": [{"JobName": "y"}]},
          {"Name": "yx", "Type": "CONDITIONAL", "Predicate": {"Conditions": [cond("y")]},
           "Actions": [{"JobName": "x"}]}]},
     InvalidInputException, "cycle"),
    ("two start triggers",
     {"triggers": [{"Name": "s1", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}]},
                   {"Name": "s2", "Type": "ON_DEMAND", "Actions": [{"JobName": "b"}]}]},
     InvalidInputException, "2 start triggers"),
    ("trigger name of another workflow",
     {"triggers": [{"Name": "t1", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}]}]},
     AlreadyExistsException, "trigger 't1' already exists in workflow 'w'"),
    ("trigger of another workflow",
     {"triggers": [{"Name": "s", "WorkflowName": "w", "Type": "ON_DEMAND",
                    "Actions": [{"JobName": "a"}]}]},
     InvalidInputException, "belongs to workflow 'w', not 'w2'"),
    ("missing notebook",
     {"jobs": [job_request("x", "/nonexistent.ipynb")],
      "triggers": [{"Name": "s", "Type": "ON_DEMAND", "Actions": [{"JobName": "x"}]}]},
     InvalidInputException, "Job 'x': notebook"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parts", "error", "message"),
    [(p, e, m) for _, p, e, m in APPLY_BAD],
    ids=[case[0] for case in APPLY_BAD],
)
def test_apply_bad_input_writes_nothing(
    defs: Definitions, parts: dict, error: type[GlueNbError], message: str
) -> None:
    before = snapshot(home_of(defs))
    with pytest.raises(error, match=message):
        defs.apply({"Name": "w2"}, **parts)
    assert snapshot(home_of(defs)) == before


def test_store_newer_than_code_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "h")
    version = store.schema_version
    assert version >= 1
    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute(f"PRAGMA user_version = {version + 1}")
    conn.close()
    with pytest.raises(InternalServiceException, match="newer than this glue-nb"):
        Store(tmp_path / "h")


def test_an_older_store_is_migrated(tmp_path: Path) -> None:
    """A store written by an older release (schema version 1) opens and keeps its data."""
    from importlib import resources

    from glue_nb.store import db as store_module

    home = tmp_path / "old"
    home.mkdir()
    conn = sqlite3.connect(home / "glue_nb.sqlite")
    for name in store_module.MIGRATIONS[0]:
        sql = resources.files("glue_nb.store").joinpath(name).read_text("utf-8")
        for statement in store_module._statements(sql):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO workflows(name, body, created_on, last_modified_on) VALUES (?,?,?,?)",
        ("kept", '{"Name": "kept", "DefaultRunProperties": {}}', 1.0, 1.0),
    )
    conn.execute(  # a finished run: its fired triggers were a JSON column then
        "INSERT INTO workflow_runs(run_id, workflow_name, status, started_on, run_properties, "
        "design, fired_triggers) VALUES ('wr_old', 'kept', 'COMPLETED', 1.0, '{}', "
        '\'{"triggers": []}\', \'{"start": 1.5, "then": 2.5}\')'
    )
    conn.commit()
    conn.close()
    store = Store(home)
    assert store.schema_version == store_module.SCHEMA_VERSION
    assert Definitions(store).workflow("kept")["Name"] == "kept"
    from glue_nb.store.ledger import Ledger

    assert Ledger(store).runs.fired("wr_old") == {"start": 1.5, "then": 2.5}
