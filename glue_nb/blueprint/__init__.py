"""Blueprints: workflows generated from parameters, as in AWS Glue.

A blueprint is a package (a folder or a .zip) holding ``blueprint.cfg`` (``layoutGenerator`` and
``parameterSpec``) and a layout module whose ``generate_layout(user_params, system_params)``
returns a workflow: a :class:`glue_nb.Workflow` built with the fluent API, or Glue's classes from
:mod:`glue_nb.blueprint.workflow`, :mod:`~glue_nb.blueprint.job` and
:mod:`~glue_nb.blueprint.crawler`. Use it through the client::

    glue = glue_nb.client()
    glue.create_blueprint(Name="crawl", BlueprintLocation="notebooks/blueprints/crawl_folders")
    run_id = glue.start_blueprint_run(BlueprintName="crawl", Parameters=json.dumps({...}),
                                      RoleArn="arn:aws:iam::123456789012:role/Blueprints")["RunId"]
    glue.get_blueprint_run(BlueprintName="crawl", RunId=run_id)["BlueprintRun"]["State"]

or through a form in Jupyter: ``glue_nb.blueprint.open_form("notebooks/blueprints/crawl_folders")``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from glue_nb.blueprint.params import Parameter, check_parameters, parse_spec, validate_parameters
from glue_nb.blueprint.service import BlueprintService, layout_requests

if TYPE_CHECKING:
    from glue_nb.blueprint.form import BlueprintForm

__all__ = [
    "BlueprintService",
    "Parameter",
    "check_parameters",
    "layout_requests",
    "open_form",
    "parse_spec",
    "validate_parameters",
]


def open_form(
    blueprint: str | os.PathLike[str],
    *,
    name: str | None = None,
    home: str | os.PathLike[str] | None = None,
    client: Any = None,
) -> BlueprintForm:
    """A Jupyter form for a blueprint: a registered name, or a package folder/zip (registered,
    or updated, under ``name``, default the folder's name)."""
    from glue_nb.blueprint.form import BlueprintForm

    return BlueprintForm.open(blueprint, name=name, home=home, client=client)
