"""The scheduler as a foreground service: ``glue-nb scheduler`` and
``python -m glue_nb.scheduler``, with its logging and its answer to signals."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from glue_nb.exceptions import GlueNbError, InvalidInputException
from glue_nb.scheduler.lease import DEFAULT_LEASE_TTL
from glue_nb.scheduler.service import CATCH_UP, Scheduler

__all__ = ["cli", "main"]

log = logging.getLogger(__name__)


def _setup_logging(level: str | int) -> Callable[[], None]:
    """Log to stderr: with rich on a terminal, plain lines otherwise (journald, files).
    Returns a function that undoes it."""
    logger = logging.getLogger("glue_nb")
    saved = (logger.level, logger.propagate)
    logger.setLevel(level if isinstance(level, int) else level.upper())
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(
            console=Console(stderr=True),
            show_path=False,
            markup=False,
            log_time_format="[%Y-%m-%d %H:%M:%S]",
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

    return undo


def _watch_map(watch: Any) -> dict[str, str]:
    if not watch:
        return {}
    if isinstance(watch, Mapping):
        return {str(k): str(v) for k, v in watch.items()}
    out = {}
    for item in watch:
        if isinstance(item, str):
            workflow, sep, path = item.partition("=")
            if not sep or not workflow or not path:
                raise InvalidInputException(f"--watch {item!r}: expected WORKFLOW=PATH")
        else:
            workflow, path = item
        out[workflow] = path
    return out


def main(
    home: str | os.PathLike[str] | None = None,
    *,
    tick: float = 1.0,
    catch_up: str = "one",
    once: bool = False,
    log_level: str | int = "INFO",
    watch: Mapping[str, str] | Iterable[str] | None = None,
    stop_runs: bool = False,
    executor: str | None = None,
    lease_ttl: float = DEFAULT_LEASE_TTL,
) -> int:
    """``glue-nb scheduler``: fire triggers in the foreground until SIGTERM or Ctrl-C.

    On the first signal no new run is started and the lease is released; runs in progress are
    waited for (with ``stop_runs``, or on a second signal, they are stopped: they end STOPPED and
    can be resumed). A third signal exits at once (runs are then reaped as STOPPED by the next
    glue-nb process that looks). ``once``: one tick, then wait for the runs it started.
    ``watch``: ``{workflow: folder}`` or ``["WORKFLOW=PATH", ...]``. Returns the exit status.
    """
    watches = _watch_map(watch)
    undo_logging = _setup_logging(log_level)
    try:
        scheduler = Scheduler(home, tick=tick, catch_up=catch_up, executor=executor,
                              lease_ttl=lease_ttl, watch=watches)  # fmt: skip
        scheduler.check()
        return _serve(scheduler, once=once, stop_runs=stop_runs)
    finally:
        undo_logging()


def _serve(scheduler: Scheduler, *, once: bool, stop_runs: bool) -> int:
    signals = [0]

    def on_signal(signum: int, frame: Any) -> None:
        signals[0] += 1
        scheduler.stop()
        if signals[0] >= 3:
            os._exit(130)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        if once:
            try:
                firings = scheduler.tick()
            finally:
                scheduler.close()
            if not scheduler.run_ids and not firings:
                log.info("nothing was due")
        else:
            scheduler.run()
        stopped = False
        going = scheduler.active_runs()
        if going:
            log.info(
                "no new firings; waiting for %d run(s) to finish (%s)",
                len(going),
                "stopping them" if stop_runs else "send SIGTERM / Ctrl-C again to stop them",
            )
        while not scheduler.wait_runs(timeout=0.5):
            if not stopped and (stop_runs or signals[0] >= 2):
                stopped = True
                asked = scheduler.stop_runs()
                log.info("stopping %d run(s); they can be resumed later", len(asked))
        log.info("scheduler stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cli(argv: Sequence[str] | None = None) -> int:
    """``python -m glue_nb.scheduler [options]`` (the same options as ``glue-nb scheduler``)."""
    parser = argparse.ArgumentParser(
        prog="python -m glue_nb.scheduler",
        description="Fire the SCHEDULED and EVENT start triggers of a glue-nb home.",
    )
    parser.add_argument("--home", default=None, help="glue-nb home (default $GLUE_NB_HOME)")
    parser.add_argument("--tick", type=float, default=1.0, help="seconds between ticks")
    parser.add_argument("--catch-up", choices=CATCH_UP, default="one")
    parser.add_argument("--once", action="store_true", help="one tick, wait for its runs, exit")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--watch", action="append", default=[], metavar="WORKFLOW=PATH")
    parser.add_argument(
        "--stop-runs",
        action="store_true",
        help="on stop, stop runs in progress (resumable) instead of waiting",
    )
    parser.add_argument("--executor", default=None)
    parser.add_argument("--lease-ttl", type=float, default=DEFAULT_LEASE_TTL)
    args = parser.parse_args(argv)
    try:
        return main(
            args.home,
            tick=args.tick,
            catch_up=args.catch_up,
            once=args.once,
            log_level=args.log_level,
            watch=args.watch,
            stop_runs=args.stop_runs,
            executor=args.executor,
            lease_ttl=args.lease_ttl,
        )
    except GlueNbError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
