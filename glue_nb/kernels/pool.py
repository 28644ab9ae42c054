"""A warm kernel pool: kernels started and connected before a job asks for one.

Starting a Python kernel the usual way costs about 0.5 s of wall time on a small machine
(0.2 s of it CPU), most of a trivial notebook's run. The pool cuts that in three ways:

- **ahead of need**: it keeps ``size`` kernels per kernelspec started *and connected* (channels
  open, ``kernel_info`` answered, IOPub subscribed: :mod:`glue_nb.kernels.connect`), so a job's
  first cell runs at once;
- **forked, not spawned** (:mod:`glue_nb.kernels.zygotes`): a process per Python executable
  imports ipykernel once, then forks each new kernel, ready in ~40 ms instead of ~300 ms;
- **no fixed waits**: the client connects once the kernel's IPC sockets exist and is ready when
  the kernel's ``idle`` status for its ``kernel_info`` arrives.

Isolation is the same as with a cold start: **each kernel runs one job only** and is shut down
after it; a pooled kernel has executed nothing, and the job's context cell sets its working
directory and context as for a cold kernel. What differs: a pooled kernel's environment is that
of this process when the kernel was started (a forked one also has the modules a kernel imports
at start-up already loaded, as a cold kernel has once it is ready).

Bounds: ``size`` idle kernels per kernelspec (``max_kernels`` over all kernelspecs), no new warm
kernels while available memory is under ``min_available_memory``, idle kernels older than
``idle_timeout`` are shut down (by a janitor thread), and a kernelspec whose kernels fail to start
is not warmed for 30 s. Warming is lazy: the first request for a kernelspec starts it. Kernels
never outlive the process: a normal exit or garbage collection of the pool shuts them down
(``weakref.finalize``, which also runs at exit); if the process is killed, a zygote sees its pipe
close and kills its kernels at once, every kernel also exits within about a second when its
parent dies (ipykernel's parent poller, ``JPY_PARENT_PID``), and the next pool created on the
machine removes the folders they left (:mod:`glue_nb.kernels.scratch`).

The process-wide pool (:func:`default_pool`) is used by the local executor and by each Dask
worker process. ``GLUE_NB_KERNEL_POOL=0`` disables it; ``GLUE_NB_KERNEL_POOL=N`` sets its size
(default: the number of CPUs, between 2 and 8).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from glue_nb.kernels.connect import kernel_alive, kernel_process, preconnect
from glue_nb.kernels.launch import (
    destroy_kernel,
    import_kernel_modules,
    start_kernel,
    sweep_kernel_dirs,
)
from glue_nb.kernels.zygotes import Zygotes, fork_from_env

__all__ = ["ENV_POOL", "KernelPool", "default_pool", "pool_size_from_env"]

log = logging.getLogger(__name__)

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
        destroy_kernel(km)
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
        sweep_kernel_dirs()  # the folders of kernels and jobs whose process was killed
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
                if kernel_alive(candidate.km):
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
        import_kernel_modules()
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
        if future.cancelled():  # the pool closed before this kernel's start began
            error: BaseException | None = RuntimeError("the kernel pool was closed")
        else:
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
            destroy_kernel(km)

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
        return [p.pid for p in map(kernel_process, kms) if p is not None and p.poll() is None]

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
