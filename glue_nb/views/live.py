"""``run.view()``: a live ipywidget of one workflow run.

The graph is laid out once per design (one ``dot`` call) and recoloured on every refresh; the run
is re-read from the store, so the view follows a run driven by any process (the CLI, a script,
another notebook, the scheduler). While the run is active a daemon thread refreshes the view
every ``interval`` seconds; it stops when the run ends and when the widget is closed (it holds the
view only weakly, so a forgotten view does not keep it alive either).

Widget updates go out as comm messages, which ipykernel sends safely from any thread.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.graph_panel import GraphPanel
from glue_nb.views.html import node_detail_html, run_header_html, run_table_html
from glue_nb.views.layout import GraphvizNotFound, SvgTemplate
from glue_nb.views.states import NodeState, node_states, slots
from glue_nb.views.static import _missing_dot_html, graph_text, run_html, template_for
from glue_nb.views.style import esc

if TYPE_CHECKING:
    from glue_nb.run import Run

__all__ = ["RunView"]

_MARK = {
    "succeeded": "✓",
    "failed": "✗",
    "timeout": "⌛",
    "stopped": "■",
    "running": "▶",
    "waiting": "…",
    "never": "–",
    "pending": "·",
}
_RESUMABLE = ("failed", "timeout", "stopped")


class RunView(widgets.VBox):
    """The live view of a run: coloured graph, status and Statistics, run table, node details,
    and buttons to stop the run or resume it from its failed nodes.

    ``interval`` is the refresh period in seconds; ``auto_refresh=False`` refreshes only on
    :meth:`refresh` (or the button). ``rankdir`` is ``LR``, ``TB`` or ``auto``.
    """

    def __init__(
        self,
        run: Run,
        *,
        interval: float = 1.0,
        auto_refresh: bool = True,
        rankdir: str = "auto",
        **kwargs: Any,
    ) -> None:
        self.run = run
        self.interval = interval
        self.rankdir = rankdir
        self.auto_refresh = auto_refresh
        self.last: dict[str, Any] = {}
        self.states: dict[str, NodeState] = {}
        self.refreshes = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._template: SvgTemplate | None = None
        self._template_key: str | None = None
        self._table_html = ""
        self._detail_html = ""
        self._chosen = False  # the user picked a node in the dropdown
        self._updating = False

        self.header = widgets.HTML()
        self.stop_button = widgets.Button(
            description="Stop run", icon="stop", button_style="danger", tooltip="Stop this run"
        )
        self.resume_button = widgets.Button(
            description="Resume failed",
            icon="redo",
            button_style="warning",
            tooltip="Re-run the failed, timed-out and stopped nodes in a new run",
        )
        self.refresh_button = widgets.Button(icon="refresh", tooltip="Refresh now")
        self.refresh_button.layout.width = "36px"
        self.note = widgets.HTML()
        self.graph = GraphPanel()  # click a job or crawler to see its details
        self.table = widgets.Output(layout=widgets.Layout(overflow="auto", max_height="360px"))
        self.node_select = widgets.Dropdown(description="Details", options=[("", "")])
        self.node_select.layout.width = "min(480px, 100%)"
        self.detail = widgets.Output()

        self.stop_button.on_click(lambda _: self._act(self._do_stop))
        self.resume_button.on_click(lambda _: self._act(self._do_resume))
        self.refresh_button.on_click(lambda _: self._act(self.refresh))
        self.node_select.observe(self._on_select, names="value")
        self.graph.observe(self._on_click, names="selected")

        bar = widgets.HBox(
            [self.stop_button, self.resume_button, self.refresh_button, self.note],
            layout=widgets.Layout(align_items="center"),
        )
        super().__init__(
            [self.header, bar, self.graph, self.table, self.node_select, self.detail], **kwargs
        )
        self.add_class("gnb-run-view")
        self.refresh()
        if auto_refresh and self.active:
            self.start()

    def __repr__(self) -> str:
        return f"<glue_nb RunView {self.run.workflow!r} {self.run.run_id[:15]}… {self.status}>"

    # -- state ------------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return str(self.last.get("Status", "?"))

    @property
    def active(self) -> bool:
        return self.last.get("Status") in WORKFLOW_RUN_ACTIVE

    @property
    def svg(self) -> str:
        """The graph as currently shown."""
        return self.graph.svg

    @property
    def table_html(self) -> str:
        return self._table_html

    @property
    def detail_html(self) -> str:
        return self._detail_html

    def categories(self) -> dict[str, str]:
        """``{node name: colour category}`` as currently shown."""
        return {s.name: s.category for s in self.states.values()}

    # -- refreshing -------------------------------------------------------------------------------
    def refresh(self) -> dict[str, Any]:
        """Re-read the run from the store and update every part of the view."""
        with self._lock:
            run = self.run.describe()
            self._show(run)
            self.refreshes += 1
            return run

    def _show(self, run: dict[str, Any]) -> None:
        self.last = run
        self.states = states = node_states(run)
        self.header.value = run_header_html(run)
        self._show_graph(run, states)
        table = run_table_html(run)
        if table != self._table_html:
            self._table_html = table
            self.table.outputs = (_html_output(table),)
        self._show_nodes(states)
        active = self.active
        self.stop_button.disabled = run.get("Status") != "RUNNING"
        self.resume_button.disabled = active or not any(
            s.category in _RESUMABLE for s in states.values() if s.type != "TRIGGER"
        )
        if active:
            note = f"refreshing every {self.interval:g} s" if self.auto_refresh else "active"
        else:
            note = "run ended"
        self.note.value = f'<span style="color:#6b7280;font-size:12px">{esc(note)}</span>'

    def _show_graph(self, run: dict[str, Any], states: Mapping[str, NodeState]) -> None:
        try:
            if self._template is None or self._template_key != run.get("WorkflowRunId"):
                self._template = template_for(run, self.rankdir)
                self._template_key = run.get("WorkflowRunId")
            svg = self._template.render(slots(run, states))
        except GraphvizNotFound:
            svg = _missing_dot_html(graph_text(run.get("Graph") or {}, run.get("Name", "")))
        if svg != self.graph.svg:
            self.graph.svg = svg

    def _show_nodes(self, states: Mapping[str, NodeState]) -> None:
        nodes = [s for s in states.values() if s.type != "TRIGGER"]
        options = [
            (f"{_MARK.get(s.category, '·')} {s.name} — {(s.state or s.category).lower()}", s.uid)
            for s in nodes
        ]
        current = self.node_select.value
        if not self._chosen or current not in states:
            failed = [s.uid for s in nodes if s.category in ("failed", "timeout")]
            current = failed[0] if failed else (nodes[0].uid if nodes else "")
        clickable = [s.uid for s in nodes]
        self._updating = True
        try:
            if list(self.node_select.options) != options:
                self.node_select.options = options or [("", "")]
            if current in states and self.node_select.value != current:
                self.node_select.value = current
            if self.graph.clickable != clickable:
                self.graph.clickable = clickable
            if self.graph.selected != (self.node_select.value or ""):
                self.graph.selected = self.node_select.value or ""
        finally:
            self._updating = False
        self._show_detail()

    def _on_select(self, change: dict[str, Any]) -> None:
        if self._updating:
            return
        self._chosen = True
        with self._lock:
            self._updating = True
            try:
                self.graph.selected = self.node_select.value or ""
            finally:
                self._updating = False
            self._show_detail()

    def _on_click(self, change: dict[str, Any]) -> None:
        """A node of the graph was clicked: show its details (as choosing it in the dropdown)."""
        if self._updating or change["new"] not in {uid for _, uid in self.node_select.options}:
            return
        self.node_select.value = change["new"]  # → _on_select

    def _show_detail(self) -> None:
        state = self.states.get(self.node_select.value or "")
        html = node_detail_html(state) if state is not None else ""
        if html != self._detail_html:
            self._detail_html = html
            self.detail.outputs = (_html_output(html),) if html else ()

    # -- the timer --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start refreshing every ``interval`` seconds until the run ends."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_refresh_loop,
            args=(weakref.ref(self), self._stop, self.interval),
            name=f"glue-nb-view-{self.run.run_id[:12]}",
            daemon=True,
        )
        self._thread.start()

    def stop_refreshing(self) -> None:
        """Stop the timer (the run goes on)."""
        self._stop.set()

    @property
    def refreshing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Close the widget and release its timer."""
        self._stop.set()
        for child in (
            self.header,
            self.stop_button,
            self.resume_button,
            self.refresh_button,
            self.note,
            self.graph,
            self.table,
            self.node_select,
            self.detail,
        ):
            child.close()
        super().close()

    # -- buttons ----------------------------------------------------------------------------------
    def _act(self, action: Any) -> None:
        try:
            action()
        except Exception as exc:  # show it in the view, not in a log nobody reads
            self.note.value = f'<span style="color:#b91c1c;font-size:12px">{esc(exc)}</span>'

    def _do_stop(self) -> None:
        self.run.stop()
        self.refresh()
        if self.auto_refresh:
            self.start()

    def _do_resume(self) -> None:
        new = self.run.resume()
        with self._lock:
            self.run = new
            self._chosen = False
        self.refresh()
        if self.auto_refresh and self.active:
            self.start()

    # -- display ----------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, plus the run's static view for places where widgets do not run."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        if self.last:
            bundle["text/html"] = run_html(self.last)
        return bundle


def _html_output(html: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}


def _refresh_loop(ref: weakref.ref[RunView], stop: threading.Event, interval: float) -> None:
    failures = 0
    while not stop.wait(interval):
        view = ref()
        if view is None or view._stop is not stop:
            return
        started = time.monotonic()
        try:
            view.refresh()
            failures = 0
        except Exception as exc:  # the store is busy, a file vanished, ...: retry a few times
            failures += 1
            view.note.value = (
                f'<span style="color:#b91c1c;font-size:12px">refresh failed: {esc(exc)}</span>'
            )
            if failures >= 10:
                return
        if not view.active:
            return
        del view
        # a slow store read should not pile up refreshes
        stop.wait(max(0.0, (time.monotonic() - started) - interval))
