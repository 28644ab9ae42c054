"""``glue-nb``: run workflows and look at their runs from a terminal (thin over the client)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from glue_nb.exceptions import GlueNbError

__all__ = ["entry", "main"]

STATE_STYLE = {
    "SUCCEEDED": "green",
    "COMPLETED": "green",
    "RUNNING": "cyan",
    "STARTING": "cyan",
    "WAITING": "yellow",
    "STOPPING": "yellow",
    "STOPPED": "yellow",
    "TIMEOUT": "magenta",
    "FAILED": "red",
    "ERROR": "red",
    "CANCELLED": "yellow",
}


def _console() -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() else 160
    return Console(stderr=False, highlight=False, width=width)


def _client(home: str | None, endpoint_url: str | None = None) -> Any:
    """glue-nb's own API (Glue's answers plus notebooks, errors, Executor) of the home or the
    server the options name: ``--home`` or ``--endpoint-url``, else ``$GLUE_NB_HOME``, else
    ``$GLUE_NB_ENDPOINT_URL``, else ``$AWS_ENDPOINT_URL_GLUE``, else ``./.glue_nb``."""
    from glue_nb.client import client

    if home and endpoint_url:
        raise click.UsageError("give --home or --endpoint-url, not both")
    if endpoint_url:
        return client(endpoint_url=endpoint_url).nb
    return client(home).nb


def _styled(state: str | None) -> str:
    if not state:
        return ""
    return f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"


def _run_status(run: dict[str, Any] | None) -> str:
    """A run's status at a glance ('COMPLETED · 1 failed' in red), as the views show it."""
    if not run:
        return ""
    from glue_nb.views.states import run_status

    status = run_status(run)
    style = {"failed": "red", "timeout": "magenta", "stopped": "yellow"}.get(status.category)
    return f"[{style}]{status.text}[/]" if style else _styled(status.status)


def _fmt_time(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def load_workflow_file(path: Path, home: str | None = None) -> Any:
    """Import a Python file and return the one ``glue_nb.Workflow`` it defines at top level
    (or the one named ``workflow``)."""
    from glue_nb.builder import Workflow

    spec = importlib.util.spec_from_file_location(f"glue_nb_user_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise click.ClickException(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    found = [v for v in vars(module).values() if isinstance(v, Workflow)]
    chosen = getattr(module, "workflow", None)
    if not isinstance(chosen, Workflow):
        if len(found) != 1:
            raise click.ClickException(
                f"{path} defines {len(found)} glue_nb.Workflow objects at top level; define "
                "exactly one, or name the one to run `workflow`"
            )
        chosen = found[0]
    if home is not None:
        chosen.home = home
    return chosen


def _short(location: str | None, home: Path | None) -> str:
    if not location or home is None or "://" in location:
        return location or ""
    try:
        return str(Path(location).relative_to(home))
    except ValueError:
        return location


def _crawl_summary(summary: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("TablesCreated", "created"),
        ("TablesUpdated", "updated"),
        ("TablesDeprecated", "deprecated"),
        ("TablesDeleted", "deleted"),
    ):
        if summary.get(key):
            parts.append(f"{label} {', '.join(summary[key])}")
    if summary.get("PartitionsAdded"):
        parts.append(f"{summary['PartitionsAdded']} partition(s) added")
    if summary.get("SkippedFiles"):
        parts.append(f"{len(summary['SkippedFiles'])} file(s) skipped")
    return "; ".join(parts) or "no catalog changes"


def run_table(console: Any, run: dict[str, Any], home: Path | None = None) -> None:
    """Print a run's job runs and crawls as a table, then its errors."""
    from rich.table import Table

    table = Table(title=f"{run['Name']}  {run['WorkflowRunId']}", title_justify="left")
    for col in ("node", "type", "attempt", "state", "started", "duration"):
        table.add_column(col, no_wrap=True)
    table.add_column(
        "error / executed notebook" + (f" (under {home})" if home else ""), overflow="fold"
    )
    rows = []
    for node in run.get("Graph", {}).get("Nodes", []):
        for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
            rows.append((node["Name"], "job", jr))
        for crawl in (node.get("CrawlerDetails") or {}).get("Crawls", []):
            rows.append((node["Name"], "crawler", crawl))
    rows.sort(key=lambda r: r[2].get("StartedOn") or 0)
    for name, kind, item in rows:
        state = item.get("JobRunState") or item.get("State")
        start, end = item.get("StartedOn"), item.get("CompletedOn")
        seconds = (end - start).total_seconds() if start and end else None
        detail = item.get("ErrorMessage") or _short(item.get("OutputLocation"), home)
        shown = _styled(state)
        if item.get("ReusedFrom"):  # recorded SUCCEEDED at once with an earlier run's results
            shown = "[cyan]reused[/]"
            saved = item.get("ReuseSavedSeconds")
            detail = (
                f"[cyan]reused {item['ReusedFrom'][:15]}…"
                + (f" ({saved:.1f} s saved)[/] " if saved is not None else "[/] ")
                + detail
            )
        if kind == "crawler" and not item.get("ErrorMessage"):
            detail = _crawl_summary(item.get("Summary") or {})
        if item.get("ErrorMessage"):
            detail = f"[red]{detail}[/]"
        table.add_row(
            name,
            kind,
            str(item.get("Attempt", 0)),
            shown,
            _fmt_time(start),
            _fmt_duration(seconds),
            detail,
        )
    console.print(table)
    stats = run["Statistics"]
    summary = ", ".join(f"{k.removesuffix('Actions')}={v}" for k, v in stats.items() if v)
    console.print(f"Status {_run_status(run)}  ({summary})")
    if run.get("ErrorMessage"):
        console.print(f"[red]{run['ErrorMessage']}[/]")


def _follow(console: Any, client: Any, name: str, run_id: str, quiet: bool) -> dict[str, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(name, total=None, info="")
        run = client.get_workflow_run(Name=name, RunId=run_id)["Run"]
        while True:
            s = run["Statistics"]
            done = sum(
                s[k]
                for k in (
                    "SucceededActions",
                    "FailedActions",
                    "TimeoutActions",
                    "StoppedActions",
                    "ErroredActions",
                )
            )
            info = (
                f"{run['Status']}  ok {s['SucceededActions']}  failed "
                f"{s['FailedActions'] + s['TimeoutActions'] + s['ErroredActions']}  "
                f"running {s['RunningActions']}"
            )
            progress.update(task, total=s["TotalActions"], completed=done, info=info)
            if run["Status"] not in ("RUNNING", "STOPPING"):
                break
            # answered as soon as the run ends, else after 0.25 s (the display's refresh)
            run = client.wait_for_workflow_run(Name=name, RunId=run_id, WaitSeconds=0.25)["Run"]
    return client.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]


def _failed(run: dict[str, Any]) -> bool:
    s = run["Statistics"]
    bad = s["FailedActions"] + s["TimeoutActions"] + s["StoppedActions"] + s["ErroredActions"]
    return run["Status"] != "COMPLETED" or bad > 0


def _properties(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--property")
        key, value = pair.split("=", 1)
        out[key] = value
    return out


home_option = click.option(
    "--home",
    envvar="GLUE_NB_HOME",
    default=None,
    help="glue-nb home (store and run outputs); default $GLUE_NB_HOME or ./.glue_nb",
)


def where_options(fn: Any) -> Any:
    """``--home`` and ``--endpoint-url``: a local home, or a ``glue-nb serve`` to talk to."""
    fn = click.option(
        "--endpoint-url",
        default=None,
        metavar="URL",
        help="talk to this glue-nb serve (default: $GLUE_NB_ENDPOINT_URL, then "
        "$AWS_ENDPOINT_URL_GLUE, when neither --home nor $GLUE_NB_HOME is given)",
    )(fn)
    return click.option(
        "--home",
        default=None,
        help="glue-nb home folder, or a glue-nb serve URL (default: $GLUE_NB_HOME, then the "
        "endpoint variables, then ./.glue_nb)",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="glue-nb")
def main() -> None:
    """glue-nb: AWS Glue Workflows for Jupyter — notebook jobs, crawlers and triggers."""


@main.command()
@click.argument("target")
@where_options
@click.option("--property", "-p", "props", multiple=True, help="run property NAME=VALUE")
@click.option("--executor", default=None, help="where jobs run: local (default) or dask")
@click.option("--no-wait", is_flag=True, help="start the run and return (it runs on)")
@click.option("--quiet", "-q", is_flag=True, help="no progress display")
@click.option(
    "--reuse/--no-reuse", default=None,
    help="reuse unchanged job runs / run every job (default: the jobs' and workflow's settings)",
)  # fmt: skip
def run(
    target: str,
    home: str | None,
    endpoint_url: str | None,
    props: tuple[str, ...],
    executor: str | None,
    no_wait: bool,
    quiet: bool,
    reuse: bool | None,
) -> None:
    """Run a workflow: TARGET is a stored workflow's name or a Python file defining one.

    Follows the run until it ends and prints its table; the exit status is 1 when any action
    failed, timed out or was stopped.
    """
    console = _console()
    path = Path(target)
    if target.endswith(".py") and path.is_file():
        if home and endpoint_url:
            raise click.UsageError("give --home or --endpoint-url, not both")
        wf = load_workflow_file(path, endpoint_url or home)
        client = wf.client().nb
        name = wf.name
        # deployed and started in one request
        run_id = wf.start(_properties(props), executor=executor, reuse=reuse).run_id
    else:
        client, name = _client(home, endpoint_url), target
        extra = {} if reuse is None else {"Reuse": reuse}
        run_id = client.start_workflow_run(
            Name=name, RunProperties=_properties(props), Executor=executor, **extra
        )["RunId"]
    console.print(f"Started [bold]{name}[/] run {run_id} (home {client.location})")
    if no_wait:
        return
    try:
        result = _follow(console, client, name, run_id, quiet)
    except KeyboardInterrupt:
        console.print(
            "[yellow]Stopping the run (Ctrl-C again to leave it to be marked STOPPED)...[/]"
        )
        client.stop_workflow_run(Name=name, RunId=run_id)
        result = _follow(console, client, name, run_id, quiet)
    run_table(console, result, client.home)
    sys.exit(1 if _failed(result) else 0)


@main.command()
@where_options
def workflows(home: str | None, endpoint_url: str | None) -> None:
    """List workflows with their last run."""
    from rich.table import Table

    client = _client(home, endpoint_url)
    table = Table("workflow", "last run", "status", "started", "actions")
    for name in _workflow_names(client):
        wf = client.get_workflow(Name=name)["Workflow"]
        last = wf.get("LastRun") or {}
        stats = last.get("Statistics") or {}
        actions = (
            f"{stats.get('SucceededActions', 0)}/{stats.get('TotalActions', 0)} ok" if last else ""
        )
        table.add_row(
            name,
            last.get("WorkflowRunId", "")[:18],
            _run_status(last),
            _fmt_time(last.get("StartedOn")),
            actions,
        )
    _console().print(table)


def _workflow_names(client: Any) -> list[str]:
    pages = client.get_paginator("list_workflows").paginate()
    return [name for page in pages for name in page["Workflows"]]


@main.command()
@click.argument("workflow")
@where_options
@click.option("--limit", "-n", default=20, show_default=True)
def runs(workflow: str, home: str | None, endpoint_url: str | None, limit: int) -> None:
    """List a workflow's runs, newest first."""
    from rich.table import Table

    client = _client(home, endpoint_url)
    table = Table(
        "run id",
        "status",
        "started",
        "duration",
        "ok",
        "failed",
        "timeout",
        "stopped",
        "total",
        "previous",
    )
    for r in client.get_workflow_runs(Name=workflow, MaxResults=limit)["Runs"]:
        s = r["Statistics"]
        end = r.get("CompletedOn")
        seconds = (end - r["StartedOn"]).total_seconds() if end else None
        table.add_row(
            r["WorkflowRunId"][:22] + "…",
            _run_status(r),
            _fmt_time(r["StartedOn"]),
            _fmt_duration(seconds),
            str(s["SucceededActions"]),
            str(s["FailedActions"]),
            str(s["TimeoutActions"]),
            str(s["StoppedActions"]),
            str(s["TotalActions"]),
            (r.get("PreviousRunId") or "")[:22],
        )
    _console().print(table)


def _resolve_run(client: Any, workflow: str, run_id: str | None) -> str:
    if run_id:
        return run_id
    last = client.get_workflow(Name=workflow)["Workflow"].get("LastRun")
    if last is None:
        raise click.ClickException(f"workflow {workflow!r} has no runs yet")
    return str(last["WorkflowRunId"])


@main.command()
@click.argument("workflow")
@click.argument("run_id", required=False)
@where_options
@click.option("--traceback", "-t", is_flag=True, help="print the tracebacks of failed jobs")
def show(
    workflow: str, run_id: str | None, home: str | None, endpoint_url: str | None, traceback: bool
) -> None:
    """Show one run (default: the latest): job runs, errors and output notebooks."""
    client = _client(home, endpoint_url)
    run_id = _resolve_run(client, workflow, run_id)
    run = client.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    console = _console()
    run_table(console, run, client.home)
    if traceback:
        for node in run["Graph"]["Nodes"]:
            for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
                detail = jr.get("ErrorDetail") or {}
                if detail.get("traceback"):
                    console.rule(f"{node['Name']} attempt {jr['Attempt']}")
                    console.print(detail["traceback"], markup=False, highlight=False)


@main.command()
@click.argument("workflow")
@click.argument("run_id")
@click.argument("node")
@where_options
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
def why(
    workflow: str, run_id: str, node: str, home: str | None, endpoint_url: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Why NODE (a job's name or node id) of a run ran, or why it was reused: the run it
    reused, or what changed, old and new. RUN_ID may be "latest"."""
    from glue_nb.history import why as explain

    client = _client(home, endpoint_url)
    run_id = _resolve_run(client, workflow, None if run_id == "latest" else run_id)
    answer = explain(client, workflow, run_id, node)
    if as_json:
        click.echo(json.dumps(dict(answer), indent=2, default=str))
    else:
        click.echo(str(answer))


@main.command()
@click.argument("workflow")
@click.argument("run_id")
@where_options
def stop(workflow: str, run_id: str, home: str | None, endpoint_url: str | None) -> None:
    """Stop a running workflow run (any process may ask)."""
    _client(home, endpoint_url).stop_workflow_run(Name=workflow, RunId=run_id)
    _console().print(f"Stop requested for {workflow} run {run_id}")


@main.command()
@click.argument("workflow")
@click.argument("run_id", required=False)
@where_options
@click.option(
    "--node", "nodes", multiple=True, help="job/crawler name or node id (default: failed)"
)
@click.option("--no-wait", is_flag=True)
@click.option("--quiet", "-q", is_flag=True)
@click.option(
    "--reuse", is_flag=True,
    help="check every node (or the --node ones): re-run only what changed and what is below",
)  # fmt: skip
def resume(
    workflow: str,
    run_id: str | None,
    home: str | None,
    endpoint_url: str | None,
    nodes: tuple[str, ...],
    no_wait: bool,
    quiet: bool,
    reuse: bool,
) -> None:
    """Resume a finished run from its failed nodes (or the --node ones) in a new run."""
    from glue_nb.run import Run

    client = _client(home, endpoint_url)
    old = Run(client, workflow, _resolve_run(client, workflow, run_id))
    new = old.resume(list(nodes) if nodes else None, reuse=reuse or None)
    console = _console()
    console.print(f"Resumed as run {new.run_id}")
    if no_wait:
        return
    result = _follow(console, client, workflow, new.run_id, quiet)
    run_table(console, result, client.home)
    sys.exit(1 if _failed(result) else 0)


@main.command()
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


@main.command(name="next")
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

    client = _client(home, endpoint_url)
    workflows = _workflow_names(client)
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
    console = _console()
    where = f"workflow {start['WorkflowName']}" if start.get("WorkflowName") else "no workflow"
    console.print(f"{start['Name']} ({where}): {start['Schedule']} ({start.get('State')})")
    for when in next_fire_times(start["Schedule"], count=count):
        console.print(f"  {when:%Y-%m-%d %H:%M} UTC  ({_fmt_time(when)} local)")


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


@main.command()
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
    client = _client(home, endpoint_url)
    given = {"Detail": parsed, "EventId": event_id, "Source": source, "DetailType": detail_type}
    posted = client.notify_event(
        WorkflowName=workflow, **{k: v for k, v in given.items() if v is not None}
    )
    console = _console()
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


@main.command()
@click.argument("workflow")
@click.argument("path", type=click.Path(dir_okay=False))
@where_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "dot"]),
    default=None,
    help="default: from PATH's suffix",
)
def render(
    workflow: str, path: str, home: str | None, endpoint_url: str | None, fmt: str | None
) -> None:
    """Write a workflow's static view (graph) to PATH."""
    from glue_nb.views.static import render_stored

    out = render_stored(_client(home, endpoint_url), workflow, path, format=fmt)
    _console().print(f"Wrote {out}")


@main.command()
@click.argument("workflow")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--run-id", default=None, help="default: the latest run")
@where_options
def report(
    workflow: str, path: str, run_id: str | None, home: str | None, endpoint_url: str | None
) -> None:
    """Write a self-contained HTML report of a run (graph, table, errors, links)."""
    from glue_nb.views.report import write_run_report

    client = _client(home, endpoint_url)
    out = write_run_report(client, workflow, _resolve_run(client, workflow, run_id), path)
    _console().print(f"Wrote {out}")


@main.command()
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8742, show_default=True, help="port (0: any free port)")
@click.option(
    "--access-key-id",
    envvar="GLUE_NB_SERVER_ACCESS_KEY_ID",
    default=None,
    help="require requests signed (SigV4) with this key id [$GLUE_NB_SERVER_ACCESS_KEY_ID]",
)
@click.option(
    "--secret-access-key",
    envvar="GLUE_NB_SERVER_SECRET_ACCESS_KEY",
    default=None,
    help="... and this secret [$GLUE_NB_SERVER_SECRET_ACCESS_KEY]",
)
@click.option(
    "--credentials-file",
    envvar="GLUE_NB_SERVER_CREDENTIALS_FILE",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="accept the key pairs of this file (~/.aws/credentials format)",
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="folder local paths in requests must lie in (repeatable; default: the "
    "working directory); relative paths are taken from the first",
)
@click.option(
    "--allow-urls",
    is_flag=True,
    help="accept any URL (http://, ...) as a script, crawler or table location; data-store "
    "URLs (s3://, gs://, abfs://, hdfs://) are always accepted",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="listen on a non-loopback address without credentials (anyone who reaches "
    "it can run code as you)",
)
@click.option("--threads", default=16, show_default=True, help="requests answered at once")
@click.option("--max-request-bytes", default=10 * 1024 * 1024, show_default=True)
@click.option(
    "--account-id",
    default="123456789012",
    show_default=True,
    help="the account id in ARNs and CatalogId",
)
@click.option("--region", default="us-east-1", show_default=True, help="the region in ARNs")
@click.option("--log-level", default="WARNING", show_default=True)
def serve(
    home: str | None, host: str, port: int, access_key_id: str | None,
    secret_access_key: str | None, credentials_file: str | None, roots: tuple[str, ...],
    allow_urls: bool, insecure: bool, threads: int, max_request_bytes: int, account_id: str,
    region: str, log_level: str,
) -> None:  # fmt: skip
    """Serve Glue's API (AWS JSON 1.1) for the AWS CLI, boto3 and any SDK.

    \b
    aws glue list-workflows --endpoint-url http://127.0.0.1:8742
    AWS_ENDPOINT_URL_GLUE=http://127.0.0.1:8742 python my_glue_script.py

    SIGTERM/Ctrl-C: stop accepting requests, finish those in flight, stop the runs in
    progress (they end STOPPED and can be resumed).
    """
    import logging

    from glue_nb.api.auth import load_credentials
    from glue_nb.api.server import ServerConfig
    from glue_nb.api.server import serve as run_server

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        credentials = load_credentials(access_key_id, secret_access_key, credentials_file)
        config = ServerConfig(
            home=home, host=host, port=port, credentials=credentials, insecure=insecure,
            roots=list(roots) or None, remote_urls=allow_urls, threads=threads,
            max_request_bytes=max_request_bytes, account_id=account_id, region=region,
        )  # fmt: skip
        config.check()
    except ValueError as exc:
        raise click.UsageError(str(exc))
    try:
        run_server(config)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}")


def entry() -> None:
    """The ``glue-nb`` command: clear messages for Glue errors, exit status 2."""
    try:
        main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except GlueNbError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    entry()
