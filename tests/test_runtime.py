"""glue_nb.runtime: what a job notebook sees, with and without a glue-nb job context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError

import glue_nb
from glue_nb import runtime
from glue_nb.exceptions import EntityNotFoundException
from glue_nb.runtime import CONTEXT_ENV


@pytest.fixture
def fresh_standalone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONTEXT_ENV, raising=False)
    monkeypatch.setattr(runtime, "_standalone", runtime.JobContext(None, None, None, None))


@pytest.fixture
def job_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The environment glue-nb's context cell sets in a job kernel."""
    ctx = {
        "workflow_name": "month-close",
        "workflow_run_id": "wr_1",
        "job_name": "De-duplicate",
        "job_run_id": "jr_1",
        "run_properties": {"period": "2026-10"},
        "updates_path": str(tmp_path / "work" / "run_properties.json"),
        "home": str(tmp_path / "never-created-home"),
    }
    monkeypatch.setenv(CONTEXT_ENV, json.dumps(ctx))
    monkeypatch.delenv("GLUE_NB_HOME", raising=False)
    return ctx


def test_without_context_properties_live_in_memory(fresh_standalone: None) -> None:
    assert runtime.context() is None and runtime.in_workflow() is False
    assert runtime.get_run_properties() == {}
    out = runtime.put_run_properties({"rows": 12}, ok=True)
    assert out == {"rows": 12, "ok": True}  # values come back typed
    assert runtime.get_run_properties(raw=True) == {"rows": "12", "ok": "true"}  # stored as text
    copy = runtime.get_run_properties()
    copy["rows"] = "changed"
    assert runtime.get_run_properties()["rows"] == 12  # a copy is returned
    with pytest.raises(ValueError, match="1-255"):
        runtime.put_run_properties({"": "x"})


def test_with_context_snapshot_and_updates_file(job_context: dict[str, Any]) -> None:
    ctx = runtime.context()
    assert ctx is not None and ctx.workflow_run_id == "wr_1" and ctx.job_run_id == "jr_1"
    assert runtime.in_workflow() is True
    assert runtime.get_run_properties() == {"period": "2026-10"}
    runtime.put_run_properties(rows_in=1200)
    runtime.put_run_properties({"rows_in": "1300", "period": "2026-11"})  # upsert
    assert runtime.get_run_properties() == {"period": "2026-11", "rows_in": 1300}
    updates = json.loads(Path(job_context["updates_path"]).read_text())
    assert updates == {"rows_in": "1300", "period": "2026-11"}  # only this job's updates
    assert not list(Path(job_context["updates_path"]).parent.glob(".props-*"))  # atomic writes


def test_glue_pattern_inside_a_job_needs_no_store(job_context: dict[str, Any]) -> None:
    c = glue_nb.client()
    assert Path(c.home) == Path(job_context["home"])  # the home of the run that started the job
    props = c.get_workflow_run_properties(Name="month-close", RunId="wr_1")["RunProperties"]
    assert props == {"period": "2026-10"}
    c.put_workflow_run_properties(
        Name="month-close", RunId="wr_1", RunProperties={"rows_in": "1200"}
    )
    assert runtime.get_run_properties()["rows_in"] == 1200
    assert json.loads(Path(job_context["updates_path"]).read_text()) == {"rows_in": "1200"}
    assert not Path(job_context["home"]).exists()  # the store was never opened
    with pytest.raises(ParamValidationError, match=r"RunProperties\.n"):  # botocore's check
        c.put_workflow_run_properties(Name="month-close", RunId="wr_1", RunProperties={"n": 1})


def test_other_runs_go_to_the_store(job_context: dict[str, Any], tmp_path: Path) -> None:
    c = glue_nb.client(tmp_path / "elsewhere")
    c.create_workflow(Name="month-close")
    with pytest.raises(EntityNotFoundException, match="wr_2"):
        c.get_workflow_run_properties(Name="month-close", RunId="wr_2")


def test_glue_nb_home_wins_over_the_job_context(
    job_context: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUE_NB_HOME", str(tmp_path / "explicit"))
    assert Path(glue_nb.client().home) == tmp_path / "explicit"


@pytest.mark.kernel
def test_plain_papermill_runs_a_job_notebook(tmp_path: Path, fresh_standalone: None) -> None:
    """Run on its own (no glue-nb), a job notebook keeps its properties in memory."""
    import nbformat
    import papermill
    from conftest import write_notebook

    nb = write_notebook(
        tmp_path / "alone.ipynb",
        [
            'period = "2026-10"',
            "from glue_nb import runtime\n"
            "assert not runtime.in_workflow()\n"
            "runtime.put_run_properties(rows=3)\n"
            "print(runtime.get_run_properties())",
        ],
    )
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(nb), str(out), parameters={"period": "2026-11"},
                               progress_bar=False)  # fmt: skip
    cell = nbformat.read(str(out), as_version=4).cells[-1]
    assert "{'rows': 3}" in "".join(o.get("text", "") for o in cell.outputs)
