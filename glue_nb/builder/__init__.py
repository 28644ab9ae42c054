"""The fluent API: build a workflow in a few readable lines; it produces Glue-shaped definitions.

    import glue_nb as gn
    dedupe = gn.NotebookJob("De-duplicate", "notebooks/jobs/dedupe.ipynb")
    phones = gn.NotebookJob("Fix phone numbers", "notebooks/jobs/fix_phones.ipynb",
                            parameters={"country": "US"})
    report = gn.NotebookJob("Month-close report", "notebooks/jobs/report.ipynb")
    wf = (gn.Workflow("month-close", default_run_properties={"period": "2026-10"})
            .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
            .run(dedupe, phones)
            .when_all_succeeded("Fix/De-dupe succeeded")
            .run(report))
    run = wf.start(); run.wait(); run.table()

A workflow keeps a *cursor*: the jobs and crawlers the last ``run`` started. ``when_*`` opens a
conditional trigger watching the cursor (or the nodes given with ``after``), and the next ``run``
adds that trigger's actions. ``deploy`` writes everything in one transaction through the client
(glue-nb's ``ApplyWorkflow``), so a workflow built here can be inspected and changed with the client
and vice versa, in a local home or on a ``glue-nb serve``; ``Workflow.load`` reads a stored one
back.

Modules: :mod:`~glue_nb.builder.nodes` (``NotebookJob``, ``Crawler``, ``Action``),
:mod:`~glue_nb.builder.triggers` (start triggers, actions, conditions: the chaining calls),
:mod:`~glue_nb.builder.workflow` (``Workflow``: Glue requests, deploy, start, display),
:mod:`~glue_nb.builder.load` (a stored workflow read back), :mod:`~glue_nb.builder.checks`
(shared checks and conversions).
"""

from glue_nb.builder.nodes import Action, Crawler, Node, NotebookJob
from glue_nb.builder.workflow import Workflow

__all__ = ["Action", "Crawler", "Node", "NotebookJob", "Workflow"]
