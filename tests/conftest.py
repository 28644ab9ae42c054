"""Shared fixtures: a throw-away glue-nb home, tiny golden notebooks, and store snapshots.

Golden notebooks live in ``tests/notebooks/`` (written by :func:`write_notebook`; regenerate them
with ``python tests/conftest.py``). ``job.ipynb`` does everything a test needs, steered by its
parameters: it records what it saw as a run property, then sleeps, raises, exits or kills its
kernel as asked. Its user cells are numbered 1..7; a raise happens in cell 4.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest

import glue_nb
from glue_nb.client import GlueClient
from glue_nb.executors.base import Executor, Handle, Task
from glue_nb.executors.instant import InstantExecutor  # noqa: F401 - tests import it from here
from glue_nb.jobs.spec import JobResult

TESTS = Path(__file__).resolve().parent
NOTEBOOKS = TESTS / "notebooks"
ROOT = TESTS.parent
PYTHON = sys.executable

# -- golden notebooks ---------------------------------------------------------------------------
JOB_PARAMETERS = """\
n = 1
ratio = 0.5
flag = False
label = "default"
sleep = 0.0
fail = ""
exit_code = -1
kill = False"""

JOB_CELLS = [
    JOB_PARAMETERS,
    # cell 2: record what this job saw (parameters with their types, injected ids, properties)
    """\
import json, os, signal, sys, time
from glue_nb import runtime
seen = {
    "n": n, "ratio": ratio, "flag": flag, "label": label,
    "types": [type(v).__name__ for v in (n, ratio, flag, label)],
    "WORKFLOW_NAME": WORKFLOW_NAME, "WORKFLOW_RUN_ID": WORKFLOW_RUN_ID,
    "JOB_NAME": JOB_NAME, "JOB_RUN_ID": JOB_RUN_ID,
    "properties": {k: v for k, v in runtime.get_run_properties().items()
                   if not k.startswith("seen.")},
    "cwd": os.getcwd(),
    "pid": os.getpid(),
}
print("SEEN " + json.dumps(seen))
print("a line for stderr", file=sys.stderr)
runtime.put_run_properties({"seen." + JOB_NAME: json.dumps(seen)})""",
    "if sleep:\n    time.sleep(sleep)",
    "if fail:\n    raise ValueError(fail)",
    "if exit_code >= 0:\n    sys.exit(exit_code)",
    "if kill:\n    os.kill(os.getpid(), signal.SIGKILL)",
    'runtime.put_run_properties({"done." + JOB_NAME: "yes"})',
]

# The Glue pattern, unchanged: a client inside the job reads and writes the run's properties.
PROPS_CELLS = [
    'key = "k"\nvalue = "v"',
    """\
import json
import glue_nb
c = glue_nb.client()
props = c.get_workflow_run_properties(Name=WORKFLOW_NAME, RunId=WORKFLOW_RUN_ID)["RunProperties"]
c.put_workflow_run_properties(
    Name=WORKFLOW_NAME, RunId=WORKFLOW_RUN_ID,
    RunProperties={key: value, "saw." + JOB_NAME: json.dumps(props, sort_keys=True)},
)
after = c.get_workflow_run_properties(Name=WORKFLOW_NAME, RunId=WORKFLOW_RUN_ID)["RunProperties"]
assert after[key] == value, after""",
]


def write_notebook(
    path: str | os.PathLike[str],
    cells: Sequence[str],
    *,
    parameters_cell: int | None = 0,
    kernelspec: bool = True,
) -> Path:
    """Write a notebook of code ``cells``; cell ``parameters_cell`` is tagged ``parameters``."""
    nb = nbformat.v4.new_notebook()
    for i, source in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        if i == parameters_cell:
            cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    if kernelspec:
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
    nb.metadata["language_info"] = {"name": "python"}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


GOLDEN = {"job.ipynb": JOB_CELLS, "props.ipynb": PROPS_CELLS}


def golden(name: str) -> str:
    """Absolute path of a golden notebook (written if missing)."""
    path = NOTEBOOKS / name
    if not path.exists():
        write_notebook(path, GOLDEN[name])
    return str(path)


JOB_NB = golden("job.ipynb")
PROPS_NB = golden("props.ipynb")


# -- homes and clients --------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def client(home: Path, clean_env: None) -> GlueClient:
    """glue-nb's own API over the home (Glue's operations with glue-nb's details, Executor=)."""
    return glue_nb.client(home).nb


def job_request(name: str, notebook: str = JOB_NB, **fields: Any) -> dict[str, Any]:
    """A CreateJob request for a notebook job."""
    return {"Name": name, "Command": {"Name": "notebook", "ScriptLocation": notebook}, **fields}


def condition(job: str, state: str = "SUCCEEDED") -> dict[str, str]:
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def action(job: str, **arguments: str) -> dict[str, Any]:
    return {"JobName": job, "Arguments": {f"--{k}": v for k, v in arguments.items()}}


def make_workflow(
    c: GlueClient,
    name: str,
    jobs: Mapping[str, Mapping[str, Any]],
    start: Sequence[str | dict[str, Any]],
    conditional: Sequence[tuple[str, Sequence[dict[str, str]], str, Sequence[Any]]] = (),
    **workflow: Any,
) -> dict[str, str]:
    """Create a workflow through the client.

    ``jobs``: name -> extra CreateJob fields (``ScriptLocation`` defaults to job.ipynb);
    ``start``: the start trigger's actions; ``conditional``: (trigger name, conditions, logical,
    actions). Returns node name -> UniqueId of the design graph.
    """
    c.create_workflow(Name=name, **workflow)
    for job, extra in jobs.items():
        extra = dict(extra)
        notebook = extra.pop("notebook", JOB_NB)
        c.create_job(**job_request(job, notebook, **extra))
    c.create_trigger(
        Name=f"{name}: start",
        WorkflowName=name,
        Type="ON_DEMAND",
        Actions=[a if isinstance(a, dict) else {"JobName": a} for a in start],
    )
    for trig, conds, logical, actions in conditional:
        c.create_trigger(
            Name=trig,
            WorkflowName=name,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={"Logical": logical, "Conditions": list(conds)},
            Actions=[a if isinstance(a, dict) else {"JobName": a} for a in actions],
        )
    graph = c.get_workflow(Name=name, IncludeGraph=True)["Workflow"]["Graph"]
    return {n["Name"]: n["UniqueId"] for n in graph["Nodes"]}


def wait_run(c: GlueClient, name: str, run_id: str, timeout: float = 90.0) -> dict[str, Any]:
    """Poll until the run leaves RUNNING/STOPPING; returns the run with its graph."""
    deadline = time.monotonic() + timeout
    while True:
        run = c.nb.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        if run["Status"] not in ("RUNNING", "STOPPING"):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} of {name!r} still {run['Status']}: {run}")
        time.sleep(0.1)


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def wait_printed(home: Path, job: str, text: str = "SEEN ", timeout: float = 60.0) -> Path:
    """Wait until a running job's stdout log (written live) shows ``text``; job.ipynb prints
    ``SEEN`` in its cell 2, so after this the job is past it (e.g. into its sleep)."""
    from glue_nb.ids import safe_name

    def found() -> Path | None:
        for path in (Path(home) / "runs").rglob(f"{safe_name(job)}-attempt*.stdout.txt"):
            if text in path.read_text(errors="replace"):
                return path
        return None

    return wait_for(found, timeout, f"{job!r} to print {text!r}")


def job_runs(run: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Job name -> its JobRuns (every attempt, in order) in a run's graph."""
    out: dict[str, list[dict[str, Any]]] = {}
    for node in run["Graph"]["Nodes"]:
        if node["Type"] == "JOB":
            out[node["Name"]] = list((node.get("JobDetails") or {}).get("JobRuns", []))
    return out


def states(run: Mapping[str, Any]) -> dict[str, str | None]:
    """Job name -> state of its latest job run (None: never started)."""
    return {
        name: (runs[-1]["JobRunState"] if runs else None) for name, runs in job_runs(run).items()
    }


def fired(run: Mapping[str, Any]) -> dict[str, bool]:
    return {
        n["Name"]: bool(n["TriggerDetails"].get("Fired"))
        for n in run["Graph"]["Nodes"]
        if n["Type"] == "TRIGGER"
    }


def seen(run: Mapping[str, Any], job: str) -> dict[str, Any]:
    """What job.ipynb recorded for ``job`` in the run's properties."""
    return json.loads(run["WorkflowRunProperties"]["seen." + job])


# -- the store ----------------------------------------------------------------------------------
CORE_TABLES = ("workflows", "jobs", "triggers", "workflow_runs", "job_runs")


def snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every row of the core tables (to check that a rejected request wrote nothing)."""
    path = Path(home) / "glue_nb.sqlite"
    if not path.exists():
        return {}
    conn = sqlite3.connect(path)
    try:
        return {
            t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}").fetchall()))
            for t in CORE_TABLES
        }
    finally:
        conn.close()


# -- in-process executors (no kernels) ----------------------------------------------------------


class _Held(Handle):
    def __init__(self, task: Task) -> None:
        self.task = task
        self.callbacks: list[Callable[[Any, BaseException | None], None]] = []
        self.result: JobResult | None = None
        self.lock = threading.Lock()

    def stop(self) -> None:
        self.finish("STOPPED")

    def add_done_callback(self, fn: Callable[[Any, BaseException | None], None]) -> None:
        with self.lock:
            if self.result is None:
                self.callbacks.append(fn)
                return
        fn(self.result, None)

    def finish(self, state: str = "SUCCEEDED") -> None:
        with self.lock:
            if self.result is not None:
                return
            t = time.time()
            self.result = JobResult(self.task.spec.job_run_id, state, t, t)
            callbacks, self.callbacks = self.callbacks, []
        for fn in callbacks:
            fn(self.result, None)


class HeldExecutor(Executor):
    """Jobs run until the test ends them (``finish``) or they are stopped; no kernels."""

    name = "held"

    def __init__(self) -> None:
        self.handles: dict[str, _Held] = {}

    def submit(self, task: Task) -> Handle:
        handle = self.handles[task.spec.job_name] = _Held(task)
        return handle

    def finish(self, job: str, state: str = "SUCCEEDED") -> None:
        self.handles[job].finish(state)


@pytest.fixture
def held() -> Iterator[HeldExecutor]:
    """A HeldExecutor whose jobs are ended (STOPPED) when the test ends, pass or fail."""
    executor = HeldExecutor()
    yield executor
    for handle in list(executor.handles.values()):
        handle.finish("STOPPED")


@pytest.fixture(scope="session", autouse=True)
def _stop_leftover_runs() -> Iterator[None]:
    """A failed test must not leave runs behind: this process waits for its runs at exit."""
    yield
    from glue_nb.engine import Engine

    for engine in list(Engine._instances.values()):
        engine.stop_everything()


def other_owner(store: Any, token: str = "someone-else") -> str:
    """The owner token of a live process on another host (its heartbeat is fresh): work it
    owns is left alone by every reader for a while."""
    from glue_nb.store.ledger import Ledger

    return Ledger(store).owners.claim(
        {"host": "another-host", "pid": 1, "create_time": 1.0, "token": token}
    )


def gone(pid: int) -> bool:
    """True when process ``pid`` has ended (a zombie counts as ended)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests run outside any job context and with no GLUE_NB_HOME (nor a server to talk to)
    unless they set one."""
    monkeypatch.delenv("GLUE_NB_JOB_CONTEXT", raising=False)
    monkeypatch.delenv("GLUE_NB_HOME", raising=False)
    monkeypatch.delenv("GLUE_NB_OUTPUT_ROOT", raising=False)
    monkeypatch.delenv("GLUE_NB_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_GLUE", raising=False)
    yield


if __name__ == "__main__":
    for name, cells in GOLDEN.items():
        print(write_notebook(NOTEBOOKS / name, cells))
