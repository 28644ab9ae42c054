"""Job bookmarks as Glue defines them: a job run is handed only the files it has not processed.

A job's ``--job-bookmark-option`` argument (DefaultArguments, or the run's Arguments) says how:

* ``job-bookmark-disable`` (Glue's default): every run is handed every file; nothing is kept.
* ``job-bookmark-enable``: a run is handed the files that are new or changed (another mtime or
  size) since the bookmark; when the run SUCCEEDS, the files it was handed join the bookmark, in
  the transaction that records its end. A run that fails, times out or is stopped changes
  nothing, so its retry (the next attempt) is handed the same files again, plus any new ones.
* ``job-bookmark-pause``: handed the files since the bookmark, which stays as it is. With
  ``--job-bookmark-from <run id>`` and ``--job-bookmark-to <run id>`` (both or neither, as in
  Glue): the files processed after the first run up to and including the second, as they were.

The notebook asks :mod:`glue_nb.runtime` (``runtime.bookmark.new_files("data/in", "*.csv")``);
the state it needs travels in the job's spec, so it works on a Dask worker without the store.

The Glue operations: :meth:`JobBookmarks.get_job_bookmark` and
:meth:`JobBookmarks.reset_job_bookmark` (a RunId rewinds the bookmark to the state after that
run: the next run reprocesses what came after it). The entry's ``Version`` counts changes of the
bookmark (advances and resets), ``Run`` the job runs that advanced it, ``Attempt`` the attempt of
the job run that last advanced it; ``RunId`` is that job run and ``PreviousRunId`` the one that
advanced it before. ``JobBookmark`` is JSON: per source folder, the files processed and the newest
modification time among them. Deleting a job deletes its bookmark.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from glue_nb.exceptions import EntityNotFoundException, InvalidInputException
from glue_nb.store import Store
from glue_nb.store.bookmarks import BookmarkEntry, BookmarkRows, FileState

__all__ = [
    "DISABLE",
    "ENABLE",
    "FROM_ARG",
    "OPTIONS",
    "OPTION_ARG",
    "PAUSE",
    "TO_ARG",
    "JobBookmarks",
    "advance",
    "bookmark_option",
    "spec_bookmark",
]

OPTION_ARG = "--job-bookmark-option"
FROM_ARG = "--job-bookmark-from"
TO_ARG = "--job-bookmark-to"
ENABLE, DISABLE, PAUSE = "job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"
OPTIONS = (ENABLE, DISABLE, PAUSE)


def bookmark_option(
    job_name: str, arguments: Mapping[str, str]
) -> tuple[str, str | None, str | None]:
    """(option, from run id, to run id) of a job run's merged arguments; InvalidInputException
    naming the argument when they are not Glue's."""
    option = arguments.get(OPTION_ARG) or DISABLE
    if option not in OPTIONS:
        raise InvalidInputException(
            f"Job {job_name!r}: argument {OPTION_ARG} is {option!r}; valid values: "
            f"{', '.join(OPTIONS)}"
        )
    start, end = arguments.get(FROM_ARG) or None, arguments.get(TO_ARG) or None
    if (start or end) and option != PAUSE:
        raise InvalidInputException(
            f"Job {job_name!r}: {FROM_ARG} and {TO_ARG} apply only with "
            f"{OPTION_ARG} {PAUSE} (the option is {option})"
        )
    if bool(start) != bool(end):
        raise InvalidInputException(
            f"Job {job_name!r}: give both {FROM_ARG} and {TO_ARG} (run ids of the job), or neither"
        )
    return option, start, end


def _wire(files: Mapping[str, FileState]) -> dict[str, list[int | None]]:
    return {location: [mtime, size] for location, (_source, mtime, size) in files.items()}


def spec_bookmark(store: Store, job_name: str, arguments: Mapping[str, str]) -> dict[str, Any]:
    """What a job run's spec carries for ``runtime.bookmark``: the option and, unless disabled,
    the processed files (``seen``; with a pause range also ``upto``), location -> [mtime_ns,
    size]. Raises InvalidInputException for bad options or unknown range run ids."""
    option, start, end = bookmark_option(job_name, arguments)
    if option == DISABLE:
        return {"option": DISABLE}
    rows = BookmarkRows(store)
    if start is None or end is None:
        return {"option": option, "seen": _wire(rows.files(job_name))}
    bounds = []
    for arg, run_id in ((FROM_ARG, start), (TO_ARG, end)):
        run = rows.run_of(job_name, run_id)
        if run is None:
            known = ", ".join(r.run_id for r in rows.runs(job_name)[-5:]) or "none"
            raise InvalidInputException(
                f"Job {job_name!r}: {arg} {run_id!r} is not a run that advanced the job's "
                f"bookmark (the latest such runs: {known})"
            )
        bounds.append(run.run)
    if bounds[0] > bounds[1]:
        raise InvalidInputException(
            f"Job {job_name!r}: {FROM_ARG} {start!r} advanced the bookmark after {TO_ARG} "
            f"{end!r}; swap them"
        )
    return {
        "option": PAUSE,
        "seen": _wire(rows.files(job_name, bounds[0])),
        "upto": _wire(rows.files(job_name, bounds[1])),
    }


def advance(
    store: Store, job_name: str, run_id: str, attempt: int, result: Mapping[str, Any] | None
) -> BookmarkEntry | None:
    """A job run SUCCEEDED: with the bookmark enabled, the files it was handed join the bookmark
    (in the caller's transaction). ``result``: the JobResult's ``bookmark``."""
    if not result or result.get("option") != ENABLE:
        return None
    files = {
        str(location): (str(source), mtime, size)
        for location, (source, mtime, size) in (result.get("files") or {}).items()
    }
    return BookmarkRows(store).advance(job_name, run_id, attempt, files)


def _iso(mtime_ns: int | None) -> str | None:
    if mtime_ns is None:
        return None
    stamp = datetime.fromtimestamp(mtime_ns / 1e9, timezone.utc)
    return stamp.isoformat(timespec="microseconds").replace("+00:00", "Z")


class JobBookmarks:
    """GetJobBookmark and ResetJobBookmark over one store (``job_exists(name)`` raises
    EntityNotFoundException for a job that does not exist)."""

    def __init__(self, store: Store, job_exists: Any) -> None:
        self.rows = BookmarkRows(store)
        self.job_exists = job_exists

    def _entry(self, entry: BookmarkEntry, upto: int | None = None) -> dict[str, Any]:
        sources = self.rows.sources(entry.job_name, upto)
        bookmark = {
            "files": sum(count for count, _ in sources.values()),
            "sources": {
                source: {"files": count, "newest": _iso(newest)}
                for source, (count, newest) in sorted(sources.items())
            },
        }
        out: dict[str, Any] = {
            "JobName": entry.job_name,
            "Version": entry.version,
            "Run": entry.run,
            "Attempt": entry.attempt,
            "JobBookmark": json.dumps(bookmark, separators=(",", ":")),
        }
        if entry.previous_run_id:
            out["PreviousRunId"] = entry.previous_run_id
        if entry.run_id:
            out["RunId"] = entry.run_id
        return out

    def get_job_bookmark(self, JobName: str, RunId: str | None = None) -> dict[str, Any]:
        """The job's bookmark entry (with ``RunId``: as it stood after that run advanced it)."""
        self.job_exists(JobName)
        entry = self.rows.entry(JobName)
        if entry is None:
            raise EntityNotFoundException(f"Continuation for job {JobName} not found")
        if RunId:
            run = self.rows.run_of(JobName, RunId)
            if run is None:
                raise EntityNotFoundException(
                    f"Continuation for job {JobName} and run {RunId} not found (a run is kept "
                    "when it advanced the bookmark and was not reset away)"
                )
            entry = BookmarkEntry(
                JobName, run.version, run.run, run.attempt, run.run_id, run.previous_run_id, 0.0
            )
            return {"JobBookmarkEntry": self._entry(entry, run.run)}
        return {"JobBookmarkEntry": self._entry(entry)}

    def reset_job_bookmark(self, JobName: str, RunId: str | None = None) -> dict[str, Any]:
        """Reset the bookmark: entirely (the next run is handed every file), or with ``RunId``
        back to the state after that run (the next run is handed what came after it)."""
        with self.rows.store.transaction():
            self.job_exists(JobName)
            to = None
            if RunId:
                to = self.rows.run_of(JobName, RunId)
                if to is None:
                    known = ", ".join(r.run_id for r in self.rows.runs(JobName)[-5:]) or "none"
                    raise EntityNotFoundException(
                        f"Continuation for job {JobName} and run {RunId} not found; the runs "
                        f"that advanced its bookmark (latest): {known}"
                    )
            if self.rows.entry(JobName) is None:  # nothing to reset
                empty = BookmarkEntry(JobName, 0, 0, 0, None, None, 0.0)
                return {"JobBookmarkEntry": self._entry(empty)}
            entry = self.rows.rewind(JobName, to)
            return {"JobBookmarkEntry": self._entry(entry)}
