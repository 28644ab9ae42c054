"""Which process owns a run (a workflow run, a standalone job run or crawl), and is it still there?

A run is driven by the process that started it. Its row records that owner: host, pid, the
process's start time (so a reused pid is not mistaken for it) and a token unique to the process.
Any reader can then tell a live owner from a dead one: on the same host by asking the operating
system, from another host by the run's heartbeat, which the owner refreshes every
:data:`HEARTBEAT_EVERY` seconds and which counts as stale after :data:`STALE_AFTER` seconds.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from typing import Any

from glue_nb.timeutil import now

__all__ = ["HEARTBEAT_EVERY", "STALE_AFTER", "current_owner", "owner_alive"]

HEARTBEAT_EVERY = 5.0
STALE_AFTER = float(os.environ.get("GLUE_NB_STALE_AFTER", "45"))

_PROCESS_TOKEN = uuid.uuid4().hex


def current_owner() -> dict[str, Any]:
    """This process, as recorded in the rows of the runs it owns."""
    import psutil

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "create_time": psutil.Process().create_time(),
        "token": _PROCESS_TOKEN,
    }


def owner_alive(owner: Mapping[str, Any] | None, heartbeat: float | None) -> bool:
    """Is the process that owns a run still there? ``heartbeat``: the run's last heartbeat
    (epoch seconds), the only evidence there is for an owner on another host."""
    if not owner:
        return False
    if owner.get("token") == _PROCESS_TOKEN:
        return True
    if owner.get("host") == socket.gethostname():
        import psutil

        try:
            proc = psutil.Process(int(owner["pid"]))
            if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent
                return False
            return abs(proc.create_time() - float(owner["create_time"])) < 1.0
        except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError, ValueError):
            return False
    return heartbeat is not None and now() - heartbeat < STALE_AFTER
