"""Reuse of unchanged job runs, end to end: real kernels, real files, the real catalog.

A workflow of five notebook jobs (``extract`` → ``transform`` → ``load``, ``side`` and
``catalog`` beside them) is run again and again with reuse on; between runs one thing changes
(an input file, a parameter, a cell, a package version, an upstream output, a catalog table) and
each test checks that exactly the right nodes ran again, that the others were reused (with the
executed notebook and property updates of the run they reuse), and that ``why`` names the change.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, condition, make_workflow, wait_run, write_notebook

import glue_nb
from glue_nb.history import why
from glue_nb.run import Run

pytestmark = pytest.mark.kernel

WF = "chain"
ALL = {"extract", "transform", "load", "side", "catalog"}


def _package(folder: Path, version: str) -> None:
    """A tiny installed package: ``tinypkg`` with a dist-info that says its version."""
    (folder / "tinypkg").mkdir(parents=True, exist_ok=True)
    (folder / "tinypkg" / "__init__.py").write_text("def double(x):\n    return x * 2\n")
    info = folder / "tinypkg-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: tinypkg\nVersion: {version}\n\n")
    (info / "top_level.txt").write_text("tinypkg\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The data folder, the notebooks, the catalog and the workflow (shared by the tests of this
    module, which run in order: each changes one thing and checks the next run)."""
    tmp = tmp_path_factory.mktemp("reuse")
    data, pkgs, home = tmp / "data", tmp / "pkgs", tmp / "home"
    data.mkdir()
    _package(pkgs, "1.0")
    (data / "in.csv").write_text("a\nb\n")
    (data / "side.csv").write_text("s\n")
    (data / "sales").mkdir()
    (data / "sales" / "part-0.csv").write_text("id,amount\n1,10\n2,20\n")
    nbs = tmp / "notebooks"
    write_notebook(
        nbs / "extract.ipynb",
        [
            f"src = {str(data / 'in.csv')!r}\npkgdir = {str(pkgs)!r}",
            "import sys\nsys.path.insert(0, pkgdir)\nimport tinypkg\n"
            "from glue_nb import runtime\n"
            "period = runtime.get_run_properties().get('period', 'none')\n"
            "rows = open(src).read().split()\n"
            "open('extract.txt', 'w').write(','.join(rows) + ':' + str(period))\n"
            "runtime.put_run_properties(rows_in=len(rows))",
        ],
    )
    write_notebook(
        nbs / "transform.ipynb",
        [
            "factor = 1",
            "text = open('extract.txt').read()\n"
            "open('transform.txt', 'w').write(text.upper() * factor)",
        ],
    )
    write_notebook(
        nbs / "load.ipynb",
        ["", "open('load.txt', 'w').write('[' + open('transform.txt').read() + ']')"],
        parameters_cell=None,
    )
    write_notebook(
        nbs / "side.ipynb",
        [
            f"n = 1\nsrc = {str(data / 'side.csv')!r}",
            "open('side.txt', 'w').write(open(src).read() * n)",
        ],
    )
    write_notebook(
        nbs / "catalog.ipynb",
        [
            "",
            "import glue_nb\n"
            "df = glue_nb.client().catalog.read_table('shop', 'sales')\n"
            "open('catalog.txt', 'w').write(str(int(df['amount'].sum())))",
        ],
        parameters_cell=None,
    )
    c = glue_nb.client(home)
    c.create_database(DatabaseInput={"Name": "shop"})
    c.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "sales",
            "StorageDescriptor": {
                "Location": str(data / "sales"),
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "bigint"}],
            },
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        },
    )
    jobs = {name: {"notebook": str(nbs / f"{name}.ipynb")} for name in sorted(ALL)}
    nodes = make_workflow(
        c.nb, WF, jobs, ["extract", "side", "catalog"],
        [("after extract", [condition("extract")], "AND", ["transform"]),
         ("after transform", [condition("transform")], "AND", ["load"])],
        DefaultRunProperties={"period": "2026-10"},
    )  # fmt: skip
    yield {"client": c, "data": data, "nbs": nbs, "pkgs": pkgs, "home": home, "nodes": nodes}


def _command(world: Mapping[str, Any], job: str) -> dict[str, str]:
    return {"Name": "notebook", "ScriptLocation": str(world["nbs"] / f"{job}.ipynb")}


def _run(c: Any, **kwargs: Any) -> dict[str, Any]:
    run_id = c.nb.start_workflow_run(Name=WF, **kwargs)["RunId"]
    run = wait_run(c, WF, run_id, timeout=180)
    assert run["Status"] == "COMPLETED", run
    return run


def _latest(run: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for node in run["Graph"]["Nodes"]:
        runs = (node.get("JobDetails") or {}).get("JobRuns") or []
        if node["Type"] == "JOB" and runs:
            out[node["Name"]] = max(runs, key=lambda r: (r["StartedOn"], r["Attempt"]))
    return out


def _ran(run: Mapping[str, Any]) -> set[str]:
    """The jobs that ran (all SUCCEEDED), as opposed to reused."""
    latest = _latest(run)
    assert all(jr["JobRunState"] == "SUCCEEDED" for jr in latest.values()), latest
    return {name for name, jr in latest.items() if not jr.get("ReusedFrom")}


def _why(c: Any, run: Mapping[str, Any], node: str) -> dict[str, Any]:
    return dict(why(c, WF, run["WorkflowRunId"], node))


def _changes(c: Any, run: Mapping[str, Any], node: str) -> list[tuple[str, str]]:
    return [(ch["what"], ch["name"]) for ch in _why(c, run, node)["Changes"]]


def test_reuse_is_off_by_default_and_every_job_records_what_it_read(world: dict[str, Any]) -> None:
    c, data = world["client"], world["data"]
    first = _run(c)
    assert _ran(first) == ALL
    again = _run(c)  # unchanged, but reuse is off: Glue's semantics
    assert _ran(again) == ALL
    answer = _why(c, again, "extract")
    assert answer["Outcome"] == "ran" and answer["Reason"].startswith("reuse was off")
    # what extract read and wrote, recorded without the notebook declaring anything
    jr = _latest(again)["extract"]["Id"]
    io = {(r.direction, r.kind, r.resource) for r in _io(c, jr)}
    assert ("read", "file", str(data / "in.csv")) in io
    assert ("write", "file", str(world["nbs"] / "extract.txt")) in io


def _io(c: Any, job_run_id: str) -> list[Any]:
    from glue_nb.store.io import IoRecords

    return IoRecords(c.engine.store).of_run(job_run_id)


def test_an_unchanged_run_is_reused_whole_with_the_notebooks_and_properties_it_reuses(
    world: dict[str, Any],
) -> None:
    c = world["client"]
    first = _run(c, Reuse=True)
    assert _ran(first) == set()  # the previous (reuse-off) runs' traces already match
    originals = {n: jr for n, jr in _latest(first).items()}
    for name, jr in originals.items():
        source = c.nb.get_job_run(JobName=name, RunId=jr["ReusedFrom"])["JobRun"]
        assert source.get("ReusedFrom") is None  # always the run that really ran
        assert jr["OutputLocation"] == source["OutputLocation"]  # its executed notebook
        assert Path(jr["OutputLocation"]).exists()
    # extract's property update is merged into the run as if it had run
    assert first["WorkflowRunProperties"]["rows_in"] == "2"
    assert c.nb.get_job_run(JobName="extract", RunId=originals["extract"]["Id"])["JobRun"][
        "JobRunState"] == "SUCCEEDED"  # fmt: skip
    # Glue's own API stays Glue's shape: no reuse fields there
    glue_jr = c.get_job_run(JobName="extract", RunId=originals["extract"]["Id"])["JobRun"]
    assert "ReusedFrom" not in glue_jr
    answer = _why(c, first, "transform")
    assert (
        answer["Outcome"] == "reused"
        and answer["ReusedFrom"] == originals["transform"]["ReusedFrom"]
    )


def test_a_changed_input_file_reruns_its_reader_and_what_its_output_feeds(
    world: dict[str, Any],
) -> None:
    c, data = world["client"], world["data"]
    (data / "in.csv").write_text("a\nb\nc\n")
    run = _run(c, Reuse=True)
    assert _ran(run) == {"extract", "transform", "load"}
    assert ("file", str(data / "in.csv")) in _changes(c, run, "extract")
    change = next(ch for ch in _why(c, run, "transform")["Changes"] if ch["what"] == "file")
    assert change["name"] == str(world["nbs"] / "extract.txt")
    assert "extract" in change["by"]  # an upstream output, and who wrote it
    assert change.get("old") != change.get("new")
    assert run["WorkflowRunProperties"]["rows_in"] == "3"


def test_a_changed_parameter_reruns_only_that_job(world: dict[str, Any]) -> None:
    c = world["client"]
    c.nb.update_job(JobName="side", JobUpdate={
        "Role": "r", "Command": _command(world, "side"),
        "DefaultArguments": {"--n": "2"}})  # fmt: skip
    run = _run(c, Reuse=True)
    assert _ran(run) == {"side"}
    [change] = _why(c, run, "side")["Changes"]
    assert (change["what"], change["name"], change.get("old"), change.get("new")) == (
        "parameter",
        "n",
        None,
        2,
    )
    # the same value written otherwise ("02" is the int 2): the typed parameter is unchanged
    c.nb.update_job(JobName="side", JobUpdate={
        "Role": "r", "Command": _command(world, "side"),
        "DefaultArguments": {"--n": "02"}})  # fmt: skip
    assert _ran(_run(c, Reuse=True)) == set()


def test_a_changed_cell_reruns_that_job_and_an_identical_output_stops_the_wave(
    world: dict[str, Any],
) -> None:
    c, nbs = world["client"], world["nbs"]
    write_notebook(
        nbs / "transform.ipynb",
        ["factor = 1", "# same result, new code\ntext = open('extract.txt').read()\n"
         "open('transform.txt', 'w').write(text.upper() * factor)"],
    )  # fmt: skip
    run = _run(c, Reuse=True)
    assert _ran(run) == {"transform"}  # load reads the same transform.txt: reused
    [change] = _why(c, run, "transform")["Changes"]
    assert change["what"] == "cell" and change["name"] == "code cell 2"
    assert "# same result" in change.get("new") and "# same result" not in change.get("old")


def test_a_changed_package_version_reruns_the_job_that_imported_it(world: dict[str, Any]) -> None:
    c = world["client"]
    _package(world["pkgs"], "1.1")  # the same code, another version (as pip would leave it)
    run = _run(c, Reuse=True)
    assert _ran(run) == {"extract"}  # its output is the same: nothing below runs again
    assert ("package", "tinypkg", "1.0", "1.1") in [
        (ch["what"], ch["name"], ch.get("old"), ch.get("new"))
        for ch in _why(c, run, "extract")["Changes"]
    ]


def test_a_deleted_or_changed_output_reruns_the_job_that_wrote_it(world: dict[str, Any]) -> None:
    c, nbs = world["client"], world["nbs"]
    (nbs / "load.txt").unlink()
    run = _run(c, Reuse=True)
    assert _ran(run) == {"load"}
    assert _changes(c, run, "load") == [("output", str(nbs / "load.txt"))]
    assert (nbs / "load.txt").exists()
    (nbs / "side.txt").write_text("edited by hand")
    assert _ran(_run(c, Reuse=True)) == {"side"}


def test_a_changed_catalog_table_reruns_its_reader(world: dict[str, Any]) -> None:
    c, data = world["client"], world["data"]
    table = c.get_table(DatabaseName="shop", Name="sales")["Table"]
    c.update_table(DatabaseName="shop", TableInput={
        "Name": "sales", "Description": "now described",
        "StorageDescriptor": table["StorageDescriptor"],
        "Parameters": table["Parameters"]})  # fmt: skip
    run = _run(c, Reuse=True)
    assert _ran(run) == {"catalog"}
    [change] = _why(c, run, "catalog")["Changes"]
    assert change["what"] == "table" and change["name"] == "shop.sales"
    assert change.get("old") == f"VersionId {table['VersionId']}" and change.get(
        "new"
    ) != change.get("old")
    (data / "sales" / "part-0.csv").write_text("id,amount\n1,10\n2,25\n")  # its data file
    run = _run(c, Reuse=True)
    assert _ran(run) == {"catalog"}
    assert ("file", str(data / "sales" / "part-0.csv")) in _changes(c, run, "catalog")
    assert (world["nbs"] / "catalog.txt").read_text() == "35"


def test_a_run_property_it_read_reruns_it_and_one_it_did_not_read_does_not(
    world: dict[str, Any],
) -> None:
    c = world["client"]
    run = _run(c, Reuse=True, RunProperties={"period": "2026-11", "unread": "x"})
    assert _ran(run) == {"extract", "transform", "load"}
    assert ("property", "period") in _changes(c, run, "extract")


def test_resume_with_reuse_reruns_the_fixed_node_and_what_is_below(world: dict[str, Any]) -> None:
    c, nbs = world["client"], world["nbs"]
    write_notebook(nbs / "transform.ipynb", ["factor = 1", "raise ValueError('broken')"])
    run_id = c.nb.start_workflow_run(Name=WF, Reuse=True)["RunId"]
    broken = wait_run(c, WF, run_id, timeout=180)
    assert _latest(broken)["transform"]["JobRunState"] == "FAILED"
    assert "load" not in _latest(broken)
    write_notebook(
        nbs / "transform.ipynb",
        ["factor = 1", "text = open('extract.txt').read()\n"
         "open('transform.txt', 'w').write(text.upper() * factor + '!')"],
    )  # fmt: skip
    resumed = Run(c, WF, run_id).resume(reuse=True)
    run = wait_run(c, WF, resumed.run_id, timeout=180)
    assert run["Status"] == "COMPLETED"
    assert _ran(run) == {"transform", "load"}  # fixed, and below the change
    assert [w for w, _ in _changes(c, run, "transform")] == ["cell"]


def test_job_and_workflow_settings(world: dict[str, Any]) -> None:
    c, nbs = world["client"], world["nbs"]
    command = {"Name": "notebook", "ScriptLocation": str(nbs / "side.ipynb")}
    c.nb.update_job(JobName="side", JobUpdate={"Role": "r", "Command": command,
                    "DefaultArguments": {"--n": "2", "--glue-nb-reuse": "false"}})  # fmt: skip
    assert _ran(_run(c, Reuse=True)) == {"side"}  # the job says never: it runs
    c.nb.update_job(JobName="side", JobUpdate={"Role": "r", "Command": command,
                    "DefaultArguments": {"--n": "2", "--glue-nb-reuse": "true"}})  # fmt: skip
    assert _ran(_run(c)) == ALL - {"side"}  # only side has reuse on
    assert _ran(_run(c, Reuse=False)) == ALL  # the run says every job runs
    c.nb.update_workflow(
        Name=WF, DefaultRunProperties={"period": "2026-10", "glue-nb-reuse": "true"}
    )
    assert _ran(_run(c)) == set()


def test_glue_nb_why_on_the_command_line(world: dict[str, Any]) -> None:
    out = subprocess.run(
        [PYTHON, "-m", "glue_nb", "why", WF, "latest", "extract", "--home", str(world["home"])],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "extract (jr_" in out.stdout and "reused jr_" in out.stdout


# -- what cannot be seen always runs ------------------------------------------------------------
def test_an_unknown_read_always_runs(tmp_path: Path, client: Any) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    db = tmp_path / "rows.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t(x)")
    write_notebook(tmp_path / "net.ipynb", [
        f"port = {port}",
        "import socket\ns = socket.create_connection(('127.0.0.1', port))\ns.close()"])  # fmt: skip
    write_notebook(tmp_path / "db.ipynb", [
        f"db = {str(db)!r}",
        "import sqlite3\nsqlite3.connect(db).execute('SELECT * FROM t').fetchall()"])  # fmt: skip
    write_notebook(tmp_path / "plain.ipynb", ["x = 1", "y = x + 1"])
    make_workflow(client, "unknown", {n: {"notebook": str(tmp_path / f"{n}.ipynb")}
                                      for n in ("net", "db", "plain")},
                  ["net", "db", "plain"])  # fmt: skip
    try:
        for _ in range(2):
            run_id = client.start_workflow_run(Name="unknown", Reuse=True)["RunId"]
            run = wait_run(glue_nb.client(client.home), "unknown", run_id, timeout=180)
        latest = _latest(run)
        assert {n for n, jr in latest.items() if not jr.get("ReusedFrom")} == {"net", "db"}
        explained = {
            n: dict(why(glue_nb.client(client.home), "unknown", run_id, n)) for n in ("net", "db")
        }
        assert [c["what"] for c in explained["net"]["Changes"]] == ["unknown"]
        assert "network connection to ('127.0.0.1', " in explained["net"]["Changes"][0]["name"]
        assert explained["db"]["Changes"][0]["name"].startswith(
            f"opened SQLite database {str(db)!r}"
        )
    finally:
        server.close()


# -- the recorder on its own (a fresh process each: audit hooks cannot be removed) ---------------
RECORD = r"""
import json, os, sys
from glue_nb.reuse import recorder
recorder.install()
{body}
recorder.dump(sys.argv[1])
"""


def _recorded(tmp_path: Path, body: str) -> dict[str, Any]:
    script = tmp_path / "record.py"
    script.write_text(RECORD.format(body=body))
    out = tmp_path / "trace.json"
    done = subprocess.run([PYTHON, str(script), str(out)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    from glue_nb.reuse.trace import complete_trace

    return complete_trace(json.loads(out.read_text()))


def _names(records: list[dict[str, Any]]) -> set[str]:
    return {Path(r["resource"]).name for r in records}


def test_the_recorder_sees_python_files_pyarrow_and_pandas(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.bin").write_bytes(b"b")
    trace = _recorded(
        tmp_path,
        """
open("a.txt").read()
fd = os.open("b.bin", os.O_RDONLY); os.close(fd)
open("w.txt", "w").write("w")
os.listdir(".")
import pandas as pd
df = pd.DataFrame({"x": [1, 2]})
df.to_parquet("t.parquet")
df.to_feather("t.feather")
import pyarrow.parquet as pq, pyarrow.dataset as ds, pyarrow.feather as feather
df.to_csv("t.csv")
pq.read_table("t.parquet"); ds.dataset("t.parquet").to_table()
pd.read_feather("t.feather"); feather.read_table("t.feather"); pd.read_csv("t.csv")
""",
    )
    assert _names(trace["reads"]) == {"a.txt", "b.bin"}  # the rest it wrote first
    assert {"w.txt", "t.parquet", "t.feather", "t.csv"} <= _names(trace["writes"])
    assert str(tmp_path) in trace["dirs"]
    assert trace["unknown"] == []
    assert {"pandas", "pyarrow", "numpy"} <= set(trace["packages"])


def test_the_recorder_says_what_it_cannot_see(tmp_path: Path) -> None:
    trace = _recorded(
        tmp_path,
        """
import subprocess, sqlite3
subprocess.run([sys.executable, "-c", "pass"])
sqlite3.connect("x.sqlite").close()
open("x.sqlite", "rb").read()
open("x.sqlite", "ab").write(b"")
""",
    )
    reasons = "\n".join(trace["unknown"])
    assert "ran a subprocess" in reasons and "opened SQLite database 'x.sqlite'" in reasons
    assert "read " + str(tmp_path / "x.sqlite") + " and then wrote it" in reasons


def test_the_recorder_notes_the_run_properties_looked_up(tmp_path: Path) -> None:
    ctx = {"workflow_name": "w", "workflow_run_id": "wr_1", "job_name": "j", "job_run_id": "jr_1",
           "run_properties": {"a": "1", "b": "x", "c": "y"}, "updates_path": None}  # fmt: skip
    trace = _recorded(
        tmp_path,
        f"""
os.environ["GLUE_NB_JOB_CONTEXT"] = {json.dumps(json.dumps(ctx))}
from glue_nb import runtime
props = runtime.get_run_properties()
props["a"]; props.get("missing"); "b" in props
""",
    )
    assert trace["properties"] == {"a": "1", "missing": None, "b": "x"}


def test_the_recorder_notes_every_file_opened_in_a_loop(tmp_path: Path) -> None:
    """100 opens of 100 files, each read twice, give 100 reads and no writes (what one file costs
    to record is measured by ``benchmarks/bench_reuse.py``, not here)."""
    for i in range(100):
        (tmp_path / f"f{i}.txt").write_text(str(i))
    script = tmp_path / "opens.py"
    script.write_text(
        "import json, sys\n"
        "from glue_nb.reuse import recorder\n"
        "from glue_nb.reuse.trace import complete_trace\n"
        "recorder.install()\n"
        "for _ in range(2):\n"
        "    for i in range(100):\n"
        "        with open(f'f{i}.txt') as fh: fh.read()\n"
        "recorder.dump('trace.json')\n"
        "trace = complete_trace(json.load(open('trace.json')))\n"
        "print(json.dumps([[r['resource'] for r in trace[k]] for k in ('reads', 'writes')]))\n"
    )  # fmt: skip
    done = subprocess.run([PYTHON, str(script)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60, check=True)  # fmt: skip
    reads, writes = json.loads(done.stdout)
    assert len(reads) == 100 and writes == []
    assert {Path(r).name for r in reads} == {f"f{i}.txt" for i in range(100)}


def test_a_kernel_without_the_recorder_is_never_reused(tmp_path: Path) -> None:
    from glue_nb.jobs.notebook import _trace
    from glue_nb.jobs.spec import JobSpec

    spec = JobSpec("jr_x", "j", "nb.ipynb", {}, str(tmp_path / "o.ipynb"))
    trace = _trace(spec, str(tmp_path / "missing.json"), str(tmp_path), {"key": "k"})
    assert trace["unknown"] and "recorded nothing" in trace["unknown"][0]


def test_a_changed_local_module_reruns_its_importer(tmp_path: Path, client: Any) -> None:
    """A helper module beside the notebook is an input, also when Python imports it from its
    cached bytecode (no ``open`` of the source then)."""
    (tmp_path / "helper.py").write_text("FACTOR = 2\n")
    write_notebook(tmp_path / "uses.ipynb", [
        "x = 1",
        "import sys\nsys.dont_write_bytecode = False\nimport helper\n"
        "open('uses.txt', 'w').write(str(x * helper.FACTOR))"])  # fmt: skip
    make_workflow(client, "helper", {"uses": {"notebook": str(tmp_path / "uses.ipynb")}}, ["uses"])

    def run() -> dict[str, Any]:
        run_id = client.start_workflow_run(Name="helper", Reuse=True)["RunId"]
        return _latest(wait_run(glue_nb.client(client.home), "helper", run_id, timeout=180))

    run()
    assert list((tmp_path / "__pycache__").glob("helper.*.pyc"))  # the next import uses it
    assert run()["uses"].get("ReusedFrom")
    # another size: Python's own bytecode check compares whole seconds and sizes
    (tmp_path / "helper.py").write_text("FACTOR = 30\n")
    again = run()["uses"]
    assert not again.get("ReusedFrom") and (tmp_path / "uses.txt").read_text() == "30"
    answer = explain_run(client, again["Id"])
    assert ("file", str(tmp_path / "helper.py")) in [
        (c["what"], c["name"]) for c in answer["Changes"]
    ]


def explain_run(client: Any, job_run_id: str) -> dict[str, Any]:
    return dict(client.explain_job_run(RunId=job_run_id)["Explanation"])


def test_the_recorder_sees_remote_fsspec_reads_with_what_identifies_them(tmp_path: Path) -> None:
    trace = _recorded(
        tmp_path,
        """
import io
import fsspec
from fsspec.spec import AbstractFileSystem

class Remote(AbstractFileSystem):
    protocol = "fakeremote"
    def _open(self, path, mode="rb", **kwargs):
        return io.BytesIO(b"remote data")
    def info(self, path, **kwargs):
        return {"name": path, "size": 11, "type": "file", "ETag": '"e1"'}
    def ls(self, path, detail=True, **kwargs):
        return [self.info(path + "/x")]

fsspec.register_implementation("fakeremote", Remote)
with fsspec.open("fakeremote://bucket/key.csv", "rb") as fh:
    fh.read()
fs = fsspec.filesystem("fakeremote")
fs.ls("bucket")
""",
    )
    urls = [r for r in trace["reads"] if r["kind"] == "url"]
    assert [u["resource"] for u in urls] == ["fakeremote://bucket/key.csv"]
    assert json.loads(urls[0]["etag"]) == {"ETag": '"e1"', "size": "11"}
    assert trace["unknown"] == [
        "listed or looked up fakeremote://bucket: remote listings are not fingerprinted"
    ]


def test_a_read_above_the_parameters_cell_is_recorded(tmp_path: Path, client: Any) -> None:
    (tmp_path / "config.txt").write_text("a")
    write_notebook(tmp_path / "top.ipynb", [
        "config = open('config.txt').read()", "x = 1", "y = config * x"],
        parameters_cell=1)  # fmt: skip
    make_workflow(client, "top", {"top": {"notebook": str(tmp_path / "top.ipynb")}}, ["top"])

    def reused() -> bool:
        run_id = client.start_workflow_run(Name="top", Reuse=True)["RunId"]
        run = wait_run(glue_nb.client(client.home), "top", run_id, timeout=180)
        return bool(_latest(run)["top"].get("ReusedFrom"))

    assert not reused() and reused()
    (tmp_path / "config.txt").write_text("b")
    assert not reused()


def test_a_job_with_its_bookmark_on_always_runs(tmp_path: Path, client: Any) -> None:
    """What a bookmarked job reads is "the files not processed yet", which the bookmark decides:
    such a job is never reused, and ``why`` says so."""
    write_notebook(tmp_path / "bm.ipynb", ["x = 1", "y = x + 1"])
    args = {"--job-bookmark-option": "job-bookmark-enable"}
    make_workflow(client, "bookmarked", {
        "bm": {"notebook": str(tmp_path / "bm.ipynb"), "DefaultArguments": args},
        "plain": {"notebook": str(tmp_path / "bm.ipynb")},
    }, ["bm", "plain"])  # fmt: skip
    for _ in range(2):
        run_id = client.start_workflow_run(Name="bookmarked", Reuse=True)["RunId"]
        run = wait_run(glue_nb.client(client.home), "bookmarked", run_id, timeout=180)
    latest = _latest(run)
    assert latest["plain"].get("ReusedFrom") and not latest["bm"].get("ReusedFrom")
    changes = explain_run(client, latest["bm"]["Id"])["Changes"]
    assert [c["what"] for c in changes] == ["unknown"]
    assert "job bookmark is on (job-bookmark-enable)" in changes[0]["name"]


def test_a_changed_file_reads_like_for_like(tmp_path: Path) -> None:
    """``why`` compares a file's old and new identity of the same kind: two hashes when the
    size is the same, two sizes when it changed (a changed size is not hashed)."""
    from glue_nb.reuse.trace import file_identity
    from glue_nb.reuse.verify import check_trace
    from glue_nb.reuse.why import format_change

    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,2\n")
    record = {"direction": "read", "kind": "file", "resource": str(data)}
    record.update(file_identity(str(data)))
    trace = {"reads": [record]}
    data.write_text("a,b\n1,3\n")  # same size, other content
    [same_size] = check_trace(trace, properties={})
    assert same_size["old"].startswith("sha256:") and same_size["new"].startswith("sha256:")
    data.write_text("a,b\n1,2\n3,4\n")
    [resized] = check_trace(trace, properties={})
    assert (resized["old"], resized["new"]) == ("8 bytes", "12 bytes")
    assert format_change(resized) == f"file {data}: 8 bytes → 12 bytes"


def test_glue_nbs_own_files_are_never_a_jobs_reads(tmp_path: Path) -> None:
    """With the editable install of a checkout, glue-nb's modules live outside site-packages:
    importing one in a job is the runtime at work, not data for lineage (its version counts)."""
    import glue_nb

    (tmp_path / "data.csv").write_text("a\n1\n")
    trace = _recorded(
        tmp_path, "import glue_nb.catalog.read, glue_nb.charts\nopen('data.csv').read()"
    )
    package = str(Path(glue_nb.__file__).resolve().parent)
    reads = [r["resource"] for r in trace["reads"]]
    assert [r for r in reads if r.startswith(package) or "__editable__." in r] == []
    assert _names(trace["reads"]) == {"data.csv"}
