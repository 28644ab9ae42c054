"""Glue's blueprint ``Job`` class (mirrors ``awsglue.blueprint.job``).

    from glue_nb.blueprint.job import Job
    convert = Job(Name="convert", Role="unused", Command={"Name": "notebook",
                  "ScriptLocation": "convert.ipynb"}, DependsOn={crawl: "SUCCEEDED"})

``Command`` may name a notebook (``"notebook"``, glue-nb's own command; a relative path is
resolved against the blueprint package) or one of Glue's commands (glueetl, pythonshell, ...):
those jobs are stored, and refused when a run starts with a message saying to point them at a
notebook. ``Role`` is required, as in Glue, and not used. Glue's library reads the description
from the lowercase ``description`` argument; both spellings work here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_nb.blueprint.base_resource import BaseResource, ensure_type
from glue_nb.model import GLUE_COMMANDS, NOTEBOOK_COMMAND

__all__ = ["Command", "ExecutionProperty", "Job"]

COMMAND_NAMES = (NOTEBOOK_COMMAND, *GLUE_COMMANDS)
WAIT_FOR = ("AND", "ANY")
_NUMBER = (int, float)


class Command(BaseResource):
    """A job's command: ``Name`` and ``ScriptLocation`` (an .ipynb for notebook jobs)."""

    _validator = {
        "Name": (str, False),
        "ScriptLocation": (str, True),
        "PythonVersion": (str, False),
        "Runtime": (str, False),
        "KernelName": (str, False),
    }

    def _check(self, key: str, value: Any) -> None:
        if key == "Name" and value not in COMMAND_NAMES:
            raise TypeError(
                f"{value!r} is not a valid value for key Name in Command; use 'notebook' "
                f"(or Glue's {', '.join(GLUE_COMMANDS)}, stored but not runnable here)"
            )


class ExecutionProperty(BaseResource):
    """``{"MaxConcurrentRuns": int}``."""

    _validator = {"MaxConcurrentRuns": (int, False)}


class Job(BaseResource):
    """A job of a blueprint layout; ``DependsOn={job_or_crawler: "STATE"}`` places it after them."""

    _validator = {
        "Name": (str, True),
        "Description": (str, False),
        "LogUri": (str, False),
        "Role": (str, True),
        "ExecutionProperty": (dict, False),
        "Command": (dict, True),
        "DefaultArguments": (dict, False),
        "NonOverridableArguments": (dict, False),
        "Connections": (dict, False),
        "MaxRetries": (int, False),
        "AllocatedCapacity": (int, False),
        "Timeout": (_NUMBER, False),
        "MaxCapacity": (_NUMBER, False),
        "SecurityConfiguration": (str, False),
        "Tags": (dict, False),
        "NotificationProperty": (dict, False),
        "GlueVersion": (str, False),
        "NumberOfWorkers": (int, False),
        "WorkerType": (str, False),
        "ExecutionClass": (str, False),
        "JobRunQueuingEnabled": (bool, False),
        "MaintenanceWindow": (str, False),
        "DependsOn": (dict, False),
        "WaitForDependencies": (str, False),
    }
    _aliases = {"description": "Description"}
    _entity = True

    def _check(self, key: str, value: Any) -> None:
        if key == "Command":
            Command(**value).validate()
        elif key == "ExecutionProperty":
            ExecutionProperty(**value).validate()
        elif key == "WaitForDependencies" and value not in WAIT_FOR:
            raise TypeError(f"WaitForDependencies must be 'AND' or 'ANY', got {value!r}")
        elif key == "DependsOn":
            check_depends_on(value)


def check_depends_on(value: Mapping[Any, Any]) -> None:
    for dependency, state in value.items():
        if not getattr(type(dependency), "_entity", False):
            raise TypeError(
                "DependsOn keys must be Job or Crawler objects, but found "
                f"{type(dependency).__name__}"
            )
        ensure_type("DependsOn state", state, str)
