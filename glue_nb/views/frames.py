"""DataFrames of runs that display for people, with their data left as it is.

:class:`RunFrame` is a ``pandas.DataFrame`` (every operation works and keeps returning one) whose
notebook display (``_repr_html_``) shows run and job-run ids short (``wr_0ca1f7afa571…``),
durations as ``1.4 s`` / ``-1.7 s`` / ``4:05``, times to the second, rates as percentages,
executed notebooks by file name, missing values as blanks, and a run's status at a glance
(``✗ COMPLETED · 1 failed``). The values stay typed and
whole: ``df["run_id"]`` holds full ids, ``df["duration"]`` timedeltas. pandas' display options
(``display.max_rows``, ``min_rows``, ``max_columns``, ``show_dimensions``) apply as usual.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from glue_nb.views.states import PROBLEMS
from glue_nb.views.style import fmt_duration

__all__ = ["ID_COLUMNS", "RunFrame", "frame_html", "run_frame"]

#: Columns holding run, job-run, crawl or node ids (shown short).
ID_COLUMNS = frozenset(
    {"run_id", "previous_run_id", "id", "node_id", "run_a", "run_b", "reused_from"}
)
SHORT_ID = 15
CAPTION = "glue_nb_caption"  # attrs key: HTML shown above the table


class RunFrame(pd.DataFrame):
    """A DataFrame of glue-nb history (see the module docstring)."""

    @property
    def _constructor(self) -> Callable[..., RunFrame]:
        return RunFrame

    def _repr_html_(self) -> str | None:
        if not pd.get_option("display.notebook_repr_html"):
            return None
        return frame_html(self)


def run_frame(frame: pd.DataFrame, caption: str | None = None) -> RunFrame:
    """``frame`` as a :class:`RunFrame` (no copy of the data); ``caption``: HTML shown above
    its table."""
    out = frame if isinstance(frame, RunFrame) else RunFrame(frame)
    out.attrs.update(frame.attrs)
    if caption is not None:
        out.attrs[CAPTION] = caption
    return out


def short_id(value: Any) -> str:
    """``wr_0ca1f7afa571…`` for a long id; empty for a missing one."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return text if len(text) <= SHORT_ID + 1 else text[:SHORT_ID] + "…"


def signed_duration(value: Any) -> str:
    """A timedelta for people: ``1.4 s``, ``-1.7 s``, ``4:05``; empty for NaT."""
    if value is None or pd.isna(value):
        return ""
    seconds = pd.Timedelta(value).total_seconds()
    text = fmt_duration(abs(seconds))
    return f"-{text}" if seconds < 0 and text != "0 ms" else text


def _time(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    zone = f" {stamp.tzname()}" if stamp.tzinfo is not None else ""
    return stamp.strftime("%Y-%m-%d %H:%M:%S") + zone


def _notebook(value: Any) -> str:
    if value is None or value is pd.NA or not isinstance(value, str) or not value:
        return ""
    return "…/" + os.path.basename(value)


def _formatters(frame: pd.DataFrame) -> dict[Any, Callable[[Any], str]]:
    out: dict[Any, Callable[[Any], str]] = {}
    for name in frame.columns:
        dtype = frame[name].dtype
        if name in ID_COLUMNS:
            out[name] = short_id
        elif pd.api.types.is_timedelta64_dtype(dtype):
            out[name] = signed_duration
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[name] = _time
        elif name == "output_notebook":
            out[name] = _notebook
        elif str(name).endswith("_rate") and pd.api.types.is_float_dtype(dtype):
            out[name] = _percent
        elif isinstance(dtype, pd.StringDtype):
            out[name] = _text
    return out


def _text(value: Any) -> str:
    """A string cell: blank when missing, cut at ``display.max_colwidth`` as pandas does."""
    if value is None or pd.isna(value):
        return ""
    text, width = str(value), pd.get_option("display.max_colwidth")
    return text if width is None or len(text) <= width else text[: max(width - 3, 1)] + "..."


def _percent(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def _status_column(frame: pd.DataFrame) -> pd.Series | None:
    """The ``status`` column of runs with what did not succeed, from the Statistics columns
    present: ``✗ COMPLETED · 1 failed``."""
    if "status" not in frame.columns:
        return None
    counters = [(key, word) for key, word in PROBLEMS if key in frame.columns]
    if not counters:
        return None
    text = frame["status"].astype("string").fillna("")
    bad = np.zeros(len(frame), dtype=bool)
    for key, word in counters:
        counts = frame[key].fillna(0).astype("int64")
        text = text.where(counts.eq(0), text + " · " + counts.astype("string") + f" {word}")
        if key != "StoppedActions":
            bad |= counts.gt(0).to_numpy()
    bad |= frame["status"].astype("string").eq("ERROR").fillna(False).to_numpy()
    return text.where(~bad, "✗ " + text)


def _nullable(dtype: Any) -> bool:
    """pandas' nullable integer, float and boolean dtypes (``Int64``, ``boolean``...)."""
    return isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iufb"


def frame_html(frame: pd.DataFrame) -> str:
    """The notebook HTML of a DataFrame of runs (pandas' own table, values formatted for
    people), after the caption kept in ``attrs`` if any."""
    max_rows = pd.get_option("display.max_rows")
    min_rows = pd.get_option("display.min_rows")
    if max_rows and len(frame) > max_rows and min_rows:  # pandas' rule for a long frame
        max_rows = min(min_rows, max_rows)
    shown = pd.DataFrame(frame, copy=False)  # the same data (copy on write)
    status = _status_column(frame)
    if status is not None:
        shown["status"] = status
    for name in shown.columns:  # pandas writes <NA> for these whatever na_rep says
        column = shown[name]
        if isinstance(column.dtype, pd.StringDtype) and column.hasnans:
            shown[name] = column.fillna("")
        elif _nullable(column.dtype) and column.hasnans:
            shown[name] = column.astype(object).where(column.notna(), "")
    html = shown.to_html(
        max_rows=max_rows,
        max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions"),
        formatters=_formatters(frame),  # type: ignore[arg-type]
        na_rep="",
        notebook=True,
    )
    return str(frame.attrs.get(CAPTION, "")) + html
