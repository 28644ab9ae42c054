"""Lineage as a typed DataFrame: one row per read or write on the lineage's paths.

    df = glue_nb.history.lineage(resource="lake/sales/part-0.parquet")
    df[df.direction == "write"]            # which job runs and crawls produced it
    df[df.hop > 0]                         # everything downstream, run by run
    glue_nb.lineage.view(df)               # the picture

Columns: ``hop`` (0: the seed runs; -1, -2, ...: upstream; 1, 2, ...: downstream), ``direction``
(read / write), ``kind`` (file / url / table / partition) and ``resource``; the run: ``type``
(JOB / CRAWLER), ``name`` (job or crawler), ``id`` (job run or crawl id), ``state``,
``attempt``, ``started``, ``completed``, ``workflow``, ``run_id`` (its workflow run); on a read,
``source_id``: the run whose write it read (one row per such run); what identified the content:
``version``, ``digest``, ``etag``, ``size``, ``mtime``; ``recorded`` and ``output_notebook``.
States, names and kinds are categoricals; times tz-aware UTC. ``df.attrs["glue_nb_lineage"]``
keeps the raw answer (what :func:`glue_nb.lineage.view` draws).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.client import GlueClient

__all__ = ["ANSWER", "COLUMNS", "frame_of", "lineage", "request"]

ANSWER = "glue_nb_lineage"
COLUMNS = [
    "hop", "direction", "kind", "resource", "type", "name", "id", "state", "attempt", "started",
    "completed", "workflow", "run_id", "source_id", "version", "digest", "etag", "size", "mtime",
    "recorded", "output_notebook", "node_id",
]  # fmt: skip


def request(
    *,
    resource: str | None = None,
    run: str | None = None,
    workflow: str | None = None,
    depth: int | None = None,
    direction: str = "both",
    kind: str | None = None,
) -> dict[str, Any]:
    """The GetLineage request; a local path is made absolute here, where it was written."""
    from glue_nb.lineage.graph import resource_key

    params: dict[str, Any] = {"Direction": direction.upper()}
    if resource is not None:
        params["Kind"], params["Resource"] = resource_key(str(resource), kind)
    if run is not None:
        params["RunId"] = run
    if workflow is not None:
        params["WorkflowName"] = workflow
    if depth is not None:
        params["Depth"] = depth
    return params


def lineage(
    client: GlueClient | None = None,
    *,
    resource: str | None = None,
    run: str | None = None,
    workflow: str | None = None,
    depth: int | None = None,
    direction: str = "both",
    kind: str | None = None,
) -> pd.DataFrame:
    """The lineage of a ``resource`` (a path, URL, ``db.table`` or ``db.table/k=v``; ``kind``
    forces how it is read), a ``run`` (a job run, crawl or workflow run id) or every run of a
    ``workflow``, ``depth`` runs away (None: all the way), ``direction`` both, upstream or
    downstream. Works against a local home and against ``glue-nb serve`` alike."""
    nb = client.nb if client is not None else _default_client()
    params = request(resource=resource, run=run, workflow=workflow, depth=depth,
                     direction=direction, kind=kind)  # fmt: skip
    answer = nb.get_lineage(**params)
    answer.pop("ResponseMetadata", None)
    return frame_of(answer)


def _default_client() -> Any:
    from glue_nb.client import client as make_client

    return make_client().nb


def frame_of(answer: Mapping[str, Any]) -> pd.DataFrame:
    """The DataFrame of a GetLineage answer."""
    import numpy as np
    import pandas as pd

    from glue_nb.states import CRAWL_STATES, JOB_RUN_STATES
    from glue_nb.views.frames import run_frame

    states = list(dict.fromkeys((*JOB_RUN_STATES, *CRAWL_STATES)))

    runs_cols = answer["Runs"]["Columns"]
    runs = {r[0]: dict(zip(runs_cols, r, strict=True)) for r in answer["Runs"]["Rows"]}
    rec_cols = answer["Records"]["Columns"]
    records = [dict(zip(rec_cols, r, strict=True)) for r in answer["Records"]["Rows"]]
    empty: dict[str, Any] = {}

    def run_of(rec: Mapping[str, Any]) -> dict[str, Any]:
        return runs.get(rec["RunId"], empty)

    def times(values: list[Any], unit: str = "s") -> Any:
        array = np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
        return pd.to_datetime(array, unit=unit, utc=True).as_unit("us")

    def strings(values: list[Any]) -> Any:
        return pd.array([None if v is None else str(v) for v in values], dtype="string")

    def column(key: str, source: str = "record") -> list[Any]:
        if source == "record":
            return [r.get(key) for r in records]
        return [run_of(r).get(key) for r in records]

    data = {
        "hop": np.array(column("Hop"), dtype="int64"),
        "direction": pd.Categorical(column("Direction"), categories=["read", "write"]),
        "kind": pd.Categorical(column("Kind"), categories=["file", "url", "table", "partition"]),
        "resource": strings(column("Resource")),
        "type": pd.Categorical(column("Type", "run"), categories=["JOB", "CRAWLER"]),
        "name": pd.Categorical(column("Name", "run")),
        "id": strings(column("RunId")),
        "state": pd.Categorical(column("State", "run"), categories=states),
        "attempt": pd.array(column("Attempt", "run"), dtype="Int64"),
        "started": times(column("StartedOn", "run")),
        "completed": times(column("CompletedOn", "run")),
        "workflow": pd.Categorical(column("WorkflowName", "run")),
        "run_id": strings(column("WorkflowRunId", "run")),
        "source_id": strings(column("SourceRunId")),
        "version": strings(column("Version")),
        "digest": strings(column("Digest")),
        "etag": strings(column("Etag")),
        "size": pd.array(column("Size"), dtype="Int64"),
        "mtime": times(column("MtimeNs"), unit="ns"),
        "recorded": times(column("RecordedOn")),
        "output_notebook": strings(column("OutputLocation", "run")),
        "node_id": strings(column("NodeId", "run")),
    }
    frame = pd.DataFrame({c: data[c] for c in COLUMNS})
    frame.attrs[ANSWER] = {"Runs": answer["Runs"], "Records": answer["Records"]}
    return run_frame(frame)
