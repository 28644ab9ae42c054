"""The embedded store: one SQLite file that is the single source of truth.

Several processes (notebooks, the CLI, scripts, the scheduler) use one store at once. SQLite's WAL
journal lets readers run beside one writer; every state change is a ``BEGIN IMMEDIATE`` transaction
so a read-check-write sequence cannot interleave with another writer. The schema is versioned in
``PRAGMA user_version`` and migrated forward on open, so a newer release opens an older store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InternalServiceException, OperationTimeoutException

__all__ = ["SCHEMA_VERSION", "Store", "default_home", "dumps", "loads"]

#: Each migration is a list of SQL resource files in this package, applied in order.
MIGRATIONS: list[list[str]] = [
    ["schema_core.sql", "schema_catalog.sql"],
    ["schema_scheduler.sql"],
    ["schema_blueprint.sql"],
    ["schema_owners.sql"],
    ["schema_activation.sql"],
    ["schema_fires.sql"],
    ["schema_endpoint.sql"],
]
SCHEMA_VERSION = len(MIGRATIONS)
DB_FILE = "glue_nb.sqlite"


def default_home() -> Path:
    """``$GLUE_NB_HOME`` if set, else ``./.glue_nb``."""
    return Path(os.environ.get("GLUE_NB_HOME") or ".glue_nb").absolute()


def dumps(value: Any) -> str:
    """JSON for store columns (compact, keys kept in insertion order)."""
    return json.dumps(value, separators=(",", ":"), default=str)


def loads(text: str | None, default: Any = None) -> Any:
    """Inverse of :func:`dumps`; ``None`` gives ``default``."""
    return default if text is None else json.loads(text)


class Store:
    """A glue-nb home: the SQLite file plus the folders for output notebooks and logs."""

    def __init__(self, home: str | os.PathLike[str] | None = None, *, timeout: float = 30.0):
        self.home = Path(home).absolute() if home is not None else default_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / DB_FILE
        self.timeout = timeout
        self._local = threading.local()
        self._migrate()

    def __repr__(self) -> str:
        return f"Store({str(self.home)!r})"

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
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
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self._connect()
            self._local.conn = conn
            self._local.pid = os.getpid()
            self._local.depth = 0
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested use joins the outer one."""
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise OperationTimeoutException(f"store {self.path} stayed locked: {exc}") from exc
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading (inside a transaction when one is open in this thread)."""
        yield self._conn()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

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
                for name in MIGRATIONS[number]:
                    sql = resources.files("glue_nb.store").joinpath(name).read_text("utf-8")
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
        """Default root for output notebooks and logs."""
        return self.home / "runs"


def _statements(sql: str) -> list[str]:
    """Split a schema file into statements (it holds no ';' inside literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
