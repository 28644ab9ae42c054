"""glue_nb.model and glue_nb.graph: validation of single definitions and the design graph.

No store and no kernels: every rule here is checked on plain dicts.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import JOB_NB, write_notebook

from glue_nb.exceptions import InvalidInputException
from glue_nb.graph import check_design, design_graph
from glue_nb.ids import node_id
from glue_nb.model import (
    DEFAULT_KERNEL,
    check_name,
    check_page,
    check_parameters,
    check_start_job_run,
    check_string_map,
    check_timeout,
    job_body,
    job_notebook,
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
        ("Timeout", 10081, "Timeout"),
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
            "BatchSize must be an integer from 1 to 100",
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


# -- one timeout rule: job definitions, trigger actions, StartJobRun ----------------------------
BAD_TIMEOUTS = ["0.02", "60", -1, 0, 0.0, -0.5, [1], {"minutes": 1}, None, True, False,
                float("nan"), float("inf"), 10081, 10**400]  # fmt: skip
GOOD_TIMEOUTS = [1, 60, 10080, 0.5, 0.02, 2880.0]


@pytest.mark.parametrize("bad", BAD_TIMEOUTS, ids=repr)
def test_check_timeout_refuses_what_is_not_minutes(bad: object) -> None:
    with pytest.raises(InvalidInputException, match=r"X: Timeout must be a number of minutes "
                       r"above 0 and at most 10080 \(7 days\).*got") as err:  # fmt: skip
        check_timeout("X: Timeout", bad)
    assert type(bad).__name__ in err.value.message  # names what it got


@pytest.mark.parametrize("good", GOOD_TIMEOUTS)
def test_check_timeout_accepts_minutes(good: float) -> None:
    assert check_timeout("X", good) == good
    assert type(check_timeout("X", good)) is type(good)


@pytest.mark.parametrize("bad", BAD_TIMEOUTS[:-1], ids=repr)
def test_every_timeout_follows_the_one_rule(bad: object) -> None:
    """A job's Timeout, a trigger action's Timeout and StartJobRun's Timeout are judged alike."""
    if bad is not None:  # None: "not given" in a definition (the default applies)
        with pytest.raises(InvalidInputException, match="Job 'j' Timeout must be a number"):
            job_body({"Name": "j", "Command": NB, "Timeout": bad})
        action = {"JobName": "b", "Timeout": bad}
        with pytest.raises(InvalidInputException, match="action 'b' Timeout must be a number"):
            trigger_body({"Name": "t", "Type": "ON_DEMAND", "Actions": [action]})
        with pytest.raises(InvalidInputException, match="StartJobRun of job 'j': Timeout"):
            check_start_job_run("j", None, bad)
    else:
        assert job_body({"Name": "j", "Command": NB, "Timeout": None})["Timeout"] == 2880
        assert check_start_job_run("j", None, None) == ("j", {}, None, None)


def test_start_job_run_request_is_checked_whole() -> None:
    assert check_start_job_run("j", {"--n": "2"}, 0.5, "jr_1") == ("j", {"--n": "2"}, 0.5, "jr_1")
    with pytest.raises(InvalidInputException, match="Job name must be"):
        check_start_job_run(None, None, None)
    with pytest.raises(InvalidInputException, match="StartJobRun of job 'j': Arguments: value"):
        check_start_job_run("j", {"--n": 2}, None)
    with pytest.raises(InvalidInputException, match="StartJobRun of job 'j': JobRunId"):
        check_start_job_run("j", None, None, ["jr_1"])


# -- arguments that cannot become notebook parameters -------------------------------------------
@pytest.mark.parametrize("key", ["--class", "--lambda", "--None", "--True", "import"])
def test_python_keyword_arguments_are_refused_naming_the_argument(key: str) -> None:
    word = key.removeprefix("--")
    expected = rf"'{key}' cannot become a notebook parameter, because '{word}' is a Python keyword"
    with pytest.raises(InvalidInputException, match=expected) as err:
        job_body({"Name": "j", "Command": NB, "DefaultArguments": {key: "x"}})
    assert f"'--{word}_'" in err.value.message  # what would be valid
    with pytest.raises(InvalidInputException, match="NonOverridableArguments: argument"):
        job_body({"Name": "j", "Command": NB, "NonOverridableArguments": {key: "x"}})
    with pytest.raises(InvalidInputException, match=rf"action 'b' Arguments: argument '{key}'"):
        trigger_body({"Name": "t", "Type": "ON_DEMAND",
                      "Actions": [{"JobName": "b", "Arguments": {key: "x"}}]})  # fmt: skip
    with pytest.raises(InvalidInputException, match=rf"StartJobRun of job 'j': Arguments: .*{key}"):
        check_start_job_run("j", {key: "x"}, None)


def test_soft_keywords_and_glue_special_arguments_are_kept() -> None:
    args = {"--match": "a", "--type": "b", "--_": "c", "--enable-metrics": "", "--class_": "d"}
    assert (
        job_body({"Name": "j", "Command": NB, "DefaultArguments": args})["DefaultArguments"] == args
    )
    etl = {"Name": "glueetl", "ScriptLocation": "s3://b/x.scala"}
    scala = job_body({"Name": "j", "Command": etl, "DefaultArguments": {"--class": "Main"}})
    assert scala["DefaultArguments"] == {"--class": "Main"}  # Glue's own --class, for Scala jobs


# -- wrong types that used to be stored ----------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("Description", 5, r"Job 'j' Description must be a string of at most 2,048 characters"),
        ("Description", "x" * 2049, "Description must be a string of at most 2,048"),
        ("Description", "bell\x07", "Description contains the control character U\\+0007"),
        ("JobRunQueuingEnabled", "yes", r"JobRunQueuingEnabled must be true or false .*'yes'"),
        ("JobRunQueuingEnabled", 1, "JobRunQueuingEnabled must be true or false"),
        (
            "Command",
            {"ScriptLocation": JOB_NB, "KernelName": 3},
            r"Command.KernelName must be the name of a Jupyter kernel .*got int 3",
        ),
        ("Command", {"ScriptLocation": JOB_NB, "KernelName": "py 3"}, "Command.KernelName"),
        ("Command", {"ScriptLocation": JOB_NB, "Kernel": "python3"}, r"unknown Command field"),
        ("MaxRetries", 11, "MaxRetries must be an integer from 0 to 10"),
        ("ExecutionProperty", 5, "ExecutionProperty must be a map"),
        ("ExecutionProperty", {"MaxConcurrentRun": 2}, r"unknown field\(s\) MaxConcurrentRun"),
        ("JobMode", "BATCH", "JobMode must be one of SCRIPT, VISUAL, NOTEBOOK"),
        ("Tags", {"k": 1}, "Tags: value of 'k' must be a string"),
        ("Tags", {f"k{i}": "v" for i in range(51)}, "at most 50 tags"),
        ("Role", 5, "Role must be a string"),
        ("MaxCapacity", float("nan"), "MaxCapacity must be a finite number"),
        ("NumberOfWorkers", "2", "NumberOfWorkers must be an integer"),
        ("ExecutionClass", "CHEAP", "ExecutionClass must be one of FLEX, STANDARD"),
        ("Connections", {"Connections": "db"}, r"Connections.Connections must be a list"),
        ("NotificationProperty", {"NotifyDelayAfter": 0}, "NotifyDelayAfter must be an integer"),
        ("SourceControlDetails", {"Owner": object()}, "SourceControlDetails.Owner must be JSON"),
        ("SecurityConfiguration", "", "SecurityConfiguration name must be a string of 1-255"),
    ],
)
def test_job_fields_of_the_wrong_type_are_refused(field: str, value: object, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match):
        job_body({"Name": "j", "Command": NB, field: value})


def test_glue_fields_of_the_right_type_are_kept() -> None:
    request = {
        "Name": "j", "Command": NB, "Description": "two\nlines\tand a tab", "Role": "arn:aws:x",
        "JobRunQueuingEnabled": True, "Tags": {"team": "data"}, "MaxCapacity": 0.0625,
        "NumberOfWorkers": 2, "WorkerType": "G.1X", "GlueVersion": "4.0",
        "ExecutionClass": "FLEX", "Connections": {"Connections": ["db"]},
        "NotificationProperty": {"NotifyDelayAfter": 5}, "SecurityConfiguration": "sec",
        "SourceControlDetails": {"Provider": "GITHUB", "Repository": "r", "Branch": "main"},
    }  # fmt: skip
    body = job_body(request)
    assert {k: body[k] for k in request if k != "Command"} == {
        k: v for k, v in request.items() if k != "Command"
    }


def test_trigger_start_on_creation_must_be_a_bool() -> None:
    request = conditional("t", [cond("a")], [{"JobName": "b"}])
    for bad in ("yes", 1, "false", [True]):
        with pytest.raises(InvalidInputException, match="Trigger 't' StartOnCreation must be "
                           "true or false"):  # fmt: skip
            trigger_body({**request, "StartOnCreation": bad})
    assert "StartOnCreation" not in trigger_body({**request, "StartOnCreation": True})


@pytest.mark.parametrize(
    ("actions", "match"),
    [
        (
            [{"JobName": "b"}, {"JobName": "b", "Arguments": {"--n": "2"}}],
            "job 'b' is in Actions twice",
        ),
        ([{"CrawlerName": "c"}, {"CrawlerName": "c"}], "crawler 'c' is in Actions twice"),
    ],
)
def test_the_same_job_twice_in_one_trigger_is_refused(actions: list, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match) as err:
        trigger_body({"Name": "t", "Type": "ON_DEMAND", "Actions": actions})
    assert "keep one action" in err.value.message
    # a job and a crawler of the same name are two different actions
    both = [{"JobName": "x"}, {"CrawlerName": "x"}]
    assert len(trigger_body({"Name": "t", "Type": "ON_DEMAND", "Actions": both})["Actions"]) == 2


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"Predicate": {"Conditions": [cond("a")], "Logic": "AND"}}, r"unknown Predicate field"),
        ({"Predicate": {"Conditions": [{**cond("a"), "state": "x"}]}}, "unknown condition field"),
        ({"Schedule": 5, "Type": "SCHEDULED", "Predicate": None}, "Schedule must be a cron"),
        ({"Description": ["x"]}, "Description must be a string"),
        ({"Actions": [{"JobName": "b", "NotificationProperty": 5}]}, "NotificationProperty must"),
        ({"Type": ["CONDITIONAL"]}, "Type must be one of"),
    ],
)
def test_trigger_parts_of_the_wrong_shape(part: dict, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match):
        trigger_body({**conditional("t", [cond("a")], [{"JobName": "b"}]), **part})


@pytest.mark.parametrize(
    ("token", "ok"),
    [(None, True), ("", True), ("3", True), (5, False), (-1, False), ("-1", False),
     ("1e3", False), (" 3", False), ("٣", False), ("9" * 5000, False), (["3"], False)],
)  # fmt: skip
def test_next_token_is_a_token_this_module_gave_out(token: object, ok: bool) -> None:
    if ok:
        assert check_page("ListJobs", token, 2, 1000) == (int(token or 0), 2)
    else:
        with pytest.raises(InvalidInputException, match="ListJobs: invalid NextToken"):
            check_page("ListJobs", token, None, 1000)


# -- text that cannot be stored ------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["a\udc80", "\ud800", "x\ufffe", "nul\x00", "del\x7f", "csi\x9b"])
def test_names_with_surrogates_or_control_characters(bad: str) -> None:
    with pytest.raises(InvalidInputException, match=r"Job name .* contains (a lone surrogate|the "
                       r"non-character|the control character) U\+"):  # fmt: skip
        check_name("Job", bad)


def test_names_may_hold_any_printable_unicode() -> None:
    for name in ("Fix/De-dupe ✓", "日本語の仕事", "emoji 🚀", "../../etc/passwd"):
        assert check_name("Job", name) == name


def test_maps_with_lone_surrogates_are_refused() -> None:
    with pytest.raises(InvalidInputException, match=r"RunProperties: value of 'k' .* surrogate"):
        check_string_map("RunProperties", {"k": "a\udc80"})
    with pytest.raises(InvalidInputException, match=r"RunProperties: key .* surrogate"):
        check_string_map("RunProperties", {"\udc80": "a"})


@pytest.mark.parametrize(
    ("location", "match"),
    [
        (JOB_NB + "\x00x", "contains the control character U\\+0000; no path can"),
        ("job\udc80.ipynb", "contains a lone surrogate U\\+DC80"),
        (5, r"Command.ScriptLocation must be the path or URL of an .ipynb"),
        ("x" * 400_001, r"at most 400,000 characters"),
        ("/" + "d/" * 3000 + "x.ipynb", r"does not exist \(File name too long\)"),
    ],
)
def test_script_locations_that_are_no_path(location: object, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match) as err:
        job_body({"Name": "j", "Command": {"ScriptLocation": location}})
    assert len(err.value.message) < 700  # a huge value is shown cut short


# -- which kernel runs a notebook ----------------------------------------------------------------
def v3_notebook(path: Path) -> Path:
    """An nbformat 3 notebook, as IPython 2 wrote them: no kernelspec, cells in worksheets."""
    from nbformat import v3

    cells = [v3.new_code_cell(input="n = 1", metadata={"tags": ["parameters"]}),
             v3.new_code_cell(input="print('n is', n)")]  # fmt: skip
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)], metadata={"name": ""})
    path.write_text(nbformat.writes(nb, version=3))
    return path


def test_an_nbformat_3_notebook_is_accepted(tmp_path: Path) -> None:
    path = v3_notebook(tmp_path / "old.ipynb")
    assert job_body({"Name": "j", "Command": {"ScriptLocation": str(path)}})
    nb = job_notebook(nbformat.read(str(path), as_version=4))
    assert isinstance(nb, nbformat.NotebookNode) and nb.nbformat == 4
    assert nb.metadata.kernelspec.name == DEFAULT_KERNEL == "python3"
    assert nb.metadata.kernelspec.language == "python"
    assert nb.cells[0].metadata.tags == ["parameters"]


def test_a_notebook_without_kernelspec_gets_the_default_or_the_named_kernel(
    tmp_path: Path,
) -> None:
    path = write_notebook(tmp_path / "bare.ipynb", ["x = 1"], kernelspec=False)
    assert job_body({"Name": "j", "Command": {"ScriptLocation": str(path)}})
    nb = nbformat.read(str(path), as_version=4)
    assert job_notebook(nb).metadata.kernelspec.name == "python3"
    # a kernel not installed here is left for the kernel start to report (and a pool to back
    # off from), as long as the notebook says its language ...
    nb = nbformat.read(str(path), as_version=4)
    assert dict(job_notebook(nb, "nope").metadata.kernelspec) == {
        "name": "nope", "display_name": "nope", "language": "python"
    }  # fmt: skip
    # ... else papermill could not write the parameters: the missing kernel is named now
    silent = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(InvalidInputException, match=r"no Jupyter kernel named 'nope' is "
                       r"installed here \(installed: .*python3"):  # fmt: skip
        job_notebook(silent, "nope")
    own = nbformat.read(JOB_NB, as_version=4)
    assert job_notebook(own).metadata.kernelspec == own.metadata.kernelspec  # left as it is


def test_a_notebook_in_another_language_must_name_its_kernel(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x <- 1")])
    nb.metadata["language_info"] = {"name": "R"}
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(InvalidInputException, match=r"Job 'j': notebook .*r.ipynb' is written in "
                       r"'R' but names no kernel .*set Command.KernelName"):  # fmt: skip
        job_body({"Name": "j", "Command": {"ScriptLocation": str(path)}})
    body = job_body({"Name": "j", "Command": {"ScriptLocation": str(path), "KernelName": "ir"}})
    assert body["Command"]["KernelName"] == "ir"


def test_a_file_that_is_not_json_is_not_quoted(tmp_path: Path) -> None:
    """nbformat's own message quotes the start of the file; a Glue endpoint would hand any
    readable file's first line to whoever asks for it as a ScriptLocation."""
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    with pytest.raises(InvalidInputException, match="not a valid notebook: it is not JSON") as err:
        job_body({"Name": "j", "Command": {"ScriptLocation": str(secret)}})
    assert "hunter2" not in err.value.message


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        ({"JobName": "a\udc80"}, r"GetJob: JobName: Job name .* lone surrogate"),
        ({"Name": ["wf"]}, r"GetJob: Name: Name name must be a string"),
        ({"RunId": 5}, r"GetJob: RunId must be a string of 1-255 characters, got int 5"),
        ({"JobRunIds": "jr_1"}, r"GetJob: JobRunIds must be a list, got str"),
        ({"JobRunIds": None}, r"GetJob: JobRunIds must be a list"),
        ({"NodeIds": ["n", 5]}, r"GetJob: NodeIds\[1\] must be a string"),
        ({"Names": ["ok", ""]}, r"GetJob: Names\[1\]: Name name must be a string of 1-255"),
        ({"IncludeGraph": "yes"}, r"GetJob: IncludeGraph must be true or false"),
        ({"NextToken": 5}, r"GetJob: NextToken must be a string"),
        ({"MaxResults": "10"}, r"GetJob: MaxResults must be an integer, got str '10'"),
    ],
)
def test_shared_parameters_are_checked_at_the_boundary(parameters: dict, match: str) -> None:
    with pytest.raises(InvalidInputException, match=match):
        check_parameters("GetJob", parameters)


def test_shared_parameters_that_are_fine() -> None:
    check_parameters("X", {"Name": "wf", "RunId": "wr_1", "NextToken": None, "MaxResults": 0,
                           "IncludeGraph": False, "Names": [], "Other": object()})  # fmt: skip
