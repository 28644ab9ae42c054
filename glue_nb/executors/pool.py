"""A warm kernel pool: kernels started and connected before a job asks for one.

Starting a Python kernel the usual way costs about 0.5 s of wall time on a small machine
(0.2 s of it CPU), most of a trivial notebook's run. The pool cuts that in three ways:

- **ahead of need**: it keeps ``size`` kernels per kernelspec started *and connected* (channels
  open, ``kernel_info`` answered, IOPub subscribed), so a job's first cell runs at once;
- **forked, not spawned** (Linux; ``GLUE_NB_KERNEL_FORK=0`` turns it off): a *zygote* process
  per Python executable imports ipykernel (and what a kernel imports while starting) once, then
  forks each new kernel, which is ready in ~40 ms of mostly idle time instead of ~300 ms of
  CPU; only ``<python> -m ipykernel_launcher`` kernelspecs are forked, others start normally;
- **no fixed waits**: the client connects once the kernel's IPC sockets exist and is ready when
  the kernel's ``idle`` status for its ``kernel_info`` arrives (jupyter_client waits a fixed
  0.2 s for IOPub to go quiet, and zmq's 100 ms reconnect interval if it connects too early).

Isolation is the same as with a cold start: **each kernel runs one job only** and is shut down
after it; a pooled kernel has executed nothing, and the job's context cell sets its working
directory and context as for a cold kernel. What differs: a pooled kernel's environment is that
of this process when the kernel was started (a forked one also has the modules a kernel imports
at start-up already loaded, as a cold kernel has once it is ready).

Bounds: ``size`` idle kernels per kernelspec (``max_kernels`` over all kernelspecs), no new warm
kernels while available memory is under ``min_available_memory``, idle kernels older than
``idle_timeout`` are shut down, and a kernelspec whose kernels fail to start is not warmed for
30 s. Warming is lazy: the first request for a kernelspec starts it. Kernels never outlive the
process: a normal exit or garbage collection of the pool shuts them down (``weakref.finalize``,
which also runs at exit); if the process is killed, a zygote sees its pipe close and kills its
kernels at once, and every kernel also exits within about a second when its parent dies
(ipykernel's parent poller, ``JPY_PARENT_PID``).

The process-wide pool (:func:`default_pool`) is used by the local executor and by each Dask
worker process. ``GLUE_NB_KERNEL_POOL=0`` disables it; ``GLUE_NB_KERNEL_POOL=N`` sets its size
(default: the number of CPUs, between 2 and 8).

This module also holds the papermill engine ``"glue_nb"`` (:func:`register_engine`), which runs
a notebook on a kernel the caller started: it takes over the pool's pre-connected client, or
connects one without the fixed waits.
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
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ENGINE_NAME",
    "KernelPool",
    "Zygotes",
    "close_client",
    "default_pool",
    "fork_from_env",
    "import_job_modules",
    "pool_size_from_env",
    "preconnect",
    "register_engine",
    "run_task",
    "start_kernel",
]

log = logging.getLogger(__name__)

ENGINE_NAME = "glue_nb"
ENV_POOL = "GLUE_NB_KERNEL_POOL"
DEFAULT_MIN_AVAILABLE_MEMORY = 1 << 30  # 1 GiB
FAILED_BACKOFF = 30.0  # seconds without warming a kernelspec whose warm start failed


def _default_size() -> int:
    return max(2, min(8, os.cpu_count() or 2))


def pool_size_from_env() -> int:
    """The default pool's size from ``$GLUE_NB_KERNEL_POOL`` (0 = disabled)."""
    raw = os.environ.get(ENV_POOL, "").strip().lower()
    if raw in ("", "on", "true", "yes"):
        return _default_size()
    if raw in ("off", "false", "no"):
        return 0
    try:
        return max(0, int(raw))
    except ValueError:
        log.warning("%s=%r is not a number or on/off; using the default", ENV_POOL, raw)
        return _default_size()


# -- kernels ------------------------------------------------------------------------------------
def _process(km: Any) -> Any:
    return getattr(getattr(km, "provisioner", None), "process", None)


def _alive(km: Any) -> bool:
    process = _process(km)
    return process is not None and process.poll() is None


def preconnect(km: Any, timeout: float = 60.0) -> tuple[Any, dict[str, Any]]:
    """Connect a client to ``km``'s kernel and wait until it answers ``kernel_info``.

    Returns the client (an asyncio client whose sockets no event loop has used yet, so any
    thread may take it over) and the ``kernel_info_reply``. IOPub is known to be subscribed when
    this returns: the kernel's ``idle`` status for our request has been received.
    """
    import zmq

    _wait_bound(km, timeout)
    kc = km.client()
    kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
    try:
        # Blocking shadows of the asyncio sockets: no event loop gets attached to them here.
        shell: Any = zmq.Socket.shadow(kc.shell_channel.socket.underlying)
        iopub: Any = zmq.Socket.shadow(kc.iopub_channel.socket.underlying)
        reply = _handshake(kc.session, shell, iopub, lambda: _alive(km), timeout)
    except BaseException:
        close_client(kc)
        raise
    return kc, reply


def _wait_bound(km: Any, timeout: float) -> None:
    """Wait until an IPC kernel has bound its sockets: connecting earlier costs zmq's 100 ms
    reconnect interval."""
    if getattr(km, "transport", "tcp") != "ipc":
        return
    paths = [f"{km.ip}-{km.shell_port}", f"{km.ip}-{km.iopub_port}"]
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(p) for p in paths):
        if not _alive(km):
            raise RuntimeError("the kernel died while it started")
        if time.monotonic() > deadline:
            return  # let the handshake report it
        time.sleep(0.002)


def _handshake(
    session: Any, shell: Any, iopub: Any, alive: Callable[[], bool], timeout: float
) -> dict[str, Any]:
    import zmq

    deadline = time.monotonic() + timeout
    while True:
        request = session.msg("kernel_info_request")
        session.send(shell, request)
        msg_id = request["header"]["msg_id"]
        reply = None
        while reply is None:
            if shell.poll(100):
                _, msg = session.recv(shell, mode=zmq.NOBLOCK)
                if msg and msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg
            elif not alive():
                raise RuntimeError("the kernel died before replying to kernel_info")
            if reply is None and time.monotonic() > deadline:
                raise RuntimeError(f"the kernel did not reply to kernel_info in {timeout:g} s")
        # IOPub is subscribed once we see our request's idle status (it follows the reply).
        while iopub.poll(50):
            _, msg = session.recv(iopub, mode=zmq.NOBLOCK)
            if (
                msg
                and msg["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"].get("execution_state") == "idle"
            ):
                return reply
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel's IOPub channel did not connect in {timeout:g} s")


def start_kernel(
    kernel_name: str, cwd: str | None, zygotes: Zygotes | None = None, attempts: int = 3
) -> Any:
    """Start a kernel on IPC sockets in a private folder (as ``glue_nb.jobs.notebook`` does),
    forked from a template process when ``zygotes`` can serve its kernelspec.

    IPython history is kept in memory, as nbclient does for the kernels it starts.
    """
    from jupyter_core.utils import run_sync

    last: Exception | None = None
    for attempt in range(attempts):
        sockdir = tempfile.mkdtemp(prefix="gnb-")
        km = _manager_class()(
            kernel_name=kernel_name, transport="ipc", ip=os.path.join(sockdir, "k")
        )
        km._glue_nb_sockdir = sockdir
        km._glue_nb_zygotes = zygotes
        try:
            extra = ["--HistoryManager.hist_file=:memory:"] if km.ipykernel else []
            run_sync(km.start_kernel)(cwd=cwd, extra_arguments=extra)
            return km
        except Exception as exc:  # clean up, retry with new sockets
            last = exc
            _destroy(km)
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(
        f"kernel {kernel_name!r} could not be started after {attempts} tries: {last}"
    )


_MANAGER: type | None = None


def _manager_class() -> type:
    """An ``AsyncKernelManager`` that launches ipykernel kernels through a zygote if it has one."""
    global _MANAGER
    if _MANAGER is None:
        from jupyter_client.manager import AsyncKernelManager

        class GlueNbKernelManager(AsyncKernelManager):  # type: ignore[misc]
            _glue_nb_zygotes: Zygotes | None = None

            async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
                zygotes = self._glue_nb_zygotes
                process = zygotes.launch(kernel_cmd, kw) if zygotes is not None else None
                if process is None:
                    await super()._async_launch_kernel(kernel_cmd, **kw)
                    return
                provisioner: Any = self.provisioner  # a LocalProvisioner
                assert provisioner is not None
                provisioner.process = process
                provisioner.pid = provisioner.pgid = process.pid
                self._reconcile_connection_info(provisioner.connection_info)

        _MANAGER = GlueNbKernelManager
    return _MANAGER


# -- zygotes: template processes that fork kernels ------------------------------------------------
ENV_FORK = "GLUE_NB_KERNEL_FORK"

# Modules a Python kernel imports while it starts (ipykernel 6-7, IPython 8-9); importing them
# in the template means a forked kernel does not: it is ready in ~40 ms instead of ~300 ms.
_PRELOAD = (
    "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.completerlib",
    "IPython.core.debugger", "IPython.core.logger", "IPython.core.oinspect",
    "IPython.extensions.storemagic", "IPython.utils.wildcard", "sqlite3", "psutil",
    "faulthandler", "tornado.gen", "tornado.locks", "tornado.queues", "pydoc", "pdb",
    "http.server", "xmlrpc.server", "runpy", "gzip",
)  # fmt: skip

_ZYGOTE_SOURCE = r"""
import importlib, importlib.util, json, os, select, signal, sys, time
if sys.path and sys.path[0] == "":
    del sys.path[0]
from ipykernel import kernelapp
for name in PRELOAD:
    try:
        importlib.import_module(name)
    except Exception:
        pass
LAUNCHER = importlib.util.find_spec("ipykernel_launcher").origin
ZYGOTE, OUT, IN = os.getpid(), int(sys.argv[1]), sys.stdin.fileno()
children, exited = set(), []

def reap(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        exited.append((pid, os.waitstatus_to_exitcode(status)))

parent_gone = False

def send(message):
    global parent_gone
    try:
        os.write(OUT, (json.dumps(message) + "\n").encode())
    except OSError:  # the parent died
        parent_gone = True

def become_kernel(request):
    os.setsid()
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.close(OUT)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if request.get("cwd"):
        os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(ZYGOTE)
    # parent_handle's default was read from the environment when the zygote imported ipykernel
    sys.argv = [LAUNCHER, *request["args"], f"--IPKernelApp.parent_handle={ZYGOTE}"]
    kernelapp.launch_new_instance()
    sys.exit(0)

signal.signal(signal.SIGCHLD, reap)
signal.signal(signal.SIGINT, signal.SIG_IGN)
send({"ready": ZYGOTE})
buffer = b""
while not parent_gone:
    readable, _, _ = select.select([IN], [], [], 0.2)
    while exited:
        pid, code = exited.pop(0)
        send({"exit": pid, "code": code})
    if not readable:
        continue
    chunk = os.read(IN, 1 << 16)
    if not chunk:
        break  # the parent closed the pipe or died: take the kernels along
    buffer += chunk
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        request = json.loads(line)
        try:
            pid = os.fork()
        except OSError as exc:
            send({"id": request["id"], "error": str(exc)})
            continue
        if pid == 0:  # the child never returns to this loop: the kernel ends the process
            try:
                become_kernel(request)
            except SystemExit:
                raise
            except BaseException:
                import traceback
                traceback.print_exc()
                os._exit(1)
        children.add(pid)
        send({"id": request["id"], "pid": pid})
if os.getpid() == ZYGOTE:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in list(children):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 2
    while children and time.monotonic() < deadline:  # reap them: no zombies left behind
        for pid in list(children):
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    children.discard(pid)
            except ChildProcessError:
                children.discard(pid)
        time.sleep(0.01)
"""


def fork_from_env() -> bool:
    """Whether kernels are forked from a template (``$GLUE_NB_KERNEL_FORK``; default: on
    Linux)."""
    raw = os.environ.get(ENV_FORK, "").strip().lower()
    if raw in ("0", "off", "false", "no"):
        return False
    if raw in ("1", "on", "true", "yes"):
        return hasattr(os, "fork")
    return sys.platform.startswith("linux")


def _pid_alive(pid: int) -> bool:
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


class _ForkedProcess:
    """A ``Popen``-like handle on a kernel forked by a zygote (not our child: no ``waitpid``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: _Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote = zygote

    def poll(self) -> int | None:
        if self.returncode is None:
            code = self._zygote.exit_code(self.pid)
            if code is None and not _pid_alive(self.pid):
                code = -signal.SIGKILL
            self.returncode = code
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class _Zygote:
    """A process that imported ipykernel and forks a kernel per request."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        read, write = os.pipe()
        source = _ZYGOTE_SOURCE.replace("PRELOAD", repr(_PRELOAD), 1)
        try:
            self.process = subprocess.Popen(
                [executable, "-c", source, str(write)],
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
        self._zygotes: dict[str, _Zygote] = {}
        self._broken: set[str] = set()
        self.closed = False

    def launch(self, kernel_cmd: list[str], kw: dict[str, Any]) -> _ForkedProcess | None:
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
                        zygote = self._zygotes[executable] = _Zygote(executable)
                    except Exception as exc:
                        log.warning("kernels of %s start without a zygote: %s", executable, exc)
                        self._broken.add(executable)
                        return None
            try:
                return _ForkedProcess(zygote.fork(list(kernel_cmd[3:]), kw.get("cwd"), env), zygote)
            except Exception as exc:
                if zygote.running() or attempt:
                    log.warning("could not fork a kernel (%s); starting a new process", exc)
                    return None
        return None

    def pids(self) -> list[int]:
        with self._lock:
            return [z.process.pid for z in self._zygotes.values() if z.process.poll() is None]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            zygotes = list(self._zygotes.values())
            self._zygotes.clear()
        for zygote in zygotes:
            zygote.close()


def close_client(kc: Any) -> None:
    """Stop a kernel client's open channels and its zmq context; never raises.

    (``stop_channels`` would first create, connect and then close the channels it never used.)
    """
    try:
        for name in ("_shell_channel", "_iopub_channel", "_stdin_channel", "_hb_channel",
                     "_control_channel"):  # fmt: skip
            channel = getattr(kc, name, None)
            if channel is not None and channel.is_alive():
                channel.stop()
        if kc._created_context and not kc.context.closed:
            kc.context.destroy(linger=0)
    except Exception:
        pass


def _destroy(km: Any) -> None:
    """Kill a kernel (and its process group) and remove its files; never raises."""
    kc = getattr(km, "_glue_nb_kc", None)
    km._glue_nb_kc = None
    if kc is not None:
        close_client(kc)
    process = _process(km)
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            try:
                process.kill()
            except OSError:
                pass
    if process is not None:
        try:
            process.wait(timeout=5)
        except Exception:
            pass
    for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):
        try:
            getattr(km, cleanup)()
        except Exception:
            pass
    try:  # what jupyter_client's cleanup_resources does, without waiting on a dead kernel
        control = getattr(km, "_control_socket", None)
        if control is not None:
            control.close(linger=0)
            km._control_socket = None
        if km._created_context and not km.context.closed:
            km.context.destroy(linger=0)
    except Exception:
        pass
    shutil.rmtree(getattr(km, "_glue_nb_sockdir", "") or "/nonexistent", ignore_errors=True)


@dataclass
class _Kernel:
    name: str
    km: Any
    kc: Any
    info: dict[str, Any]
    ready_at: float = field(default_factory=time.monotonic)


@dataclass
class _State:
    """What the finalizer needs: everything but the pool object itself."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    ready: dict[str, deque[_Kernel]] = field(default_factory=dict)
    warming: dict[str, list[Future[_Kernel]]] = field(default_factory=dict)
    live: dict[int, Any] = field(default_factory=dict)  # every kernel not yet destroyed
    failed_at: dict[str, float] = field(default_factory=dict)  # kernelspec -> last failure
    zygotes: Zygotes | None = None
    closed: bool = False
    closing: threading.Event = field(default_factory=threading.Event)
    stats: dict[str, int] = field(
        default_factory=lambda: {"started": 0, "hits": 0, "waits": 0, "failed": 0, "expired": 0}
    )


def _close_state(state: _State) -> None:
    with state.lock:
        state.closed = True
        state.closing.set()
        kms = list(state.live.values())
        state.live.clear()
        state.ready.clear()
    for km in kms:
        _destroy(km)
    if state.zygotes is not None:
        state.zygotes.close()


class KernelPool:
    """Warm kernels per kernelspec; callable as a ``kernel_factory(kernel_name, cwd)``.

    ``pool(kernel_name)`` returns a started ``AsyncKernelManager`` whose kernel is ready and
    whose pre-connected client the ``"glue_nb"`` papermill engine takes over; the caller owns the
    kernel and hands it back with :meth:`release`, which shuts it down in the background.

    ``size``: idle kernels kept per kernelspec (default: CPUs, 2-8); ``max_kernels``: idle
    kernels over all kernelspecs (default ``2 * size``); ``min_available_memory``: bytes of
    available memory under which no kernel is warmed (a job still gets one started on demand);
    ``idle_timeout``: seconds after which an idle kernel is shut down (``None``: never);
    ``fork``: fork kernels from a zygote (default ``$GLUE_NB_KERNEL_FORK``, on for Linux).
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        max_kernels: int | None = None,
        min_available_memory: int = DEFAULT_MIN_AVAILABLE_MEMORY,
        idle_timeout: float | None = 600.0,
        start_timeout: float = 60.0,
        cwd: str | None = None,
        fork: bool | None = None,
    ) -> None:
        self.size = _default_size() if size is None else max(0, int(size))
        self.fork = fork_from_env() if fork is None else fork
        self.max_kernels = max_kernels if max_kernels is not None else 2 * self.size
        self.min_available_memory = min_available_memory
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self.cwd = cwd
        self.pid = os.getpid()
        self._state = _State(zygotes=Zygotes() if self.fork else None)
        self._starter = ThreadPoolExecutor(
            max_workers=max(4, 2 * self.size), thread_name_prefix="glue-nb-kernel-start"
        )
        self._reaper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glue-nb-kernel-stop")
        self._janitor: threading.Thread | None = None
        self._finalizer = weakref.finalize(self, _close_state, self._state)

    def __repr__(self) -> str:
        return f"KernelPool(size={self.size}, idle={self.stats()['idle']})"

    # -- the kernel_factory protocol -----------------------------------------------------------
    def __call__(self, kernel_name: str, cwd: str | None = None) -> Any:
        return self.acquire(kernel_name, cwd)

    def acquire(self, kernel_name: str, cwd: str | None = None) -> Any:
        """A ready kernel for ``kernel_name`` (its kernel manager); the caller owns it.

        ``cwd`` is not used: a pooled kernel starts in the pool's folder and the job's context
        cell changes into the job's folder.
        """
        state = self._state
        with state.lock:
            if state.closed:
                raise RuntimeError("the kernel pool is closed")
            kernel = None
            queue = state.ready.setdefault(kernel_name, deque())
            while queue and kernel is None:
                candidate = queue.popleft()
                if _alive(candidate.km):
                    kernel = candidate
                else:
                    self._reap(candidate.km)
            future = None
            if kernel is None:
                pending = state.warming.setdefault(kernel_name, [])
                future = pending.pop(0) if pending else self._spawn(kernel_name)
                state.stats["waits"] += 1
            else:
                state.stats["hits"] += 1
            self._replenish(kernel_name)
        if future is not None:
            kernel = future.result(timeout=self.start_timeout * 2 + 30)
        assert kernel is not None
        km = kernel.km
        km._glue_nb_kc = kernel.kc
        km._glue_nb_kernel_info = kernel.info
        return km

    def release(self, km: Any) -> None:
        """Shut down a kernel that ran its job (in the background)."""
        with self._state.lock:
            closed = self._state.closed
        if closed:
            self._forget_and_destroy(km)
        else:
            self._reaper.submit(self._forget_and_destroy, km)

    # -- warming ---------------------------------------------------------------------------------
    def warm(self, kernel_name: str = "python3") -> None:
        """Start warming kernels for ``kernel_name`` now rather than at its first request."""
        with self._state.lock:
            if not self._state.closed:
                self._replenish(kernel_name)

    def _memory_ok(self) -> bool:
        if not self.min_available_memory:
            return True
        try:
            import psutil

            return bool(psutil.virtual_memory().available >= self.min_available_memory)
        except Exception:
            return True

    def _replenish(self, kernel_name: str) -> None:
        """Top up ``kernel_name``'s idle kernels (lock held)."""
        state = self._state
        if self.size <= 0:
            return
        idle = len(state.ready.get(kernel_name, ())) + len(state.warming.get(kernel_name, ()))
        total = sum(len(q) for q in state.ready.values()) + sum(
            len(w) for w in state.warming.values()
        )
        wanted = min(self.size - idle, self.max_kernels - total)
        failed = state.failed_at.get(kernel_name)
        if failed is not None and time.monotonic() - failed < FAILED_BACKOFF:
            return  # e.g. an unknown kernelspec: let jobs fail on their own starts for a while
        if wanted <= 0 or not self._memory_ok():
            return
        for _ in range(wanted):
            future = self._spawn(kernel_name)
            state.warming.setdefault(kernel_name, []).append(future)
            future.add_done_callback(lambda f: self._warmed(kernel_name, f))
        self._start_janitor()

    def _spawn(self, kernel_name: str) -> Future[_Kernel]:
        """Start one kernel in the background (lock held)."""
        self._state.stats["started"] += 1
        return self._starter.submit(self._start_one, kernel_name)

    def _start_one(self, kernel_name: str) -> _Kernel:
        import_job_modules()
        state = self._state
        cwd = self.cwd or _safe_cwd()
        km = start_kernel(kernel_name, cwd, state.zygotes)
        with state.lock:
            state.live[id(km)] = km
            closed = state.closed
        if closed:
            self._forget_and_destroy(km)
            raise RuntimeError("the kernel pool was closed while a kernel started")
        try:
            kc, info = preconnect(km, self.start_timeout)
        except BaseException:
            self._forget_and_destroy(km)
            raise
        km._glue_nb_kc = kc  # closed with the kernel if it is never handed out
        return _Kernel(kernel_name, km, kc, info)

    def _warmed(self, kernel_name: str, future: Future[_Kernel]) -> None:
        state = self._state
        error = future.exception()
        with state.lock:
            pending = state.warming.get(kernel_name, [])
            if future not in pending:
                return  # claimed by a job meanwhile: it gets the result itself
            pending.remove(future)
            if error is not None:
                if not state.closed:
                    state.stats["failed"] += 1
                    state.failed_at[kernel_name] = time.monotonic()
                    log.warning("could not warm a %r kernel: %s", kernel_name, error)
                return
            kernel = future.result()
            if not state.closed:
                state.ready.setdefault(kernel_name, deque()).append(kernel)
                return
        self._forget_and_destroy(kernel.km)

    def _reap(self, km: Any) -> None:
        self._reaper.submit(self._forget_and_destroy, km)

    def _forget_and_destroy(self, km: Any) -> None:
        """Destroy ``km`` unless another thread (e.g. closing the pool) already took it."""
        with self._state.lock:
            owned = self._state.live.get(id(km)) is km
            if owned:
                del self._state.live[id(km)]
        if owned:
            _destroy(km)

    # -- idle expiry -----------------------------------------------------------------------------
    def _start_janitor(self) -> None:
        if self._janitor is not None or not self.idle_timeout:
            return
        self._janitor = threading.Thread(
            target=_janitor,
            args=(weakref.ref(self), self._state, self.idle_timeout),
            name="glue-nb-kernel-pool-janitor",
            daemon=True,
        )
        self._janitor.start()

    def expire_idle(self, older_than: float | None = None) -> int:
        """Shut down idle kernels ready for more than ``older_than`` seconds (default: the
        pool's idle timeout); returns how many."""
        limit = self.idle_timeout if older_than is None else older_than
        if limit is None:
            return 0
        cutoff = time.monotonic() - limit
        state = self._state
        expired = []
        with state.lock:
            for queue in state.ready.values():
                while queue and queue[0].ready_at <= cutoff:
                    expired.append(queue.popleft())
            state.stats["expired"] += len(expired)
        for kernel in expired:
            self._forget_and_destroy(kernel.km)
        return len(expired)

    # -- state -----------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._state.closed

    def stats(self) -> dict[str, int]:
        """Counters: kernels started, requests served warm (hits) or waited for, idle now."""
        state = self._state
        with state.lock:
            return {
                **state.stats,
                "idle": sum(len(q) for q in state.ready.values()),
                "warming": sum(len(w) for w in state.warming.values()),
                "live": len(state.live),
            }

    def kernel_pids(self) -> list[int]:
        """Process ids of every kernel this pool started that is not shut down yet."""
        with self._state.lock:
            kms = list(self._state.live.values())
        return [p.pid for p in map(_process, kms) if p is not None and p.poll() is None]

    def helper_pids(self) -> list[int]:
        """Process ids of the pool's zygotes (the template processes kernels are forked from)."""
        zygotes = self._state.zygotes
        return zygotes.pids() if zygotes is not None else []

    def close(self) -> None:
        """Shut down every kernel the pool holds (idle, warming, or not released yet)."""
        self._starter.shutdown(wait=False, cancel_futures=True)
        self._reaper.shutdown(wait=True)  # kernels released before
        self._finalizer()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _janitor(pool_ref: weakref.ref[KernelPool], state: _State, idle_timeout: float) -> None:
    while not state.closing.wait(max(1.0, min(60.0, idle_timeout / 4))):
        pool = pool_ref()
        if pool is None:
            return
        pool.expire_idle()
        del pool


def _safe_cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # the folder was removed
        import tempfile

        return tempfile.gettempdir()


# -- the process-wide pool ------------------------------------------------------------------------
_default: KernelPool | None = None
_default_lock = threading.Lock()


def default_pool(size: int | None = None) -> KernelPool | None:
    """This process's pool (created on first use), or ``None`` when ``GLUE_NB_KERNEL_POOL=0``.

    ``size`` is the size to create it with when ``$GLUE_NB_KERNEL_POOL`` does not set one (a Dask
    worker passes its number of threads: no more jobs run there at once).
    """
    global _default
    if size is None or os.environ.get(ENV_POOL, "").strip():
        size = pool_size_from_env()
    if size <= 0:
        return None
    with _default_lock:
        if _default is None or _default.closed or _default.pid != os.getpid():
            _default = KernelPool(size)
        return _default


_imports_lock = threading.Lock()
_imported = False


def import_job_modules() -> None:
    """Import what a notebook job needs, once, in one thread: many job threads importing
    jupyter_client and papermill at the same moment can see partly initialised modules."""
    global _imported
    if _imported:
        return
    with _imports_lock:
        if not _imported:
            from glue_nb.jobs.notebook import defer_slow_imports

            defer_slow_imports()
            import jupyter_client.manager  # noqa: F401
            import papermill
            import papermill.engines  # noqa: F401

            _imported = True


def run_task(task: Any, should_stop: Callable[[], bool]) -> Any:
    """Run an executor task in this process, notebook jobs on this process's kernel pool."""
    if task.kind == "notebook":
        pool = default_pool()
        if pool is not None:  # start warming before the job imports papermill (~0.3 s)
            name = task.spec.kernel_name or _kernelspec_of(task.spec.notebook)
            if name:
                pool.warm(name)
        import_job_modules()
        from glue_nb.jobs.notebook import execute_notebook_job

        return execute_notebook_job(task.spec, should_stop, kernel_factory=pool)
    from glue_nb.executors.base import run_task as run_plain

    return run_plain(task, should_stop)


def _kernelspec_of(notebook: str, limit: int = 2 << 20) -> str | None:
    """The kernelspec name in a local notebook's metadata (cheap: plain JSON, small files)."""
    import json

    try:
        if "://" in notebook or os.path.getsize(notebook) > limit:
            return None
        with open(notebook, encoding="utf-8") as fh:
            name = json.load(fh)["metadata"]["kernelspec"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) and name else None


# -- the papermill engine -------------------------------------------------------------------------
_engine_lock = threading.Lock()


def register_engine() -> str:
    """Register the ``"glue_nb"`` papermill engine (once) and return its name."""
    from papermill.engines import papermill_engines

    with _engine_lock:
        if ENGINE_NAME not in papermill_engines._engines:
            papermill_engines.register(ENGINE_NAME, _make_engine())
    return ENGINE_NAME


def _make_engine() -> type:
    from jupyter_core.utils import run_sync
    from nbclient.util import run_hook
    from papermill.engines import NBClientEngine, PapermillNotebookClient
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class GlueNbNotebookClient(PapermillNotebookClient):  # type: ignore[misc]
        """Runs on the kernel manager it is given, with its pre-connected client if any."""

        _kernel_info: dict[str, Any] | None = None

        async def async_start_new_kernel_client(self) -> Any:
            km = self.km
            kc = getattr(km, "_glue_nb_kc", None)
            info = getattr(km, "_glue_nb_kernel_info", None)
            if kc is None:
                kc, info = preconnect(km, self.startup_timeout)
            km._glue_nb_kc = None
            self._kernel_info = info
            self.kc = kc
            kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def execute(self, **kwargs: Any) -> Any:
            self.reset_execution_trackers()
            try:
                with self.setup_kernel(**kwargs):
                    self.papermill_execute_cells()
                    info = self._kernel_info or self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                    self.set_widgets_metadata()
            finally:
                if self.kc is not None:
                    close_client(self.kc)
                    self.kc = None
            return self.nb

    class GlueNbEngine(NBClientEngine):  # type: ignore[misc]
        """papermill's nbclient engine on a kernel the caller started (``km=`` required)."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            return GlueNbNotebookClient(nb_man, **final_kwargs).execute()

    return GlueNbEngine
