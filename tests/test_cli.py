"""The ``glue-nb`` command: ``event`` (post an event) and ``next`` (fire times), run in-process
through :func:`glue_nb.cli.entry` (the console script: Glue errors exit 2 with their message),
plus one run of the installed script itself."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import JOB_NB

import glue_nb
from glue_nb import cli
from glue_nb.client import GlueClient
from glue_nb.executors.instant import InstantExecutor
from glue_nb.scheduler import Scheduler

DAILY = "cron(0 10 * * ? *)"


@pytest.fixture
def c(tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> GlueClient:
    for var in ("GLUE_NB_SCHEDULER_CLOCK_SPEEDUP", "GLUE_NB_SCHEDULER_CLOCK_ORIGIN"):
        monkeypatch.delenv(var, raising=False)
    client = glue_nb.client(tmp_path / "home").nb
    client.create_job(Name="job", Command={"Name": "notebook", "ScriptLocation": JOB_NB})
    client.create_workflow(Name="ev")
    client.create_trigger(Name="ev-start", WorkflowName="ev", Type="EVENT",
                          EventBatchingCondition={"BatchSize": 2, "BatchWindow": 60},
                          Actions=[{"JobName": "job"}])  # fmt: skip
    client.create_workflow(Name="wf")
    client.create_trigger(Name="wf-start", WorkflowName="wf", Type="SCHEDULED", Schedule=DAILY,
                          StartOnCreation=True, Actions=[{"JobName": "job"}])  # fmt: skip
    client.create_trigger(Name="solo", Type="SCHEDULED", Schedule="cron(30 3 * * ? *)",
                          StartOnCreation=True, Actions=[{"JobName": "job"}])  # fmt: skip
    return client


Command = Callable[..., tuple[int, str, str]]


@pytest.fixture
def glue_nb_cmd(
    c: GlueClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Command:
    """Run ``glue-nb ARGS --home HOME`` in this process → (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["glue-nb", *args, "--home", str(c.home)])
        code = 0
        try:
            cli.entry()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_event_posts_an_event_and_says_whether_it_was_a_duplicate(
    c: GlueClient, glue_nb_cmd: Command
) -> None:
    code, out, _ = glue_nb_cmd(
        "event", "ev", "--detail", '{"file": "a.csv"}', "--id", "e-1",
        "--source", "my.app", "--detail-type", "Object Created",
    )  # fmt: skip
    assert code == 0
    assert "Posted event e-1 to ev (duplicate: no)" in out
    assert "No scheduler is running" in out
    code, out, _ = glue_nb_cmd("event", "ev", "--id", "e-1", "--detail", '{"file": "b.csv"}')
    assert code == 0
    assert "Event e-1 was already posted to ev (duplicate: not stored again)" in out
    code, out, _ = glue_nb_cmd("event", "ev")  # no id: a new UUID, no detail: {}
    assert code == 0
    [first, second] = c.get_workflow_events(WorkflowName="ev")["Events"]
    assert (first["EventId"], first["Detail"], first["Source"], first["DetailType"]) == (
        "e-1", {"file": "a.csv"}, "my.app", "Object Created",
    )  # fmt: skip
    assert f"Posted event {second['EventId']} to ev" in out
    assert second["Detail"] == {} and len(second["EventId"]) == 36
    # the two events make one batch (BatchSize 2) for a scheduler
    [firing] = Scheduler(c, executor=InstantExecutor()).tick(time.time())
    assert firing.event_ids == ["e-1", second["EventId"]]
    [wf_run] = c.get_workflow_runs(Name="ev")["Runs"]
    assert json.loads(wf_run["WorkflowRunProperties"]["aws:eventIds"]) == firing.event_ids


def test_event_refuses_bad_input_with_a_clear_message(c: GlueClient, glue_nb_cmd: Command) -> None:
    code, _, err = glue_nb_cmd("event", "nope")
    assert code == 2
    assert "workflow 'nope' not found" in err
    assert "workflows with an EVENT start trigger: 'ev'" in err
    code, _, err = glue_nb_cmd("event", "wf")
    assert code == 2
    assert "workflow 'wf' has a SCHEDULED start trigger ('wf-start')" in err
    assert "Type EVENT" in err
    code, _, err = glue_nb_cmd("event", "ev", "--detail", "{not json")
    assert code == 2
    assert "Invalid value for --detail: not valid JSON" in err
    code, _, err = glue_nb_cmd("event", "ev", "--detail", "[1, 2]")
    assert code == 2
    assert "--detail: must be a JSON object" in err and "got list" in err
    code, _, err = glue_nb_cmd("event")
    assert code == 2 and "Missing argument 'WORKFLOW'" in err
    assert c.get_workflow_events(WorkflowName="ev")["Events"] == []


def test_next_shows_fire_times_of_a_workflow_or_a_standalone_trigger(
    c: GlueClient, glue_nb_cmd: Command
) -> None:
    code, out, _ = glue_nb_cmd("next", "solo", "-n", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "solo (no workflow): cron(30 3 * * ? *) (ACTIVATED)"
    assert len(lines) == 3 and all(" 03:30 UTC " in line for line in lines[1:])
    code, out, _ = glue_nb_cmd("next", "wf", "-n", "1")
    assert code == 0
    assert out.splitlines()[0] == "wf-start (workflow wf): cron(0 10 * * ? *) (ACTIVATED)"
    code, out, _ = glue_nb_cmd("next", "wf-start", "--trigger", "-n", "1")
    assert code == 0 and " 10:00 UTC " in out
    code, _, err = glue_nb_cmd("next", "zzz")
    assert code == 1
    assert "no workflow or trigger named 'zzz'" in err
    assert "workflows: ev, wf" in err and "SCHEDULED triggers: solo, wf-start" in err
    code, _, err = glue_nb_cmd("next", "ev")
    assert code == 2 and "workflow 'ev' has an EVENT start trigger" in err
    code, _, err = glue_nb_cmd("next", "ev-start", "--trigger")
    assert code == 2 and "trigger 'ev-start' has Type EVENT, not SCHEDULED" in err


def test_the_installed_command_posts_events_and_fails_on_bad_json(c: GlueClient) -> None:
    script = Path(sys.executable).with_name("glue-nb")
    ok = subprocess.run(
        [str(script), "event", "ev", "--home", str(c.home), "--id", "from-shell"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "Posted event from-shell to ev" in ok.stdout
    bad = subprocess.run(
        [str(script), "event", "ev", "--home", str(c.home), "--detail", "{"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "not valid JSON" in bad.stderr
    assert [e["EventId"] for e in c.get_workflow_events(WorkflowName="ev")["Events"]] == [
        "from-shell"
    ]


def test_run_names_a_missing_file_a_notebook_or_a_syntax_error(
    glue_nb_cmd: Command, tmp_path: Path
) -> None:
    code, _, err = glue_nb_cmd("run", str(tmp_path / "nothere.py"))
    assert code == 1 and "nothere.py: no such file" in err
    code, _, err = glue_nb_cmd("run", JOB_NB)
    assert code == 1 and "is a notebook: in glue-nb a notebook is a job" in err
    bad = tmp_path / "bad.py"
    bad.write_text("import glue_nb\ndef (\n")
    code, _, err = glue_nb_cmd("run", str(bad))
    assert code == 1 and f"{bad} line 2: invalid syntax" in err and "def (" in err
    assert "Traceback" not in err
