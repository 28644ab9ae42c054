"""Noticing that a store changed: any commit, by any connection of any process.

SQLite's ``PRAGMA data_version`` changes on a connection whenever another connection has
committed since it last looked; reading it takes microseconds. A watch holds one connection
that never writes, so every commit counts. Pages that follow a home (JupyterLab's Workflows
panel and run tabs) wait on it instead of polling every second.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sqlite3
import threading
from pathlib import Path

from glue_nb.store.db import DB_FILE

__all__ = ["StoreWatch"]

_epochs = itertools.count(1)


class StoreWatch:
    """Change tokens of the store in ``home``: equal tokens mean nothing was committed between
    them. Never creates a store; safe to use from several threads."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.path = Path(home).expanduser().absolute() / DB_FILE
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._epoch = ""
        self._file: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"StoreWatch({str(self.path.parent)!r})"

    def token(self) -> str | None:
        """The store's change token now; None while the home holds no store."""
        with self._lock:
            try:
                st = os.stat(self.path)
            except OSError:
                self._close()
                return None
            if (st.st_dev, st.st_ino) != self._file:  # a new store, or one put in its place
                self._close()
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(
                        f"{self.path.as_uri()}?mode=rw", uri=True, timeout=1.0,
                        isolation_level=None, check_same_thread=False,
                    )  # fmt: skip
                    # a new connection counts afresh: its tokens never equal an older one's
                    self._epoch = f"{secrets.token_hex(4)}.{next(_epochs)}"
                    self._file = st.st_dev, st.st_ino
                (version,) = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                self._close()
                return None
            return f"{self._epoch}:{version}"

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._file = None
