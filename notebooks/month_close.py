"""Glue's own example workflow, month-close, as real small data work (the README's demo).

A schedule ("Month-close1", 06:00 UTC on the 1st) starts two cleaning jobs in parallel; when both
succeed, the month-close report runs. Run it now, on demand, with

    glue-nb run notebooks/month_close.py
"""

from pathlib import Path

import glue_nb as gn

JOBS = Path(__file__).parent / "jobs"

dedupe = gn.NotebookJob("De-duplicate", JOBS / "dedupe.ipynb")
phones = gn.NotebookJob(
    "Fix phone numbers", JOBS / "fix_phones.ipynb", parameters={"country": "US"}
)
report = gn.NotebookJob("Month-close report", JOBS / "report.ipynb")

workflow = (
    gn.Workflow("month-close", default_run_properties={"period": "2026-10"})
    .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
    .run(dedupe, phones)
    .when_all_succeeded("Fix/De-dupe succeeded")
    .run(report)
)
