"""Validation and normalisation of Glue-shaped definitions and requests.

Definitions are plain data: the dicts ``glue_nb.client()`` returns and accepts. Each ``*_body``
function checks one request against Glue's rules and returns the normalised dict to store, or raises
:class:`~glue_nb.exceptions.InvalidInputException` naming the entity, the field and what would be
valid, before anything is written. Rules that involve other entities (unknown names, cycles, a
second start trigger) live in :mod:`glue_nb.definitions`.

The ``check_*`` functions are the single rules for values met in several requests (names, maps of
strings, job arguments, timeouts, ids, page tokens); the client, the engine and the fluent API call
them too, so one value is judged the same way wherever it arrives.

- :mod:`~glue_nb.model.values`: names, text, maps, arguments, flags, numbers, timeouts, ids;
- :mod:`~glue_nb.model.requests`: parameters shared by operations, paging, StartJobRun,
  StartWorkflowRun, the bodies of UpdateJob/UpdateTrigger;
- :mod:`~glue_nb.model.notebooks`: a job's notebook file and the kernel that runs it;
- :mod:`~glue_nb.model.jobs`, :mod:`~glue_nb.model.triggers`, :mod:`~glue_nb.model.workflows`:
  the definitions.
"""

from __future__ import annotations

from glue_nb.model.jobs import GLUE_COMMANDS, NOTEBOOK_COMMAND, job_body
from glue_nb.model.notebooks import (
    DEFAULT_KERNEL,
    check_notebook_file,
    is_url,
    job_notebook,
    resolve_notebook,
)
from glue_nb.model.requests import (
    check_page,
    check_parameters,
    check_start_job_run,
    check_start_workflow_run,
    check_update,
)
from glue_nb.model.triggers import trigger_body
from glue_nb.model.values import (
    MAX_JOB_TIMEOUT_MINUTES,
    MAX_RETRIES,
    check_arguments,
    check_bool,
    check_fields,
    check_id,
    check_integer,
    check_kernel_name,
    check_name,
    check_string,
    check_string_map,
    check_text,
    check_timeout,
    parameter_name,
)
from glue_nb.model.workflows import workflow_body

__all__ = [
    "DEFAULT_KERNEL",
    "GLUE_COMMANDS",
    "MAX_JOB_TIMEOUT_MINUTES",
    "MAX_RETRIES",
    "NOTEBOOK_COMMAND",
    "check_arguments",
    "check_bool",
    "check_fields",
    "check_id",
    "check_integer",
    "check_kernel_name",
    "check_name",
    "check_notebook_file",
    "check_page",
    "check_parameters",
    "check_start_job_run",
    "check_start_workflow_run",
    "check_string",
    "check_string_map",
    "check_text",
    "check_timeout",
    "check_update",
    "is_url",
    "job_body",
    "job_notebook",
    "parameter_name",
    "resolve_notebook",
    "trigger_body",
    "workflow_body",
]
