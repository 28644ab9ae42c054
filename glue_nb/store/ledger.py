"""The ledger: every read and write of run state (workflow runs, job runs, crawls, the triggers
a run fired, and the processes that own them) goes through it.

It is a facade over one repository per table (:mod:`~glue_nb.store.runs`,
:mod:`~glue_nb.store.job_runs`, :mod:`~glue_nb.store.crawls`, :mod:`~glue_nb.store.owners`)
plus the writes that span them: ending a run ends its children, ending a gone owner ends all it
drove, and any reader can repair children left active under a run that has ended. Each of those
is one transaction (joining the caller's, if one is open). Every state change is checked by
:func:`glue_nb.states.advance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue_nb.states import (
    CRAWL_ACTIVE,
    JOB_RUN_ACTIVE,
    WORKFLOW_RUN_ACTIVE,
    JobRunState,
    WorkflowRunState,
    sql_set,
)
from glue_nb.store.crawls import Crawls
from glue_nb.store.db import Store
from glue_nb.store.job_runs import JobRuns
from glue_nb.store.owners import Owners
from glue_nb.store.runs import Runs

__all__ = ["Ledger", "Reaped", "StopRequests"]


@dataclass
class StopRequests:
    """What a process drives that another process (or this one) asked to stop."""

    runs: list[str] = field(default_factory=list)
    job_runs: list[str] = field(default_factory=list)
    crawls: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.runs or self.job_runs or self.crawls)


@dataclass
class Reaped:
    """What ending a gone owner ended."""

    runs: list[str] = field(default_factory=list)
    job_runs: list[str] = field(default_factory=list)
    crawls: list[str] = field(default_factory=list)


class Ledger:
    """Run state of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.owners = Owners(store)
        self.runs = Runs(store)
        self.job_runs = JobRuns(store)
        self.crawls = Crawls(store)

    def end_run(
        self,
        run_id: str,
        status: WorkflowRunState,
        *,
        error: str | None = None,
        children: str | None = None,
    ) -> None:
        """End a workflow run in ``status``; its job runs still active end STOPPED and its
        crawls CANCELLED, with the message ``children`` (one transaction)."""
        why = children or f"Stopped: the workflow run ended {status.value}"
        with self.store.transaction():
            self.runs.set_status(run_id, status, error)
            self.job_runs.end_active("workflow_run_id=?", (run_id,), JobRunState.STOPPED, why)
            self.crawls.end_active("workflow_run_id=?", (run_id,), why)

    def end_owner(
        self,
        token: str | None,
        *,
        run_message: str,
        children_message: str,
        job_message: str,
        crawl_message: str,
    ) -> Reaped:
        """End everything a gone process drove (``token`` None: rows whose owner is unknown):
        its runs STOPPED (resumable) and their children, its standalone job runs STOPPED, its
        standalone crawls CANCELLED, each with its message (one transaction)."""
        reaped = Reaped()
        owner = "owner_token=?" if token is not None else "owner_token IS NULL"
        params = (token,) if token is not None else ()
        with self.store.transaction() as conn:
            runs = [
                r[0]
                for r in conn.execute(
                    f"SELECT run_id FROM workflow_runs WHERE {owner} AND status IN "
                    f"{sql_set(WORKFLOW_RUN_ACTIVE)}",
                    params,
                )
            ]
            for run_id in runs:
                self.end_run(run_id, WorkflowRunState.STOPPED, error=run_message,
                             children=children_message)  # fmt: skip
            reaped.runs = runs
            reaped.job_runs = self.job_runs.end_active(owner, params, JobRunState.STOPPED,
                                                       job_message)  # fmt: skip
            reaped.crawls = self.crawls.end_active(owner, params, crawl_message)
        return reaped

    def end_keys(self, keys: list[str], message: str) -> None:
        """End the given job runs (STOPPED) and crawls (CANCELLED) that are still active."""
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        with self.store.transaction():
            self.job_runs.end_active(f"id IN ({marks})", keys, JobRunState.STOPPED, message)
            self.crawls.end_active(f"crawl_id IN ({marks})", keys, message)

    def repair_children(self, message: str) -> list[str]:
        """End the job runs and crawls left active under a workflow run that has ended (a
        crash between the two writes of an older version, or a driver that died) → their ids."""
        ended = (
            "workflow_run_id IN (SELECT run_id FROM workflow_runs WHERE status NOT IN "
            f"{sql_set(WORKFLOW_RUN_ACTIVE)})"
        )
        with self.store.read() as conn:  # the common case: nothing to repair, no write lock
            found = conn.execute(
                f"SELECT 1 FROM job_runs WHERE state IN {sql_set(JOB_RUN_ACTIVE)} AND {ended} "
                f"UNION ALL SELECT 1 FROM crawls WHERE state IN {sql_set(CRAWL_ACTIVE)} "
                f"AND {ended} LIMIT 1"
            ).fetchone()
        if found is None:
            return []
        with self.store.transaction():
            jobs = self.job_runs.end_active(ended, (), JobRunState.STOPPED, message)
            crawls = self.crawls.end_active(ended, (), message)
        return [*jobs, *crawls]

    def stop_requests(self, token: str) -> StopRequests:
        """The stops asked of what the process ``token`` drives."""
        return StopRequests(
            runs=self.runs.stopping_of(token),
            job_runs=self.job_runs.stopping_of(token),
            crawls=self.crawls.cancelling_of(token),
        )

    def active_of(self, token: str) -> StopRequests:
        """Everything the process ``token`` drives that is still active."""
        return StopRequests(
            runs=self.runs.active_of(token),
            job_runs=self.job_runs.active_standalone_of(token),
            crawls=self.crawls.active_standalone_of(token),
        )
