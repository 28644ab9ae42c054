"""Migration steps that SQL alone cannot say (they run inside the migration's transaction)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from glue_nb.states import CRAWL_ACTIVE, JOB_RUN_ACTIVE, sql_set
from glue_nb.states import WORKFLOW_RUN_ACTIVE as RUN_ACTIVE
from glue_nb.timeutil import now

__all__ = ["migrate_legacy_owners"]


def migrate_legacy_owners(conn: sqlite3.Connection) -> None:
    """Migration step: give the active rows of an older store an owner token (from their JSON
    ``owner`` column; a workflow run's job runs and crawls take their run's), so the ledger's
    one reaper can end them if their process is gone."""
    t = now()
    owners: dict[str, tuple[Mapping[str, Any], float]] = {}

    def token_of(text: str | None, beat: float | None) -> str | None:
        try:
            owner = json.loads(text) if text else None
        except ValueError:
            owner = None
        if not isinstance(owner, dict) or not owner.get("token"):
            return None
        token = str(owner["token"])
        seen = owners.get(token)
        owners[token] = (owner, max(beat or 0.0, seen[1] if seen else 0.0))
        return token

    for table, key, state, active in (
        ("workflow_runs", "run_id", "status", sql_set(RUN_ACTIVE)),
        ("job_runs", "id", "state", sql_set(JOB_RUN_ACTIVE)),
        ("crawls", "crawl_id", "state", sql_set(CRAWL_ACTIVE)),
    ):
        rows = conn.execute(
            f"SELECT {key} AS k, owner, heartbeat_on FROM {table} WHERE {state} IN {active}"
        ).fetchall()
        for row in rows:
            token = token_of(row["owner"], row["heartbeat_on"])
            conn.execute(f"UPDATE {table} SET owner_token=? WHERE {key}=?", (token, row["k"]))
    for table in ("job_runs", "crawls"):  # a workflow run's children: the run's owner
        conn.execute(
            f"UPDATE {table} SET owner_token = (SELECT r.owner_token FROM workflow_runs AS r "
            f"WHERE r.run_id = {table}.workflow_run_id) WHERE owner_token IS NULL "
            "AND workflow_run_id IS NOT NULL"
        )
    for token, (owner, beat) in owners.items():
        conn.execute(
            "INSERT OR IGNORE INTO owners(token, host, pid, create_time, started_on, "
            "heartbeat_on) VALUES (?,?,?,?,?,?)",
            (
                token,
                str(owner.get("host", "?")),
                int(owner.get("pid", -1)),
                float(owner.get("create_time", 0.0)),
                t,
                beat or 0.0,
            ),
        )
