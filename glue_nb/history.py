"""Runs as pandas DataFrames: one run's job runs and crawls, a workflow's runs, all history.

Columns are typed: states are categoricals (every Glue state a category, so frames concatenate and
group cleanly), times are tz-aware UTC datetimes, durations are timedeltas, names are categoricals,
``arguments`` and ``run_properties`` hold dicts. Everything is read through the client's APIs, so
it works alike on a local home and against a ``glue-nb serve``: :func:`job_runs` through glue-nb's
``GetJobRunHistory`` (pages of columns), the rest through Glue's run operations. The one-liners
below answer the usual questions:

    df = history.job_runs(workflow="month-close")
    history.failure_rate(df)            # per job: runs, failures, failure rate
    history.duration_percentiles(df)    # per job: p50 / p90 / p99 of successful runs
    history.slowest_steps(df, 5)        # the five longest job runs
    history.compare_runs(client, "month-close", run_a, run_b)   # what changed
    history.lineage(resource="lake/sales/")  # what produced it, what read it (glue_nb.lineage)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from glue_nb.states import CRAWL_STATES, JOB_RUN_STATES, WORKFLOW_RUN_STATES

if TYPE_CHECKING:
    import pandas as pd

    from glue_nb.client import GlueClient

__all__ = [
    "COLUMNS",
    "STATES",
    "Explanation",
    "compare_runs",
    "duration_percentiles",
    "failure_rate",
    "job_runs",
    "lineage",
    "run_table",
    "slowest_steps",
    "why",
    "workflow_runs",
]

#: Every job-run and crawl state, the categories of the ``state`` column.
STATES: tuple[str, ...] = tuple(dict.fromkeys((*JOB_RUN_STATES, *CRAWL_STATES)))
FAILED_STATES = ("FAILED", "ERROR", "TIMEOUT")
FINAL_STATES = ("SUCCEEDED", "FAILED", "ERROR", "TIMEOUT", "STOPPED", "CANCELLED", "EXPIRED")

#: Columns of :func:`job_runs` (``run_table`` puts ``node`` first).
COLUMNS = [
    "workflow",
    "run_id",
    "node",
    "type",
    "attempt",
    "state",
    "started",
    "completed",
    "duration",
    "trigger",
    "error",
    "arguments",
    "run_properties",
    "output_notebook",
    "id",
    "previous_run_id",
    "node_id",
]
RUN_TABLE_COLUMNS = [
    "node",
    "type",
    "attempt",
    "state",
    "started",
    "completed",
    "duration",
    "trigger",
    "error",
    "reused_from",
    "output_notebook",
    "id",
    "arguments",
    "previous_run_id",
    "node_id",
    "workflow",
    "run_id",
]


def _client(client: GlueClient | None) -> GlueClient:
    """glue-nb's own API (``client.nb``: job runs with their notebooks and error detail)."""
    if client is not None:
        return client.nb
    from glue_nb.client import client as make_client

    return make_client().nb


def _epoch(value: datetime | date | str | float | timedelta | None) -> float | None:
    """``since``/``until`` as epoch seconds: a datetime (naive = UTC), a date, an ISO string,
    epoch seconds, or a timedelta meaning *that long ago*."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, timedelta):
        return datetime.now(timezone.utc).timestamp() - value.total_seconds()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _frame(columns: Mapping[str, Sequence[Any]], order: Sequence[str]) -> pd.DataFrame:
    """Typed DataFrame from raw column lists (times as epoch floats or datetimes)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    data: dict[str, Any] = {}
    n = len(columns["id"])
    for name in ("started", "completed"):
        raw = columns[name]
        if n and isinstance(next((v for v in raw if v is not None), 0.0), datetime):
            stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(raw, dtype=object), utc=True))
        else:
            stamps = pd.to_datetime(np.array(raw, dtype="float64"), unit="s", utc=True)
        data[name] = stamps.as_unit("us")
    data["duration"] = pd.Series(data["completed"]) - pd.Series(data["started"])
    data["state"] = pd.Categorical(columns["state"], categories=STATES)
    data["type"] = pd.Categorical(columns["type"], categories=["JOB", "CRAWLER"])
    for name in ("workflow", "node", "trigger"):
        data[name] = pd.Categorical(columns[name])
    data["attempt"] = np.array(columns["attempt"], dtype="int64")
    for name in ("run_id", "error", "output_notebook", "id", "previous_run_id", "node_id",
                 "reused_from"):  # fmt: skip
        if name not in columns:
            continue
        # through an Arrow array: pandas' own conversion of a list of str is 3-4x slower
        strings = pa.array(columns[name], type=pa.large_string())
        data[name] = pd.array(strings, dtype="string")
    for name in ("arguments", "run_properties"):  # dicts (object even when there are none)
        data[name] = pd.Series(columns[name], dtype=object)
    frame = pd.DataFrame({c: data[c] for c in order if c in data})
    return frame


def _empty_columns() -> dict[str, list[Any]]:
    return {c: [] for c in COLUMNS if c != "duration"}


def job_runs(
    client: GlueClient | None = None,
    workflow: str | None = None,
    since: datetime | date | str | float | timedelta | None = None,
    *,
    until: datetime | date | str | float | timedelta | None = None,
    job: str | Iterable[str] | None = None,
    run_id: str | None = None,
    crawls: bool = True,
    page_size: int | None = None,
) -> pd.DataFrame:
    """Every job run (each attempt) and crawl of the home or server, oldest first.

    Filter by ``workflow``, by start time (``since``/``until``: datetime, ISO string, epoch
    seconds, or a timedelta meaning that long ago), by ``job`` name(s) or ``run_id``;
    ``crawls=False`` leaves crawls out. Job runs started outside a workflow are included when
    ``workflow`` is not given (their ``workflow`` and ``run_id`` are empty). The rows come in
    pages of columns from glue-nb's ``GetJobRunHistory`` (``page_size`` rows each; the
    server's default when ``None``), the same way from a local home and from a server.
    """
    from glue_nb.api.columns import CRAWL_FIELDS, JOB_RUN_FIELDS, Pages

    nb = _client(client)
    jobs = [job] if isinstance(job, str) else list(job) if job is not None else None
    request: dict[str, Any] = {"IncludeCrawls": crawls}
    for key, value in (
        ("WorkflowName", workflow), ("RunId", run_id), ("JobNames", jobs),
        ("Since", _epoch(since)), ("Until", _epoch(until)), ("MaxResults", page_size),
    ):  # fmt: skip
        if value is not None:
            request[key] = value
    job_pages, crawl_pages = Pages(JOB_RUN_FIELDS), Pages(CRAWL_FIELDS)
    properties: dict[str, Any] = {}
    while True:
        page = nb.get_job_run_history(**request)
        job_pages.add(page.get("JobRuns"))
        crawl_pages.add(page.get("Crawls"))
        properties.update(page.get("RunProperties") or {})
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    frame = _history_frame(job_pages, crawl_pages, properties)
    frame = frame.sort_values(["started", "attempt"], kind="stable", ignore_index=True)
    frame.attrs["source"] = nb.location
    return _display(frame)


def _history_frame(jobs: Any, crawls: Any, properties: Mapping[str, Any]) -> pd.DataFrame:
    """The typed frame of :func:`job_runs` straight from columnar pages (``Pages`` of job runs
    and of crawls): categoricals from their codes, strings through Arrow, no value per row in
    Python except ``arguments`` and ``run_properties`` (dicts)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    n_jobs, n_crawls = jobs.count, crawls.count

    def coded(name: str) -> tuple[list[Any], Any]:
        """The column over job runs then crawls: distinct values and codes (-1: null)."""
        values: dict[Any, int] = {}
        parts = []
        for pages, n in ((jobs, n_jobs), (crawls, n_crawls)):
            found = pages.dictionary(name) if name in pages.fields else None
            if found is None:
                plain = pages.values(name) if name in pages.fields else [None] * n
                found = (list(dict.fromkeys(plain)), None)
                index = {v: i for i, v in enumerate(found[0])}
                found = (found[0], np.asarray([index[v] for v in plain], dtype=np.int64))
            local = [values.setdefault(v, len(values)) for v in found[0]]
            parts.append(np.asarray([*local, -1], dtype=np.int64)[found[1]])
        codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return list(values), codes

    def categorical(name: str, categories: Sequence[str] | None = None) -> pd.Categorical:
        values, codes = coded(name)
        cats = (
            list(categories)
            if categories is not None
            else sorted(v for v in values if v is not None)
        )
        where = {v: i for i, v in enumerate(cats)}
        remap = np.asarray([where.get(v, -1) for v in values] + [-1], dtype=np.int64)
        return pd.Categorical.from_codes(remap[codes], categories=cats)

    def strings(name: str) -> Any:
        if all(p.dictionary(name) is None for p in (jobs, crawls) if name in p.fields):
            plain = [v for p, n in ((jobs, n_jobs), (crawls, n_crawls))
                     for v in (p.values(name) if name in p.fields else [None] * n)]  # fmt: skip
            return pd.array(pa.array(plain, type=pa.large_string()), dtype="string")
        values, codes = coded(name)
        table = pa.array([v for v in values] or [None], type=pa.large_string())
        taken = table.take(pa.array(np.where(codes < 0, 0, codes), mask=codes < 0))
        return pd.array(taken, dtype="string")

    def floats(name: str) -> Any:
        return np.array(jobs.values(name) + crawls.values(name), dtype="float64")

    data: dict[str, Any] = {}
    for name in ("started", "completed"):
        data[name] = pd.to_datetime(floats(name), unit="s", utc=True).as_unit("us")
    data["duration"] = pd.Series(data["completed"]) - pd.Series(data["started"])
    data["state"] = categorical("state", STATES)
    data["type"] = pd.Categorical.from_codes(
        np.repeat(np.array([0, 1], dtype=np.int64), [n_jobs, n_crawls]),
        categories=["JOB", "CRAWLER"],
    )
    for name in ("workflow", "node", "trigger"):
        data[name] = categorical(name)
    data["attempt"] = np.array(jobs.values("attempt") + [0] * n_crawls, dtype="int64")
    for name in ("run_id", "error", "output_notebook", "id", "previous_run_id", "node_id"):
        data[name] = strings(name)
    args_values, args_codes = coded("arguments")
    parsed = [json.loads(a) if a else {} for a in args_values] + [{}]
    data["arguments"] = [parsed[c] for c in args_codes.tolist()]
    run_values, run_codes = coded("run_id")
    props = [properties.get(r) if r is not None else None for r in run_values] + [None]
    data["run_properties"] = [props[c] for c in run_codes.tolist()]
    for name in ("arguments", "run_properties"):  # dicts (object even when there are none)
        data[name] = pd.Series(data[name], dtype=object)
    return pd.DataFrame({c: data[c] for c in COLUMNS})


def run_table(client: GlueClient, workflow: str, run_id: str) -> pd.DataFrame:
    """One row per job run (each attempt) and crawl of one workflow run, including the node
    runs a resumed run inherited from the run it resumed (their ``run_id`` is that run's)."""
    run = client.nb.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    props = run.get("WorkflowRunProperties") or {}
    cols = _empty_columns()
    cols["reused_from"] = []  # the job run a reused one took its results from (client.nb)
    for node in run["Graph"]["Nodes"]:
        jrs = (node.get("JobDetails") or {}).get("JobRuns") or []
        crawls = (node.get("CrawlerDetails") or {}).get("Crawls") or []
        for jr in jrs:
            _append(
                cols,
                node,
                "JOB",
                jr["Attempt"],
                jr["JobRunState"],
                jr,
                jr["Id"],
                workflow,
                jr.get("WorkflowRunId", run_id),
                props,
            )
            cols["reused_from"].append(jr.get("ReusedFrom"))
        for crawl in crawls:
            _append(
                cols,
                node,
                "CRAWLER",
                0,
                crawl["State"],
                crawl,
                crawl.get("CrawlId"),
                workflow,
                crawl.get("WorkflowRunId", run_id),
                props,
            )
            cols["reused_from"].append(None)
    frame = _frame(cols, RUN_TABLE_COLUMNS)
    frame = frame.sort_values(["started", "attempt"], kind="stable", ignore_index=True)
    return _display(frame, _run_caption(run))


def _append(
    cols: dict[str, list[Any]],
    node: Mapping[str, Any],
    kind: str,
    attempt: int,
    state: str,
    record: Mapping[str, Any],
    record_id: str | None,
    workflow: str,
    run_id: str,
    props: Mapping[str, str],
) -> None:
    cols["workflow"].append(workflow)
    cols["run_id"].append(run_id)
    cols["node"].append(node["Name"])
    cols["type"].append(kind)
    cols["attempt"].append(attempt)
    cols["state"].append(state)
    cols["started"].append(record.get("StartedOn"))
    cols["completed"].append(record.get("CompletedOn"))
    cols["trigger"].append(record.get("TriggerName"))
    cols["error"].append(record.get("ErrorMessage"))
    cols["arguments"].append(dict(record.get("Arguments") or {}))
    cols["run_properties"].append(dict(props))
    cols["output_notebook"].append(record.get("OutputLocation"))
    cols["id"].append(record_id)
    cols["previous_run_id"].append(record.get("PreviousRunId"))
    cols["node_id"].append(node["UniqueId"])


def workflow_runs(client: GlueClient | None, workflow: str | None = None) -> pd.DataFrame:
    """One row per run of ``workflow`` (every workflow when ``None``), newest first: status
    (categorical), times, duration, Statistics counters, run properties."""
    import pandas as pd

    client = _client(client)
    names = [workflow] if workflow is not None else _all_workflows(client)
    rows = []
    for name in names:
        token = None
        while True:
            page = client.get_workflow_runs(Name=name, **({"NextToken": token} if token else {}))
            for run in page["Runs"]:
                rows.append(
                    {
                        "workflow": run["Name"],
                        "run_id": run["WorkflowRunId"],
                        "status": run["Status"],
                        "started": run["StartedOn"],
                        "completed": run.get("CompletedOn"),
                        "previous_run_id": run.get("PreviousRunId"),
                        "error": run.get("ErrorMessage"),
                        **run["Statistics"],
                        "run_properties": run.get("WorkflowRunProperties") or {},
                    }
                )
            token = page.get("NextToken")
            if not token:
                break
    stats = [
        "TotalActions",
        "SucceededActions",
        "FailedActions",
        "ErroredActions",
        "TimeoutActions",
        "StoppedActions",
        "RunningActions",
        "WaitingActions",
    ]
    order = [
        "workflow",
        "run_id",
        "status",
        "started",
        "completed",
        "duration",
        "previous_run_id",
        "error",
        *stats,
        "run_properties",
    ]
    frame = pd.DataFrame(rows, columns=[c for c in order if c != "duration"])
    frame["started"] = pd.to_datetime(frame["started"], utc=True).dt.as_unit("us")
    frame["completed"] = pd.to_datetime(frame["completed"], utc=True).dt.as_unit("us")
    frame["duration"] = frame["completed"] - frame["started"]
    frame["status"] = pd.Categorical(frame["status"], categories=WORKFLOW_RUN_STATES)
    frame["workflow"] = frame["workflow"].astype("category")
    for name in ("run_id", "previous_run_id", "error"):
        frame[name] = frame[name].astype("string")
    for name in stats:
        frame[name] = frame[name].astype("int64")
    frame = frame[order].sort_values("started", ascending=False, kind="stable", ignore_index=True)
    return _display(frame)


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
    """What produced a resource and which runs read it, or what is upstream and downstream of a
    run (job run, crawl, workflow run) or of every run of a workflow: one row per read or write
    on the way (see :mod:`glue_nb.lineage.frames` for the columns)."""
    from glue_nb.lineage.frames import lineage as lineage_frame

    return lineage_frame(client, resource=resource, run=run, workflow=workflow, depth=depth,
                         direction=direction, kind=kind)  # fmt: skip


def _all_workflows(client: GlueClient) -> list[str]:
    names, token = [], None
    while True:
        page = client.list_workflows(**({"NextToken": token} if token else {}))
        names.extend(page["Workflows"])
        token = page.get("NextToken")
        if not token:
            return names


# -- one-liners --------------------------------------------------------------------------------
def failure_rate(df: pd.DataFrame, by: str | Sequence[str] = "node") -> pd.DataFrame:
    """Per job (``by``): ``runs`` and ``failed`` count each node once per workflow run (its final
    attempt), ``attempts`` and ``failed_attempts`` count every attempt; rates are 0..1. Only
    finished job runs count. Sorted by failure rate, worst first. Job runs started outside a
    workflow count too (``by="workflow"``: under an empty workflow)."""
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    done = df[df["state"].isin(FINAL_STATES)]
    failed = done["state"].isin(FAILED_STATES)
    attempts = (
        done.assign(_failed=failed)
        .groupby(keys, observed=True, dropna=False)["_failed"]
        .agg(attempts="size", failed_attempts="sum")
    )
    final = (
        done.assign(_failed=failed, _run=done["run_id"].fillna(done["id"]))
        .sort_values(["started", "attempt"], kind="stable")
        .groupby([*keys, "_run"], observed=True, dropna=False)["_failed"]
        .last()
        .groupby(level=list(range(len(keys))), observed=True, dropna=False)
        .agg(runs="size", failed="sum")
    )
    out = pd.concat([final, attempts], axis=1)
    out["failure_rate"] = out["failed"] / out["runs"]
    out["attempt_failure_rate"] = out["failed_attempts"] / out["attempts"]
    last = (
        done[failed]
        .groupby(keys, observed=True, dropna=False)["started"]
        .max()
        .rename("last_failure")
    )
    out = out.join(last)
    cols = [
        "runs",
        "failed",
        "failure_rate",
        "attempts",
        "failed_attempts",
        "attempt_failure_rate",
        "last_failure",
    ]
    out = out[cols].astype({c: "int64" for c in ("runs", "failed", "attempts", "failed_attempts")})
    return _display(out.sort_values(["failure_rate", "runs"], ascending=[False, False]))


def duration_percentiles(
    df: pd.DataFrame,
    percentiles: Sequence[float] = (0.5, 0.9, 0.99),
    *,
    by: str | Sequence[str] = "node",
    states: Sequence[str] | None = ("SUCCEEDED",),
) -> pd.DataFrame:
    """Per job (``by``): count, mean, the given percentiles and max of ``duration`` (timedeltas),
    over job runs in ``states`` (default: successful ones; ``None``: every finished run)."""
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    rows = df[df["duration"].notna()]
    if states is not None:
        rows = rows[rows["state"].isin(states)]
    grouped = rows.groupby(keys, observed=True)["duration"]
    out = pd.DataFrame({"count": grouped.size(), "mean": grouped.mean()})
    for q in percentiles:
        out[f"p{q * 100:g}"] = grouped.quantile(q)
    out["max"] = grouped.max()
    key = f"p{percentiles[0] * 100:g}" if percentiles else "mean"
    return _display(out.sort_values(key, ascending=False))


def slowest_steps(df: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` longest job runs / crawls, longest first."""
    cols = [
        c
        for c in ("workflow", "run_id", "node", "attempt", "state", "started", "duration", "error")
        if c in df.columns
    ]
    return _display(df[df["duration"].notna()].nlargest(n, "duration")[cols])


def compare_runs(client: GlueClient | None, workflow: str, run_a: str, run_b: str) -> pd.DataFrame:
    """What changed between two runs of a workflow, one row per node: state, attempts and
    duration of its final attempt in each run, the duration change, and arguments that differ.
    ``.attrs["run_properties"]`` holds the run properties that differ (property, a, b)."""
    import pandas as pd

    client = _client(client)
    a, b = run_table(client, workflow, run_a), run_table(client, workflow, run_b)

    def summary(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame(columns=["state", "attempts", "duration", "arguments"])
        last = frame.groupby("node", observed=True).tail(1).set_index("node")
        counts = frame.groupby("node", observed=True).size()
        return pd.DataFrame(
            {
                "state": last["state"].astype(str),
                "attempts": counts,
                "duration": last["duration"],
                "arguments": last["arguments"],
            }
        )

    sa, sb = summary(a), summary(b)
    nodes = list(dict.fromkeys([*map(str, sa.index), *map(str, sb.index)]))
    sa.index, sb.index = sa.index.astype(str), sb.index.astype(str)
    sa, sb = sa.reindex(nodes), sb.reindex(nodes)
    out = pd.DataFrame(
        {
            "state_a": sa["state"],
            "state_b": sb["state"],
            "attempts_a": sa["attempts"].astype("Int64"),
            "attempts_b": sb["attempts"].astype("Int64"),
            "duration_a": pd.to_timedelta(sa["duration"]),
            "duration_b": pd.to_timedelta(sb["duration"]),
        },
        index=pd.Index(nodes, name="node"),
    )
    out["change"] = out["duration_b"] - out["duration_a"]
    out["change_pct"] = (out["change"] / out["duration_a"] * 100).astype("float64").round(1)
    out["state_changed"] = out["state_a"].fillna("") != out["state_b"].fillna("")
    out["arguments_changed"] = [
        _dict_diff(x if isinstance(x, dict) else {}, y if isinstance(y, dict) else {})
        for x, y in zip(sa["arguments"], sb["arguments"], strict=True)
    ]
    pa = (client.get_workflow_run(Name=workflow, RunId=run_a)["Run"]).get(
        "WorkflowRunProperties", {}
    )
    pb = (client.get_workflow_run(Name=workflow, RunId=run_b)["Run"]).get(
        "WorkflowRunProperties", {}
    )
    changed = [
        (k, pa.get(k), pb.get(k)) for k in dict.fromkeys([*pa, *pb]) if pa.get(k) != pb.get(k)
    ]
    out.attrs["run_properties"] = pd.DataFrame(changed, columns=["property", "a", "b"])
    return _display(out)


class Explanation(dict):  # type: ignore[type-arg]
    """:func:`why`'s answer: a dict (see :func:`glue_nb.reuse.why.explain`) shown as text."""

    def __str__(self) -> str:
        from glue_nb.reuse.why import format_explanation

        return format_explanation(self)

    __repr__ = __str__


def why(client: GlueClient | None, workflow: str, run_id: str, node: str) -> Explanation:
    """Why ``node`` (a job's name or node UniqueId) of a workflow run ran, or why it was
    reused: the run it reused (and the time saved), or each change, old and new (a cell, a
    parameter, a file, a package version, an upstream output, an unknown read)."""
    from glue_nb.exceptions import EntityNotFoundException

    c = _client(client)
    run = c.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
    names = []
    for n in run["Graph"]["Nodes"]:
        if n["Type"] != "JOB":
            continue
        names.append(n["Name"])
        if node in (n["Name"], n["UniqueId"]):
            job_runs = (n.get("JobDetails") or {}).get("JobRuns") or []
            if not job_runs:
                raise EntityNotFoundException(
                    f"node {node!r} of workflow run {run_id} did not run (no job run)"
                )
            latest = max(job_runs, key=lambda jr: (jr["StartedOn"], jr.get("Attempt", 0)))
            return Explanation(c.explain_job_run(RunId=latest["Id"])["Explanation"])
    raise EntityNotFoundException(
        f"workflow {workflow!r} has no job node {node!r} (job nodes: {', '.join(names)})"
    )


def _display(frame: pd.DataFrame, caption: str | None = None) -> pd.DataFrame:
    """The frame as a :class:`~glue_nb.views.frames.RunFrame`: the same data, displayed for
    people in a notebook (short ids, durations as ``1.4 s``, statuses at a glance)."""
    from glue_nb.views.frames import run_frame

    return run_frame(frame, caption)


def _run_caption(run: Mapping[str, Any]) -> str:
    """What ``run.table()`` shows above its rows: the workflow, the run and its status."""
    from glue_nb.views.html import status_badge
    from glue_nb.views.style import esc

    run_id = str(run.get("WorkflowRunId", ""))
    return (
        '<div class="gnb-caption" style="font-family:system-ui,sans-serif;font-size:13px;'
        f'margin:2px 0 4px"><b>{esc(run.get("Name", ""))}</b> · run '
        f'<code title="{esc(run_id)}">{esc(run_id[:15])}…</code> {status_badge(run)}</div>'
    )


def _dict_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    return ", ".join(f"{k}: {a.get(k)!r} → {b.get(k)!r}" for k in keys)
