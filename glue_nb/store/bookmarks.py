"""Job bookmarks' rows: every SQL statement on ``job_bookmarks``, ``job_bookmark_runs`` and
``job_bookmark_files`` (see ``schema_bookmarks.sql``).

Writes join the caller's transaction (:meth:`Store.transaction` nests), so a bookmark advances in
the very transaction that records its job run's end. Nothing here checks input or raises Glue's
errors: that is :mod:`glue_nb.bookmarks`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from glue_nb.timeutil import now

if TYPE_CHECKING:  # db.py runs this module's migration step: no import back at run time
    from glue_nb.store.db import Store

__all__ = ["BookmarkEntry", "BookmarkRows", "BookmarkRun", "FileState", "delete_with_jobs"]

#: One processed file: (source folder, mtime_ns, size).
FileState = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class BookmarkEntry:
    """A job's bookmark entry: Glue's JobBookmarkEntry counters."""

    job_name: str
    version: int
    run: int
    attempt: int
    run_id: str | None
    previous_run_id: str | None
    updated_on: float


@dataclass(frozen=True)
class BookmarkRun:
    """A job run that advanced a bookmark, and the entry as it stood after it."""

    run_id: str
    run: int
    version: int
    attempt: int
    previous_run_id: str | None


def delete_with_jobs(conn: sqlite3.Connection) -> None:
    """Migration step: a job's bookmark goes when the job is deleted (as in Glue). A trigger,
    so that every way of deleting a job takes its bookmark along."""
    for table in ("job_bookmarks", "job_bookmark_runs", "job_bookmark_files"):
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_of_deleted_job AFTER DELETE ON jobs "
            f"BEGIN DELETE FROM {table} WHERE job_name = OLD.name; END"
        )


class BookmarkRows:
    """Reads and writes of one store's job bookmarks."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading ---------------------------------------------------------------------------------
    def entry(self, job_name: str) -> BookmarkEntry | None:
        """The job's bookmark entry, if it has one."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT job_name, version, run, attempt, run_id, previous_run_id, updated_on "
                "FROM job_bookmarks WHERE job_name = ?",
                (job_name,),
            ).fetchone()
        return BookmarkEntry(*row) if row is not None else None

    def run_of(self, job_name: str, run_id: str) -> BookmarkRun | None:
        """The advance made by job run ``run_id``, if it is still part of the bookmark."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT run_id, run, version, attempt, previous_run_id FROM job_bookmark_runs "
                "WHERE job_name = ? AND run_id = ?",
                (job_name, run_id),
            ).fetchone()
        return BookmarkRun(*row) if row is not None else None

    def runs(self, job_name: str) -> list[BookmarkRun]:
        """The job runs that advanced the bookmark (and were not rewound), oldest first."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT run_id, run, version, attempt, previous_run_id FROM job_bookmark_runs "
                "WHERE job_name = ? ORDER BY run",
                (job_name,),
            ).fetchall()
        return [BookmarkRun(*r) for r in rows]

    def files(self, job_name: str, upto: int | None = None) -> dict[str, FileState]:
        """The processed files as of Run ``upto`` (now, when None): location -> (source,
        mtime_ns, size) as last handed to a successful run."""
        with self.store.read() as conn:
            cur = conn.cursor()
            cur.row_factory = None
            # SQLite gives the bare columns of the row holding MAX(run)
            rows = cur.execute(
                "SELECT location, source, mtime_ns, size, MAX(run) FROM job_bookmark_files "
                "WHERE job_name = ? AND run <= ? GROUP BY location",
                (job_name, 2**62 if upto is None else upto),
            ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def sources(self, job_name: str, upto: int | None = None) -> dict[str, tuple[int, int | None]]:
        """Per source folder: (files processed, newest mtime_ns among them)."""
        out: dict[str, tuple[int, int | None]] = {}
        for source, mtime, _size in self.files(job_name, upto).values():
            count, newest = out.get(source, (0, None))
            if mtime is not None and (newest is None or mtime > newest):
                newest = mtime
            out[source] = (count + 1, newest)
        return out

    # -- writing ---------------------------------------------------------------------------------
    def advance(
        self,
        job_name: str,
        run_id: str,
        attempt: int,
        files: Mapping[str, FileState],
    ) -> BookmarkEntry:
        """Job run ``run_id`` succeeded having been handed ``files``: a new Run of the bookmark
        (in the caller's transaction). A run that already advanced it changes nothing."""
        with self.store.transaction() as conn:
            done = conn.execute(
                "SELECT 1 FROM job_bookmark_runs WHERE job_name = ? AND run_id = ?",
                (job_name, run_id),
            ).fetchone()
            entry = self.entry(job_name)
            if done is not None and entry is not None:
                return entry
            version = (entry.version if entry else 0) + 1
            run = (entry.run if entry else 0) + 1
            previous = entry.run_id if entry else None
            current = self.files(job_name) if files else {}
            rows = [
                (job_name, location, run, source, mtime, size)
                for location, (source, mtime, size) in files.items()
                if current.get(location, (None, None, None))[1:] != (mtime, size)
            ]
            conn.executemany(
                "INSERT OR REPLACE INTO job_bookmark_files (job_name, location, run, source, "
                "mtime_ns, size) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            t = now()
            conn.execute(
                "INSERT INTO job_bookmark_runs (job_name, run_id, run, version, attempt, "
                "previous_run_id, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job_name, run_id, run, version, attempt, previous, t),
            )
            self._write(conn, BookmarkEntry(job_name, version, run, attempt, run_id, previous, t))
            out = self.entry(job_name)
        assert out is not None
        return out

    def rewind(self, job_name: str, to: BookmarkRun | None) -> BookmarkEntry:
        """Back to the bookmark as it stood after ``to`` (``None``: to nothing processed); the
        runs after it leave the bookmark. The entry's Version goes up by one."""
        with self.store.transaction() as conn:
            entry = self.entry(job_name)
            keep = to.run if to is not None else 0
            conn.execute(
                "DELETE FROM job_bookmark_files WHERE job_name = ? AND run > ?", (job_name, keep)
            )
            conn.execute(
                "DELETE FROM job_bookmark_runs WHERE job_name = ? AND run > ?", (job_name, keep)
            )
            version = (entry.version if entry else 0) + 1
            new = BookmarkEntry(
                job_name,
                version,
                keep,
                to.attempt if to is not None else 0,
                to.run_id if to is not None else None,
                to.previous_run_id if to is not None else None,
                now(),
            )
            self._write(conn, new)
        return new

    @staticmethod
    def _write(conn: sqlite3.Connection, entry: BookmarkEntry) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO job_bookmarks (job_name, version, run, attempt, run_id, "
            "previous_run_id, updated_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.job_name,
                entry.version,
                entry.run,
                entry.attempt,
                entry.run_id,
                entry.previous_run_id,
                entry.updated_on,
            ),
        )
