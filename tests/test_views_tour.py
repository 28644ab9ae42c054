"""The tour notebook runs top to bottom with papermill, from the notebooks folder (as Binder and
JupyterLab run it), in a temporary home."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from glue_nb.views import layout

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.graphviz
@pytest.mark.skipif(not layout.dot_available(), reason="graphviz dot not installed")
def test_tour_executes(tmp_path: Path) -> None:
    import papermill

    out = tmp_path / "tour.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "tour.ipynb"),
        str(out),
        parameters={"home": str(tmp_path / "home"), "output_dir": str(tmp_path / "clean")},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )
    nb = nbformat.read(str(out), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert {"image/svg+xml", "image/png", "application/vnd.jupyter.widget-view+json"} <= mimes
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "COMPLETED - succeeded: False" in text and "COMPLETED - succeeded: True" in text
    assert (tmp_path / "home" / "failed-run.html").exists()
    assert (tmp_path / "clean" / "report").is_dir()  # the jobs wrote where they were told
