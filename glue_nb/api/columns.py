"""History on the wire: job runs and crawls as columns (glue-nb's ``GetJobRunHistory``).

A page of rows travels as ``{"Count": n, "Columns": {name: column}}``. A column is a plain list,
or, for columns whose values repeat (workflow and job names, states, run ids, arguments), a
dictionary encoding ``{"Values": [each distinct value once], "Codes": [index into Values per
row]}``: a 100,000-row history is a fraction of its plain size, and both ends build it with
C-speed list operations. Times are epoch seconds. The same answer serves the in-process client
and ``glue-nb serve``; :func:`decode` turns a page back into lists for :mod:`glue_nb.history`.

Paging tokens (:func:`token`, :func:`read_token`) are opaque to clients: where each table's next
page starts, and a digest of the filters they were made for (a token used with other filters is
refused rather than answering a mix).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "CRAWL_FIELDS",
    "DICTIONARY",
    "JOB_RUN_FIELDS",
    "Document",
    "decode",
    "encode",
    "read_token",
    "token",
]

#: Columns of a page of job runs, in the order of ``glue_nb.store.history.JOB_RUN_COLUMNS``.
JOB_RUN_FIELDS = (
    "workflow", "run_id", "node", "attempt", "state", "started", "completed", "trigger",
    "error", "arguments", "output_notebook", "id", "previous_run_id", "node_id",
)  # fmt: skip
#: Columns of a page of crawls, in the order of ``glue_nb.store.history.CRAWL_COLUMNS``.
CRAWL_FIELDS = (
    "workflow", "run_id", "node", "state", "started", "completed", "trigger", "error", "id",
    "node_id",
)  # fmt: skip
#: Columns sent dictionary-encoded (their values repeat from row to row).
DICTIONARY = frozenset(
    ("workflow", "run_id", "node", "state", "trigger", "error", "arguments", "node_id")
)


class Document(dict):  # type: ignore[type-arg]
    """A free-form answer member (a document in the service model), handed over as it is: the
    in-process route leaves its nulls and its size alone."""


def encode(rows: Sequence[Sequence[Any]], fields: Sequence[str]) -> Document:
    """Rows (tuples in ``fields`` order) → a columnar page."""
    columns: dict[str, Any] = {}
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
    for name, values in zip(fields, by_column, strict=True):
        if name in DICTIONARY:
            index: dict[Any, int] = {}
            codes = [index.setdefault(v, len(index)) for v in values]
            columns[name] = {"Values": list(index), "Codes": codes}
        else:
            columns[name] = list(values)
    return Document(Count=len(rows), Columns=columns)


def decode(page: Mapping[str, Any] | None, fields: Sequence[str]) -> dict[str, list[Any]]:
    """A columnar page → ``{name: list}`` (every field, each list of the page's length)."""
    if not page:
        return {name: [] for name in fields}
    count = int(page.get("Count") or 0)
    given = page.get("Columns") or {}
    out: dict[str, list[Any]] = {}
    for name in fields:
        column = given.get(name)
        if isinstance(column, Mapping):
            values = column["Values"]
            out[name] = [values[c] for c in column["Codes"]]
        elif column is None:
            out[name] = [None] * count
        else:
            out[name] = list(column)
        if len(out[name]) != count:
            raise ValueError(f"history page: column {name!r} has {len(out[name])} rows of {count}")
    return out


def _digest(filters: Mapping[str, Any]) -> str:
    text = json.dumps(filters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def token(next_job_run: int | None, next_crawl: int | None, filters: Mapping[str, Any]) -> str:
    """The NextToken of a page: where each table goes on (``None``: that table is done)."""
    data = {"j": next_job_run, "c": next_crawl, "f": _digest(filters)}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def read_token(value: str | None, filters: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """Inverse of :func:`token` → ``(after_job_run, after_crawl)``; no token: from the start."""
    if not value:
        return 0, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()))
        after = (data["j"], data["c"])
        if not all(a is None or (isinstance(a, int) and a >= 0) for a in after):
            raise ValueError(after)
    except (ValueError, KeyError, TypeError):
        raise InvalidInputException(
            "GetJobRunHistory: NextToken is not a token this operation gave"
        ) from None
    if data.get("f") != _digest(filters):
        raise InvalidInputException(
            "GetJobRunHistory: NextToken was given for other filters; pass the same "
            "WorkflowName, RunId, JobNames, Since, Until and IncludeCrawls as the first call"
        )
    return after[0], after[1]
