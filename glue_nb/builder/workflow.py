"""The :class:`Workflow` object: a workflow's settings and graph (see
:mod:`~glue_nb.builder.triggers`), edited copies, its Glue requests, and its life in a home or on a
``glue-nb serve``: deploy, start, runs, load, display.

``deploy`` writes everything in one transaction through the client (glue-nb's ``ApplyWorkflow``),
so a workflow built here can be inspected and changed with the client and vice versa;
``Workflow.load`` reads a stored one back (:mod:`~glue_nb.builder.load`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from glue_nb.builder.checks import ParameterWarning, check_parameters, show
from glue_nb.builder.load import load_workflow
from glue_nb.builder.nodes import Crawler, NotebookJob
from glue_nb.builder.triggers import WorkflowGraph
from glue_nb.exceptions import InvalidInputException
from glue_nb.model import check_integer, check_string_map, check_text

if TYPE_CHECKING:
    from glue_nb.client import GlueClient
    from glue_nb.run import Run

__all__ = ["Workflow"]


class Workflow(WorkflowGraph):
    """A workflow under construction (or loaded from the store), built by chaining calls."""

    def __init__(
        self,
        name: str,
        *,
        description: str | None = None,
        default_run_properties: Mapping[str, str] | None = None,
        max_concurrent_runs: int | None = None,
        home: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(name)
        where = f"Workflow {name!r}"
        if description is not None:
            description = check_text(f"{where}: description", description, 120000)
        self.description = description
        self.default_run_properties = check_string_map(
            f"{where}: default_run_properties", default_run_properties
        )
        if max_concurrent_runs is not None:
            max_concurrent_runs = check_integer(
                f"{where}: max_concurrent_runs (None: unlimited)", max_concurrent_runs, 1
            )
        self.max_concurrent_runs = max_concurrent_runs
        if home is not None and not isinstance(home, (str, os.PathLike)):
            raise InvalidInputException(
                f"{where}: home must be a folder path (a str or pathlib.Path) or None, "
                f"got {type(home).__name__} {show(home)}"
            )
        self.home = home

    def __repr__(self) -> str:
        return (
            f"<glue_nb.Workflow {self.name!r}: {len(self.jobs)} jobs, {len(self.crawlers)} "
            f"crawlers, {len(self.triggers)} triggers>"
        )

    # -- editing a loaded workflow ---------------------------------------------------------------
    def remove_trigger(self, name: str) -> Workflow:
        """Drop a trigger (jobs only it started stay defined but are no longer in the graph)."""
        if not isinstance(name, str) or name not in self.triggers:
            raise InvalidInputException(
                f"Workflow {self.name!r} has no trigger {name!r} "
                f"(known: {', '.join(self.triggers)})"
            )
        del self.triggers[name]
        return self

    def replace(self, node: NotebookJob | Crawler) -> Workflow:
        """A copy of this workflow with ``node`` in place of the job or crawler of the same name
        (like ``str.replace``: this workflow is left as it is, and nothing is written).

        The copy is the same workflow (same name): its ``deploy()`` or ``start()`` stores its
        definitions, which every later run then uses, from Python, the CLI or the scheduler,
        until another deploy (``wf.deploy()`` puts the original back)::

            failed = wf.replace(broken).start()   # wf itself still has the good job
            wf.deploy()                           # store the good one again
        """
        if not isinstance(node, (NotebookJob, Crawler)):
            raise InvalidInputException(
                f"Workflow {self.name!r}: replace() takes a NotebookJob or a Crawler, got "
                f"{type(node).__name__} {show(node)}"
            )
        registry: dict[str, Any] = self.jobs if isinstance(node, NotebookJob) else self.crawlers
        if node.name not in registry:
            kind = "job" if isinstance(node, NotebookJob) else "crawler"
            known = ", ".join(sorted(registry)) or "none"
            raise InvalidInputException(
                f"Workflow {self.name!r} has no {kind} {node.name!r} to replace (its {kind}s: "
                f"{known})"
            )
        copy = self._copy()
        if isinstance(node, NotebookJob):
            copy.jobs[node.name] = node
        else:
            copy.crawlers[node.name] = node
        return copy

    def _copy(self) -> Workflow:
        """An independent copy (jobs and crawlers are immutable and shared)."""
        import copy

        other = copy.copy(self)
        other.default_run_properties = dict(self.default_run_properties)
        other.jobs, other.crawlers = dict(self.jobs), dict(self.crawlers)
        other.triggers = copy.deepcopy(self.triggers)
        other._cursor = list(self._cursor)
        return other

    def job(self, name: str) -> NotebookJob:
        if not isinstance(name, str) or name not in self.jobs:
            raise InvalidInputException(
                f"Workflow {self.name!r} has no job {show(name)} "
                f"(known: {', '.join(sorted(self.jobs)) or 'none'})"
            )
        return self.jobs[name]

    # -- to and from the store -------------------------------------------------------------------
    def to_glue(self) -> dict[str, Any]:
        """Glue requests: ``{"Workflow", "Jobs", "Crawlers", "Triggers"}``."""
        workflow: dict[str, Any] = {
            "Name": self.name,
            "DefaultRunProperties": self.default_run_properties,
        }
        if self.description:
            workflow["Description"] = self.description
        if self.max_concurrent_runs is not None:
            workflow["MaxConcurrentRuns"] = self.max_concurrent_runs
        triggers = []
        for trig in self.triggers.values():
            if not trig.get("Actions"):
                raise InvalidInputException(
                    f"Workflow {self.name!r}: trigger {trig['Name']!r} starts nothing; "
                    "follow it with run(...)"
                )
            triggers.append({**trig, "WorkflowName": self.name})
        if not any(t["Type"] != "CONDITIONAL" for t in triggers):
            raise InvalidInputException(f"Workflow {self.name!r} has no start trigger and no jobs")
        return {
            "Workflow": workflow,
            "Jobs": [j.to_request() for j in self.jobs.values()],
            "Crawlers": [c.to_request() for c in self.crawlers.values()],
            "Triggers": triggers,
        }

    def client(self) -> GlueClient:
        """The client of this workflow's home (a folder or a ``glue-nb serve`` URL; default:
        as ``glue_nb.client()`` chooses)."""
        from glue_nb.client import client

        return client(self.home)

    def deploy(self) -> Workflow:
        """Write the workflow, its jobs, crawlers and triggers (atomically: glue-nb's
        ``ApplyWorkflow``); every later run of the workflow uses them, however it is started."""
        self.client().nb.apply_workflow(**self._apply_request())
        return self

    def _apply_request(self) -> dict[str, Any]:
        glue = self.to_glue()
        for message in check_parameters(glue):  # warned at the caller's deploy() or start()
            warnings.warn(message, ParameterWarning, stacklevel=3)
        return {
            "Workflow": glue["Workflow"],
            "Jobs": glue["Jobs"],
            "Triggers": glue["Triggers"],
            "Crawlers": glue["Crawlers"],
        }

    def start(
        self,
        run_properties: Mapping[str, str] | None = None,
        *,
        executor: Any = None,
        reuse: bool | None = None,
    ) -> Run:
        """Deploy, then start a run now (one ``ApplyWorkflow`` with ``Start``); returns its
        :class:`~glue_nb.run.Run`.

        ``reuse=True``: a job whose fingerprint matches an earlier successful run is not run
        again but takes that run's results (see the README's "Reuse"); ``False``: every job
        runs; None (default): the jobs' and the workflow's settings decide (off unless set).

        The run properties and the executor are checked before anything is deployed."""
        from glue_nb.run import Run

        props = check_string_map(f"Workflow {self.name!r} RunProperties", run_properties)
        self._prewarm(executor)
        nb = self.client().nb
        request = {**self._apply_request(), "Start": True, "RunProperties": props}
        if executor is not None:
            request["Executor"] = executor
        if reuse is not None:
            request["Reuse"] = reuse
        run_id = nb.apply_workflow(**request)["RunId"]
        return Run(nb, self.name, run_id)

    def _prewarm(self, executor: Any) -> None:
        """When this run's jobs will run in this process (a local home, the local executor),
        start their kernels now: they start while the client is made and the run is written."""
        from glue_nb.client import resolve

        chosen = executor if executor is not None else os.environ.get("GLUE_NB_EXECUTOR")
        if chosen not in (None, "", "local") or resolve(self.home)[0] != "home":
            return
        from glue_nb.executors.tasks import prewarm

        prewarm((str(j.notebook), j.kernel_name) for j in self.jobs.values())

    def runs(self) -> Any:
        """The runs of this workflow as a DataFrame (newest first)."""
        from glue_nb.history import workflow_runs

        return workflow_runs(self.client(), self.name)

    def last_run(self) -> Run | None:
        """The workflow's latest run (``None`` before its first)."""
        from glue_nb.run import Run

        nb = self.client().nb
        last = nb.get_workflow(Name=self.name)["Workflow"].get("LastRun")
        return None if last is None else Run(nb, self.name, last["WorkflowRunId"])

    @classmethod
    def load(cls, name: str, home: str | os.PathLike[str] | None = None) -> Workflow:
        """Read a stored workflow (however it was made) back into the fluent form, from
        ``home`` (a folder or a ``glue-nb serve`` URL)."""
        return load_workflow(cls, name, home)

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from glue_nb.views.static import workflow_mimebundle

        return workflow_mimebundle(self)

    def render(
        self, path: str | os.PathLike[str], format: str | None = None, **options: Any
    ) -> str:
        """Write the static view to ``path`` (svg, png or dot)."""
        from glue_nb.views.static import render_workflow

        return render_workflow(self, path, format=format, **options)
