"""glue_nb.model and glue_nb.graph: validation of single definitions and the design graph.

No store and no kernels: every rule here is checked on plain dicts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import JOB_NB, write_notebook

from glue_nb.exceptions import InvalidInputException
from glue_nb.graph import check_design, design_graph
from glue_nb.ids import node_id
from glue_nb.model import (
    check_name,
    check_string_map,
    job_body,
    parameter_name,
    trigger_body,
    workflow_body,
)

NB = {"Name": "notebook", "ScriptLocation": JOB_NB}


def cond(job: str, state: str = "SUCCEEDED") -> dict:
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def conditional(name: str, conditions: list, actions: list, **extra) -> dict:
    return {
        "Name": name,
        "Type": "CONDITIONAL",
        "Predicate": {"Conditions": conditions, **extra},
        "Actions": actions,
    }


# -- names and maps -----------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["", "x" * 256, None, 3, "tab\there"])
def test_check_name_rejects(bad: object) -> None:
    with pytest.raises(InvalidInputException, match="Job name"):
        check_name("Job", bad)


def test_check_name_accepts_glue_names_with_spaces_and_slashes() -> None:
    assert check_name("Trigger", "Fix/De-dupe succeeded") == "Fix/De-dupe succeeded"
    assert check_name("Job", "x" * 255) == "x" * 255


def test_string_map_names_the_key_and_value() -> None:
    assert check_string_map("RunProperties", None) == {}
    assert check_string_map("RunProperties", {"a": "1"}) == {"a": "1"}
    with pytest.raises(InvalidInputException, match=r"RunProperties: value of 'rows' .*int 12"):
        check_string_map("RunProperties", {"rows": 12})
    with pytest.raises(InvalidInputException, match="map of strings"):
        check_string_map("RunProperties", ["a"])
    with pytest.raises(InvalidInputException, match="key"):
        check_string_map("RunProperties", {"": "x"})


def test_parameter_name_strips_glue_dashes() -> None:
    assert parameter_name("--period") == "period"
    assert parameter_name("period") == "period"
    assert parameter_name("--enable-metrics") == "enable-metrics"


# -- jobs ---------------------------------------------------------------------------------------
def test_job_body_defaults() -> None:
    body = job_body({"Name": "j", "Command": NB})
    assert body["Command"] == {"Name": "notebook", "ScriptLocation": JOB_NB}
    assert body["JobMode"] == "NOTEBOOK"
    assert body["MaxRetries"] == 0
    assert body["Timeout"] == 2880
    assert body["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert body["JobRunQueuingEnabled"] is False
    assert body["DefaultArguments"] == {} and body["NonOverridableArguments"] == {}
    assert "Role" not in body  # Role is accepted and optional
    assert job_body({"Name": "j", "Command": NB, "Role": "arn:x"})["Role"] == "arn:x"


def test_job_relative_notebook_resolves_against_base_dir(tmp_path: Path) -> None:
    write_notebook(tmp_path / "sub" / "a.ipynb", ["x = 1"])
    body = job_body({"Name": "j", "Command": {"ScriptLocation": "sub/a.ipynb"}}, base_dir=tmp_path)
    assert body["Command"]["ScriptLocation"] == str(tmp_path / "sub" / "a.ipynb")
    assert body["Command"]["Name"] == "notebook"


def test_job_url_notebook_is_kept_unchecked() -> None:
    url = "s3://bucket/jobs/clean.ipynb"
    body = job_body({"Name": "j", "Command": {"ScriptLocation": url}})
    assert body["Command"]["ScriptLocation"] == url


def test_job_missing_notebook(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ipynb"
    with pytest.raises(InvalidInputException, match=r"Job 'j': notebook .*nope.ipynb.* not exist"):
        job_body({"Name": "j", "Command": {"ScriptLocation": str(missing)}})


def test_job_notebook_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "dir.ipynb").mkdir()
    with pytest.raises(InvalidInputException, match=r"dir\.ipynb"):
        job_body({"Name": "j", "Command": {"ScriptLocation": str(tmp_path / "dir.ipynb")}})


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\xff\xfe not json at all", "not a valid notebook"),
        (b'{"cells": "nope", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "not a valid"),
        (
            b'{"cells": [{"cell_type": "bogus", "source": "x", "metadata": {}}], '
            b'"metadata": {}, "nbformat": 4, "nbformat_minor": 4}',
            "not valid nbformat",
        ),
        (
            b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 4, "extra": 1}',
            "not valid nbformat",
        ),
    ],
)
def test_job_invalid_notebook(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(InvalidInputException, match=match) as err:
        job_body({"Name": "broken", "Command": {"ScriptLocation": str(path)}})
    assert "'broken'" in err.value.message and "bad.ipynb" in err.value.message


def test_a_notebook_is_checked_again_once_it_changes(tmp_path: Path) -> None:
    """Validation is remembered per file version: an edit that breaks the notebook is caught."""
    path = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    request = {"Name": "j", "Command": {"ScriptLocation": str(path)}}
    job_body(request)
    job_body({**request, "Name": "k"})  # the same version: not read again, still fine
    path.write_bytes(b'{"cells": "broken", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(InvalidInputException, match="not a valid notebook"):
        job_body(request)
    write_notebook(path, ["x = 2"])
    assert job_body(request)["Command"]["ScriptLocation"] == str(path)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("Command", None, "Command must be a map with ScriptLocation"),
        ("Command", {"Name": "spark", "ScriptLocation": JOB_NB}, "Command.Name 'spark'"),
        ("MaxRetries", -1, "MaxRetries"),
        ("MaxRetries", True, "MaxRetries"),
        ("Timeout", 0, "Timeout"),
        ("Timeout", True, "Timeout"),
        ("Timeout", 10080, "Timeout"),
        ("ExecutionProperty", {"MaxConcurrentRuns": 0}, "MaxConcurrentRuns"),
        ("DefaultArguments", {"--n": 3}, "DefaultArguments: value of '--n'"),
        ("NonOverridableArguments", {"--n": None}, "NonOverridableArguments"),
        ("Bogus", 1, r"unknown parameter\(s\) Bogus"),
    ],
)
def test_job_body_rejects(field: str, value: object, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match) as err:
        job_body({"Name": "j", "Command": NB, field: value})
    assert "'j'" in err.value.message


def test_job_fractional_timeout_and_glue_commands() -> None:
    assert job_body({"Name": "j", "Command": NB, "Timeout": 0.05})["Timeout"] == 0.05
    etl = job_body({"Name": "j", "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}})
    assert etl["Command"]["Name"] == "glueetl"  # stored; refused when a run starts


# -- triggers -----------------------------------------------------------------------------------
def test_conditional_trigger_defaults_to_and() -> None:
    body = trigger_body(conditional("t", [cond("a")], [{"JobName": "b"}]))
    assert body["Predicate"]["Logical"] == "AND"
    assert body["Actions"] == [{"JobName": "b", "Arguments": {}}]
    any_ = trigger_body(conditional("t", [cond("a"), cond("c")], [{"JobName": "b"}], Logical="ANY"))
    assert any_["Predicate"]["Logical"] == "ANY"


@pytest.mark.parametrize("state", ["SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT"])
def test_watchable_job_states(state: str) -> None:
    body = trigger_body(conditional("t", [cond("a", state)], [{"JobName": "b"}]))
    assert body["Predicate"]["Conditions"][0]["State"] == state


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        ({"Name": "t", "Type": "CONDITIONAL", "Actions": [{"JobName": "b"}]}, "needs Predicate"),
        (conditional("t", [], [{"JobName": "b"}]), "needs Predicate.Conditions"),
        (
            conditional(
                "t",
                [{"JobName": "a", "CrawlerName": "c", "State": "SUCCEEDED"}],
                [{"JobName": "b"}],
            ),
            "both JobName 'a' and CrawlerName 'c'",
        ),
        (
            conditional("t", [{"CrawlerName": "c", "State": "SUCCEEDED"}], [{"JobName": "b"}]),
            "crawler 'c' uses State; crawler conditions use CrawlState",
        ),
        (
            conditional("t", [{"JobName": "a", "CrawlState": "SUCCEEDED"}], [{"JobName": "b"}]),
            "job 'a' uses CrawlState",
        ),
        (conditional("t", [cond("a", "RUNNING")], [{"JobName": "b"}]), "State 'RUNNING'"),
        (conditional("t", [cond("a")], [{"JobName": "a"}]), "job 'a' cannot be both"),
        (conditional("t", [cond("a")], [{"JobName": "b"}], Logical="OR"), "AND or ANY"),
        (
            conditional("t", [{**cond("a"), "LogicalOperator": "NOT"}], [{"JobName": "b"}]),
            "LogicalOperator must be EQUALS",
        ),
        (conditional("t", [cond("a")], []), "Actions must be a non-empty list"),
        (
            conditional("t", [cond("a")], [{"JobName": "b", "CrawlerName": "c"}]),
            "exactly one of JobName or CrawlerName",
        ),
        (
            conditional("t", [cond("a")], [{"JobName": f"j{i}"} for i in range(51)]),
            "at most 50 jobs",
        ),
        ({"Name": "t", "Type": "NIGHTLY", "Actions": [{"JobName": "b"}]}, "Type must be one of"),
        ({"Name": "t", "Type": "SCHEDULED", "Actions": [{"JobName": "b"}]}, "needs Schedule"),
        (
            {"Name": "t", "Type": "ON_DEMAND", "Schedule": "cron(0 6 * * ? *)", "Actions": []},
            "Schedule is only allowed on SCHEDULED",
        ),
        (
            {
                "Name": "t",
                "Type": "ON_DEMAND",
                "StartOnCreation": True,
                "Actions": [{"JobName": "b"}],
            },
            "StartOnCreation cannot be true for an ON_DEMAND",
        ),
        (
            {
                "Name": "t",
                "Type": "EVENT",
                "Actions": [{"JobName": "b"}],
                "EventBatchingCondition": {"BatchSize": 0},
            },
            "BatchSize must be 1-100",
        ),
        (
            {"Name": "t", "Type": "ON_DEMAND", "Actions": [{"JobName": "b", "Timeout": 0}]},
            "Timeout",
        ),
    ],
)
def test_trigger_body_rejects(request_: dict, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match) as err:
        trigger_body(request_)
    assert "'t'" in err.value.message  # the message names the trigger


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ("cron(61 6 1 * ? *)", "Minutes"),
        ("cron(0 25 * * ? *)", "Hours"),
        ("cron(0 6 32 * ? *)", "Day-of-month"),
        ("cron(0 6 1 13 ? *)", "Month"),
        ("cron(0 6 1 * *)", "Year"),
        ("cron(0 6 1 * MON *)", "Day-of-week"),
        ("every day at six", "cron"),
    ],
)
def test_invalid_cron_names_the_field(schedule: str, field: str) -> None:
    request = {"Name": "nightly", "Type": "SCHEDULED", "Schedule": schedule}
    with pytest.raises(InvalidInputException, match=field) as err:
        trigger_body({**request, "Actions": [{"JobName": "b"}]})
    assert "'nightly'" in err.value.message
    assert trigger_body({**request, "Schedule": "cron(0 6 1 * ? *)", "Actions": [{"JobName": "b"}]})


def test_action_fractional_timeout_and_arguments() -> None:
    body = trigger_body(
        {
            "Name": "t",
            "Type": "ON_DEMAND",
            "Actions": [{"JobName": "b", "Arguments": {"--n": "2"}, "Timeout": 0.1}],
        }
    )
    assert body["Actions"] == [{"JobName": "b", "Arguments": {"--n": "2"}, "Timeout": 0.1}]
    with pytest.raises(InvalidInputException, match="action 'b' Arguments: value of '--n'"):
        trigger_body({"Name": "t", "Type": "ON_DEMAND",
                      "Actions": [{"JobName": "b", "Arguments": {"--n": 2}}]})  # fmt: skip


# -- workflows ----------------------------------------------------------------------------------
def test_workflow_body() -> None:
    body = workflow_body({"Name": "w", "DefaultRunProperties": {"period": "2026-10"}})
    assert body == {"Name": "w", "DefaultRunProperties": {"period": "2026-10"}}
    assert workflow_body({"Name": "w", "MaxConcurrentRuns": 2})["MaxConcurrentRuns"] == 2
    with pytest.raises(InvalidInputException, match="'w' DefaultRunProperties: value of 'n'"):
        workflow_body({"Name": "w", "DefaultRunProperties": {"n": 1}})
    for bad in (0, -1, True, "2"):
        with pytest.raises(InvalidInputException, match="MaxConcurrentRuns"):
            workflow_body({"Name": "w", "MaxConcurrentRuns": bad})
    with pytest.raises(InvalidInputException, match="Description"):
        workflow_body({"Name": "w", "Description": "x" * 120001})


# -- the design graph ---------------------------------------------------------------------------
def month_close_triggers() -> list[dict]:
    return [
        {
            "Name": "Month-close1",
            "Type": "SCHEDULED",
            "Schedule": "cron(0 6 1 * ? *)",
            "Actions": [{"JobName": "De-duplicate"}, {"JobName": "Fix phone numbers"}],
        },
        conditional(
            "Fix/De-dupe succeeded",
            [cond("De-duplicate"), cond("Fix phone numbers")],
            [{"JobName": "Report"}],
            Logical="AND",
        ),
    ]


def test_design_graph_nodes_and_edges() -> None:
    graph = design_graph("month-close", month_close_triggers())
    names = {(n.type, n.name) for n in graph.nodes.values()}
    assert names == {
        ("TRIGGER", "Month-close1"),
        ("TRIGGER", "Fix/De-dupe succeeded"),
        ("JOB", "De-duplicate"),
        ("JOB", "Fix phone numbers"),
        ("JOB", "Report"),
    }
    by = {n.name: uid for uid, n in graph.nodes.items()}
    assert sorted(graph.edges) == sorted(
        [
            (by["Month-close1"], by["De-duplicate"]),
            (by["Month-close1"], by["Fix phone numbers"]),
            (by["De-duplicate"], by["Fix/De-dupe succeeded"]),
            (by["Fix phone numbers"], by["Fix/De-dupe succeeded"]),
            (by["Fix/De-dupe succeeded"], by["Report"]),
        ]
    )
    assert graph.start_trigger["Name"] == "Month-close1"
    assert graph.downstream([by["Fix phone numbers"]]) == {
        by["Fix/De-dupe succeeded"],
        by["Report"],
    }
    assert graph.find_cycle() is None
    check_design(graph)
    glue = graph.to_glue()
    assert {n["Type"] for n in glue["Nodes"]} == {"TRIGGER", "JOB"}
    assert len(glue["Edges"]) == 5
    trig = next(n for n in glue["Nodes"] if n["Name"] == "Month-close1")
    assert trig["TriggerDetails"]["Trigger"]["Schedule"] == "cron(0 6 1 * ? *)"


def test_node_ids_are_stable_glue_ids() -> None:
    uid = node_id("month-close", "JOB", "Report")
    assert re.fullmatch(r"wnode_[0-9a-f]{64}", uid)
    assert uid == node_id("month-close", "JOB", "Report")
    assert uid != node_id("other", "JOB", "Report")
    assert uid != node_id("month-close", "CRAWLER", "Report")
    graph = design_graph("month-close", month_close_triggers())
    assert graph.id_of("JOB", "Report") == uid and uid in graph.nodes


def test_check_design_second_start_trigger() -> None:
    triggers = [
        *month_close_triggers(),
        {"Name": "Again", "Type": "ON_DEMAND", "Actions": [{"JobName": "Report"}]},
    ]
    with pytest.raises(InvalidInputException, match=r"2 start triggers .*'Again'.*'Month-close1'"):
        check_design(design_graph("month-close", triggers))


def test_check_design_cycle() -> None:
    triggers = [
        {"Name": "go", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}]},
        conditional("a-ok", [cond("a")], [{"JobName": "b"}]),
        conditional("b-ok", [cond("b")], [{"JobName": "c"}]),
        conditional("c-ok", [cond("c")], [{"JobName": "a"}]),
    ]
    with pytest.raises(InvalidInputException, match=r"cycle: .*a.*b.*c") as err:
        check_design(design_graph("loop", triggers))
    assert "'loop'" in err.value.message


def test_cycle_search_is_iterative_for_long_chains() -> None:
    n = 3000
    triggers = [{"Name": "go", "Type": "ON_DEMAND", "Actions": [{"JobName": "j0"}]}]
    triggers += [
        conditional(f"t{i}", [cond(f"j{i}")], [{"JobName": f"j{i + 1}"}]) for i in range(n)
    ]
    graph = design_graph("chain", triggers)
    assert graph.find_cycle() is None  # no RecursionError
    triggers.append(conditional("back", [cond(f"j{n}")], [{"JobName": "j0"}]))
    assert design_graph("chain", triggers).find_cycle() is not None
