"""What the Jupyter Server extension does, without tornado: read workflows and runs of a glue-nb
home, and stop, start or resume runs. Every answer is plain JSON.

A home is a folder, or the URL of a ``glue-nb serve`` (a team's server). Everything goes through
the home's client (Glue's API and glue-nb's own), so both kinds answer alike: reads, and stops (a
stop is a store write that the process driving the run acts on). A run started or resumed on a
server is driven by the server. One started or resumed in a local home needs a process to drive
it: a ``python -m glue_nb.jupyter.driver`` process started by the Jupyter server, in a session of
its own, which exits when the run ends (see :mod:`glue_nb.jupyter.driver`).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.live_state import view_detail, view_state, view_svg
from glue_nb.views.states import node_states

__all__ = [
    "changes",
    "design",
    "detail",
    "open_client",
    "resume",
    "run_summary",
    "runs",
    "start",
    "stop",
    "view",
    "workflows",
]

DB_FILE = "glue_nb.sqlite"
_STATUS_CATEGORY = {
    "RUNNING": "running",
    "STOPPING": "running",
    "COMPLETED": "succeeded",
    "STOPPED": "stopped",
    "ERROR": "failed",
}
DRIVER_START_TIMEOUT = 120.0
#: The longest a ``changes`` request may wait, in seconds (it holds no thread meanwhile).
CHANGES_WAIT_MAX = 30.0
#: How often a waiting ``changes`` request asks for the home's change token, in seconds: a
#: local home's (a fraction of a millisecond each), and a server's (one request each).
CHANGES_POLL = 0.1
SERVER_CHANGES_POLL = 1.0
_change_clients: dict[str, Any] = {}


def open_client(home: str) -> Any:
    """glue-nb's API (``client.nb``) of an existing glue-nb home (never creates one), or of the
    ``glue-nb serve`` a URL names."""
    from glue_nb.client import client, is_endpoint

    if not home:
        raise InvalidInputException(
            "no glue-nb home given: pass home=<folder of the store> or a glue-nb serve URL"
        )
    if is_endpoint(home):
        return client(endpoint_url=home).nb
    path = Path(home).expanduser()
    if not (path / DB_FILE).is_file():
        raise EntityNotFoundException(
            f"{str(path)!r} is not a glue-nb home (no {DB_FILE} in it); "
            "a home is created by the first workflow run in it"
        )
    return client(path).nb


def change_token(home: str) -> str | None:
    """The home's change token now (``WaitForChange``; None while there is no store)."""
    c = _change_clients.get(home)
    if c is None:
        try:
            c = _change_clients.setdefault(home, open_client(home))
        except EntityNotFoundException:
            return None
    try:
        token: str = c.wait_for_change()["ChangeToken"]
    except Exception:
        if not c.is_remote:
            raise
        _change_clients.pop(home, None)  # a server that is down (or predates WaitForChange)
        return None
    return token


async def changes(home: str, since: str = "", wait: Any = 10.0) -> dict[str, Any]:
    """Answer as soon as the store of ``home`` has committed anything since the change token
    ``since`` was handed out, or after ``wait`` seconds: ``{"token", "changed"}``. Pages wait
    on it, then refresh. The token is asked for every :data:`CHANGES_POLL` seconds in a local
    home (on the event loop: it costs a fraction of a millisecond), every
    :data:`SERVER_CHANGES_POLL` seconds of a server (on a worker thread)."""
    from glue_nb.client import is_endpoint

    try:
        seconds = float(wait)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= CHANGES_WAIT_MAX:
        raise InvalidInputException(
            f"wait must be a number of seconds from 0 to {CHANGES_WAIT_MAX:g}, got {wait!r}"
        )
    if not home:
        raise InvalidInputException(
            "no glue-nb home given: pass home=<folder of the store> or a glue-nb serve URL"
        )
    loop = asyncio.get_running_loop()
    remote = is_endpoint(home)

    async def token_now() -> str | None:
        if remote or home not in _change_clients:  # a request, or making the client: a thread
            return await loop.run_in_executor(None, change_token, home)
        return change_token(home)

    poll = SERVER_CHANGES_POLL if remote else CHANGES_POLL
    deadline = loop.time() + seconds
    token = await token_now()
    while token == (since or None) and loop.time() < deadline:
        await asyncio.sleep(min(poll, max(0.0, deadline - loop.time())))
        token = await token_now()
    return {"token": token, "changed": token != (since or None)}


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def run_summary(run: Mapping[str, Any]) -> dict[str, Any]:
    """One run in a list: ids, status (and its colour category), times, Statistics."""
    stats = run.get("Statistics") or {}
    status = run.get("Status", "?")
    category = _STATUS_CATEGORY.get(status, "pending")
    if status == "COMPLETED" and (
        stats.get("FailedActions") or stats.get("TimeoutActions") or stats.get("ErroredActions")
    ):
        category = "failed"  # Glue's COMPLETED with failures: read it as a failure
    started, completed = run.get("StartedOn"), run.get("CompletedOn")
    duration = None
    if isinstance(started, datetime):
        end = completed if isinstance(completed, datetime) else None
        duration = (end.timestamp() if end else time.time()) - started.timestamp()
    return {
        "workflow": run.get("Name", ""),
        "run_id": run.get("WorkflowRunId", ""),
        "previous_run_id": run.get("PreviousRunId") or "",
        "status": status,
        "category": category,
        "active": status in WORKFLOW_RUN_ACTIVE,
        "started": _iso(started),
        "completed": _iso(completed),
        "duration": duration,
        "statistics": stats,
        "resumable": status not in WORKFLOW_RUN_ACTIVE
        and bool(
            stats.get("FailedActions") or stats.get("TimeoutActions") or stats.get("StoppedActions")
        ),
    }


def workflows(home: str, runs_per_workflow: int = 5) -> dict[str, Any]:
    """Every workflow of ``home`` with its latest runs (newest first)."""
    try:
        c = open_client(home)
    except EntityNotFoundException:
        return {"home": home, "exists": False, "workflows": []}
    out = []
    for name in c.list_workflows()["Workflows"]:
        wf = c.get_workflow(Name=name)["Workflow"]
        recent = c.get_workflow_runs(Name=name, MaxResults=runs_per_workflow)["Runs"]
        out.append(
            {
                "name": name,
                "description": wf.get("Description") or "",
                "runs": [run_summary(r) for r in recent],
            }
        )
    return {"home": c.location, "exists": True, "workflows": out}


def runs(home: str, workflow: str, limit: int = 20) -> dict[str, Any]:
    """The latest ``limit`` runs of a workflow."""
    c = open_client(home)
    found = c.get_workflow_runs(Name=workflow, MaxResults=max(1, min(limit, 1000)))["Runs"]
    return {"workflow": workflow, "runs": [run_summary(r) for r in found]}


def _described(c: Any, workflow: str, run_id: str | None) -> dict[str, Any]:
    if not run_id:
        last = c.get_workflow(Name=workflow)["Workflow"].get("LastRun")  # EntityNotFound
        if last is None:
            raise EntityNotFoundException(f"workflow {workflow!r} has no runs yet")
        run_id = last["WorkflowRunId"]
    return c.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]


def view(home: str, workflow: str, run_id: str | None = None, selected: str = "") -> dict:
    """What the live view of a run shows: ``{"state", "svg", "detail"}`` (the latest run when
    ``run_id`` is empty)."""
    c = open_client(home)
    run = _described(c, workflow, run_id)
    states = node_states(run)
    state = view_state(run, home=c.location, states=states)
    uid = selected if selected in states else state["default_selected"]
    detail = view_detail(run, uid, states, c.location)
    return {"state": state, "svg": view_svg(run, states), "detail": detail}


def detail(home: str, workflow: str, run_id: str, node: str) -> dict[str, Any]:
    """One node's attempts: ``{"run_id", "id", "html"}``."""
    c = open_client(home)
    run = _described(c, workflow, run_id)
    found = view_detail(run, node, home=c.location)
    if not found["id"]:
        raise EntityNotFoundException(f"run {run_id} of {workflow!r} has no node {node!r}")
    return found


def design(home: str, workflow: str) -> dict[str, Any]:
    """The stored workflow's design view as SVG."""
    from glue_nb.views.static import stored_view

    c = open_client(home)
    return {"workflow": workflow, "svg": stored_view(c, workflow, legend=False).svg()}


def stop(home: str, workflow: str, run_id: str) -> dict[str, Any]:
    """Ask the process driving the run to stop it (a store write; it acts within a moment)."""
    c = open_client(home)
    c.stop_workflow_run(Name=workflow, RunId=run_id)
    status = c.get_workflow_run(Name=workflow, RunId=run_id)["Run"]["Status"]
    return {"workflow": workflow, "run_id": run_id, "status": status}


def start(home: str, workflow: str, properties: Mapping[str, str] | None = None) -> dict:
    """Start a run: on a server, the server drives it; in a local home, a new driver process
    does. Returns its run id."""
    c = open_client(home)
    c.get_workflow(Name=workflow)  # a clear error before any process starts
    props = {str(k): str(v) for k, v in (properties or {}).items()}
    if c.is_remote:
        out = c.start_workflow_run(Name=workflow, RunProperties=props)
        return {"workflow": workflow, "run_id": out["RunId"]}
    return _drive(home, {"action": "start", "workflow": workflow, "properties": props})


def resume(home: str, workflow: str, run_id: str, nodes: list[str] | None = None) -> dict:
    """Resume a run's failed, timed-out and stopped nodes (or ``nodes``) in a new run, driven
    by the server (a server's run) or a new driver process (a local home's); returns the new
    run's id."""
    from glue_nb.run import Run

    c = open_client(home)
    old = Run(c, workflow, run_id)
    if old.status in WORKFLOW_RUN_ACTIVE:
        raise InvalidInputException(f"workflow run {run_id} is still {old.status}: stop it first")
    if not nodes and not old.failed_nodes():
        raise InvalidInputException(
            f"workflow run {run_id} has no failed, timed-out or stopped nodes to resume"
        )
    if c.is_remote:
        new = old.resume(nodes or None)
        return {"workflow": workflow, "run_id": new.run_id, "previous_run_id": run_id}
    return _drive(
        home, {"action": "resume", "workflow": workflow, "run_id": run_id, "nodes": nodes or []}
    )


def _drive(home: str, request: dict[str, Any]) -> dict[str, Any]:
    """Start a driver process and wait for the first line it prints (the run id or an error)."""
    home_path = Path(home).expanduser().absolute()
    log = open(home_path / "jupyter-driver.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "glue_nb.jupyter.driver", str(home_path), json.dumps(request)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=home_path.parent,
            start_new_session=True,  # the run goes on if the Jupyter server stops
            env={**os.environ, "GLUE_NB_HOME": str(home_path)},
        )
    finally:
        log.close()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    proc.stdout.close()
    try:
        answer = json.loads(line)
    except ValueError:
        code = proc.wait(timeout=DRIVER_START_TIMEOUT)
        raise InvalidInputException(
            f"the run driver exited ({code}) before starting the run; see "
            f"{home_path / 'jupyter-driver.log'}"
        )
    if "error" in answer:
        proc.wait(timeout=DRIVER_START_TIMEOUT)
        raise InvalidInputException(answer["error"])
    answer["driver_pid"] = proc.pid
    threading.Thread(target=proc.wait, name="glue-nb-driver-reaper", daemon=True).start()
    return answer
