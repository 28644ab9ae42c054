"""Run properties travel typed: a job puts numbers, booleans and lists, the next job and
``run.properties`` get them back as such, while Glue's RunProperties stay strings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import write_notebook

import glue_nb as gn
from glue_nb import runtime
from glue_nb.runtime import CONTEXT_ENV, decode_properties, encode_properties


@pytest.fixture
def fresh_standalone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONTEXT_ENV, raising=False)
    monkeypatch.setattr(runtime, "_standalone", runtime.JobContext(None, None, None, None))


def test_values_round_trip_through_strings(fresh_standalone: None) -> None:
    out = runtime.put_run_properties(
        rows=1200, ratio=0.5, ok=True, tags=["a", "b"], limits={"max": 3}, nothing=None
    )
    typed = {"rows": 1200, "ratio": 0.5, "ok": True, "tags": ["a", "b"], "limits": {"max": 3}}
    assert out == {**typed, "nothing": None}
    assert runtime.get_run_properties() == {**typed, "nothing": None}
    raw = runtime.get_run_properties(raw=True)  # Glue's strings, as stored
    assert raw["rows"] == "1200" and raw["ok"] == "true" and raw["tags"] == '["a", "b"]'
    assert all(isinstance(v, str) for v in raw.values())


def test_text_that_is_not_json_stays_text() -> None:
    texts = ["2026-10", "US", "0042", "12 apples", "", "True", "nullable", '"quoted"', "NaNa"]
    assert decode_properties({t: t for t in texts}) == {t: t for t in texts}
    assert decode_properties({"a": "1e3", "b": "-2", "c": "false", "d": "null"}) == {
        "a": 1000.0, "b": -2, "c": False, "d": None,
    }  # fmt: skip
    encoded = encode_properties({"n": np.int64(7), "arr": np.array([1, 2]), "path": Path("/x")})
    assert encoded == {"n": "7", "arr": "[1, 2]", "path": "/x"}
    assert decode_properties(encoded) == {"n": 7, "arr": [1, 2], "path": "/x"}


@pytest.mark.kernel
def test_typed_values_flow_between_jobs(tmp_path: Path, clean_env: None) -> None:
    put = write_notebook(
        tmp_path / "put.ipynb",
        [
            "x = 0",
            "from glue_nb import runtime\n"
            "runtime.put_run_properties(rows_in=1200, ratio=0.5, checked=True, tags=['a', 'b'])",
        ],
    )
    get = write_notebook(
        tmp_path / "get.ipynb",
        [
            "x = 0",
            "from glue_nb import runtime\n"
            "props = runtime.get_run_properties()\n"
            "names = ['rows_in', 'ratio', 'checked', 'tags', 'period']\n"
            "runtime.put_run_properties(seen_types=[type(props[k]).__name__ for k in names],\n"
            "                           next_rows=props['rows_in'] + 1)",
        ],
    )
    wf = (
        gn.Workflow("typed", home=tmp_path / "home", default_run_properties={"period": "2026-10"})
        .run(gn.NotebookJob("put", put))
        .when_all_succeeded()
        .run(gn.NotebookJob("get", get))
    )
    run = wf.start().wait(120, progress=False)
    assert run.succeeded, run.table()[["node", "state", "error"]]
    props = run.properties
    assert props["seen_types"] == ["int", "float", "bool", "list", "str"]
    assert props["next_rows"] == 1201 and props["checked"] is True and props["period"] == "2026-10"
    glue = run.client.get_workflow_run_properties(Name="typed", RunId=run.run_id)["RunProperties"]
    assert glue["rows_in"] == "1200" and glue["checked"] == "true"  # Glue's shape: strings
    assert json.loads(glue["tags"]) == ["a", "b"]
    assert all(isinstance(v, str) for v in glue.values())
