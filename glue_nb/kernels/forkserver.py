"""The fork server (*zygote*): a process that imported ipykernel once and forks ready kernels.

Run by :mod:`glue_nb.kernels.zygotes` as ``<kernel's python> <this file> <fd>`` (or
``python -m glue_nb.kernels.forkserver <fd>``): the kernelspec's interpreter needs ipykernel,
not glue-nb, so this module imports nothing but the standard library and ipykernel, and never
imports the rest of glue-nb (every forked kernel starts with exactly what this process loaded).

Protocol, one JSON object per line:

- parent → server on stdin: ``{"id": n, "args": [...], "cwd": str | null, "env": {...}}``, a
  request to fork a kernel running ``ipykernel_launcher <args>``;
- server → parent on file descriptor ``<fd>``: ``{"ready": pid}`` once, when the imports are
  done; ``{"id": n, "pid": kernel pid}`` or ``{"id": n, "error": str}`` per request; and
  ``{"exit": pid, "code": exit code}`` when a kernel it forked has ended (it is their parent).

When stdin closes (the parent closed it, or died), the server kills its kernels' process groups,
reaps them and exits. A forked kernel is a session leader with the requested environment and
folder, watching the server as its parent (ipykernel's parent poller): it exits within about a
second of the server's end.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import select
import signal
import sys
import time
from types import FrameType
from typing import Any

__all__ = ["PRELOAD", "ForkServer", "main"]

# Modules a Python kernel imports while it starts (ipykernel 6-7, IPython 8-9); importing them
# here means a forked kernel does not: it is ready in ~40 ms instead of ~300 ms.
PRELOAD = (
    "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.completerlib",
    "IPython.core.debugger", "IPython.core.logger", "IPython.core.oinspect",
    "IPython.extensions.storemagic", "IPython.utils.wildcard", "sqlite3", "psutil",
    "faulthandler", "tornado.gen", "tornado.locks", "tornado.queues", "pydoc", "pdb",
    "http.server", "xmlrpc.server", "runpy", "gzip",
)  # fmt: skip


class ForkServer:
    """The server's state: its kernels, their exit codes not reported yet, and its pipes."""

    def __init__(self, out_fd: int, in_fd: int, launcher: str, kernelapp: Any) -> None:
        self.pid = os.getpid()
        self.out_fd = out_fd
        self.in_fd = in_fd
        self.launcher = launcher  # the path of ipykernel_launcher, the kernel's sys.argv[0]
        self.kernelapp = kernelapp
        self.children: set[int] = set()
        self.exited: list[tuple[int, int]] = []
        self.parent_gone = False

    def reap(self, signum: int, frame: FrameType | None) -> None:
        """SIGCHLD: collect the exit codes of ended kernels (reported by the main loop)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.exited.append((pid, os.waitstatus_to_exitcode(status)))

    def send(self, message: dict[str, Any]) -> None:
        try:
            os.write(self.out_fd, (json.dumps(message) + "\n").encode())
        except OSError:  # the parent died
            self.parent_gone = True

    def serve(self) -> None:
        """Answer fork requests until stdin closes; then end the kernels (:meth:`stop`)."""
        signal.signal(signal.SIGCHLD, self.reap)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.send({"ready": self.pid})
        buffer = b""
        while not self.parent_gone:
            readable, _, _ = select.select([self.in_fd], [], [], 0.2)
            while self.exited:
                pid, code = self.exited.pop(0)
                self.send({"exit": pid, "code": code})
            if not readable:
                continue
            chunk = os.read(self.in_fd, 1 << 16)
            if not chunk:
                break  # the parent closed the pipe or died: take the kernels along
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.fork(json.loads(line))
        self.stop()

    def fork(self, request: dict[str, Any]) -> None:
        try:
            pid = os.fork()
        except OSError as exc:
            self.send({"id": request["id"], "error": str(exc)})
            return
        if pid == 0:  # the child never returns to the loop: the kernel ends the process
            try:
                self.become_kernel(request)
            except SystemExit:
                raise
            except BaseException:
                import traceback

                traceback.print_exc()
                os._exit(1)
        self.children.add(pid)
        self.send({"id": request["id"], "pid": pid})

    def become_kernel(self, request: dict[str, Any]) -> None:
        """In the forked child: turn into ``ipykernel_launcher <args>`` as if freshly started."""
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.close(self.out_fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(self.pid)
        # parent_handle's default was read from the environment when this process imported
        # ipykernel: pass it explicitly
        sys.argv = [self.launcher, *request["args"], f"--IPKernelApp.parent_handle={self.pid}"]
        self.kernelapp.launch_new_instance()
        sys.exit(0)

    def stop(self) -> None:
        """Kill the kernels still running (their process groups) and reap them: no zombies."""
        if os.getpid() != self.pid:
            return
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + 2
        while self.children and time.monotonic() < deadline:
            for pid in list(self.children):
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        self.children.discard(pid)
                except ChildProcessError:
                    self.children.discard(pid)
            time.sleep(0.01)


def _drop_own_path_entry() -> None:
    """Remove what Python put first on ``sys.path`` for this process (this file's folder, or the
    working folder under ``-m``), as ``ipykernel_launcher`` does: kernels must not import from it.
    """
    if not sys.path:
        return
    first = sys.path[0]
    here = os.path.dirname(os.path.abspath(__file__))
    if first in ("", os.curdir) or os.path.abspath(first) in (here, os.getcwd()):
        del sys.path[0]


def main(argv: list[str] | None = None) -> None:
    """Serve fork requests on stdin; ``argv[0]``: the file descriptor to answer on."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        raise SystemExit("usage: forkserver.py <file descriptor to write answers to>")
    from ipykernel import kernelapp

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    spec = importlib.util.find_spec("ipykernel_launcher")
    if spec is None or spec.origin is None:
        raise SystemExit("ipykernel_launcher is not importable")
    ForkServer(int(args[0]), sys.stdin.fileno(), spec.origin, kernelapp).serve()


if __name__ == "__main__":
    _drop_own_path_entry()
    main()
