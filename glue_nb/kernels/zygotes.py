"""Zygotes: fork servers (:mod:`glue_nb.kernels.forkserver`) per Python executable, and a
``Popen``-like handle on the kernels they fork.

A kernel forked from a process that has already imported ipykernel is ready in ~40 ms of mostly
idle time instead of ~300 ms of CPU. Only ``<python> -m ipykernel_launcher ...`` kernelspecs are
forked, and only where ``os.fork`` is safe to use this way (Linux by default;
``GLUE_NB_KERNEL_FORK=0`` turns it off, ``=1`` turns it on elsewhere). If a zygote cannot start,
kernels of its executable start as new processes; one that died is replaced once per request.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from glue_nb.kernels import forkserver

__all__ = ["ENV_FORK", "ForkedProcess", "Zygote", "Zygotes", "fork_from_env", "pid_alive"]

log = logging.getLogger(__name__)

ENV_FORK = "GLUE_NB_KERNEL_FORK"
SERVER = str(Path(forkserver.__file__).resolve())  # run by path: glue-nb need not be installed
# in the kernelspec's environment, only ipykernel


def fork_from_env() -> bool:
    """Whether kernels are forked from a zygote (``$GLUE_NB_KERNEL_FORK``; default: on Linux)."""
    raw = os.environ.get(ENV_FORK, "").strip().lower()
    if raw in ("0", "off", "false", "no"):
        return False
    if raw in ("1", "on", "true", "yes"):
        return hasattr(os, "fork")
    return sys.platform.startswith("linux")


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not: with its zygote gone, nobody may reap it)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid was reused by another user
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: trust kill(0)
    return state not in (b"Z", b"X")


class ForkedProcess:
    """A ``Popen``-like handle on a kernel forked by a zygote (not our child: no ``waitpid``)."""

    stdin: IO[bytes] | None = None
    stdout: IO[bytes] | None = None
    stderr: IO[bytes] | None = None

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote = zygote

    def poll(self) -> int | None:
        if self.returncode is None:
            code = self._zygote.exit_code(self.pid)
            if code is None and not pid_alive(self.pid):
                code = -signal.SIGKILL
            self.returncode = code
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.005)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """One fork server: started, then asked for a kernel per :meth:`fork`."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        read, write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [executable, SERVER, str(write)],
                stdin=subprocess.PIPE,
                pass_fds=(write,),
                start_new_session=True,  # no Ctrl-C from the terminal; the kernels get none either
                # quiet pydevd's import-time warning (kernels get their own environment)
                env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            )
        finally:
            os.close(write)
        self._replies = os.fdopen(read, "rb")
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._answers: dict[int, dict[str, Any]] = {}
        self._exits: dict[int, int] = {}
        self._next = 0
        self.alive = True
        ready, _, _ = select.select([read], [], [], 60)
        first = self._replies.readline() if ready else b""
        if not first.startswith(b'{"ready"'):
            self.close()
            raise RuntimeError(f"the kernel zygote for {executable} did not start")
        threading.Thread(target=self._read, name="glue-nb-zygote-reader", daemon=True).start()

    def _read(self) -> None:
        for line in self._replies:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                if "exit" in message:
                    self._exits[message["exit"]] = message["code"]
                else:
                    self._answers[message["id"]] = message
                self._cond.notify_all()
        with self._cond:
            self.alive = False
            self._cond.notify_all()

    def fork(
        self, args: list[str], cwd: str | None, env: dict[str, str], timeout: float = 30
    ) -> int:
        """Fork a kernel running ``ipykernel_launcher args``; returns its pid."""
        with self._lock:
            self._next += 1
            ident = self._next
            request = {"id": ident, "args": args, "cwd": cwd, "env": env}
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._answers:
                if not self.alive or time.monotonic() > deadline:
                    raise RuntimeError("the kernel zygote did not answer")
                self._cond.wait(0.5)
            answer = self._answers.pop(ident)
        if "pid" not in answer:
            raise RuntimeError(f"the kernel zygote could not fork: {answer.get('error')}")
        return int(answer["pid"])

    def running(self) -> bool:
        return self.alive and self.process.poll() is None

    def exit_code(self, pid: int) -> int | None:
        with self._cond:
            return self._exits.get(pid)

    def close(self) -> None:
        """Close the zygote's pipe: it kills the kernels it forked that still run, and exits."""
        self.alive = False
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Zygotes:
    """The zygotes of one pool, one per Python executable, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zygotes: dict[str, Zygote] = {}
        self._broken: set[str] = set()
        self.closed = False

    def launch(self, kernel_cmd: list[str], kw: dict[str, Any]) -> ForkedProcess | None:
        """Fork ``kernel_cmd`` if it is ``<python> -m ipykernel_launcher ...``, else ``None``."""
        if len(kernel_cmd) < 3 or kernel_cmd[1:3] != ["-m", "ipykernel_launcher"]:
            return None
        executable = shutil.which(kernel_cmd[0]) or kernel_cmd[0]
        env = dict(kw.get("env") or os.environ)
        for attempt in range(2):  # a zygote that died is replaced once
            with self._lock:
                if self.closed or executable in self._broken:
                    return None
                zygote = self._zygotes.get(executable)
                if zygote is None or not zygote.running():
                    try:
                        zygote = self._zygotes[executable] = Zygote(executable)
                    except Exception as exc:
                        log.warning("kernels of %s start without a zygote: %s", executable, exc)
                        self._broken.add(executable)
                        return None
            try:
                return ForkedProcess(zygote.fork(list(kernel_cmd[3:]), kw.get("cwd"), env), zygote)
            except Exception as exc:
                if zygote.running() or attempt:
                    log.warning("could not fork a kernel (%s); starting a new process", exc)
                    return None
        return None

    def pids(self) -> list[int]:
        """Process ids of the zygotes that run."""
        with self._lock:
            return [z.process.pid for z in self._zygotes.values() if z.process.poll() is None]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            zygotes = list(self._zygotes.values())
            self._zygotes.clear()
        for zygote in zygotes:
            zygote.close()
