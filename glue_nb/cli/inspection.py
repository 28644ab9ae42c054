"""Commands that look at workflows and runs: ``workflows``, ``runs``, ``show``, ``why``, and the
files ``render`` (a workflow's graph) and ``report`` (a run as HTML) write."""

from __future__ import annotations

import json

import click

from glue_nb.cli.options import client_for, make_console, resolve_run, where_options, workflow_names
from glue_nb.cli.tables import fmt_duration, fmt_time, run_table, status_text

__all__ = ["render", "report", "runs", "show", "why", "workflows"]


@click.command()
@where_options
def workflows(home: str | None, endpoint_url: str | None) -> None:
    """List workflows with their last run."""
    from rich.table import Table

    client = client_for(home, endpoint_url)
    table = Table("workflow", "last run", "status", "started", "actions")
    for name in workflow_names(client):
        wf = client.get_workflow(Name=name)["Workflow"]
        last = wf.get("LastRun") or {}
        stats = last.get("Statistics") or {}
        actions = (
            f"{stats.get('SucceededActions', 0)}/{stats.get('TotalActions', 0)} ok" if last else ""
        )
        table.add_row(
            name,
            last.get("WorkflowRunId", "")[:18],
            status_text(last),
            fmt_time(last.get("StartedOn")),
            actions,
        )
    make_console().print(table)


@click.command()
@click.argument("workflow")
@where_options
@click.option("--limit", "-n", default=20, show_default=True)
def runs(workflow: str, home: str | None, endpoint_url: str | None, limit: int) -> None:
    """List a workflow's runs, newest first."""
    from rich.table import Table

    client = client_for(home, endpoint_url)
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
            status_text(r),
            fmt_time(r["StartedOn"]),
            fmt_duration(seconds),
            str(s["SucceededActions"]),
            str(s["FailedActions"]),
            str(s["TimeoutActions"]),
            str(s["StoppedActions"]),
            str(s["TotalActions"]),
            (r.get("PreviousRunId") or "")[:22],
        )
    make_console().print(table)


@click.command()
@click.argument("workflow")
@click.argument("run_id", required=False)
@where_options
@click.option("--traceback", "-t", is_flag=True, help="print the tracebacks of failed jobs")
def show(
    workflow: str, run_id: str | None, home: str | None, endpoint_url: str | None, traceback: bool
) -> None:
    """Show one run (default: the latest): job runs, errors and output notebooks."""
    client = client_for(home, endpoint_url)
    run_id = resolve_run(client, workflow, run_id)
    run = client.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    console = make_console()
    run_table(console, run, client.home)
    if traceback:
        for node in run["Graph"]["Nodes"]:
            for jr in (node.get("JobDetails") or {}).get("JobRuns", []):
                detail = jr.get("ErrorDetail") or {}
                if detail.get("traceback"):
                    console.rule(f"{node['Name']} attempt {jr['Attempt']}")
                    console.print(detail["traceback"], markup=False, highlight=False)


@click.command()
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

    client = client_for(home, endpoint_url)
    run_id = resolve_run(client, workflow, None if run_id == "latest" else run_id)
    answer = explain(client, workflow, run_id, node)
    if as_json:
        click.echo(json.dumps(dict(answer), indent=2, default=str))
    else:
        click.echo(str(answer))


@click.command()
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

    out = render_stored(client_for(home, endpoint_url), workflow, path, format=fmt)
    make_console().print(f"Wrote {out}")


@click.command()
@click.argument("workflow")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--run-id", default=None, help="default: the latest run")
@where_options
def report(
    workflow: str, path: str, run_id: str | None, home: str | None, endpoint_url: str | None
) -> None:
    """Write a self-contained HTML report of a run (graph, table, errors, links)."""
    from glue_nb.views.report import write_run_report

    client = client_for(home, endpoint_url)
    out = write_run_report(client, workflow, resolve_run(client, workflow, run_id), path)
    make_console().print(f"Wrote {out}")
