"""glue_nb.jobs.notebook: one job spec executed by papermill, and how each ending is reported."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest
from conftest import JOB_NB, gone, write_notebook

from glue_nb.jobs.notebook import ParameterError, coerce_parameters, execute_notebook_job
from glue_nb.jobs.spec import JobResult, JobSpec
from glue_nb.kernels.launch import destroy_kernel, start_kernel
from glue_nb.runtime import CONTEXT_ENV

kernel = pytest.mark.kernel


def spec_for(tmp_path: Path, notebook: str = JOB_NB, **fields: Any) -> JobSpec:
    fields.setdefault("arguments", {})
    return JobSpec(
        job_run_id="jr_" + "0" * 64,
        job_name=fields.pop("job_name", "job"),
        notebook=notebook,
        output_path=str(tmp_path / "out" / "job.ipynb"),
        log_path=str(tmp_path / "out" / "job"),
        **fields,
    )


class Recorder:
    """A kernel factory that remembers the kernels it started."""

    def __init__(self) -> None:
        self.pids: list[int] = []

    def __call__(self, name: str, cwd: str | None) -> Any:
        km = start_kernel(name, cwd)
        self.pids.append(km.provisioner.process.pid)
        return km


# -- parameters (no kernel) ---------------------------------------------------------------------
def load(path: str | Path) -> Any:
    from papermill.iorw import load_notebook_node

    return load_notebook_node(str(path))


@pytest.fixture(scope="module")
def job_nb() -> Any:
    return load(JOB_NB)


def test_coerce_to_the_types_of_the_defaults(job_nb: Any) -> None:
    params = coerce_parameters(
        job_nb,
        {"--n": " 7 ", "--ratio": "1e-3", "--flag": "Yes", "--label": "12", "--new": "x",
         "--enable-metrics": "", "plain": "p"},
    )  # fmt: skip
    assert params == {"n": 7, "ratio": 0.001, "flag": True, "label": "12", "new": "x", "plain": "p"}
    assert coerce_parameters(job_nb, {"--flag": "false"})["flag"] is False
    assert coerce_parameters(job_nb, {"--flag": "0"})["flag"] is False


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [("--n", "abc", "int"), ("--n", "1.5", "int"), ("--ratio", "half", "float"),
     ("--flag", "maybe", "bool")],
)  # fmt: skip
def test_bad_values_name_parameter_and_value(job_nb: Any, key: str, value: str, kind: str) -> None:
    with pytest.raises(ParameterError) as err:
        coerce_parameters(job_nb, {key: value})
    message = str(err.value)
    assert f"parameter {key[2:]!r}" in message and repr(value) in message and kind in message


def test_list_and_dict_defaults(tmp_path: Path) -> None:
    nb = load(write_notebook(tmp_path / "c.ipynb", ["cols = ['a']\nopts = {'x': 1}", "pass"]))
    params = coerce_parameters(nb, {"cols": '["b", "c"]', "opts": "{'y': 2}"})
    assert params == {"cols": ["b", "c"], "opts": {"y": 2}}
    with pytest.raises(ParameterError, match="'cols'"):
        coerce_parameters(nb, {"cols": "{'not': 'a list'}"})


def test_bad_value_fails_before_any_kernel_starts(tmp_path: Path) -> None:
    def no_kernel(*args: Any) -> Any:
        raise AssertionError("a kernel was started")

    spec = spec_for(tmp_path, arguments={"--n": "abc"})
    result = execute_notebook_job(spec, kernel_factory=no_kernel)
    assert result.state == "FAILED"
    assert result.error_message.startswith("InvalidParameter: parameter 'n' expects int")
    assert "'abc'" in result.error_message
    assert result.output_location is None and not Path(spec.output_path).exists()


def test_missing_notebook_at_run_time_names_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.ipynb")
    result = execute_notebook_job(spec_for(tmp_path, notebook=missing))
    assert result.state == "FAILED"
    assert missing in result.error_message and "cannot be read" in result.error_message


def test_results_and_specs_are_plain_data(tmp_path: Path) -> None:
    import pickle

    spec = spec_for(tmp_path, arguments={"--n": "2"}, run_properties={"p": "1"})
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert json.loads(json.dumps(spec.to_dict()))["arguments"] == {"--n": "2"}
    result = JobResult("jr_x", "SUCCEEDED", 1.0, 2.0, property_updates={"a": "b"})
    assert pickle.loads(pickle.dumps(result)) == result


# -- with kernels -------------------------------------------------------------------------------
@kernel
def test_success_output_logs_and_property_updates(tmp_path: Path) -> None:
    spec = spec_for(
        tmp_path,
        arguments={"--n": "3"},
        workflow_name="wf",
        workflow_run_id="wr_1",
        run_properties={"period": "2026-10"},
    )
    result = execute_notebook_job(spec)
    assert result.state == "SUCCEEDED", result.error_message
    assert result.error_message is None
    seen = json.loads(result.property_updates["seen.job"])
    assert seen["n"] == 3 and seen["WORKFLOW_NAME"] == "wf" and seen["WORKFLOW_RUN_ID"] == "wr_1"
    assert seen["properties"] == {"period": "2026-10"}  # the snapshot travelled in
    assert result.property_updates["done.job"] == "yes"  # the updates travel back
    out = nbformat.read(result.output_location, as_version=4)
    assert out.metadata["papermill"]["parameters"]["n"] == 3
    context = next(c for c in out.cells if "glue-nb-context" in c.metadata.get("tags", []))
    assert CONTEXT_ENV in context.source
    assert "SEEN " in Path(f"{result.log_location}.stdout.txt").read_text()
    assert "a line for stderr" in Path(f"{result.log_location}.stderr.txt").read_text()
    assert result.completed_on >= result.started_on


@kernel
def test_outside_a_workflow_ids_are_none(tmp_path: Path) -> None:
    result = execute_notebook_job(spec_for(tmp_path))
    assert result.state == "SUCCEEDED", result.error_message
    seen = json.loads(result.property_updates["seen.job"])
    assert seen["WORKFLOW_NAME"] is None and seen["WORKFLOW_RUN_ID"] is None
    assert seen["JOB_NAME"] == "job" and seen["JOB_RUN_ID"] == "jr_" + "0" * 64


@kernel
def test_timeout_kills_the_kernel(tmp_path: Path) -> None:
    kernels = Recorder()
    spec = spec_for(tmp_path, arguments={"--sleep": "60"}, timeout_seconds=2.0)
    started = time.monotonic()
    result = execute_notebook_job(spec, kernel_factory=kernels)
    assert time.monotonic() - started < 20
    assert result.state == "TIMEOUT"
    assert "timed out after 2 seconds" in result.error_message
    assert kernels.pids and all(gone(pid) for pid in kernels.pids)
    assert Path(result.output_location).is_file()  # the partial notebook is kept


@kernel
def test_stop_request_kills_the_kernel(tmp_path: Path) -> None:
    """Stopped once the job has recorded what it saw (cell 2) and sleeps (cell 3): a fixed 2 s
    timer fired before cell 2 on a loaded machine, where a cold kernel takes longer to start."""
    kernels = Recorder()
    stdout = tmp_path / "out" / "job.stdout.txt"
    seen_at: list[float] = []

    def stop() -> bool:
        if not seen_at and stdout.exists() and "SEEN " in stdout.read_text():
            seen_at.append(time.monotonic())
        return bool(seen_at) and time.monotonic() - seen_at[0] > 1.0

    result = execute_notebook_job(
        spec_for(tmp_path, arguments={"--sleep": "60"}), stop, kernel_factory=kernels
    )
    assert result.state == "STOPPED"
    assert all(gone(pid) for pid in kernels.pids)
    assert result.property_updates.get("seen.job")  # what it did before the stop comes back


@kernel
def test_dead_kernel_fails_without_hanging(tmp_path: Path) -> None:
    started = time.monotonic()
    result = execute_notebook_job(spec_for(tmp_path, arguments={"--kill": "true"}))
    assert time.monotonic() - started < 30
    assert result.state == "FAILED"
    assert "kernel died" in result.error_message.lower()


@kernel
def test_cell_numbers_without_a_parameters_cell(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "plain.ipynb",
        ["x = 1", "raise KeyError('missing')"],
        parameters_cell=None,
    )
    result = execute_notebook_job(spec_for(tmp_path, notebook=str(nb)))
    assert result.state == "FAILED"
    assert result.error_message == "KeyError: 'missing' (Cell In[4])"
    assert result.error_detail["cell_index"] == 1


@kernel
def test_exit_zero_succeeds_exit_one_fails_raises_exception_tag_fails(tmp_path: Path) -> None:
    tagged = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("raise ValueError('expected')")
    cell.metadata["tags"] = ["raises-exception"]
    tagged.cells = [cell, nbformat.v4.new_code_cell("print('after')")]
    tagged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(tagged, str(tmp_path / "tagged.ipynb"))
    specs = {
        "exit0": spec_for(tmp_path / "a", arguments={"--exit_code": "0"}),
        "exit1": spec_for(tmp_path / "b", arguments={"--exit_code": "1"}),
        "tagged": spec_for(tmp_path / "c", notebook=str(tmp_path / "tagged.ipynb")),
    }
    results: dict[str, JobResult] = {}
    threads = [
        threading.Thread(target=lambda k=k, s=s: results.__setitem__(k, execute_notebook_job(s)))
        for k, s in specs.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["exit0"].state == "SUCCEEDED"
    assert "done.job" not in results["exit0"].property_updates  # later cells did not run
    assert results["exit1"].state == "FAILED"
    assert results["exit1"].error_message == "SystemExit: 1 (Cell In[7])"
    assert results["tagged"].state == "FAILED"  # as under plain papermill


@kernel
def test_kernel_runs_in_the_notebooks_folder(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "in.txt").write_text("42")
    nb = write_notebook(
        folder / "reader.ipynb",
        ["", "from glue_nb import runtime\n"
             "runtime.put_run_properties(value=open('data/in.txt').read())"],
    )  # fmt: skip
    result = execute_notebook_job(spec_for(tmp_path, notebook=str(nb)))
    assert result.state == "SUCCEEDED", result.error_message
    assert result.property_updates == {"value": "42"}


@kernel
def test_unknown_kernel_fails_the_job(tmp_path: Path) -> None:
    result = execute_notebook_job(spec_for(tmp_path, kernel_name="no-such-kernel"))
    assert result.state == "FAILED"
    assert "no-such-kernel" in result.error_message


@kernel
def test_simultaneous_kernel_starts_do_not_collide() -> None:
    """IPC sockets in private folders: many kernels started at the same moment all come up."""
    kms: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        barrier.wait()
        try:
            kms.append(start_kernel("python3", os.getcwd()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors and len(kms) == 6
        pids = [km.provisioner.process.pid for km in kms]
        assert all(psutil.pid_exists(pid) and not gone(pid) for pid in pids)
        assert len({km.connection_file for km in kms}) == 6
    finally:
        for km in kms:
            destroy_kernel(km)


def test_parameters_are_parsed_safely_from_many_threads() -> None:
    """Jobs prepare their parameters in threads of one process. On CPython < 3.11.8 two threads
    building ASTs at once (one of them paused by a finalizer the GC runs) fail with
    "SystemError: AST constructor recursion depth mismatch": such a job run failed in CI."""
    import gc
    import sys

    from glue_nb.reuse.fingerprint import default_value

    class Finalized:
        def __init__(self) -> None:
            self.me = self  # a cycle: the GC frees it, running __del__ mid-parse

        def __del__(self) -> None:
            time.sleep(0)  # lets another thread run

    source = "[" + ", ".join(f"({i}, {{'a': [{i}, 'x']}})" for i in range(200)) + "]"
    errors: list[BaseException] = []

    def parse() -> None:
        for _ in range(30):
            for _ in range(5):
                Finalized()
            try:
                assert default_value(source)[199] == (199, {"a": [199, "x"]})
            except BaseException as exc:
                errors.append(exc)
                return

    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(50, 1, 1)
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=parse) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
    assert errors == []
