"""Glue's own example workflow, month-close, as real small data work (the README's demo).

A schedule ("Month-close1", 06:00 UTC on the 1st) starts two cleaning jobs in parallel; when both
succeed, the crawler "Update schema" records the cleaned tables in the Data Catalog (database
"crm"), and then the month-close report runs. Run it now, on demand, with

    glue-nb run notebooks/month_close.py
"""

from pathlib import Path

import glue_nb as gn

HERE = Path(__file__).parent
JOBS, CLEAN = HERE / "jobs", HERE / "data" / "clean"

dedupe = gn.NotebookJob("De-duplicate", JOBS / "dedupe.ipynb", parameters={"output_dir": CLEAN})
phones = gn.NotebookJob(
    "Fix phone numbers", JOBS / "fix_phones.ipynb", parameters={"country": "US", "output_dir": CLEAN}
)
update_schema = gn.Crawler(
    "Update schema", targets=[CLEAN / "customers", CLEAN / "phones"], database="crm"
)
report = gn.NotebookJob("Month-close report", JOBS / "report.ipynb", parameters={"output_dir": CLEAN})

workflow = (
    gn.Workflow("month-close", default_run_properties={"period": "2026-10"})
    .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
    .run(dedupe, phones)
    .when_all_succeeded("Fix/De-dupe succeeded")
    .run(update_schema)
    .when_all_succeeded("Schema updated")
    .run(report)
)
