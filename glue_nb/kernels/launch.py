"""Starting a kernel (and ending it): private IPC sockets, forked from a zygote when possible.

jupyter_client picks TCP ports in the parent process, which races when many kernels start at
once (several jobs, runs or processes); IPC socket paths in a private folder cannot collide. That
folder also holds the kernel's connection file, and is named after this process
(:mod:`glue_nb.kernels.scratch`), so what a killed process leaves behind is removed by the next
one. A failed start is retried with new sockets.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any

from glue_nb.kernels import scratch
from glue_nb.kernels.connect import close_client, destroy_context, kernel_process

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

    from glue_nb.kernels.zygotes import Zygotes

__all__ = [
    "destroy_kernel",
    "import_kernel_modules",
    "kernel_dir",
    "kill_kernel",
    "manager_class",
    "start_kernel",
    "sweep_kernel_dirs",
]

CONNECTION_FILE = "kernel.json"  # in the kernel's private folder, next to its sockets
#: The longest folder a kernel's IPC sockets (``<folder>/k-<n>``) fit in: a socket's path holds
#: 107 bytes on Linux, 103 on macOS and the BSDs.
SOCKET_DIR_MAX = (107 if sys.platform.startswith("linux") else 103) - len("/k-99")
#: Where kernel folders go when the temporary folder's path is too long for sockets.
SHORT_ROOT = "/tmp"

_imports_lock = threading.Lock()
_imported = False


def import_kernel_modules() -> None:
    """Import jupyter_client once, in one thread: threads importing it at the same moment (kernel
    starts, jobs importing papermill) can see partly initialised modules."""
    global _imported
    if _imported:
        return
    with _imports_lock:
        if not _imported:
            import jupyter_client.manager  # noqa: F401
            import jupyter_core.utils  # noqa: F401
            import zmq  # noqa: F401

            _imported = True


def start_kernel(
    kernel_name: str, cwd: str | None, zygotes: Zygotes | None = None, attempts: int = 3
) -> Any:
    """Start a ``kernel_name`` kernel in ``cwd``; returns its (async) kernel manager.

    Its IPC sockets and connection file live in a private folder; it is forked from a zygote
    when ``zygotes`` can serve its kernelspec. IPython history is kept in memory, as nbclient
    does for the kernels it starts.
    """
    import_kernel_modules()
    from jupyter_core.utils import run_sync

    last: Exception | None = None
    for attempt in range(attempts):
        sockdir = kernel_dir()
        km: Any = manager_class()(
            kernel_name=kernel_name,
            transport="ipc",
            ip=os.path.join(sockdir, "k"),
            connection_file=os.path.join(sockdir, CONNECTION_FILE),
        )
        km._glue_nb_sockdir = sockdir
        km._glue_nb_zygotes = zygotes
        try:
            extra = ["--HistoryManager.hist_file=:memory:"] if km.ipykernel else []
            run_sync(km.start_kernel)(cwd=cwd, extra_arguments=extra)
            return km
        except Exception as exc:  # clean up, retry with new sockets
            last = exc
            destroy_kernel(km)
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(
        f"kernel {kernel_name!r} could not be started after {attempts} tries: {last}"
    )


def sweep_kernel_dirs() -> list[str]:
    """Remove the kernel and job folders of ended processes (once per process and folder)."""
    removed = scratch.sweep_once()
    if os.path.isdir(SHORT_ROOT):
        removed += scratch.sweep_once(SHORT_ROOT)
    return removed


def kernel_dir() -> str:
    """A new private folder for a kernel's sockets: in the temporary folder, or in ``/tmp`` when
    the temporary folder's path is too long for a socket's."""
    root = tempfile.gettempdir()
    path = scratch.make_dir("k", root)
    if len(path) <= SOCKET_DIR_MAX:
        return path
    os.rmdir(path)
    if os.path.isdir(SHORT_ROOT):
        path = scratch.make_dir("k", SHORT_ROOT)
        if len(path) <= SOCKET_DIR_MAX:
            return path
        os.rmdir(path)
    raise RuntimeError(
        f"the temporary folder {root!r} is too long for a kernel's IPC sockets (their folder "
        f"may have {SOCKET_DIR_MAX} characters at most, {SHORT_ROOT!r} is not usable either): "
        "set TMPDIR to a shorter folder"
    )


_MANAGER: type[AsyncKernelManager] | None = None


def manager_class() -> type[AsyncKernelManager]:
    """An ``AsyncKernelManager`` that launches ipykernel kernels through a zygote if it has one."""
    global _MANAGER
    if _MANAGER is None:
        from jupyter_client.manager import AsyncKernelManager

        class GlueNbKernelManager(AsyncKernelManager):
            _glue_nb_zygotes: Zygotes | None = None
            _glue_nb_sockdir: str | None = None

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


def kill_kernel(km: Any) -> None:
    """SIGKILL ``km``'s kernel process (what a stop or a timeout does); never raises."""
    process = kernel_process(km)
    if process is not None and process.pid:
        try:
            os.kill(process.pid, signal.SIGKILL)
        except OSError:
            pass


def destroy_kernel(km: Any) -> None:
    """Kill a kernel (and its process group), close its client and remove its files; never
    raises. It does not wait for a kernel to agree, as ``shutdown_kernel`` would."""
    kc = getattr(km, "_glue_nb_kc", None)
    km._glue_nb_kc = None
    if kc is not None:
        close_client(kc)
    process = kernel_process(km)
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
            km._control_socket = None
            control.close(linger=0)
    except Exception:
        pass
    destroy_context(km)
    sockdir = getattr(km, "_glue_nb_sockdir", None)
    if sockdir:
        shutil.rmtree(sockdir, ignore_errors=True)
