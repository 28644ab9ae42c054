"""Work whose owner process is gone: any reader notices and ends it, saying so.

An owner is gone when its pid is dead (or reused by another process) on this host, or, from
another host, when its heartbeat is older than :data:`glue_nb.owner.STALE_AFTER`. Its workflow
runs end STOPPED (resumable), their job runs STOPPED and crawls CANCELLED; its standalone job
runs end STOPPED and its standalone crawls CANCELLED (their crawlers READY again). Job runs and
crawls left active under a run that has ended are ended too.
"""

from __future__ import annotations

import sqlite3

from glue_nb.owner import owner_alive
from glue_nb.store.ledger import Ledger

__all__ = ["reap_orphans"]


def _owner(row: sqlite3.Row) -> dict[str, object] | None:
    if row["claimed"] is None or row["host"] is None:
        return None  # no owner recorded, or one the store does not know: gone
    return {
        "token": row["claimed"],
        "host": row["host"],
        "pid": row["pid"],
        "create_time": row["create_time"],
    }


def _where(row: sqlite3.Row) -> str:
    if row["host"] is None:
        return "not recorded"
    return f"pid {row['pid']} on {row['host']}"


def reap_orphans(ledger: Ledger) -> list[str]:
    """End the work of every gone owner → the workflow run ids it ended."""
    reaped: list[str] = []
    for row in ledger.owners.with_active_work():
        if owner_alive(_owner(row), row["heartbeat_on"]):
            continue
        with ledger.store.transaction():
            token = row["claimed"]
            if token is not None:  # it may have shown a sign of life meanwhile
                fresh = ledger.owners.get(token)
                if fresh is not None and owner_alive(
                    {**dict(fresh), "token": token}, fresh["heartbeat_on"]
                ):
                    continue
            who = _where(row)
            ended = ledger.end_owner(
                token,
                run_message=(
                    f"The process that ran this workflow run ({who}) is gone: it exited or was "
                    "killed while the run was active. The run was marked STOPPED; resume it "
                    "with resume_workflow_run."
                ),
                children_message=f"Stopped: the workflow run's owner process is gone ({who})",
                job_message=f"Stopped: the process that started this job run is gone ({who})",
                crawl_message=(
                    f"The process that ran this crawl ({who}) is gone: it exited or was killed "
                    "mid-crawl. Nothing was written to the catalog; start the crawler again."
                ),
            )
        reaped.extend(ended.runs)
    ledger.repair_children("Stopped: its workflow run had ended (repaired by glue-nb)")
    return reaped
