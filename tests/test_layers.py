"""Imports point downward only: a module never imports a higher layer at module level.

The layer of each module comes from the table in docs/architecture.md; the few modules the table
does not list are placed in ``EXTRA`` below. Imports inside functions (lazy imports) and under
``if TYPE_CHECKING:`` are allowed in any direction: they are how the heavy edges stay lazy.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT

PACKAGE = ROOT / "glue_nb"
DOC = ROOT / "docs" / "architecture.md"

#: Modules the architecture table does not list, with the layer they belong to.
EXTRA = {
    "glue_nb.jobs": 3,
    "glue_nb.jobs.spec": 3,
    "glue_nb.run": 5,  # the Run handle (over the client)
    "glue_nb.blueprint": 5,
}
TOP = {"glue_nb", "glue_nb.__main__"}  # the package itself re-exports everything


def table_layers() -> dict[str, int]:
    """``glue_nb.<module>`` (or package prefix) -> layer, from the architecture table."""
    layers: dict[str, int] = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|(.+?)\|", line)
        if not m:
            continue
        for ref in re.findall(r"`([^`]+)`", m.group(2)):
            name = "glue_nb." + ref.removesuffix(".py").rstrip("/").replace("/", ".")
            layers[name] = int(m.group(1))
    return layers


LAYERS = {**table_layers(), **EXTRA}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    for i in range(len(parts), 1, -1):
        prefix = ".".join(parts[:i])
        if prefix in LAYERS:
            return LAYERS[prefix]
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top_level_imports(path: Path, name: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of glue_nb imports executed when the module ``name`` (that of ``path`` by
    default) is imported."""
    tree = ast.parse(path.read_text(), str(path))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    is_module = (ROOT / Path(*candidate.split("."))).with_suffix(
                        ".py"
                    ).exists() or (ROOT / Path(*candidate.split("."))).is_dir()
                    out.append((node.lineno, candidate if is_module else base))
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, (ast.Try, ast.With)):
                visit(node.body)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "orelse", []))
                visit(getattr(node, "finalbody", []))
        # function and class bodies are not visited: those imports are lazy

    visit(tree.body)
    return [(line, m) for line, m in out if m == "glue_nb" or m.startswith("glue_nb.")]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_table_is_read() -> None:
    table = table_layers()
    assert table["glue_nb.exceptions"] == 0 and table["glue_nb.engine"] == 4
    assert table["glue_nb.store"] == 2 and table["glue_nb.jobs.notebook"] == 3
    assert table["glue_nb.runtime"] == 5 and table["glue_nb.cli"] == 6


def test_every_module_has_a_layer() -> None:
    missing = [
        module_name(p)
        for p in MODULES
        if module_name(p) not in TOP and layer_of(module_name(p)) is None
    ]
    assert not missing, (
        f"modules without a layer: {missing}; add them to docs/architecture.md's table "
        "(or to EXTRA in tests/test_layers.py)"
    )


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_imports_point_downward(path: Path) -> None:
    name = module_name(path)
    if name in TOP:
        return
    mine = layer_of(name)
    assert mine is not None
    upward = []
    for line, imported in top_level_imports(path):
        if imported == "glue_nb":
            upward.append(f"line {line}: imports the glue_nb package (layer top)")
            continue
        theirs = layer_of(imported)
        if theirs is not None and theirs > mine:
            upward.append(f"line {line}: {imported} (layer {theirs})")
    assert not upward, f"{name} (layer {mine}) imports upward at module level: {upward}"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    imports = [m for _, m in top_level_imports(PACKAGE / "model" / "values.py")]
    assert "glue_nb.exceptions" in imports  # a real downward import is found
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "from glue_nb.engine import Engine\n"
        "from . import graph\n"
        "if TYPE_CHECKING:\n    from glue_nb.client import GlueClient\n"
        "def f():\n    from glue_nb.cli import main\n"
    )
    found = [m for _, m in top_level_imports(bad, "glue_nb.probe")]
    assert found == ["glue_nb.engine", "glue_nb.graph"]


def test_import_glue_nb_stays_light() -> None:
    """Heavy libraries load lazily, where they are needed; a job notebook's ``import glue_nb``
    (for ``glue_nb.client()`` or ``glue_nb.runtime``) pulls in none of them."""
    heavy = ["papermill", "nbclient", "pandas", "pyarrow", "graphviz", "ipywidgets", "dask",
             "distributed", "matplotlib", "IPython", "tqdm", "watchdog", "croniter"]  # fmt: skip
    code = (
        "import sys, glue_nb, glue_nb.runtime, glue_nb.client\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at `import glue_nb`: {out.stdout.strip()}"
