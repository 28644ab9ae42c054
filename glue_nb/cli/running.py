"""Commands that start and stop runs: ``run`` (a stored workflow or a Python file defining one),
``resume`` and ``stop``; a run followed with a progress bar to its end."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import click

from glue_nb.cli.options import (
    client_for,
    make_console,
    parse_properties,
    resolve_run,
    where_options,
)
from glue_nb.cli.tables import run_table

__all__ = ["load_workflow_file", "resume", "run", "stop"]


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
    except SyntaxError as exc:  # the user's file: where, not glue-nb's import machinery
        line = (exc.text or "").strip()
        raise click.ClickException(
            f"{path} line {exc.lineno}: {exc.msg}" + (f"\n    {line}" if line else "")
        ) from None
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


@click.command()
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
    console = make_console()
    path = Path(target)
    if target.endswith(".py") and not path.is_file():
        raise click.ClickException(
            f"{target}: no such file (TARGET is a stored workflow's name or a Python file "
            "defining one)"
        )
    if target.endswith(".ipynb"):
        raise click.ClickException(
            f"{target} is a notebook: in glue-nb a notebook is a job, and TARGET is a workflow "
            "(a stored workflow's name or a Python file defining one). Put the notebook in a "
            "workflow (glue_nb.Workflow(...).run(glue_nb.NotebookJob(...))), or run it alone "
            "with papermill"
        )
    if target.endswith(".py"):
        if home and endpoint_url:
            raise click.UsageError("give --home or --endpoint-url, not both")
        wf = load_workflow_file(path, endpoint_url or home)
        client = wf.client().nb
        name = wf.name
        # deployed and started in one request
        run_id = wf.start(parse_properties(props), executor=executor, reuse=reuse).run_id
    else:
        client, name = client_for(home, endpoint_url), target
        extra = {} if reuse is None else {"Reuse": reuse}
        run_id = client.start_workflow_run(
            Name=name, RunProperties=parse_properties(props), Executor=executor, **extra
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


@click.command()
@click.argument("workflow")
@click.argument("run_id")
@where_options
def stop(workflow: str, run_id: str, home: str | None, endpoint_url: str | None) -> None:
    """Stop a running workflow run (any process may ask)."""
    client_for(home, endpoint_url).stop_workflow_run(Name=workflow, RunId=run_id)
    make_console().print(f"Stop requested for {workflow} run {run_id}")


@click.command()
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

    client = client_for(home, endpoint_url)
    old = Run(client, workflow, resolve_run(client, workflow, run_id))
    new = old.resume(list(nodes) if nodes else None, reuse=reuse or None)
    console = make_console()
    console.print(f"Resumed as run {new.run_id}")
    if no_wait:
        return
    result = _follow(console, client, workflow, new.run_id, quiet)
    run_table(console, result, client.home)
    sys.exit(1 if _failed(result) else 0)
