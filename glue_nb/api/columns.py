"""History on the wire: job runs and crawls as columns (glue-nb's ``GetJobRunHistory``).

A page of rows travels as ``{"Count": n, "Columns": {name: column}}``. A column is a plain list,
or, for columns whose values repeat (workflow and job names, states, run ids, arguments), a
dictionary encoding ``{"Values": [each distinct value once, null included], "Codes": [index into
Values per row; -1 also means null]}``: a 100,000-row history is about half its plain size as
JSON, and the client turns codes into pandas categoricals without a Python value per row. Times
are epoch seconds. The same answer serves the in-process client and ``glue-nb serve``;
:class:`Pages` gathers pages back into columns for :mod:`glue_nb.history`.

Paging tokens (:func:`token`, :func:`read_token`) are opaque to clients: where each table's next
page starts, and a digest of the filters they were made for (a token used with other filters is
refused rather than answering a mix).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from glue_nb.exceptions import InvalidInputException

__all__ = [
    "CRAWL_FIELDS",
    "DICTIONARY",
    "JOB_RUN_FIELDS",
    "Document",
    "Pages",
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
    for i, name in enumerate(fields):
        # one column at a time, at C speed (``zip(*rows)`` would make an iterator per row)
        values = list(map(itemgetter(i), rows))
        if name in DICTIONARY:
            index: dict[Any, int] = {}
            codes = [index.setdefault(v, len(index)) for v in values]
            columns[name] = {"Values": list(index), "Codes": codes}
        else:
            columns[name] = values
    return Document(Count=len(rows), Columns=columns)


class Pages:
    """Columnar pages gathered into whole columns (``glue_nb.history`` reads them): a plain
    column as one list, a dictionary-encoded one as its distinct values (over every page, null
    included when it occurs) and a numpy array of codes into them (-1: null)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self.count = 0
        self._plain: dict[str, list[Any]] = {}
        self._values: dict[str, dict[Any, int]] = {}
        self._codes: dict[str, list[Any]] = {}

    def add(self, page: Mapping[str, Any] | None) -> None:
        """Add one page (``{"Count", "Columns"}``)."""
        import numpy as np

        if not page:
            return
        count = int(page.get("Count") or 0)
        given = page.get("Columns") or {}
        for name in self.fields:
            column = given.get(name)
            if isinstance(column, Mapping):
                index = self._values.setdefault(name, {})
                local = [index.setdefault(v, len(index)) for v in column["Values"]]
                codes = np.asarray(column["Codes"], dtype=np.int64)
                if len(codes) != count:
                    raise ValueError(f"history page: column {name!r} has {len(codes)} of {count}")
                mapped = np.asarray([*local, -1], dtype=np.int64)[codes]  # -1 stays -1
                self._codes.setdefault(name, []).append(mapped)
            else:
                values = [None] * count if column is None else list(column)
                if len(values) != count:
                    raise ValueError(f"history page: column {name!r} has {len(values)} of {count}")
                if name in self._codes or name in self._values:
                    raise ValueError(f"history page: column {name!r} changed its encoding")
                self._plain.setdefault(name, []).extend(values)
        self.count += count

    def dictionary(self, name: str) -> tuple[list[Any], Any] | None:
        """``(values, codes)`` of a dictionary-encoded column; ``None`` for a plain one."""
        import numpy as np

        if name not in self._values:
            return None
        parts = self._codes.get(name) or [np.zeros(0, dtype=np.int64)]
        return list(self._values[name]), np.concatenate(parts)

    def values(self, name: str) -> list[Any]:
        """The column as a list of values, whatever its encoding."""
        found = self.dictionary(name)
        if found is None:
            return self._plain.get(name, [None] * self.count)
        values, codes = found
        table = [*values, None]  # code -1 → the last entry: None
        return [table[c] for c in codes.tolist()]


def decode(page: Mapping[str, Any] | None, fields: Sequence[str]) -> dict[str, list[Any]]:
    """A columnar page → ``{name: list}`` (every field, each list of the page's length)."""
    pages = Pages(fields)
    pages.add(page)
    return {name: pages.values(name) for name in fields}


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
