"""The lease: one scheduler per store fires triggers; the others stand by.

The store holds one lease row (holder, expiry). The holder renews it every third of its time to
live; another scheduler takes it over once it has expired, or at once when its holder's process
is known to be gone (a dead pid on this host). Every write that fires something checks, inside
its own transaction, that the lease is still held (:meth:`Lease.still_held`), so a scheduler
that lost the lease half-way (a paused process) fires nothing more. The lease uses the wall
clock, whatever the schedule's clock.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.scheduler.common import fmt
from glue_nb.store import Store
from glue_nb.store.schedules import LeaseRow, SchedulerLease
from glue_nb.timeutil import now as wall_now

__all__ = ["DEFAULT_LEASE_TTL", "Lease", "holder_alive", "identity"]

log = logging.getLogger(__name__)

DEFAULT_LEASE_TTL = 30.0


def identity() -> dict[str, Any]:
    """This process, as a lease row names its holder."""
    import psutil

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "create_time": psutil.Process().create_time(),
    }


def holder_alive(info: Mapping[str, Any]) -> bool:
    """False only when the holder is known to be gone (a dead pid on this host)."""
    if info.get("host") != socket.gethostname():
        return True  # another host: only the lease expiry tells
    if info.get("pid") == os.getpid():
        return True  # another scheduler of this process
    import psutil

    try:
        proc = psutil.Process(int(info["pid"]))
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent
            return False
        return abs(proc.create_time() - float(info["create_time"])) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError, ValueError, TypeError):
        return False


class Lease:
    """The store's lease as one scheduler (``holder``: its id) sees it.

    ``on_lost`` is called when this scheduler finds it no longer holds a lease it held."""

    def __init__(
        self,
        store: Store,
        holder: str,
        info: Mapping[str, Any],
        ttl: float,
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.rows = SchedulerLease(store)
        self.holder = holder
        self.info = dict(info)
        self.ttl = ttl
        self.on_lost = on_lost
        self.held = False
        self.renew_at = 0.0  # wall clock: when the lease is renewed next
        self.other: dict[str, Any] | None = None  # the holder this scheduler stands by for

    def ensure(self) -> bool:
        """Acquire or renew the lease when due; True while this scheduler holds it."""
        t = wall_now()
        if self.held and t < self.renew_at:
            return True
        # A cheap read first, so a standby scheduler does not take the write lock every tick;
        # then the same check again inside the transaction that takes or renews the lease.
        if self._held_elsewhere(self.rows.get(), t):
            return False
        with self.store.transaction():
            row = self.rows.get()
            if self._held_elsewhere(row, t):
                return False
            taken_from = None
            if row is None or row.holder != self.holder:
                self.rows.take(self.holder, self.info, t, self.ttl)
                taken_from = row.info if row is not None else None
            else:
                self.rows.renew(self.holder, t, self.ttl)
        if not self.held:
            if taken_from:
                log.info(
                    "took over the scheduler lease from pid %s on %s (expired or gone)",
                    taken_from.get("pid"),
                    taken_from.get("host"),
                )
            else:
                log.info("holding the scheduler lease (pid %s)", os.getpid())
        self.held, self.other = True, None
        self.renew_at = t + self.ttl / 3
        return True

    def _held_elsewhere(self, row: LeaseRow | None, t: float) -> bool:
        """True (and standing by) while another live scheduler holds an unexpired lease."""
        if row is None or row.holder == self.holder:
            return False
        if row.expires > t and holder_alive(row.info):
            self._standby(row.info, row.expires)
            return True
        return False

    def _standby(self, info: dict[str, Any], expires: float) -> None:
        if self.held:
            log.warning(
                "lost the scheduler lease to pid %s on %s: no more firings here",
                info.get("pid"),
                info.get("host"),
            )
            self._lose()
        elif self.other is None or self.other.get("holder") != info.get("holder"):
            log.info(
                "standing by: another scheduler holds the lease (pid %s on %s, until %s)",
                info.get("pid"),
                info.get("host"),
                fmt(expires),
            )
        self.other = info

    def still_held(self) -> bool:
        """Inside the transaction of a fire: is the lease still this scheduler's, unexpired?"""
        row = self.rows.get()
        ok = row is not None and row.holder == self.holder and row.expires > wall_now()
        if not ok and self.held:
            self._lose()
        return ok

    def _lose(self) -> None:
        self.held, self.renew_at = False, 0.0
        self.on_lost()

    def release(self) -> None:
        """Give the lease up (another scheduler may take over at once)."""
        self.rows.release(self.holder)
        if self.held:
            log.info("released the scheduler lease")
        self.held, self.renew_at = False, 0.0
