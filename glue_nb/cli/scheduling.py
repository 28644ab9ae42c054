"""Commands for what starts runs on its own: ``scheduler`` (in the foreground), ``next`` (the next
fire times of a schedule) and ``event`` (post an event to an EVENT trigger)."""

from __future__ import annotations

import sys
from typing import Any

import click

from glue_nb.cli.options import client_for, home_option, make_console, where_options, workflow_names
from glue_nb.cli.tables import fmt_time

__all__ = ["event", "next_fires", "scheduler"]


@click.command()
@home_option
@click.option("--tick", default=1.0, show_default=True, help="seconds between checks")
@click.option(
    "--catch-up",
    type=click.Choice(["one", "none"]),
    default="one",
    show_default=True,
    help="runs for fires missed while no scheduler ran: at most one per trigger, or none",
)
@click.option("--once", is_flag=True, help="fire what is due now, wait for those runs, exit")
@click.option(
    "--watch",
    multiple=True,
    metavar="WORKFLOW=PATH",
    help="post an event to WORKFLOW's EVENT trigger for each new file in PATH",
)
@click.option(
    "--stop-runs",
    is_flag=True,
    help="on SIGTERM/Ctrl-C stop running runs (resumable) instead of waiting for them",
)
@click.option("--executor", default=None, help="where jobs run: local (default) or dask")
@click.option(
    "--lease-ttl",
    default=30.0,
    show_default=True,
    help="seconds a scheduler's lease on the store lasts without renewal",
)
@click.option("--log-level", default="INFO", show_default=True)
def scheduler(
    home: str | None,
    tick: float,
    catch_up: str,
    once: bool,
    watch: tuple[str, ...],
    stop_runs: bool,
    executor: str | None,
    lease_ttl: float,
    log_level: str,
) -> None:
    """Run the scheduler in the foreground: fire schedules and event batches into runs.

    Safe to run twice against one store (a lease decides who fires; a fire time never gives two
    runs). Stops cleanly on SIGTERM or Ctrl-C. See docs/scheduler.md for a systemd unit.
    """
    from glue_nb.scheduler import main as scheduler_main

    sys.exit(
        scheduler_main(
            home,
            tick=tick,
            catch_up=catch_up,
            once=once,
            log_level=log_level,
            watch=watch or None,
            stop_runs=stop_runs,
            executor=executor,
            lease_ttl=lease_ttl,
        )
    )


@click.command(name="next")
@click.argument("name")
@where_options
@click.option("--count", "-n", default=5, show_default=True)
@click.option(
    "--trigger",
    "is_trigger",
    is_flag=True,
    help="NAME is a SCHEDULED trigger (e.g. one without a workflow), not a workflow",
)
def next_fires(
    name: str, home: str | None, endpoint_url: str | None, count: int, is_trigger: bool
) -> None:
    """The next fire times (UTC) of a workflow's schedule, or of a SCHEDULED trigger.

    NAME is a workflow; when no workflow has that name, a trigger of that name.
    """
    from glue_nb.schedule import next_fire_times

    client = client_for(home, endpoint_url)
    workflows = workflow_names(client)
    if not is_trigger and name not in workflows:
        pages = client.get_paginator("get_triggers").paginate()
        triggers = {t["Name"]: t for page in pages for t in page["Triggers"]}
        if name not in triggers:
            scheduled = sorted(n for n, t in triggers.items() if t["Type"] == "SCHEDULED")
            raise click.ClickException(
                f"no workflow or trigger named {name!r} (workflows: "
                f"{', '.join(workflows) or 'none'}; SCHEDULED "
                f"triggers: {', '.join(scheduled) or 'none'})"
            )
        is_trigger = True
    start = _scheduled_trigger(client, name, is_trigger)
    console = make_console()
    where = f"workflow {start['WorkflowName']}" if start.get("WorkflowName") else "no workflow"
    console.print(f"{start['Name']} ({where}): {start['Schedule']} ({start.get('State')})")
    for when in next_fire_times(start["Schedule"], count=count):
        console.print(f"  {when:%Y-%m-%d %H:%M} UTC  ({fmt_time(when)} local)")


def _scheduled_trigger(client: Any, name: str, is_trigger: bool) -> dict[str, Any]:
    """The SCHEDULED trigger named ``name``, or the start trigger of workflow ``name``."""
    from glue_nb.exceptions import InvalidInputException

    if is_trigger:
        found = dict(client.get_trigger(Name=name)["Trigger"])
        if found["Type"] != "SCHEDULED":
            raise InvalidInputException(
                f"trigger {name!r} has Type {found['Type']}, not SCHEDULED: no fire times"
            )
        return found
    graph = client.get_workflow(Name=name, IncludeGraph=True)["Workflow"].get("Graph") or {}
    starts = [
        n["TriggerDetails"]["Trigger"]
        for n in graph.get("Nodes", [])
        if n["Type"] == "TRIGGER" and n["TriggerDetails"]["Trigger"]["Type"] != "CONDITIONAL"
    ]
    start = starts[0] if starts else None
    if start is None or start["Type"] != "SCHEDULED":
        kind = "no" if start is None else f"{_article(start['Type'])} {start['Type']}"
        raise InvalidInputException(
            f"workflow {name!r} has {kind} start trigger, not a SCHEDULED one: no fire times"
        )
    return dict(start)


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


@click.command()
@click.argument("workflow")
@where_options
@click.option("--detail", default=None, metavar="JSON", help="the event's detail: a JSON object")
@click.option("--id", "event_id", default=None, help="event id (default: a new UUID)")
@click.option("--source", default=None, help="event source (default: glue-nb)")
@click.option("--detail-type", default=None, help="event detail type (default: Event)")
def event(
    workflow: str,
    home: str | None,
    endpoint_url: str | None,
    detail: str | None,
    event_id: str | None,
    source: str | None,
    detail_type: str | None,
) -> None:
    """Post an event to WORKFLOW, whose start trigger has Type EVENT.

    It is stored at once; a scheduler (`glue-nb scheduler`) batches events into runs. An event
    id already posted to the workflow is not stored again (a duplicate): give --id to make
    posting idempotent.
    """
    import json

    parsed = None
    if detail is not None:
        try:
            parsed = json.loads(detail)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--detail")
        if not isinstance(parsed, dict):
            raise click.BadParameter(
                f"must be a JSON object ({{...}}), got {type(parsed).__name__}",
                param_hint="--detail",
            )
    client = client_for(home, endpoint_url)
    given = {"Detail": parsed, "EventId": event_id, "Source": source, "DetailType": detail_type}
    posted = client.notify_event(
        WorkflowName=workflow, **{k: v for k, v in given.items() if v is not None}
    )
    console = make_console()
    if posted["Duplicate"]:
        console.print(
            f"Event {posted['EventId']} was already posted to {workflow} "
            "(duplicate: not stored again)"
        )
        return
    console.print(f"Posted event {posted['EventId']} to {workflow} (duplicate: no)")
    lease = client.get_scheduler_status().get("Lease")
    if lease is None or not lease["Active"]:
        console.print(
            "[yellow]No scheduler is running: the event waits until one starts "
            "(glue-nb scheduler).[/]"
        )
