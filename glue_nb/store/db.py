"""The store's file: connections, transactions, migrations, and what it says when it is damaged.

Several processes (notebooks, the CLI, scripts, the scheduler, a server) use one store at once.
SQLite's WAL journal lets readers run beside one writer; every state change is a
``BEGIN IMMEDIATE`` transaction, so a read-check-write sequence cannot interleave with another
writer. Work that a transaction describes (a job handed to an executor, a thread started) is
registered with :meth:`Store.after_commit` and begins only once the row that describes it has
committed: the row is the promise, the work its keeping.

The schema is versioned in ``PRAGMA user_version`` and migrated forward on open, so a newer
release opens an older store. A store that has been created leaves a marker file beside it; a
store file that has gone missing, been emptied, been replaced while in use, or cannot be read is
reported as such (naming the file and what to do), never silently re-created empty.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InternalServiceException, OperationTimeoutException
from glue_nb.store.bookmarks import delete_with_jobs
from glue_nb.store.legacy import migrate_legacy_owners

__all__ = [
    "DB_FILE",
    "MARKER_FILE",
    "SCHEMA_VERSION",
    "Store",
    "StoreDamagedError",
    "default_home",
    "dumps",
    "loads",
]

log = logging.getLogger(__name__)

Migration = str | Callable[[sqlite3.Connection], None]

DB_FILE = "glue_nb.sqlite"
MARKER_FILE = "store.json"


#: Each migration is a list of steps applied in order: SQL resource files of this package, or
#: functions of a connection (for what SQL alone cannot say).
MIGRATIONS: list[list[Migration]] = [
    ["schema_core.sql", "schema_catalog.sql"],
    ["schema_scheduler.sql"],
    ["schema_blueprint.sql"],
    ["schema_owners.sql"],
    ["schema_activation.sql"],
    ["schema_fires.sql"],
    ["schema_ledger.sql", migrate_legacy_owners],
    ["schema_endpoint.sql"],
    ["schema_io.sql"],
    ["schema_bookmarks.sql", delete_with_jobs],
    ["schema_traces.sql"],
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreDamagedError(InternalServiceException):
    """The store file is missing, emptied, replaced or unreadable (Glue code:
    InternalServiceException); the message names the file and what to do."""

    error_code = "InternalServiceException"


def default_home() -> Path:
    """``$GLUE_NB_HOME`` if set, else ``./.glue_nb``."""
    return Path(os.environ.get("GLUE_NB_HOME") or ".glue_nb").absolute()


def dumps(value: Any) -> str:
    """JSON for store columns (compact, keys kept in insertion order)."""
    return json.dumps(value, separators=(",", ":"), default=str)


def loads(text: str | bytes | None, default: Any = None) -> Any:
    """Inverse of :func:`dumps`; ``None`` gives ``default``."""
    return default if text is None else json.loads(text)


class _Local(threading.local):
    conn: sqlite3.Connection | None = None
    pid: int = -1
    depth: int = 0
    after: list[Callable[[], None]]
    undo: list[Callable[[], None]]

    def __init__(self) -> None:
        self.after, self.undo = [], []


class Store:
    """A glue-nb home: the SQLite file plus the folders for executed notebooks and logs."""

    def __init__(self, home: str | os.PathLike[str] | None = None, *, timeout: float = 30.0):
        self.home = Path(home).absolute() if home is not None else default_home()
        self.path = self.home / DB_FILE
        self.marker = self.home / MARKER_FILE
        self.timeout = timeout
        self._local = _Local()
        self._identity: tuple[int, int] | None = None
        self._open()

    def __repr__(self) -> str:
        return f"Store({str(self.home)!r})"

    # -- opening -------------------------------------------------------------------------------
    def _open(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreDamagedError(f"cannot create the glue-nb home {self.home}: {exc}") from exc
        marked = self.marker.exists()  # written only once the store file holds its schema
        existing = self.path.exists() and self.path.stat().st_size > 0
        if marked and not existing:
            what = "is missing" if not self.path.exists() else "is empty"
            raise StoreDamagedError(
                f"the glue-nb store {self.path} {what}, but {self.home} held a store (see "
                f"{self.marker.name}): its definitions and run history would be lost. Restore "
                f"{self.path.name} from a backup; to start afresh instead, move {self.home} aside "
                "(or delete it)"
            )
        self._create = not existing
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        if not marked:
            self.marker.write_text(
                dumps({"store": DB_FILE, "created_on": time.time(), "schema": SCHEMA_VERSION})
                + "\n"
            )
        self._create = False
        self._identity = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def _check_identity(self) -> None:
        """The file this store opened is still there (not deleted, not replaced)."""
        if self._identity is not None and self._stat() != self._identity:
            raise StoreDamagedError(
                f"the glue-nb store {self.path} was deleted or replaced while glue-nb was using "
                "it; what this process recorded since then is lost. Restore the file from a "
                "backup (or start afresh), then start the work again"
            )

    def _damaged(self, exc: sqlite3.Error) -> StoreDamagedError:
        return StoreDamagedError(
            f"the glue-nb store {self.path} cannot be read ({type(exc).__name__}: {exc}). Restore "
            f"it from a backup; `sqlite3 {self.path} .recover` may salvage what it holds. To "
            f"start afresh instead, move {self.home} aside"
        )

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        mode = "rwc" if self._create else "rw"  # never create a missing store by accident
        try:
            conn = sqlite3.connect(
                f"{self.path.as_uri()}?mode={mode}",
                uri=True,
                timeout=self.timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.OperationalError as exc:
            raise StoreDamagedError(
                f"cannot open the glue-nb store {self.path}: {exc}; is it still there?"
            ) from exc
        conn.row_factory = sqlite3.Row
        for attempt in range(50):  # two processes creating one new store race on this pragma
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.05 + 0.01 * attempt)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _conn(self) -> sqlite3.Connection:
        """One connection per thread and store (sqlite3 connections are not thread-safe)."""
        local = self._local
        if local.conn is None or local.pid != os.getpid():
            local.conn = self._connect()
            local.pid = os.getpid()
            local.depth = 0
            local.after, local.undo = [], []
        return local.conn

    @property
    def in_transaction(self) -> bool:
        """Is a write transaction of this store open in this thread?"""
        return self._local.depth > 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested use joins the outer one. Callbacks
        given to :meth:`after_commit` run once the outermost transaction has committed."""
        local = self._local
        if local.depth and local.conn is not None and local.pid == os.getpid():
            local.depth += 1
            try:
                yield local.conn
            finally:
                local.depth -= 1
            return
        self._check_identity()
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise OperationTimeoutException(
                f"the glue-nb store {self.path} stayed locked by another writer for "
                f"{self.timeout:g} s ({exc}); try again"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        local.depth, local.after, local.undo = 1, [], []
        committed = False
        try:
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise self._store_error(exc) from exc
            committed = True
        except sqlite3.Error as exc:
            raise self._store_error(exc) from exc
        finally:
            callbacks = local.after if committed else local.undo
            local.after, local.undo, local.depth = [], [], 0
            for callback in callbacks:
                callback()

    @contextmanager
    def savepoint(self, name: str = "part") -> Iterator[None]:
        """Inside this thread's open transaction: a part that is undone alone if it raises."""
        if not self._local.depth or self._local.conn is None:
            raise RuntimeError("savepoint() needs an open transaction")
        conn = self._local.conn
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")

    def on_rollback(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` if this thread's open transaction rolls back (it must be open)."""
        if not self._local.depth:
            raise RuntimeError("on_rollback() needs an open transaction")
        self._local.undo.append(callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this thread's open transaction has committed (never, if it
        rolls back); at once when no transaction is open."""
        if self._local.depth:
            self._local.after.append(callback)
        else:
            callback()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading (inside a transaction when one is open in this thread)."""
        if not self._local.depth:
            self._check_identity()
        try:
            yield self._conn()
        except sqlite3.Error as exc:
            raise self._store_error(exc) from exc

    def column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The first column of a query's rows."""
        with self.read() as conn:
            return [r[0] for r in conn.execute(sql, params)]

    def _store_error(self, exc: sqlite3.Error) -> Exception:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return OperationTimeoutException(
                f"the glue-nb store {self.path} stayed locked by another writer for "
                f"{self.timeout:g} s ({exc}); try again"
            )
        damaged = ("not a database", "malformed", "corrupt")
        if type(exc) is sqlite3.DatabaseError or any(word in str(exc) for word in damaged):
            return self._damaged(exc)
        return InternalServiceException(
            f"the glue-nb store {self.path} failed: {type(exc).__name__}: {exc}; nothing of the "
            "operation was written"
        )

    def close(self) -> None:
        """Close this thread's connection (a thread that used the store calls it at its end)."""
        local = self._local
        if local.conn is not None:
            local.conn.close()
            local.conn = None

    # -- schema --------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InternalServiceException(
                    f"store {self.path} has schema version {version}, newer than this glue-nb "
                    f"understands ({SCHEMA_VERSION}); upgrade glue-nb"
                )
            for number in range(version, SCHEMA_VERSION):
                for step in MIGRATIONS[number]:
                    if callable(step):
                        step(conn)
                        continue
                    sql = resources.files("glue_nb.store").joinpath(step).read_text("utf-8")
                    for statement in _statements(sql):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        with self.read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- locations -----------------------------------------------------------------------------
    @property
    def runs_root(self) -> Path:
        """Default root for executed notebooks and logs."""
        return self.home / "runs"


def _statements(sql: str) -> list[str]:
    """Split a schema file into statements (it holds no ';' inside literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
