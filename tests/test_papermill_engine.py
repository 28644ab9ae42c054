"""papermill's "glue_nb" engine, registered through papermill's own ``papermill.engine`` entry
point: found by any papermill in this environment, cheap for it to load, usable from its CLI."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import conftest
import nbformat
import pytest
from conftest import PYTHON, ROOT

TARGET = "glue_nb.kernels.papermill_engine:GlueNbEngine"


def run(code: str) -> str:
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_installed_distribution_declares_the_entry_point() -> None:
    found = {e.name: e.value for e in entry_points(group="papermill.engine")}
    assert found.get("glue_nb") == TARGET, (
        f"papermill.engine entry points: {found}; reinstall glue-nb (pip install -e .)"
    )


def test_papermill_finds_it_at_its_own_import_and_loads_little() -> None:
    out = run(
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "from papermill.engines import papermill_engines\n"
        "from glue_nb.kernels.papermill_engine import GlueNbEngine\n"
        "assert papermill_engines.get_engine('glue_nb') is GlueNbEngine\n"
        "print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith('glue_nb'))))"
    )
    assert json.loads(out) == [
        "glue_nb",
        "glue_nb.kernels",
        "glue_nb.kernels.connect",
        "glue_nb.kernels.papermill_engine",
    ]


def test_it_can_be_imported_before_papermill() -> None:
    """papermill imports every entry point while it is itself being imported: importing the
    engine's module first must not make that an import cycle."""
    run(
        "from glue_nb.kernels.papermill_engine import GlueNbEngine, engine_name\n"
        "assert engine_name() == 'glue_nb'\n"
        "from papermill.engines import papermill_engines\n"
        "assert papermill_engines.get_engine('glue_nb') is GlueNbEngine"
    )


def test_glue_nb_does_not_use_papermills_private_registry() -> None:
    sources = {p: p.read_text() for p in (ROOT / "glue_nb").rglob("*.py")}
    used = [str(p) for p, text in sources.items() if "papermill_engines.register(" in text]
    used += [
        str(p) for p, text in sources.items() if "_engines" in text.replace("papermill_engines", "")
    ]
    assert used == []


@pytest.mark.kernel
def test_the_papermill_cli_runs_a_notebook_with_it(tmp_path: Path) -> None:
    nb = conftest.write_notebook(tmp_path / "in.ipynb", ["x = 1", "print(x * 7)"])
    out = tmp_path / "out.ipynb"
    papermill = Path(PYTHON).with_name("papermill")
    done = subprocess.run(
        [str(papermill), str(nb), str(out), "--engine", "glue_nb", "-p", "x", "6"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = nbformat.read(out, as_version=4)
    assert result.cells[-1].outputs[0]["text"] == "42\n"
    assert result.metadata["language_info"]["name"] == "python"
