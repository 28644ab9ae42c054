"""Crawl these folders in sequence: one crawler per folder, each starting when the one before it
has succeeded, all writing tables into one catalog database.

glue-nb's version of AWS Glue's ``crawl_s3_locations`` sample, written with the fluent API. Like the
sample, it creates the database through the Glue API first; the client it is given belongs to the
blueprint run, so the database is rolled back with everything else if the run fails.
"""

from __future__ import annotations

from typing import Any

import glue_nb


def generate_layout(user_params: dict[str, Any], system_params: dict[str, Any]) -> glue_nb.Workflow:
    name = user_params["WorkflowName"]
    database = user_params["DatabaseName"]
    folders = user_params["Folders"]
    if not folders:
        raise ValueError("Folders: give at least one folder to crawl")

    glue = system_params["glue_client"]
    try:
        glue.create_database(
            DatabaseInput={"Name": database, "Description": f"Tables crawled by workflow {name}"}
        )
    except glue.exceptions.AlreadyExistsException:
        pass  # an existing database is used as it is

    workflow = glue_nb.Workflow(
        name, description=f"Crawl {len(folders)} folder(s) in sequence into database {database}"
    )
    if user_params["Schedule"]:
        workflow.on_schedule(f"{name}_schedule", user_params["Schedule"])
    for i, folder in enumerate(folders):
        crawler = glue_nb.Crawler(
            f"{name}_crawler_{i}",
            [folder],
            database,
            table_prefix=user_params["TableNamePrefix"] or None,
        )
        if i:
            workflow.when_all_succeeded(f"{name}_after_crawler_{i - 1}")
        workflow.run(crawler)
    return workflow
