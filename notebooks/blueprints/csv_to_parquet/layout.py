"""Convert partitioned CSV to Parquet with a notebook job, then crawl the result.

The job runs ``convert.ipynb`` (next to this file) with the source and target folders as notebook
parameters; when it has succeeded, a crawler catalogs the Parquet folder as one table whose
partition folders (``key=value``) become partitions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import glue_nb

NOTEBOOK = Path(__file__).resolve().parent / "convert.ipynb"


def _absolute(location: str) -> str:
    # the job runs in its notebook's folder, so relative paths are fixed here, from the caller's
    return location if "://" in location else str(Path(location).expanduser().resolve())


def generate_layout(user_params: dict[str, Any], system_params: dict[str, Any]) -> glue_nb.Workflow:
    name = user_params["WorkflowName"]
    database = user_params["DatabaseName"]
    source = _absolute(user_params["SourceFolder"])
    target = _absolute(user_params["TargetFolder"])
    if "://" not in source and not Path(source).is_dir():
        raise ValueError(f"SourceFolder {source} is not a folder")
    if target == source:
        raise ValueError("TargetFolder must differ from SourceFolder")

    glue = system_params["glue_client"]
    try:
        glue.create_database(
            DatabaseInput={"Name": database, "Description": f"Parquet tables of workflow {name}"}
        )
    except glue.exceptions.AlreadyExistsException:
        pass

    convert = glue_nb.NotebookJob(
        f"{name}_convert",
        NOTEBOOK,
        parameters={
            "source_folder": source,
            "target_folder": target,
            "compression": user_params["Compression"],
        },
        description=f"CSV under {source} -> Parquet under {target}",
    )
    crawl = glue_nb.Crawler(
        f"{name}_crawl", [target], database, table_prefix=user_params["TableNamePrefix"] or None
    )
    workflow = glue_nb.Workflow(
        name,
        description="Convert partitioned CSV to Parquet, then crawl the result",
        default_run_properties={"source_folder": source, "target_folder": target},
    )
    if user_params["Schedule"]:
        workflow.on_schedule(f"{name}_schedule", user_params["Schedule"])
    return workflow.run(convert).when_all_succeeded(f"{name}_converted").run(crawl)
