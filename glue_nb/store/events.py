"""Events for EVENT start triggers: the ``events`` table (each event as it arrived, and the batch
and run it went to), ``event_batches`` (a row per batch closed into a run) and the folder
watches' memory, ``watched_files`` and ``folder_watches``.

A batch is assigned to its run in the transaction that records the run's start (writes join the
caller's transaction), so a batch never starts twice. Times are on the scheduler's clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from glue_nb.store.db import Store, dumps
from glue_nb.store.schedules import name_filter

__all__ = ["EventBatches", "Events", "WatchedFiles"]


class Events:
    """The ``events`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def insert(
        self,
        event_id: str,
        workflow: str,
        *,
        source: str,
        detail_type: str,
        detail: str,
        received_on: float,
    ) -> None:
        """Store one event (``detail``: its JSON text); a known EventId violates the key."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO events(event_id, workflow_name, source, detail_type, detail, "
                "received_on) VALUES (?,?,?,?,?,?)",
                (event_id, workflow, source, detail_type, detail, received_on),
            )

    def workflow_of(self, event_id: str) -> str | None:
        """The workflow an EventId was posted to, if it was."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT workflow_name FROM events WHERE event_id=?", (event_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def of_workflow(
        self, workflow: str, *, pending: bool | None = None, limit: int | None = None
    ) -> list[sqlite3.Row]:
        """A workflow's events, oldest first (``pending``: only those not yet in a batch, or
        only those already in one)."""
        batch = {True: "AND batch_id IS NULL", False: "AND batch_id IS NOT NULL", None: ""}
        with self.store.read() as conn:
            return conn.execute(
                f"SELECT * FROM events WHERE workflow_name=? {batch[pending]} ORDER BY seq LIMIT ?",
                (workflow, -1 if limit is None else int(limit)),
            ).fetchall()

    def pending(self) -> dict[str, tuple[int, float]]:
        """Per workflow with events not yet in a batch: (how many, when the first arrived)."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT workflow_name, COUNT(*), MIN(received_on) FROM events "
                "WHERE batch_id IS NULL GROUP BY workflow_name"
            )
            return {str(r[0]): (int(r[1]), float(r[2])) for r in rows}

    def oldest_pending(self, workflow: str, limit: int) -> list[sqlite3.Row]:
        """The oldest events of ``workflow`` not yet in a batch (seq, event_id, received_on)."""
        with self.store.read() as conn:
            return conn.execute(
                "SELECT seq, event_id, received_on FROM events WHERE workflow_name=? AND "
                "batch_id IS NULL ORDER BY seq LIMIT ?",
                (workflow, limit),
            ).fetchall()

    def assign(self, seqs: Sequence[int], batch_id: int, run_id: str) -> int:
        """Put pending events into a batch and its run → how many were still pending."""
        marks = ",".join("?" * len(seqs))
        with self.store.transaction() as conn:
            return int(
                conn.execute(
                    f"UPDATE events SET batch_id=?, run_id=? WHERE batch_id IS NULL AND "
                    f"seq IN ({marks})",
                    (batch_id, run_id, *seqs),
                ).rowcount
            )


class EventBatches:
    """The ``event_batches`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def last_closed(self) -> dict[str, float]:
        """Per EVENT trigger, when its latest batch closed."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT trigger_name, MAX(closed_on) FROM event_batches GROUP BY trigger_name"
            )
            return {str(r[0]): float(r[1]) for r in rows}

    def last_closed_of(self, trigger: str) -> float | None:
        with self.store.read() as conn:
            value = conn.execute(
                "SELECT MAX(closed_on) FROM event_batches WHERE trigger_name=?", (trigger,)
            ).fetchone()[0]
        return None if value is None else float(value)

    def insert(
        self,
        trigger: str,
        workflow: str,
        *,
        run_id: str,
        closed_on: float,
        size: int,
        condition: Mapping[str, int],
        holder: str,
    ) -> int:
        """Record a closed batch → its id."""
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO event_batches(trigger_name, workflow_name, run_id, closed_on, size, "
                "condition, holder) VALUES (?,?,?,?,?,?,?)",
                (trigger, workflow, run_id, closed_on, size, dumps(dict(condition)), holder),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def recent(
        self, *, workflow: str | None = None, trigger: str | None = None, limit: int = 100
    ) -> list[sqlite3.Row]:
        """Batches, newest first (of a workflow and/or trigger)."""
        where, args = name_filter(workflow, trigger)
        with self.store.read() as conn:
            return conn.execute(
                f"SELECT * FROM event_batches {where} ORDER BY closed_on DESC LIMIT ?",
                (*args, limit),
            ).fetchall()


class WatchedFiles:
    """The folder watches' memory: ``folder_watches`` (each folder watched for a workflow) and
    ``watched_files`` (each file seen there, with its inode and the event it gave)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def watched_before(self, workflow: str, folder: str) -> bool:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM folder_watches WHERE workflow_name=? AND folder=?",
                (workflow, folder),
            ).fetchone()
        return row is not None

    def add_watch(self, workflow: str, folder: str, t: float) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO folder_watches(workflow_name, folder, created_on) VALUES (?,?,?)",
                (workflow, folder, t),
            )

    def known_under(self, workflow: str, folder: str) -> dict[str, int | None]:
        """The files seen under ``folder`` (or the folder itself) → their inodes."""
        escaped = folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        prefix = escaped.rstrip("/") + "/%"
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT path, inode FROM watched_files WHERE workflow_name=? AND "
                "(path=? OR path LIKE ? ESCAPE '\\')",
                (workflow, folder, prefix),
            )
            return {str(r[0]): r[1] for r in rows}

    def inode(self, workflow: str, path: str) -> int | None:
        """The inode ``path`` had when seen (None: never seen)."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT inode FROM watched_files WHERE workflow_name=? AND path=?",
                (workflow, path),
            ).fetchone()
        return None if row is None else row[0]

    def remember(
        self, workflow: str, path: str, inode: int, event_id: str | None, t: float
    ) -> None:
        """A file seen (``event_id`` None: present when the folder was first watched)."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO watched_files(workflow_name, path, inode, event_id, seen_on) "
                "VALUES (?,?,?,?,?) ON CONFLICT(workflow_name, path) DO UPDATE SET "
                "inode=excluded.inode, event_id=excluded.event_id, seen_on=excluded.seen_on",
                (workflow, path, inode, event_id, t),
            )

    def forget(self, workflow: str, paths: Iterable[str]) -> None:
        """Files gone (a file appearing again under one of these paths is new)."""
        with self.store.transaction() as conn:
            conn.executemany(
                "DELETE FROM watched_files WHERE workflow_name=? AND path=?",
                [(workflow, p) for p in paths],
            )
