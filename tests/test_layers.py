"""Imports point downward only, and no import cycle exists, lazy imports included.

The layer of each module comes from the table in docs/architecture.md; the few modules the table
does not list are placed in ``EXTRA`` below. At module level a module never imports a higher
layer. Imports inside functions (lazy imports) may point upward, which is how the heavy edges
stay lazy, but they count for cycles: the graph of every import glue-nb can execute (statements
anywhere but under ``if TYPE_CHECKING:``, and ``importlib.import_module("glue_nb....")`` calls)
has no cycle. And what a job kernel imports stays small.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
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
    assert table["glue_nb.kernels"] == 3 and table["glue_nb.slowimports"] == 0


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


# -- import cycles, lazy imports included ----------------------------------------------------------
#: Cycles that exist today in modules owned by others, each as the set of modules it runs
#: through; a cycle found must lie within one of them. Whoever breaks one removes its entry (the
#: test fails on an entry that matches no cycle any more); the list is emptied before landing.
KNOWN_CYCLES: list[set[str]] = []  # none: keep it so

MODULE_NAMES = {module_name(p): p for p in MODULES}


def _target(name: str) -> str | None:
    """The glue_nb module an import of ``name`` executes (its longest existing prefix)."""
    while name and name not in MODULE_NAMES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def all_imports(path: Path, name: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, module) of every glue_nb import ``path`` can execute: statements at any depth
    (functions too) except under ``if TYPE_CHECKING:``, and ``import_module`` calls with a
    constant name. A submodule's implicit import of its parent package is not counted."""
    tree = ast.parse(path.read_text(), str(path))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if candidate in MODULE_NAMES else base
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0] if node.args else None
            if called == "import_module" and isinstance(arg, ast.Constant):
                yield node.lineno, str(arg.value)
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    for line, imported in visit(tree):
        target = _target(imported) if imported.startswith("glue_nb") else None
        if target is not None and target != name:
            yield line, target


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line}, for every module of glue_nb."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in MODULE_NAMES.items():
        edges: dict[str, int] = {}
        for line, target in all_imports(path, name):
            edges.setdefault(target, line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def shortest_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    """One shortest cycle through the component's first module, with the line of each import."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    hops = [*paths[v], start]
                    return " -> ".join(
                        f"{a} (line {graph[a][b]})" if i < len(hops) - 1 else a
                        for i, (a, b) in enumerate(zip(hops, [*hops[1:], start], strict=True))
                    )
                if w in members and w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    return " -> ".join(component)


def test_no_import_cycles() -> None:
    """No cycle, lazy imports counted, beyond the known ones others are removing."""
    graph = import_graph()
    found = cycles(graph)
    new = [c for c in found if not any(set(c) <= known for known in KNOWN_CYCLES)]
    stale = [k for k in KNOWN_CYCLES if not any(len(set(c) & k) > 1 for c in found)]
    report = "\n".join(
        f"  cycle through {len(c)} modules {c}:\n    e.g. {shortest_cycle(graph, c)}" for c in new
    )
    assert not new, f"import cycles (lazy imports included):\n{report}"
    assert not stale, f"KNOWN_CYCLES lists cycles that are gone; remove them: {stale}"


def test_the_cycle_finder_sees_lazy_cycles(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from glue_nb.cli import main\n"
        "def f():\n    from glue_nb.kernels.pool import KernelPool\n"
        "    return importlib.import_module('glue_nb.views.static')\n"
    )
    found = [m for _, m in all_imports(probe, "glue_nb.probe")]
    assert found == ["glue_nb.kernels.pool", "glue_nb.views.static"]
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"e": 5}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == "a (line 1) -> b (line 2) -> c (line 3) -> a"


def test_kernels_know_nothing_of_jobs_or_executors() -> None:
    """glue_nb.kernels sits under jobs and executors: it imports only itself (lazily or not),
    and the fork server, which runs in the kernel's interpreter, imports no glue_nb module."""
    graph = import_graph()
    outside = {
        (module, target)
        for module, edges in graph.items()
        if module.startswith("glue_nb.kernels")
        for target in edges
        if not target.startswith("glue_nb.kernels")
    }
    assert not outside, f"glue_nb.kernels imports outside itself: {sorted(outside)}"
    assert graph["glue_nb.kernels.forkserver"] == {}
    tree = ast.parse((PACKAGE / "kernels" / "forkserver.py").read_text())
    imported = {
        (a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"ipykernel"}


# -- what a job kernel imports -------------------------------------------------------------------
#: The glue_nb modules ``from glue_nb import runtime`` may load in a job's kernel.
RUNTIME_IMPORTS = {"glue_nb", "glue_nb.runtime"}
HEAVY = ["papermill", "nbclient", "nbformat", "jsonschema", "jupyter_client", "zmq", "pandas",
         "pyarrow", "sqlite3", "psutil", "graphviz", "ipywidgets", "dask", "distributed",
         "matplotlib", "tqdm", "watchdog", "croniter", "fsspec"]  # fmt: skip


def _imported_by(code: str) -> tuple[list[str], list[str]]:
    """(glue_nb modules, heavy libraries) in sys.modules after ``code``, in a fresh process."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps([sorted(m for m in sys.modules if m.split('.')[0] == 'glue_nb'),"
        f" [m for m in {HEAVY!r} if m in sys.modules]]))"
    )
    out = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    mine, heavy = json.loads(out.stdout)
    return mine, heavy


def test_a_job_kernels_runtime_import_loads_no_engine() -> None:
    """``from glue_nb import runtime`` (what a job notebook does) loads the runtime and nothing
    else of glue-nb: no engine, store, executor, model or client, and no heavy library."""
    mine, heavy = _imported_by("from glue_nb import runtime\nruntime.get_run_properties()")
    assert set(mine) <= RUNTIME_IMPORTS, f"loaded beyond {RUNTIME_IMPORTS}: {mine}"
    assert heavy == [], f"heavy libraries loaded by the runtime: {heavy}"
    mine, heavy = _imported_by("import glue_nb")
    assert mine == ["glue_nb"] and heavy == []


def test_public_names_still_resolve_lazily() -> None:
    """The lazily re-exported names are the real objects, and glue_nb.client stays the client()
    function even once the submodule of the same name has been imported."""
    code = (
        "import sys, glue_nb, glue_nb.client\n"
        "module = sys.modules['glue_nb.client']\n"
        "from glue_nb.builder import Workflow\n"
        "assert glue_nb.client is module.client and callable(glue_nb.client)\n"
        "assert glue_nb.Workflow is Workflow and glue_nb.GlueClient is module.GlueClient\n"
        "from glue_nb import client, blueprint\n"
        "assert client is module.client and blueprint.__name__ == 'glue_nb.blueprint'\n"
        "assert set(glue_nb.__all__) <= set(dir(glue_nb))\n"
        "try:\n    glue_nb.nothing\nexcept AttributeError as e:\n    assert 'nothing' in str(e)\n"
        "else:\n    raise SystemExit('glue_nb.nothing resolved')"
    )
    subprocess.run([PYTHON, "-c", code], check=True)


def test_nbformat_no_longer_costs_rfc3987_syntax() -> None:
    """nbformat's jsonschema imports rfc3987_syntax (0.7-1.5 s) for an "iri" check notebooks
    never make: once glue-nb's executors are imported, it is a stand-in until a schema checks
    an IRI, and such a check still gives the real answers."""
    code = (
        "import sys, glue_nb.executors, nbformat\n"
        "assert 'jsonschema' in sys.modules\n"
        "stand_in = sys.modules['rfc3987_syntax']\n"
        "assert getattr(stand_in, '__file__', None) is None, stand_in\n"
        "import jsonschema\n"
        "v = jsonschema.Draft202012Validator({'format': 'iri'},\n"
        "    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)\n"
        "assert v.is_valid('http://example.com/é') and not v.is_valid('http://[bad')\n"
        "assert sys.modules['rfc3987_syntax'].__file__.endswith('__init__.py')\n"
        "assert stand_in.is_valid_syntax('iri', 'http://a')\n"
    )
    subprocess.run([PYTHON, "-c", code], check=True)


# -- SQL lives in store/ only ---------------------------------------------------------------------
_SQL = re.compile(
    r"\b(SELECT\s+[\w*(].*?\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\S+\s+SET"
    r"|CREATE\s+(TABLE|INDEX|VIEW)|ALTER\s+TABLE|DROP\s+TABLE)\b",
    re.S | re.I,
)
_STRING_TOKENS = {"STRING", "FSTRING_MIDDLE"}  # f-strings are split into parts from Python 3.12


def sql_outside_store(root: Path) -> list[str]:
    """Strings that read as SQL, and calls that run it, in modules outside ``store/``."""
    import io
    import tokenize

    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] == "store":
            continue
        text = path.read_text("utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tokenize.tok_name[tok.type] in _STRING_TOKENS and _SQL.search(tok.string):
                found.append(f"{path.relative_to(root)}:{tok.start[0]}: {tok.string[:60]}")
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "executescript")
                and not (isinstance(node.func.value, ast.Call) and not node.args)
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}: .{node.func.attr}(...)")
    return found


def test_no_sql_outside_the_store() -> None:
    """Every SQL statement lives in ``glue_nb/store/`` (the ledger and its repositories)."""
    assert sql_outside_store(PACKAGE) == []


def test_the_sql_finder_sees_sql(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "ok.py").write_text('Q = "SELECT * FROM runs"\n')
    (tmp_path / "bad.py").write_text(
        'def f(conn, t):\n    conn.execute(f"UPDATE {t} SET state=?", ("X",))\n'
        '    return conn.execute("select id from job_runs").fetchall()\n'
    )
    found = sql_outside_store(tmp_path)
    assert [f.split(":")[1] for f in found] == ["2", "3", "2", "3"], found
