"""OpenLineage events of past job runs and crawls, read through glue-nb's API (so they work
against a local home and against ``glue-nb serve``); see :mod:`glue_nb.lineage.openlineage`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glue_nb.lineage.openlineage import answer_events, write_events

if TYPE_CHECKING:
    from glue_nb.client import GlueClient

__all__ = ["run_events", "write_events"]


def run_events(
    client: GlueClient | None = None,
    *,
    resource: str | None = None,
    run: str | None = None,
    workflow: str | None = None,
    depth: int | None = 0,
    direction: str = "both",
) -> list[Any]:
    """The OpenLineage RunEvents of past job runs and crawls, oldest first: one job run or
    crawl, every run of a workflow run or of a workflow (``depth=0``, the default: just those),
    or the runs of any lineage query (the arguments of :func:`glue_nb.history.lineage`)."""
    from glue_nb.lineage.frames import request

    if client is not None:
        nb = client.nb
    else:
        from glue_nb.client import client as make_client

        nb = make_client().nb
    params = request(resource=resource, run=run, workflow=workflow, depth=depth,
                     direction=direction)  # fmt: skip
    answer = nb.get_lineage(**params)
    return answer_events(answer)
