"""Temporary folders named after the process that owns them, and the sweep of dead owners' ones.

Each kernel gets a private folder for its IPC sockets and its connection file (kind ``k``), and
each notebook job a folder for its run-property updates (kind ``j``). A process that exits
normally removes them; one that is killed (``kill -9``, the OOM killer) cannot. So every such
folder is named after its owner::

    gnb-<kind>-<pid>.<start>[.<pidns>]-<random>          e.g. gnb-k-4242.t5m0qx-h3k9_2ab

``start`` is the owner's start time (seconds since the epoch, base 36), so a pid reused by a later
process is not mistaken for the owner; ``pidns`` is the owner's pid namespace when it is not the
machine's initial one (in a container), so a container sharing the temporary folder never judges
another's processes. Names stay short: a kernel's socket paths must fit in 104-108 bytes. The
first folder a process makes in a temporary folder (and every
:class:`~glue_nb.kernels.pool.KernelPool`) first removes the folders there whose owner has
ended: :func:`sweep_once`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Owner", "make_dir", "owner_of", "sweep", "sweep_once"]

PREFIX = "gnb-"
KINDS = {"k": "a kernel's sockets and connection file", "j": "a notebook job's files"}
_NAME = re.compile(
    r"gnb-(?P<kind>[a-z])-(?P<pid>[0-9]+)\.(?P<start>[0-9a-z]+)(?:\.(?P<ns>[0-9a-z]+))?-[^-]+"
)
#: The pid namespace of a machine's first process (Linux's PROC_PID_INIT_INO): not named.
INITIAL_NAMESPACE = 0xEFFFFFFC
#: How far apart two readings of one process's start time may be, in seconds (psutil derives it
#: from the boot time, which moves when the clock is stepped; rounding adds up to one).
START_TOLERANCE = 2


@dataclass(frozen=True)
class Owner:
    """The process a scratch folder belongs to."""

    pid: int
    start: int  # seconds since the epoch
    namespace: int | None  # pid namespace (Linux), None where there is no such thing

    @property
    def tag(self) -> str:
        parts = [str(self.pid), _base36(self.start)]
        if self.namespace not in (None, INITIAL_NAMESPACE):
            parts.append(_base36(self.namespace))
        return ".".join(parts)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _pid_namespace(pid: int | str = "self") -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino
    except OSError:
        return None


def _start_of(pid: int) -> int | None:
    """The start time of process ``pid`` (whole seconds), or None when it is not running."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:  # killed, not reaped yet: gone all the same
            return None
        return round(float(process.create_time()))
    except psutil.NoSuchProcess:
        return None


_me: tuple[int, Owner] | None = None


def current_owner() -> Owner:
    """This process."""
    global _me
    pid = os.getpid()
    if _me is None or _me[0] != pid:  # computed once per process (again after a fork)
        start = _start_of(pid)
        assert start is not None
        _me = (pid, Owner(pid, start, _pid_namespace()))
    return _me[1]


def owner_of(name: str) -> tuple[str, Owner] | None:
    """The kind and owner of a scratch entry's name, or None if glue-nb did not name it so."""
    m = _NAME.fullmatch(name)
    if m is None or m["kind"] not in KINDS:
        return None
    here = _pid_namespace()
    ns = int(m["ns"], 36) if m["ns"] else (INITIAL_NAMESPACE if here is not None else None)
    return m["kind"], Owner(int(m["pid"]), int(m["start"], 36), ns)


def owner_gone(owner: Owner) -> bool:
    """True only when ``owner`` has certainly ended (a process of another namespace, or one we
    may not inspect, is never judged)."""
    if owner.namespace != _pid_namespace():
        return False
    try:
        start = _start_of(owner.pid)
    except Exception:  # e.g. access denied: it runs, as another user
        return False
    return start is None or abs(start - owner.start) > START_TOLERANCE


def make_dir(kind: str, root: str | None = None) -> str:
    """Create a private folder (mode 0700) of ``kind`` (``"k"``: a kernel's, ``"j"``: a job's)
    named after this process, in ``root`` (default: the temporary folder); returns its path.

    The first call in a process sweeps the folders of dead owners first (:func:`sweep_once`).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown scratch kind {kind!r}; valid: {', '.join(KINDS)}")
    sweep_once(root)
    return tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{current_owner().tag}-", dir=root)


def sweep(root: str | None = None) -> list[str]:
    """Remove the scratch folders under ``root`` (default: the temporary folder) whose owner
    has ended; returns their paths. Never raises."""
    folder = Path(root or tempfile.gettempdir())
    removed: list[str] = []
    verdicts: dict[Owner, bool] = {}
    try:
        names = [n for n in os.listdir(folder) if n.startswith(PREFIX)]
    except OSError:
        return removed
    for name in names:
        parsed = owner_of(name)
        if parsed is None:
            continue
        owner = parsed[1]
        if owner not in verdicts:
            verdicts[owner] = owner_gone(owner)
        if verdicts[owner]:
            path = folder / name
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(str(path))
    return removed


_swept: dict[str, int] = {}  # root -> pid of the process that swept it
_sweep_lock = threading.Lock()


def sweep_once(root: str | None = None) -> list[str]:
    """:func:`sweep` ``root``, the first time this process asks."""
    key = os.path.abspath(root or tempfile.gettempdir())
    with _sweep_lock:
        if _swept.get(key) == os.getpid():
            return []
        _swept[key] = os.getpid()
    return sweep(key)
