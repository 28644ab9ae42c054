"""``Workflow.replace`` makes a copy: the workflow it is called on, and the store, stay as they
were until the copy is deployed or started (no kernels: jobs end at once)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import glue_nb as gn
from glue_nb.exceptions import InvalidInputException
from glue_nb.executors.instant import InstantExecutor


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("country = 'US'", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, tmp_path / "job.ipynb")
    return tmp_path / "job.ipynb"


def test_replace_is_a_copy_that_writes_nothing(
    notebook: Path, tmp_path: Path, clean_env: None
) -> None:
    good = gn.NotebookJob("phones", notebook, parameters={"country": "US"})
    other = gn.NotebookJob("dedupe", notebook)
    wf = (
        gn.Workflow("month-close", home=tmp_path / "home")
        .run(good, other)
        .when_all_succeeded("both")
        .run(gn.NotebookJob("report", notebook))
    )
    wf.deploy()
    client = wf.client()
    stored = lambda: client.get_job(JobName="phones")["Job"]["DefaultArguments"]  # noqa: E731
    assert stored() == {"--country": "US"}

    broken = gn.NotebookJob("phones", notebook, parameters={"country": "XX"})
    copy = wf.replace(broken)
    assert copy is not wf
    assert wf.jobs["phones"] is good and copy.jobs["phones"] is broken
    assert stored() == {"--country": "US"}  # nothing written until asked
    copy.triggers["both"]["Actions"].append({"JobName": "dedupe"})
    assert len(wf.triggers["both"]["Actions"]) == 1  # an independent copy

    run = wf.replace(broken).start(executor=InstantExecutor())
    run.wait(progress=False)
    assert stored() == {"--country": "XX"}  # starting the copy stored it (as documented)
    args = run.table().set_index("node")["arguments"]
    assert args["phones"] == {"--country": "XX"}
    wf.deploy()  # the original goes back
    assert stored() == {"--country": "US"}

    with pytest.raises(InvalidInputException, match=r"no job 'nope' to replace .*dedupe, phones"):
        wf.replace(gn.NotebookJob("nope", notebook))
