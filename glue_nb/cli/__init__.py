"""``glue-nb``: run workflows and look at their runs from a terminal (thin over the client).

The group :func:`main` gathers the commands of :mod:`~glue_nb.cli.running` (run, resume, stop),
:mod:`~glue_nb.cli.inspection` (workflows, runs, show, why, render, report),
:mod:`~glue_nb.cli.scheduling` (scheduler, next, event) and :mod:`~glue_nb.cli.server` (serve);
their shared options are :mod:`~glue_nb.cli.options`', the run table :mod:`~glue_nb.cli.tables`'.
:func:`entry` is the console script.
"""

from __future__ import annotations

import sys

import click

from glue_nb.cli.inspection import render, report, runs, show, why, workflows
from glue_nb.cli.options import home_option as home_option
from glue_nb.cli.options import where_options as where_options
from glue_nb.cli.running import load_workflow_file as load_workflow_file
from glue_nb.cli.running import resume, run, stop
from glue_nb.cli.scheduling import event, next_fires, scheduler
from glue_nb.cli.server import serve
from glue_nb.cli.tables import STATE_STYLE as STATE_STYLE
from glue_nb.cli.tables import run_table as run_table
from glue_nb.exceptions import GlueNbError

__all__ = ["entry", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="glue-nb")
def main() -> None:
    """glue-nb: AWS Glue Workflows for Jupyter — notebook jobs, crawlers and triggers."""


for _command in (
    run, resume, stop, workflows, runs, show, why, render, report, scheduler, next_fires, event,
    serve,
):  # fmt: skip
    main.add_command(_command)


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
