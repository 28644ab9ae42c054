"""Lineage as a typed DataFrame: one row per read or write on the lineage's paths.

    df = glue_nb.history.lineage(resource="lake/sales/part-0.parquet")
    df[df.direction == "write"]            # which job runs and crawls produced it
    df[df.hop > 0]                         # everything downstream, run by run
    glue_nb.lineage.view(df)               # the picture

Columns: ``hop`` (0: the seed runs; -1, -2, ...: upstream; 1, 2, ...: downstream), ``direction``
(read / write), ``kind`` (file / url / table / partition) and ``resource``; the run: ``type``
(JOB / CRAWLER), ``name`` (job or crawler), ``id`` (job run or crawl id), ``state``,
``attempt``, ``started``, ``completed``, ``workflow``, ``run_id`` (its workflow run); on a read,
``source_id``: the run whose write it read (one row per such run) and ``source_resource``, what
that run wrote (a file under the folder or table read, say); what identified the content:
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
    "completed", "workflow", "run_id", "source_id", "source_resource", "version", "digest",
    "etag", "size", "mtime", "recorded", "output_notebook", "node_id",
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
    return frame_of(nb.get_lineage(**params))


def _default_client() -> Any:
    from glue_nb.client import client as make_client

    return make_client().nb


def frame_of(answer: Mapping[str, Any]) -> pd.DataFrame:
    """The DataFrame of a GetLineage answer (its JSON text, or decoded)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from glue_nb.lineage.graph import decode
    from glue_nb.states import CRAWL_STATES, JOB_RUN_STATES
    from glue_nb.views.frames import run_frame

    answer = decode(answer)
    states = list(dict.fromkeys((*JOB_RUN_STATES, *CRAWL_STATES)))
    runs_cols = answer["Runs"]["Columns"]
    run_index = {r[0]: i for i, r in enumerate(answer["Runs"]["Rows"])}
    run_rows = answer["Runs"]["Rows"]
    rec_cols = answer["Records"]["Columns"]
    rows = answer["Records"]["Rows"]
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(rec_cols)
    record = dict(zip(rec_cols, columns, strict=True))
    which = [run_index.get(run_id) for run_id in record["RunId"]]

    def of_run(key: str) -> list[Any]:
        k = runs_cols.index(key)
        return [None if i is None else run_rows[i][k] for i in which]

    def times(values: Any, unit: str = "s") -> Any:
        array = np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
        return pd.to_datetime(array, unit=unit, utc=True).as_unit("us")

    def strings(values: Any) -> Any:
        # through an Arrow array: pandas' own conversion of a list of str is several times slower
        return pd.array(pa.array(list(values), type=pa.large_string()), dtype="string")

    data = {
        "hop": np.array(record["Hop"], dtype="int64").reshape(n),
        "direction": pd.Categorical(record["Direction"], categories=["read", "write"]),
        "kind": pd.Categorical(record["Kind"], categories=["file", "url", "table", "partition"]),
        "resource": strings(record["Resource"]),
        "type": pd.Categorical(of_run("Type"), categories=["JOB", "CRAWLER"]),
        "name": pd.Categorical(of_run("Name")),
        "id": strings(record["RunId"]),
        "state": pd.Categorical(of_run("State"), categories=states),
        "attempt": pd.array(of_run("Attempt"), dtype="Int64"),
        "started": times(of_run("StartedOn")),
        "completed": times(of_run("CompletedOn")),
        "workflow": pd.Categorical(of_run("WorkflowName")),
        "run_id": strings(of_run("WorkflowRunId")),
        "source_id": strings(record["SourceRunId"]),
        "source_resource": strings(record["SourceResource"]),
        "version": strings(record["Version"]),
        "digest": strings(record["Digest"]),
        "etag": strings(record["Etag"]),
        "size": pd.array(list(record["Size"]), dtype="Int64"),
        "mtime": times(record["MtimeNs"], unit="ns"),
        "recorded": times(record["RecordedOn"]),
        "output_notebook": strings(of_run("OutputLocation")),
        "node_id": strings(of_run("NodeId")),
    }
    frame = pd.DataFrame({c: data[c] for c in COLUMNS})
    frame.attrs[ANSWER] = answer
    return run_frame(frame)
