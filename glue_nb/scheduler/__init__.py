"""The scheduler: SCHEDULED and EVENT triggers that start workflows, jobs and crawls on their own.

A :class:`Scheduler` ticks (every second by default). Each tick it

1. holds or renews the store's **lease** (:mod:`~glue_nb.scheduler.lease`): only the holder
   fires; other schedulers on the same store stand by and take over when the lease expires or
   its holder process is gone;
2. fires each ACTIVATED SCHEDULED trigger whose next fire time (Glue cron, UTC, see
   :mod:`glue_nb.schedule`) has come (:mod:`~glue_nb.scheduler.fires`): a workflow's start
   trigger starts a workflow run; a standalone one (no WorkflowName) starts its actions
   directly, each job action a standalone job run and each crawler action a crawl
   (:mod:`~glue_nb.scheduler.starts`). One fire time never starts anything twice, and missed
   fires give at most one catch-up;
3. closes EVENT batches into runs (:mod:`~glue_nb.scheduler.batches`), a batch never twice.

What it starts is driven by the engine in threads of the scheduler's process;
:mod:`~glue_nb.scheduler.started` follows it to its end through the engine and the ledger.
Entry points: :func:`main` (``glue-nb scheduler``, also ``python -m glue_nb.scheduler``;
:mod:`~glue_nb.scheduler.foreground`), :func:`start_background` / :func:`stop_background` for
a notebook kernel (:mod:`~glue_nb.scheduler.background`), and the queries :func:`next_fires`,
:func:`fire_history` and :func:`status` (:mod:`~glue_nb.scheduler.queries`). Every read and
write of the store is :mod:`glue_nb.store.schedules`' and :mod:`glue_nb.store.events`'.
"""

from glue_nb.scheduler.background import (
    BackgroundScheduler,
    background,
    start_background,
    stop_background,
)
from glue_nb.scheduler.firing import Firing
from glue_nb.scheduler.foreground import cli, main
from glue_nb.scheduler.queries import fire_history, next_fires, scheduled_trigger, status
from glue_nb.scheduler.service import CATCH_UP, Scheduler

__all__ = [
    "CATCH_UP",
    "BackgroundScheduler",
    "Firing",
    "Scheduler",
    "background",
    "cli",
    "fire_history",
    "main",
    "next_fires",
    "scheduled_trigger",
    "start_background",
    "status",
    "stop_background",
]
