"""``run.wait()``'s progress display, counted in nodes, in Jupyter and on a terminal.

In Jupyter it is an HTML bar updated in place (``update_display_data``, no widget), one coloured
segment per state, so it also stays readable in the saved notebook and in exported HTML. On a
terminal it is a tqdm bar whose text says the same (``3/7 nodes · 2 running · 1 failed``), with
no rates. Both are built from the run as first read, so a run that has already ended shows a full,
final bar at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.states import progress_text, run_status
from glue_nb.views.style import CATEGORIES, esc, fmt_duration

__all__ = ["NotebookProgress", "Progress", "TerminalProgress", "progress_html"]

#: Bar segments, left to right: ``(Statistics key, colour category)``.
SEGMENTS = (
    ("SucceededActions", "succeeded"),
    ("FailedActions", "failed"),
    ("ErroredActions", "failed"),
    ("TimeoutActions", "timeout"),
    ("StoppedActions", "stopped"),
    ("RunningActions", "running"),
    ("WaitingActions", "waiting"),
)


class Progress:
    """Shows a run's progress; :meth:`update` with each WorkflowRun read, :meth:`close` at the
    end."""

    def update(self, run: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Leave the last state on screen."""


def progress_html(run: Mapping[str, Any], elapsed: float | None = None) -> str:
    """The Jupyter bar: workflow name, a segment per state (width = its share of the nodes),
    the counts in words and the elapsed time."""
    stats = run.get("Statistics") or {}
    total = max(int(stats.get("TotalActions", 0)), 1)
    segments = []
    for key, category in SEGMENTS:
        count = int(stats.get(key, 0))
        if count:
            colour = CATEGORIES[category]
            segments.append(
                f'<div class="gnb-seg gnb-{category}" title="{count} {esc(colour.label)}" '
                f'style="width:{100 * count / total:.3f}%;background:{colour.stroke}"></div>'
            )
    status = run_status(run)
    ink = "#111827" if status.category in ("succeeded", "running", "pending") else "#b91c1c"
    if status.category == "stopped":
        ink = CATEGORIES["stopped"].stroke
    when = f" · {fmt_duration(elapsed)}" if elapsed is not None else ""
    return (
        '<div class="gnb-progress" style="display:flex;align-items:center;gap:10px;'
        'font-family:system-ui,sans-serif;font-size:12px;margin:2px 0">'
        f'<b style="white-space:nowrap">{esc(run.get("Name", ""))}</b>'
        '<div class="gnb-bar" role="progressbar" style="flex:1 1 auto;max-width:520px;'
        "min-width:160px;height:10px;border-radius:5px;background:#e5e7eb;overflow:hidden;"
        f'display:flex" aria-valuemax="{total}">{"".join(segments)}</div>'
        f'<span style="color:{ink};white-space:nowrap">{esc(progress_text(run))}'
        f'<span style="color:#6b7280">{esc(when)}</span></span></div>'
    )


class NotebookProgress(Progress):
    """The HTML bar in a Jupyter output, updated in place when the counts change (and the
    elapsed time at most every ``tick`` seconds)."""

    def __init__(
        self,
        display: Callable[..., Any] | None = None,
        *,
        tick: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if display is None:
            from IPython.display import display as ipython_display

            display = ipython_display
        self._display: Callable[..., Any] = display
        self._handle: Any = None
        self._tick, self._clock = tick, clock
        self._started = clock()
        self._shown: tuple[str, float] | None = None

    def update(self, run: Mapping[str, Any]) -> None:
        now = self._clock()
        text = progress_text(run)
        active = run.get("Status") in WORKFLOW_RUN_ACTIVE
        if self._shown is not None:
            same, last = self._shown[0] == text, self._shown[1]
            if same and (not active or now - last < self._tick):
                return
        elapsed = now - self._started if active else _run_seconds(run)
        bundle = {"text/html": progress_html(run, elapsed), "text/plain": f"{run['Name']}: {text}"}
        if self._handle is None:
            self._handle = self._display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        self._shown = (text, now)


class TerminalProgress(Progress):
    """A tqdm bar on stderr: ``month-close  43%|████▎     | 3/7 nodes · 2 running [00:04]``."""

    def __init__(
        self,
        name: str,
        *,
        tick: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        **tqdm_options: Any,
    ) -> None:
        from tqdm import tqdm

        class _Bar(tqdm):  # type: ignore[type-arg,misc]
            info = ""

            @property
            def format_dict(self) -> dict[str, Any]:
                return {**super().format_dict, "info": self.info}

        self._name, self._options = name, tqdm_options
        self._factory = _Bar
        self._bar: Any = None
        self._text = ""
        self._tick, self._clock, self._last = tick, clock, 0.0

    def update(self, run: Mapping[str, Any]) -> None:
        stats = run.get("Statistics") or {}
        total = int(stats.get("TotalActions", 0))
        ended = sum(int(stats.get(k, 0)) for k, c in SEGMENTS if c not in ("running", "waiting"))
        text = progress_text(run)
        if self._bar is None:
            self._factory.info = text  # shown from the first line on
            self._bar = self._factory(
                total=total,
                initial=ended,
                desc=self._name,
                bar_format="{desc}  {percentage:3.0f}%|{bar}| {info} [{elapsed}]",
                leave=True,
                **self._options,
            )
        elif text == self._text and self._bar.n == ended:
            if self._clock() - self._last >= self._tick:  # the elapsed time, once a second
                self._bar.refresh()
                self._last = self._clock()
            return
        self._last = self._clock()
        self._bar.total = total
        self._bar.n = ended
        self._bar.info = text
        self._text = text
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _run_seconds(run: Mapping[str, Any]) -> float | None:
    started, completed = run.get("StartedOn"), run.get("CompletedOn")
    return (completed - started).total_seconds() if started and completed else None
