"""From a job definition to a self-contained job spec: arguments, timeout, where the executed
notebook goes. Pure functions of the definition and the store's location (no store writes), so
that every check runs before a job run's row is written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glue_nb.exceptions import InvalidInputException
from glue_nb.ids import safe_name
from glue_nb.jobs.spec import JobSpec
from glue_nb.model import NOTEBOOK_COMMAND, is_url

__all__ = ["check_runnable", "job_spec", "merge_arguments", "output_root"]


def check_runnable(job: Mapping[str, Any]) -> None:
    """glue-nb runs notebook jobs only."""
    command = job["Command"]
    if command.get("Name") != NOTEBOOK_COMMAND:
        raise InvalidInputException(
            f"Job {job['Name']!r} has Command.Name {command.get('Name')!r}, which glue-nb cannot "
            f"run; point it at a notebook: Command={{'Name': 'notebook', 'ScriptLocation': "
            f"'path/to/job.ipynb'}}"
        )


def merge_arguments(job: Mapping[str, Any], extra: Mapping[str, str] | None) -> dict[str, str]:
    """Glue's order: DefaultArguments, then the run's (or action's) Arguments, then
    NonOverridableArguments."""
    return {
        **job.get("DefaultArguments", {}),
        **(extra or {}),
        **job.get("NonOverridableArguments", {}),
    }


def output_root(home: Path) -> str:
    """Where executed notebooks and logs go: ``$GLUE_NB_OUTPUT_ROOT`` or ``<home>/runs``."""
    return os.environ.get("GLUE_NB_OUTPUT_ROOT") or str(home / "runs")


def job_spec(
    job: Mapping[str, Any],
    job_run_id: str,
    arguments: dict[str, str],
    timeout_minutes: float | None,
    *,
    home: Path,
    workflow: str | None,
    run_id: str | None,
    attempt: int,
    properties: dict[str, str],
) -> JobSpec:
    """The spec of one job run. Raises InvalidInputException when its output would land outside
    the output root (a symlinked folder, say): checked before anything is recorded."""
    root = output_root(home).rstrip("/")
    folder = f"{safe_name(workflow)}/{run_id}" if workflow and run_id else "_jobs"
    stem = f"{safe_name(job['Name'])}-attempt{attempt}-{job_run_id[3:15]}"
    output = f"{root}/{folder}/{stem}.ipynb"
    log_path = None if is_url(root) else f"{root}/{folder}/{stem}"
    if not is_url(root):
        resolved = Path(output).resolve()
        if Path(root).resolve() not in resolved.parents:
            raise InvalidInputException(
                f"Job {job['Name']!r}: its executed notebook would be written to {resolved}, "
                f"outside the output root {root} (is a folder under it a symlink?); remove the "
                "link or set GLUE_NB_OUTPUT_ROOT"
            )
    return JobSpec(
        job_run_id=job_run_id,
        job_name=job["Name"],
        notebook=job["Command"]["ScriptLocation"],
        arguments=arguments,
        output_path=output,
        log_path=log_path,
        workflow_name=workflow,
        workflow_run_id=run_id,
        attempt=attempt,
        timeout_seconds=timeout_minutes * 60 if timeout_minutes else None,
        kernel_name=job["Command"].get("KernelName"),
        run_properties=properties,
        home=str(home),
    )
