"""Run one notebook job with papermill: parameters in, executed notebook and a result out.

The function here is all an executor calls (:func:`execute_notebook_job`); it needs no store, so
it runs unchanged in a thread of the owning process or on a Dask worker. Failure modes map to
Glue's job-run states as recorded in papermill's behaviour notes:

- a cell raises (or ``sys.exit(1)``)  → FAILED, ``"<ename>: <evalue> (Cell In[N])"`` (N: the
  execution count the executed notebook and the traceback show), traceback kept;
- the kernel dies                    → FAILED, saying the kernel died;
- the run's Timeout passes            → TIMEOUT, the kernel is killed;
- the run is stopped                  → STOPPED, the kernel is killed;
- ``sys.exit(0)``                     → SUCCEEDED (papermill treats it as a normal end);
- a parameter value that does not fit the type of its default → FAILED before anything runs.

A cell tagged ``raises-exception`` that raises still fails the job, as under plain papermill.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.jobs.spec import JobResult, JobSpec
from glue_nb.kernels import scratch
from glue_nb.kernels.launch import destroy_kernel, import_kernel_modules, kill_kernel, start_kernel
from glue_nb.kernels.papermill_engine import engine_name
from glue_nb.model import job_notebook, parameter_name
from glue_nb.reuse.fingerprint import ParameterError, coerce_value, default_value, static_part
from glue_nb.reuse.trace import complete_trace
from glue_nb.slowimports import defer_slow_imports

__all__ = ["ParameterError", "coerce_parameters", "execute_notebook_job", "import_job_modules"]

log = logging.getLogger(__name__)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
INJECTED = ("WORKFLOW_NAME", "WORKFLOW_RUN_ID", "JOB_NAME", "JOB_RUN_ID")
CONTEXT_TAG = "glue-nb-context"


class _Stopped(Exception):
    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state, self.message = state, message


# -- parameters ---------------------------------------------------------------------------------
def coerce_parameters(nb: Any, arguments: dict[str, str]) -> dict[str, Any]:
    """Glue arguments → notebook parameters, typed after the ``parameters`` cell's defaults.

    ``--name`` becomes ``name``; keys that are not Python identifiers (Glue's own special
    parameters such as ``--enable-metrics``) are not injected.
    """
    from papermill.inspection import _infer_parameters

    defaults = {p.name: default_value(p.default) for p in _infer_parameters(nb)}
    params: dict[str, Any] = {}
    for key, raw in arguments.items():
        name = parameter_name(key)
        if not name.isidentifier():
            continue
        params[name] = coerce_value(name, raw, defaults[name], key) if name in defaults else raw
    return params


# -- imports -----------------------------------------------------------------------------------
_imports_lock = threading.Lock()
_imported = False


def import_job_modules() -> None:
    """Import what a notebook job needs, once, in one thread: many job threads importing
    jupyter_client and papermill at the same moment can see partly initialised modules."""
    global _imported
    if _imported:
        return
    with _imports_lock:
        if not _imported:
            defer_slow_imports()
            import_kernel_modules()  # jupyter_client, under the kernel starters' lock
            import papermill
            import papermill.engines  # noqa: F401

            _imported = True


# -- notebook preparation -----------------------------------------------------------------------
def recording() -> bool:
    """Does this process record what its jobs read and write? (``GLUE_NB_RECORD=0``: no; such
    runs are never reused, and lineage does not see them)"""
    return os.environ.get("GLUE_NB_RECORD", "1").strip().lower() not in ("0", "false", "no", "off")


def _context_cell(
    spec: JobSpec,
    updates_path: str,
    cwd: str | None,
    bookmark: dict[str, str] | None = None,
    trace: tuple[str, int] | None = None,
) -> Any:
    """The cell glue-nb runs first: the job's context (with its bookmark), its folder, and
    (``trace``: where to write it, after how many executed cells) the recorder of what the job
    reads and writes."""
    import nbformat

    from glue_nb.runtime import CONTEXT_ENV  # layer 5: imported lazily

    context = {
        "workflow_name": spec.workflow_name,
        "workflow_run_id": spec.workflow_run_id,
        "job_name": spec.job_name,
        "job_run_id": spec.job_run_id,
        "run_properties": spec.run_properties,
        "updates_path": updates_path,
        "home": spec.home,
        "bookmark": bookmark,
    }
    lines = [
        "# glue-nb job context (inserted by glue-nb, read by glue_nb.runtime)",
        "import os as _os",
        f"_os.environ[{CONTEXT_ENV!r}] = {json.dumps(context)!r}",
    ]
    if cwd:
        lines.append(f"_os.chdir({cwd!r})")
    lines.append("del _os")
    if trace is not None:
        lines += [
            "try:  # what the job reads and writes (glue_nb.reuse.recorder: standard library only)",
            "    from glue_nb.reuse import recorder as _recorder",
            f"    _recorder.install({trace[0]!r}, cells={trace[1]})",
            "    del _recorder",
            "except ImportError:  # a kernel whose Python has no glue_nb: nothing is recorded",
            "    pass",
        ]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = [CONTEXT_TAG]
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def _executed(cells: list[Any]) -> int:
    """How many of ``cells`` nbclient executes (code cells that are not blank or skipped)."""
    return sum(
        1
        for c in cells
        if c.cell_type == "code"
        and c.source.strip()
        and "skip-execution" not in c.metadata.get("tags", [])
    )


def _prepare(
    spec: JobSpec,
    nb: Any,
    updates_path: str,
    cwd: str | None,
    bookmark: dict[str, str] | None = None,
    trace_path: str | None = None,
) -> tuple[Any, list[int]]:
    """Parameterize ``nb``; returns it and the indexes of the cells glue-nb and papermill added."""
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import find_first_tagged_cell_index

    params = coerce_parameters(nb, spec.arguments)
    params.update(
        WORKFLOW_NAME=spec.workflow_name,
        WORKFLOW_RUN_ID=spec.workflow_run_id,
        JOB_NAME=spec.job_name,
        JOB_RUN_ID=spec.job_run_id,
    )
    nb = parameterize_notebook(nb, params, kernel_name=spec.kernel_name)
    injected = max(find_first_tagged_cell_index(nb, "injected-parameters"), 0)
    # the context cell runs first, so that the recorder sees every cell (also those above the
    # parameters); it writes what it saw after the last cell (IPython's post_run_cell, counted
    # from the context cell on): no cell is added at the end of the user's notebook
    trace = None if trace_path is None else (trace_path, 1 + _executed(nb.cells))
    nb.cells.insert(0, _context_cell(spec, updates_path, cwd, bookmark, trace))
    return nb, sorted({0, injected + 1})


def _error_from(exc: Exception, inserted: list[int]) -> tuple[str, dict[str, Any]]:
    """Glue's ErrorMessage and the detail kept with the run. The message names the failing cell
    by its execution count, ``(Cell In[5])``, the number its prompt shows in the executed notebook
    and its traceback names; ``cell_index`` counts cells as in the user's notebook (the cells
    glue-nb inserted are not counted)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    traceback = getattr(exc, "traceback", None) or []
    cell_index = getattr(exc, "cell_index", None)
    detail: dict[str, Any] = {
        "ename": ename,
        "evalue": evalue,
        "traceback": _ANSI.sub("", "\n".join(traceback)),
        "exec_count": getattr(exc, "exec_count", None),
    }
    where = ""
    if isinstance(cell_index, int):
        original = cell_index - sum(1 for i in inserted if i < cell_index)
        detail["cell_index"] = original
        detail["output_cell_index"] = cell_index
        where = f" (cell {original + 1})"
    if isinstance(detail["exec_count"], int):  # as the traceback and the executed notebook say
        where = f" (Cell In[{detail['exec_count']}])"
    return f"{ename}: {evalue}{where}"[:2048], detail


# -- the job ------------------------------------------------------------------------------------
def execute_notebook_job(
    spec: JobSpec,
    should_stop: Callable[[], bool] | None = None,
    *,
    kernel_factory: Callable[[str, str | None], Any] | None = None,
) -> JobResult:
    """Execute ``spec``'s notebook with papermill and describe how it ended.

    ``should_stop`` is polled while the notebook runs; when it returns true the kernel is killed
    and the run ends STOPPED. ``kernel_factory(kernel_name, cwd)`` returns a started
    ``KernelManager`` (the warm pool plugs in here); by default a fresh kernel is started.
    """
    import_job_modules()
    import papermill
    from papermill.iorw import load_notebook_node

    logging.getLogger("papermill").setLevel(logging.ERROR)

    started = time.time()
    result = JobResult(
        spec.job_run_id, "FAILED", started, started, output_location=spec.output_path
    )
    workdir = scratch.make_dir("j")
    updates_path = os.path.join(workdir, "run_properties.json")
    bookmark = _bookmark_files(spec, workdir)
    trace_path = os.path.join(workdir, "trace.json") if recording() else None
    static: dict[str, Any] | None = None
    km = None
    stop_reason: list[_Stopped] = []
    finished = threading.Event()
    try:
        try:
            nb = load_notebook_node(spec.notebook)
        except Exception as exc:
            raise _Stopped("FAILED", f"notebook {spec.notebook!r} cannot be read: {exc}")
        cwd = spec.cwd or (None if "://" in spec.notebook else str(Path(spec.notebook).parent))
        try:  # nbformat 4, naming its kernel (papermill reads kernel and language from there)
            nb = job_notebook(nb, spec.kernel_name)
        except InvalidInputException as exc:
            raise _Stopped("FAILED", f"KernelStartError: {exc.message}")
        kernel_name = nb.metadata.kernelspec.name
        try:
            static = static_part(nb, spec.arguments, kernel_name)
            nb, inserted = _prepare(spec, nb, updates_path, cwd, bookmark, trace_path)
        except ParameterError as exc:
            raise _Stopped("FAILED", f"InvalidParameter: {exc}")
        _make_parent(spec.output_path)
        if spec.log_path:
            _make_parent(spec.log_path)
        try:
            km = (kernel_factory or start_kernel)(kernel_name, cwd)
        except Exception as exc:
            raise _Stopped("FAILED", f"KernelStartError: {exc}")

        def watch() -> None:
            deadline = started + spec.timeout_seconds if spec.timeout_seconds else None
            while not finished.wait(0.1):
                if should_stop is not None and should_stop():
                    stop_reason.append(_Stopped("STOPPED", "Job run stopped on request"))
                elif deadline is not None and time.time() >= deadline:
                    stop_reason.append(
                        _Stopped("TIMEOUT", f"Job run timed out after {_duration(spec)}")
                    )
                else:
                    continue
                kill_kernel(km)
                return

        _write(nb, spec.output_path)  # kept even if the kernel is killed before the end
        watcher = threading.Thread(target=watch, name=f"glue-nb-watch-{spec.job_run_id[:12]}")
        watcher.daemon = True
        watcher.start()
        out_fh = open(spec.log_path + ".stdout.txt", "w") if spec.log_path else None  # noqa: SIM115
        err_fh = open(spec.log_path + ".stderr.txt", "w") if spec.log_path else None  # noqa: SIM115
        try:
            papermill.execute_notebook(
                nb,
                spec.output_path,
                parameters=None,
                kernel_name=kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                autosave_cell_every=10,
                stdout_file=out_fh,
                stderr_file=err_fh,
                cwd=None,  # the kernel has it (context cell); papermill would chdir this process
                km=km,
                engine_name=engine_name(),  # reuses a pooled kernel's connected client
            )
            result.state = "SUCCEEDED"
        except Exception as exc:
            if stop_reason:
                raise stop_reason[0]
            if type(exc).__name__ == "DeadKernelError":
                raise _Stopped(
                    "FAILED", f"KernelDied: the kernel died while the notebook ran ({exc})"
                )
            result.error_message, result.error_detail = _error_from(exc, inserted)
        finally:
            finished.set()
            for fh in (out_fh, err_fh):
                if fh is not None:
                    fh.close()
    except _Stopped as stop:
        result.state, result.error_message = stop.state, stop.message
        if result.error_detail is None:
            result.error_detail = {"ename": stop.state, "evalue": stop.message}
    except Exception as exc:  # a bug or an I/O error: the job fails, never the engine
        log.exception("job run %s failed outside the notebook", spec.job_run_id)
        result.state, result.error_message = "FAILED", f"{type(exc).__name__}: {exc}"[:2048]
    finally:
        finished.set()
        if km is not None:
            getattr(kernel_factory, "release", destroy_kernel)(km)
        try:
            with open(updates_path, encoding="utf-8") as fh:
                result.property_updates = {str(k): str(v) for k, v in json.load(fh).items()}
        except (OSError, ValueError):
            pass
        result.bookmark = _bookmark_result(bookmark)
        if result.state == "SUCCEEDED" and static is not None and trace_path is not None:
            result.trace = _trace(spec, trace_path, workdir, static)
        shutil.rmtree(workdir, ignore_errors=True)
    result.completed_on = time.time()
    if spec.log_path:
        result.log_location = spec.log_path
    if not _exists(spec.output_path):
        result.output_location = None
    return result


def _bookmark_files(spec: JobSpec, workdir: str) -> dict[str, str] | None:
    """Write the bookmark state the spec carries where ``runtime.bookmark`` reads it; → the
    context's ``bookmark`` entry (None when the bookmark is disabled)."""
    state = spec.bookmark or {}
    option = state.get("option")
    if not option or option == "job-bookmark-disable":
        return None
    state_path = os.path.join(workdir, "bookmark.json")
    with open(state_path, "w", encoding="utf-8") as fh:
        json.dump({k: v for k, v in state.items() if k != "option"}, fh)
    return {
        "option": str(option),
        "state_path": state_path,
        "consumed_path": os.path.join(workdir, "bookmark_consumed.json"),
    }


def _bookmark_result(bookmark: dict[str, str] | None) -> dict[str, Any] | None:
    """What travels back in the JobResult: the option and the files the notebook was handed."""
    if bookmark is None:
        return None
    try:
        with open(bookmark["consumed_path"], encoding="utf-8") as fh:
            files = json.load(fh)
    except (OSError, ValueError):
        files = {}
    return {"option": bookmark["option"], "files": files}


def _trace(spec: JobSpec, trace_path: str, workdir: str, static: dict[str, Any]) -> dict[str, Any]:
    """What the job read and wrote, from its kernel's recorder (stats and hashes are taken here,
    after the notebook has ended); a kernel that recorded nothing gives an unknown trace."""
    try:
        with open(trace_path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError) as exc:
        reason = (
            "the kernel recorded nothing (its Python cannot import glue_nb, or the notebook "
            f"ended early): {type(exc).__name__}"
        )
        return {"static": static, "unknown": [reason], "reads": [], "writes": []}
    home = spec.home or ""
    names = ("glue_nb.sqlite", "glue_nb.sqlite-wal", "glue_nb.sqlite-shm", "store.json")
    store_files = [os.path.join(home, n) for n in names] if home else []
    ignore = [workdir, spec.output_path, *store_files]
    if spec.log_path:
        ignore += [spec.log_path + ".stdout.txt", spec.log_path + ".stderr.txt"]
    trace = complete_trace(raw, ignore=ignore, imports=static.get("imports", ()))
    trace["static"] = static
    return trace


def _duration(spec: JobSpec) -> str:
    seconds = spec.timeout_seconds or 0
    if seconds < 60:
        return f"{seconds:g} seconds (Timeout {seconds / 60:.3g} minutes)"
    return f"{seconds / 60:g} minutes"


def _write(nb: Any, location: str) -> None:
    from papermill.iorw import write_ipynb

    write_ipynb(nb, location)


def _make_parent(location: str) -> None:
    if "://" not in location:
        Path(location).parent.mkdir(parents=True, exist_ok=True)


def _exists(location: str) -> bool:
    if "://" not in location:
        return os.path.exists(location)
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(location)
        return bool(fs.exists(path))
    except Exception:
        return True
