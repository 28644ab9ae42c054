"""Connecting a client to a started kernel without fixed waits, and closing it again.

jupyter_client's own ``wait_for_ready`` waits a fixed 0.2 s for IOPub to go quiet, and a client
that connects before the kernel has bound its IPC sockets pays zmq's 100 ms reconnect interval.
:func:`preconnect` connects once the socket files exist and is done when the kernel's ``idle``
status for our ``kernel_info_request`` arrives: from then on IOPub is known to be subscribed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

__all__ = ["close_client", "destroy_context", "kernel_alive", "kernel_process", "preconnect"]


def kernel_process(km: Any) -> Any:
    """The ``Popen``-like process of ``km``'s kernel, or None when it has none."""
    return getattr(getattr(km, "provisioner", None), "process", None)


def kernel_alive(km: Any) -> bool:
    """Whether ``km``'s kernel process runs."""
    process = kernel_process(km)
    return process is not None and process.poll() is None


def preconnect(km: Any, timeout: float = 60.0) -> tuple[Any, dict[str, Any]]:
    """Connect a client to ``km``'s kernel and wait until it answers ``kernel_info``.

    Returns the client (an asyncio client whose sockets no event loop has used yet, so any
    thread may take it over) and the ``kernel_info_reply``. IOPub is known to be subscribed when
    this returns: the kernel's ``idle`` status for our request has been received.
    """
    import zmq

    wait_bound(km, timeout)
    kc = km.client()
    kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
    try:
        # Blocking shadows of the asyncio sockets: no event loop gets attached to them here.
        shell: Any = zmq.Socket.shadow(kc.shell_channel.socket.underlying)
        iopub: Any = zmq.Socket.shadow(kc.iopub_channel.socket.underlying)
        reply = handshake(kc.session, shell, iopub, lambda: kernel_alive(km), timeout)
    except BaseException:
        close_client(kc)
        raise
    return kc, reply


def wait_bound(km: Any, timeout: float) -> None:
    """Wait until an IPC kernel has bound its sockets: connecting earlier costs zmq's 100 ms
    reconnect interval."""
    if getattr(km, "transport", "tcp") != "ipc":
        return
    paths = [f"{km.ip}-{km.shell_port}", f"{km.ip}-{km.iopub_port}"]
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(p) for p in paths):
        if not kernel_alive(km):
            raise RuntimeError("the kernel died while it started")
        if time.monotonic() > deadline:
            return  # let the handshake report it
        time.sleep(0.002)


def handshake(
    session: Any, shell: Any, iopub: Any, alive: Callable[[], bool], timeout: float
) -> dict[str, Any]:
    """Send ``kernel_info_request`` until the reply and its ``idle`` status on IOPub arrive."""
    import zmq

    deadline = time.monotonic() + timeout
    while True:
        request = session.msg("kernel_info_request")
        session.send(shell, request)
        msg_id = request["header"]["msg_id"]
        reply: dict[str, Any] | None = None
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


def close_client(kc: Any) -> None:
    """Stop a kernel client's open channels and its zmq context; never raises.

    (``stop_channels`` would first create, connect and then close the channels it never used.)
    """
    for name in ("_shell_channel", "_iopub_channel", "_stdin_channel", "_hb_channel",
                 "_control_channel"):  # fmt: skip
        channel = getattr(kc, name, None)
        try:
            if channel is not None and channel.is_alive():
                channel.stop()
        except Exception:
            pass
    # whatever the channels did: a context left to the garbage collector with its sockets still
    # open blocks the collecting thread for good (zmq's term waits for sockets nobody closes)
    destroy_context(kc)


def destroy_context(owner: Any) -> None:
    """Close every socket of the zmq context ``owner`` (a kernel manager or client) created, at
    once, and terminate it; never raises."""
    try:
        if owner._created_context and not owner.context.closed:
            owner.context.destroy(linger=0)
    except Exception:
        pass
