"""Shared by the commands: where they act (``--home``, ``--endpoint-url``) and the client that
answers there, the console they print to, a run named or the latest, ``--property`` pairs."""

from __future__ import annotations

import sys
from typing import Any

import click

__all__ = [
    "client_for",
    "home_option",
    "make_console",
    "parse_properties",
    "resolve_run",
    "where_options",
    "workflow_names",
]


def make_console() -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() else 160
    return Console(stderr=False, highlight=False, width=width)


def client_for(home: str | None, endpoint_url: str | None = None) -> Any:
    """glue-nb's own API (Glue's answers plus notebooks, errors, Executor) of the home or the
    server the options name: ``--home`` or ``--endpoint-url``, else ``$GLUE_NB_HOME``, else
    ``$GLUE_NB_ENDPOINT_URL``, else ``$AWS_ENDPOINT_URL_GLUE``, else ``./.glue_nb``."""
    from glue_nb.client import client

    if home and endpoint_url:
        raise click.UsageError("give --home or --endpoint-url, not both")
    if endpoint_url:
        return client(endpoint_url=endpoint_url).nb
    return client(home).nb


def parse_properties(pairs: tuple[str, ...]) -> dict[str, str]:
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


def workflow_names(client: Any) -> list[str]:
    pages = client.get_paginator("list_workflows").paginate()
    return [name for page in pages for name in page["Workflows"]]


def resolve_run(client: Any, workflow: str, run_id: str | None) -> str:
    if run_id:
        return run_id
    last = client.get_workflow(Name=workflow)["Workflow"].get("LastRun")
    if last is None:
        raise click.ClickException(f"workflow {workflow!r} has no runs yet")
    return str(last["WorkflowRunId"])
