"""Events for EVENT start triggers: posted through an API or by a folder watch, stored durably.

In Glue, an EventBridge rule sends events (e.g. S3 "Object Created") to a workflow whose start
trigger has Type EVENT; they are batched by the trigger's EventBatchingCondition and a batch
starts a run. glue-nb's stand-ins:

* :func:`post_events` (and ``client.notify_event(WorkflowName=..., Detail={...})``) store events
  for a workflow at once, in one transaction: nothing is lost when no scheduler runs.
* :func:`watch_folder` turns each file that appears in a folder into an event (the local
  stand-in for S3 object-created events), through a watchdog observer.

Turning batches into runs is the scheduler's job (:mod:`glue_nb.scheduler.batches`): it assigns
a batch to a run in the transaction that records the run's start, so a batch never starts twice.
Every read and write of events is :mod:`glue_nb.store.events`'.

Events carry EventBridge's fields: an id (a UUID unless given), a source, a detail type, a JSON
detail (at most 256 KiB) and the time received. An EventId already stored for the workflow is
not stored again (``Duplicate: True``): give ids to make posting idempotent.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from glue_nb.exceptions import (
    AlreadyExistsException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.graph import design_graph
from glue_nb.model import check_fields, check_string
from glue_nb.store import Store, loads
from glue_nb.store.definitions import Triggers, Workflows
from glue_nb.store.events import Events, WatchedFiles
from glue_nb.store.schedules import TimedTriggers
from glue_nb.timeutil import to_datetime

__all__ = [
    "CLOCK_ORIGIN_ENV",
    "CLOCK_SPEEDUP_ENV",
    "MAX_DETAIL_BYTES",
    "FolderWatch",
    "default_clock",
    "event_trigger",
    "list_events",
    "post_events",
    "watch_folder",
    "watches",
]

log = logging.getLogger(__name__)

CLOCK_SPEEDUP_ENV = "GLUE_NB_SCHEDULER_CLOCK_SPEEDUP"
"""Test/dev setting: the scheduler's clock runs this many times faster than the wall clock."""
CLOCK_ORIGIN_ENV = "GLUE_NB_SCHEDULER_CLOCK_ORIGIN"
"""Test/dev setting: epoch seconds where the sped-up clock equals the wall clock (default: the
process start). Give several processes the same origin so that they share one fake time line."""

MAX_DETAIL_BYTES = 256 * 1024
MAX_ENTRIES = 100
IGNORED_PREFIXES = (".", "~")
IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")

_PROCESS_ORIGIN = time.time()


def default_clock() -> Callable[[], float]:
    """The scheduler's clock (epoch seconds): the wall clock, unless the test/dev setting
    ``GLUE_NB_SCHEDULER_CLOCK_SPEEDUP`` makes it run faster (from ``..._CLOCK_ORIGIN``)."""
    raw = os.environ.get(CLOCK_SPEEDUP_ENV, "").strip()
    if not raw:
        return time.time
    try:
        speedup = float(raw)
    except ValueError:
        speedup = -1.0
    if not speedup > 0:
        raise InvalidInputException(f"{CLOCK_SPEEDUP_ENV}={raw!r}: must be a number > 0")
    origin_raw = os.environ.get(CLOCK_ORIGIN_ENV, "").strip()
    origin = float(origin_raw) if origin_raw else _PROCESS_ORIGIN
    if speedup == 1:
        return time.time

    def sped_up() -> float:
        return origin + (time.time() - origin) * speedup

    return sped_up


def clock_speedup() -> float:
    """The speed-up of :func:`default_clock` (1.0 unless the test/dev setting is given)."""
    raw = os.environ.get(CLOCK_SPEEDUP_ENV, "").strip()
    try:
        return float(raw) if raw else 1.0
    except ValueError:
        return 1.0


# -- posting ---------------------------------------------------------------------------------
def event_trigger(store: Store, workflow: str) -> dict[str, Any]:
    """The EVENT start trigger of ``workflow`` (EntityNotFound / InvalidInput otherwise)."""
    if Workflows(store).get(workflow) is None:
        evented = TimedTriggers(store).evented_workflows()
        raise EntityNotFoundException(
            f"workflow {workflow!r} not found (workflows with an EVENT start trigger: "
            f"{', '.join(repr(w) for w in evented) or 'none'})"
        )
    start = design_graph(workflow, Triggers(store).of_workflow(workflow)).start_trigger
    if start is None or start["Type"] != "EVENT":
        found = (
            f"a {start['Type']} start trigger ({start['Name']!r})" if start else "no start trigger"
        )
        raise InvalidInputException(
            f"workflow {workflow!r} has {found}; events start only workflows whose start "
            "trigger has Type EVENT (create one with Type='EVENT' and EventBatchingCondition)"
        )
    return start


def _entry(entry: Mapping[str, Any], index: int) -> tuple[str, str, str, str]:
    check_fields(f"event {index}", entry, ("EventId", "Source", "DetailType", "Detail"))
    event_id = entry.get("EventId") or str(uuid.uuid4())
    if not isinstance(event_id, str) or len(event_id) > 255:
        raise InvalidInputException(
            f"event {index}: EventId must be a string of 1-255 characters, got {event_id!r}"
        )
    source = entry.get("Source") or "glue-nb"
    detail_type = entry.get("DetailType") or "Event"
    for what, value in (("Source", source), ("DetailType", detail_type)):
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidInputException(
                f"event {index}: {what} must be a string of 1-256 characters, got {value!r}"
            )
    for what, value in (("EventId", event_id), ("Source", source), ("DetailType", detail_type)):
        check_string(f"event {index}: {what}", value)  # no lone surrogate
    detail = entry.get("Detail")
    if detail is None:
        detail = {}
    if isinstance(detail, str):  # EventBridge's PutEvents takes the detail as a JSON string
        try:
            detail = json.loads(detail)
        except ValueError as exc:
            raise InvalidInputException(f"event {index}: Detail is not valid JSON: {exc}")
    if not isinstance(detail, Mapping):
        raise InvalidInputException(
            f"event {index}: Detail must be a JSON object (a dict), got {type(detail).__name__}"
        )
    try:
        text = json.dumps(detail, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidInputException(f"event {index}: Detail is not JSON-serialisable: {exc}")
    if len(text.encode()) > MAX_DETAIL_BYTES:
        raise InvalidInputException(
            f"event {index}: Detail is {len(text.encode())} bytes; at most {MAX_DETAIL_BYTES} "
            "(256 KiB, as in EventBridge)"
        )
    return event_id, source, detail_type, text


def insert_events(
    store: Store, workflow: str, entries: Iterable[Mapping[str, Any]], received_on: float
) -> list[dict[str, Any]]:
    """Store events, joining the caller's transaction (the workflow is checked first)."""
    events = Events(store)
    out = []
    with store.transaction():
        event_trigger(store, workflow)
        for index, entry in enumerate(entries):
            event_id, source, detail_type, detail = _entry(entry, index)
            posted_to = events.workflow_of(event_id)
            if posted_to is not None:
                if posted_to != workflow:
                    raise AlreadyExistsException(
                        f"event {index}: EventId {event_id!r} was already posted to workflow "
                        f"{posted_to!r}; event ids are unique in a store"
                    )
                out.append({"EventId": event_id, "Duplicate": True})
                continue
            events.insert(event_id, workflow, source=source, detail_type=detail_type,
                          detail=detail, received_on=received_on)  # fmt: skip
            out.append({"EventId": event_id, "Duplicate": False})
    return out


def post_events(
    store: Store,
    workflow: str,
    entries: Iterable[Mapping[str, Any]],
    *,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """Store events for ``workflow`` (which needs an EVENT start trigger), all or none.

    Each entry may give ``EventId``, ``Source``, ``DetailType`` and ``Detail`` (a dict or a JSON
    string). Returns ``[{"EventId": ..., "Duplicate": bool}]``. ``now`` (epoch seconds, default
    :func:`default_clock`) is the time received, from which a batch's window is counted.
    """
    items = list(entries)
    if not 1 <= len(items) <= MAX_ENTRIES:
        raise InvalidInputException(f"post 1-{MAX_ENTRIES} events at a time, got {len(items)}")
    received = default_clock()() if now is None else float(now)
    return insert_events(store, workflow, items, received)


def list_events(
    store: Store, workflow: str, *, pending: bool | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """A workflow's events, oldest first (``pending``: only those not yet in a batch, or only
    those already in one)."""
    rows = Events(store).of_workflow(workflow, pending=pending, limit=limit)
    return [
        {
            "EventId": r["event_id"],
            "WorkflowName": r["workflow_name"],
            "Source": r["source"],
            "DetailType": r["detail_type"],
            "Detail": loads(r["detail"], {}),
            "ReceivedOn": to_datetime(r["received_on"]),
            "RunId": r["run_id"],
        }
        for r in rows
    ]


# -- folder watches --------------------------------------------------------------------------
def _ignored(path: Path) -> bool:
    name = path.name
    return name.startswith(IGNORED_PREFIXES) or name.lower().endswith(IGNORED_SUFFIXES)


_active: list[FolderWatch] = []
_active_lock = threading.Lock()


def watches() -> list[FolderWatch]:
    """The folder watches running in this process."""
    with _active_lock:
        return list(_active)


class FolderWatch:
    """Posts one event per file that appears in ``folder`` (recursively) for ``workflow``.

    A file counts once per (path, inode): created in place or moved in, it is posted when it
    appears. Names starting with ``.`` or ``~`` and ending with ``.tmp``, ``.part``,
    ``.partial``, ``.crdownload`` or ``.swp`` are ignored, so write under such a name and rename
    when complete. Files present the first time a folder is watched for a workflow are not
    events; files that arrived while nothing watched are posted when the watch starts again.
    The folder is also rescanned every ``rescan_every`` seconds (catches what the file system
    notification missed, e.g. on network file systems).
    """

    def __init__(
        self,
        store: Store,
        workflow: str,
        folder: str | os.PathLike[str],
        *,
        recursive: bool = True,
        clock: Callable[[], float] | None = None,
        rescan_every: float | None = 60.0,
        polling: bool = False,
    ) -> None:
        self.store = store
        self.workflow = workflow
        self.folder = Path(folder).expanduser().absolute()
        self.recursive = recursive
        self.clock = clock or default_clock()
        self.rescan_every = rescan_every
        self.polling = polling
        self.posted = 0
        self.errors = 0
        self._observer: Any = None
        self._stop = threading.Event()
        self._rescanner: threading.Thread | None = None
        self._lock = threading.Lock()
        self._seen = WatchedFiles(store)

    def __repr__(self) -> str:
        state = "watching" if self.running else "stopped"
        return (
            f"<FolderWatch {self.workflow!r} <- {str(self.folder)!r}: {state}, "
            f"{self.posted} event(s) posted>"
        )

    @property
    def running(self) -> bool:
        return self._observer is not None

    def __enter__(self) -> FolderWatch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FolderWatch:
        """Start watching (then post what arrived while nothing watched)."""
        if self.running:
            return self
        event_trigger(self.store, self.workflow)
        self.folder.mkdir(parents=True, exist_ok=True)
        observer: Any
        if self.polling:
            from watchdog.observers.polling import PollingObserver

            observer = PollingObserver()
        else:
            from watchdog.observers import Observer

            observer = Observer()
        observer.schedule(_handler(self), str(self.folder), recursive=self.recursive)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._stop.clear()
        self.scan()
        if self.rescan_every:
            self._rescanner = threading.Thread(
                target=self._rescan_loop, name="glue-nb-watch-rescan", daemon=True
            )
            self._rescanner.start()
        with _active_lock:
            _active.append(self)
        log.info("watching %s for workflow %r", self.folder, self.workflow)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching (files arriving later are posted at the next start)."""
        observer, self._observer = self._observer, None
        self._stop.set()
        if observer is not None:
            observer.stop()
            observer.join(timeout)
        if self._rescanner is not None:
            self._rescanner.join(timeout)
            self._rescanner = None
        with _active_lock:
            if self in _active:
                _active.remove(self)

    def _rescan_loop(self) -> None:
        assert self.rescan_every
        while not self._stop.wait(self.rescan_every):
            try:
                self.scan()
            except Exception:
                self.errors += 1
                log.exception("rescanning %s failed", self.folder)

    def _files(self) -> list[Path]:
        pattern = self.folder.rglob("*") if self.recursive else self.folder.glob("*")
        out = []
        for p in pattern:
            try:
                if p.is_file() and not _ignored(p):
                    out.append(p)
            except OSError:
                continue
        return sorted(out)

    def scan(self) -> int:
        """Post files not yet seen; forget files that are gone. Returns events posted."""
        files = self._files()
        posted = 0
        folder = str(self.folder)
        with self._lock, self.store.transaction():
            first = not self._seen.watched_before(self.workflow, folder)
            known = self._seen.known_under(self.workflow, folder)
            t = self.clock()
            present = set()
            for path in files:
                key = str(path)
                present.add(key)
                try:
                    st = path.stat()
                except OSError:
                    continue
                if known.get(key) == st.st_ino:
                    continue
                if first:
                    self._seen.remember(self.workflow, key, st.st_ino, None, t)
                else:
                    posted += self._post(path, st, t)
            self._seen.forget(self.workflow, set(known) - present)
            if first:
                self._seen.add_watch(self.workflow, folder, t)
        return posted

    def file_appeared(self, path: Path) -> bool:
        """Post an event for ``path`` unless ignored or already posted; True if posted."""
        if _ignored(path) or self.folder not in path.parents:
            return False
        try:
            st = path.stat()
        except OSError:
            return False  # gone again (a temporary file)
        if not os.path.isfile(path):
            return False
        with self._lock, self.store.transaction():
            if self._seen.inode(self.workflow, str(path)) == st.st_ino:
                return False
            return bool(self._post(path, st, self.clock()))

    def file_gone(self, path: Path) -> None:
        with self._lock, self.store.transaction():
            self._seen.forget(self.workflow, [str(path)])

    def _post(self, path: Path, st: os.stat_result, t: float) -> int:
        """Post the event of a new file (inside the caller's transaction)."""
        relative = path.relative_to(self.folder).as_posix()
        detail = {
            "bucket": {"name": str(self.folder)},
            "object": {"key": relative, "size": st.st_size},
            "path": str(path),
        }
        [posted] = insert_events(
            self.store,
            self.workflow,
            [{"Source": "glue-nb.folder", "DetailType": "Object Created", "Detail": detail}],
            t,
        )
        self._seen.remember(self.workflow, str(path), st.st_ino, posted["EventId"], t)
        self.posted += 1
        log.info("event %s for %r: new file %s", posted["EventId"], self.workflow, relative)
        return 1


def _handler(watch: FolderWatch) -> Any:
    """A watchdog handler feeding ``watch`` (errors are logged, never raised)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def dispatch(self, event: FileSystemEvent) -> None:
            if event.is_directory:
                return
            try:
                kind = event.event_type
                if kind == "created":
                    watch.file_appeared(Path(os.fsdecode(event.src_path)))
                elif kind == "moved":
                    watch.file_gone(Path(os.fsdecode(event.src_path)))
                    watch.file_appeared(Path(os.fsdecode(event.dest_path)))
                elif kind == "deleted":
                    watch.file_gone(Path(os.fsdecode(event.src_path)))
            except Exception:
                watch.errors += 1
                log.exception("folder watch %s: could not record %s", watch.folder, event)

    return Handler()


def watch_folder(
    workflow: str,
    path: str | os.PathLike[str],
    *,
    home: str | os.PathLike[str] | Store | None = None,
    recursive: bool = True,
    rescan_every: float | None = 60.0,
    polling: bool = False,
) -> FolderWatch:
    """Watch ``path``: each new file becomes an event for ``workflow`` (started, returned).

    The workflow needs an EVENT start trigger. A scheduler (``glue-nb scheduler`` or
    ``glue_nb.scheduler.start_background()``) turns the events into runs. Stop with ``.stop()``.
    """
    store = home if isinstance(home, Store) else Store(home)
    return FolderWatch(
        store, workflow, path, recursive=recursive, rescan_every=rescan_every, polling=polling
    ).start()
