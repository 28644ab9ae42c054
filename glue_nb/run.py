"""A handle on one workflow run: follow it, wait for it, stop or resume it, tabulate it.

A ``Run`` holds only a client and the ids; everything it shows is asked through the client's APIs
(Glue's and glue-nb's own), so a handle made in another process (``glue_nb.Run.get(...)``) sees
the same run, and a handle on a run of a ``glue-nb serve`` works as one on a local home.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glue_nb.exceptions import InvalidInputException, OperationTimeoutException
from glue_nb.states import WORKFLOW_RUN_ACTIVE

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.client import GlueClient
    from glue_nb.views.progress import Progress

__all__ = ["Run"]

RESUMABLE_STATES = ("FAILED", "TIMEOUT", "STOPPED", "ERROR", "CANCELLED")


class Run:
    """One workflow run of a glue-nb home."""

    def __init__(self, client: GlueClient, workflow: str, run_id: str) -> None:
        # glue-nb's own API: runs with each job run's notebook, error detail, fired triggers
        self.client, self.workflow, self.run_id = client.nb, workflow, run_id

    @classmethod
    def get(cls, workflow: str, run_id: str | None = None, home: Any = None) -> Run:
        """A handle on ``run_id`` of ``workflow`` (its latest run when omitted), in ``home``
        (a folder or a ``glue-nb serve`` URL; default: as ``glue_nb.client()`` chooses)."""
        from glue_nb.client import client as make_client

        c = make_client(home).nb
        if run_id is None:
            last = c.get_workflow(Name=workflow)["Workflow"].get("LastRun")
            if last is None:
                raise InvalidInputException(f"workflow {workflow!r} has no runs yet")
            run_id = last["WorkflowRunId"]
        else:
            c.get_workflow_run(Name=workflow, RunId=run_id)
        return cls(c, workflow, run_id)

    def __repr__(self) -> str:
        from glue_nb.views.states import run_status

        status = run_status(self.describe(graph=False)).text
        return f"<glue_nb.Run {self.workflow!r} {self.run_id[:15]}… {status}>"

    # -- state -----------------------------------------------------------------------------------
    def describe(self, graph: bool = True) -> dict[str, Any]:
        """Glue's WorkflowRun dict (with the run graph)."""
        run = self.client.get_workflow_run(
            Name=self.workflow, RunId=self.run_id, IncludeGraph=graph
        )
        return run["Run"]

    @property
    def status(self) -> str:
        return self.describe(graph=False)["Status"]

    @property
    def statistics(self) -> dict[str, int]:
        return self.describe(graph=False)["Statistics"]

    @property
    def properties(self) -> dict[str, Any]:
        """The run properties now, typed as ``glue_nb.runtime.get_run_properties()`` gives them
        (``1200``, ``True``, lists; other text as strings). Glue's strings as stored:
        ``client.get_workflow_run_properties(...)``."""
        from glue_nb.runtime import decode_properties

        props = self.client.get_workflow_run_properties(Name=self.workflow, RunId=self.run_id)
        return decode_properties(props["RunProperties"])

    @property
    def done(self) -> bool:
        return self.status not in WORKFLOW_RUN_ACTIVE

    @property
    def succeeded(self) -> bool:
        """True when the run COMPLETED and every action that ran SUCCEEDED (Glue's COMPLETED
        alone does not say that)."""
        run = self.describe(graph=False)
        stats = run["Statistics"]
        bad = sum(
            stats[k]
            for k in ("FailedActions", "TimeoutActions", "StoppedActions", "ErroredActions")
        )
        return run["Status"] == "COMPLETED" and bad == 0

    def job_runs(self) -> list[dict[str, Any]]:
        """Every JobRun (all attempts) and Crawl of this run, in start order."""
        out = []
        for node in self.describe()["Graph"]["Nodes"]:
            for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
                out.append(jr)
            for crawl in (node.get("CrawlerDetails") or {}).get("Crawls", []):
                out.append({**crawl, "CrawlerName": node["Name"]})
        return sorted(out, key=lambda r: r["StartedOn"])

    # -- control ---------------------------------------------------------------------------------
    def wait(
        self, timeout: float | None = None, *, progress: bool | None = None, poll: float = 0.2
    ) -> Run:
        """Block until the run ends (any process may drive it); returns as soon as it has ended
        (glue-nb's ``WaitForWorkflowRun``). Shows its progress in nodes (``3/7 nodes · 2 running
        · 1 failed``) in Jupyter and on a terminal, refreshed every ``poll`` seconds, unless
        ``progress=False``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _progress(self, progress)
        try:
            run = self.describe(graph=False)
            while True:
                if bar is not None:
                    bar.update(run)
                if run["Status"] not in WORKFLOW_RUN_ACTIVE:
                    return self
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise OperationTimeoutException(
                        f"workflow run {self.run_id} of {self.workflow!r} still {run['Status']} "
                        f"after {timeout} s"
                    )
                # answered at once when the run ends, else after ``poll`` (the bar's refresh;
                # with no bar, after 20 s: asking more often would only cost CPU)
                every = poll if bar is not None else 20.0
                run = self.client.wait_for_workflow_run(
                    Name=self.workflow, RunId=self.run_id,
                    WaitSeconds=max(0.0, min(every, 20.0, left if left is not None else every)),
                )["Run"]  # fmt: skip
        finally:
            if bar is not None:
                bar.close()

    def stop(self) -> Run:
        """Stop the run: running notebooks are interrupted, nothing further starts."""
        self.client.stop_workflow_run(Name=self.workflow, RunId=self.run_id)
        return self

    def failed_nodes(self) -> list[str]:
        """UniqueIds of job/crawler nodes whose latest run did not succeed."""
        from glue_nb.records import node_state

        out = []
        for node in self.describe()["Graph"]["Nodes"]:
            runs = (node.get("JobDetails") or {}).get("JobRuns")
            crawls = (node.get("CrawlerDetails") or {}).get("Crawls")
            state = node_state(runs) if runs else node_state(crawls, "State") if crawls else None
            if state in RESUMABLE_STATES:
                out.append(node["UniqueId"])
        return out

    def resume(
        self, nodes: Sequence[str] | None = None, *, executor: Any = None,
        reuse: bool | None = None,
    ) -> Run:  # fmt: skip
        """Re-run ``nodes`` (UniqueIds or job/crawler names; default: the failed ones) in a new
        run; everything else keeps its result. Returns the new run (this handle keeps naming
        this run: ``run = run.resume()`` to follow, or :meth:`latest` later).

        ``reuse=True`` without ``nodes``: every node is checked and only those whose
        fingerprint changed (a fixed notebook, a changed input) and what is downstream of a
        change run again; the others are reused."""
        if reuse and nodes is None:
            out = self.client.resume_workflow_run(
                Name=self.workflow, RunId=self.run_id, NodeIds=[], Executor=executor, Reuse=True
            )
            return Run(self.client, self.workflow, out["RunId"])
        ids = self._node_ids(nodes) if nodes is not None else self.failed_nodes()
        if not ids:
            raise InvalidInputException(
                f"workflow run {self.run_id} has no failed, timed-out or stopped nodes to resume; "
                "name the nodes to re-run"
            )
        extra = {} if reuse is None else {"Reuse": reuse}
        out = self.client.resume_workflow_run(
            Name=self.workflow, RunId=self.run_id, NodeIds=ids, Executor=executor, **extra
        )
        return Run(self.client, self.workflow, out["RunId"])

    def latest(self) -> Run:
        """The newest run of this run's resume chain: the run that resumed it, the run that
        resumed that one, and so on (this run itself when nobody resumed it). After *Resume
        failed* in the view, ``run.latest()`` is the run the button started."""
        rows = self._runs()  # newest first
        below: dict[str, list[str]] = {}
        for run in rows:
            if run.get("PreviousRunId"):
                below.setdefault(run["PreviousRunId"], []).append(run["WorkflowRunId"])
        chain, todo = {self.run_id}, [self.run_id]
        while todo:
            for child in below.get(todo.pop(), []):
                if child not in chain:
                    chain.add(child)
                    todo.append(child)
        newest = next((r["WorkflowRunId"] for r in rows if r["WorkflowRunId"] in chain),
                      self.run_id)  # fmt: skip
        return self if newest == self.run_id else Run(self.client, self.workflow, newest)

    @property
    def resumed_by(self) -> list[Run]:
        """The runs that resumed this one (usually none or one), oldest first."""
        return [
            Run(self.client, self.workflow, r["WorkflowRunId"])
            for r in reversed(self._runs())
            if r.get("PreviousRunId") == self.run_id
        ]

    def _runs(self) -> list[dict[str, Any]]:
        """The runs of this run's workflow from the newest down to this one (a run that resumed
        it started after it): ``GetWorkflowRuns``, newest first, page by page until this run."""
        out: list[dict[str, Any]] = []
        pages = self.client.get_paginator("get_workflow_runs").paginate(
            Name=self.workflow, PaginationConfig={"PageSize": 50}
        )
        for page in pages:
            for run in page["Runs"]:
                out.append(run)
                if run["WorkflowRunId"] == self.run_id:
                    return out
        return out

    def _node_ids(self, nodes: Sequence[str]) -> list[str]:
        graph = self.describe()["Graph"]["Nodes"]
        by_name = {n["Name"]: n["UniqueId"] for n in graph if n["Type"] != "TRIGGER"}
        return [by_name.get(n, n) for n in nodes]

    # -- tables and views --------------------------------------------------------------------------
    def why(self, node: str) -> Any:
        """Why ``node`` (a job's name or node id) ran in this run, or why it was reused: the
        run it reused, or what changed, old and new (see :func:`glue_nb.history.why`)."""
        from glue_nb.history import why

        return why(self.client, self.workflow, self.run_id, node)

    def table(self) -> pd.DataFrame:
        """One row per job run (every attempt) and crawl of this run."""
        from glue_nb.history import run_table

        return run_table(self.client, self.workflow, self.run_id)

    def view(self, **options: Any) -> Any:
        """A live ipywidget of this run (refreshes while the run is active)."""
        from glue_nb.views.live import RunView

        return RunView(self, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from glue_nb.views.live import RunView
        from glue_nb.views.static import run_mimebundle

        return run_mimebundle(self, include, exclude, widget=RunView)


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (not merely when ipykernel was imported)."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _progress(run: Run, progress: bool | None) -> Progress | None:
    """Jupyter's HTML bar inside a kernel, tqdm's on a terminal (or when asked), else none."""
    import sys

    if progress is False:
        return None
    from glue_nb.views.progress import NotebookProgress, TerminalProgress

    if _in_kernel():
        return NotebookProgress()
    if progress or sys.stderr.isatty():
        return TerminalProgress(run.workflow)
    return None
