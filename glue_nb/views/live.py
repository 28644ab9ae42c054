"""``run.view()``: a live widget of one workflow run that answers while the kernel is busy.

The widget is an `anywidget <https://anywidget.dev>`_ whose browser code (``run_view.js``) draws
everything: header, buttons, the graph (fit to width, zoom, pan, follow the running nodes), the
run table and a node's details. The kernel side re-reads the run from the store and pushes what
changed (:mod:`glue_nb.views.live_state`): while the run is active a daemon thread does so as
soon as the home's store commits anything (glue-nb's ``WaitForChange``: asked every
:data:`CHANGE_POLL` seconds in a local home, waited on in one request of a server) and at least
every ``interval`` seconds, which works whatever the kernel's main thread is doing.

Clicks must not wait for the kernel: under ipykernel 7 a widget's messages from the browser are
handled by the kernel's main shell (behind a running cell) as soon as the kernel published on that
widget from the main shell's context, which the refresh thread does every second. So in Jupyter
the browser code sends Stop, Resume, node details and notebook links to glue-nb's Jupyter Server
extension (:mod:`glue_nb.jupyter`), which reads and writes the store directly; the widget's comm
is the fallback where no such server answers (VS Code, Colab, plain Notebook servers without the
extension), and is then handled when the kernel is idle.
"""

from __future__ import annotations

import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from glue_nb.states import WORKFLOW_RUN_ACTIVE
from glue_nb.views.live_state import notebook_location, view_detail, view_state, view_svg
from glue_nb.views.states import NodeState, node_states
from glue_nb.views.static import run_html

if TYPE_CHECKING:
    from glue_nb.run import Run

__all__ = ["RunView"]

_HERE = Path(__file__).parent
#: How often the view of a run in a local home asks whether its store changed, in seconds.
CHANGE_POLL = 0.1


class RunView(anywidget.AnyWidget):
    """The live view of a run: coloured graph, status and Statistics, run table, node details,
    and buttons to stop the run or resume it from its failed nodes.

    ``interval`` is the longest time between refreshes in seconds (each change shows as soon as
    it is committed); ``auto_refresh=False`` refreshes only on
    :meth:`refresh` (or the view's refresh button); ``rankdir`` is ``LR``, ``TB`` or ``auto``.
    """

    _esm = _HERE / "run_view.js"
    _css = _HERE / "run_view.css"

    #: what the view shows (:func:`~glue_nb.views.live_state.view_state`), without the SVG
    state = traitlets.Dict().tag(sync=True)
    #: the graph, recoloured
    svg = traitlets.Unicode("").tag(sync=True)
    #: ``{"run_id", "id", "html"}``: the selected node's details
    detail = traitlets.Dict().tag(sync=True)
    #: the node (UniqueId) whose details show; the browser sets it on a click
    selected = traitlets.Unicode("").tag(sync=True)
    #: the run shown; the browser sets it when Resume made a new run through the server
    run_id = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        run: Run,
        *,
        interval: float = 1.0,
        auto_refresh: bool = True,
        rankdir: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
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
        self._chosen = False  # a node was picked (in the browser or with select())
        self._updating = False
        self._note = ""
        self.observe(self._on_selected, names="selected")
        self.observe(self._on_run_id, names="run_id")
        self.on_msg(self._on_message)
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
    def table_html(self) -> str:
        return str(self.state.get("table", ""))

    @property
    def detail_html(self) -> str:
        return str(self.detail.get("html", ""))

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
        if self.active:
            note = f"refreshing every {self.interval:g} s" if self.auto_refresh else "active"
        else:
            note = "run ended"
        state = view_state(
            run, home=self.run.client.location, states=states, note=self._note or note
        )
        svg = view_svg(run, states, self.rankdir)
        with self.hold_sync():
            if svg != self.svg:
                self.svg = svg
            if self.run_id != self.run.run_id:
                self._updating = True
                try:
                    self.run_id = self.run.run_id
                finally:
                    self._updating = False
            if not self._chosen or self.selected not in states:
                self._updating = True
                try:
                    self.selected = state["default_selected"]
                finally:
                    self._updating = False
            self._show_detail(run, states)
            self.state = state

    def _show_detail(self, run: dict[str, Any], states: dict[str, NodeState]) -> None:
        detail = view_detail(run, self.selected, states, self.run.client.location)
        if detail != self.detail:
            self.detail = detail

    def select(self, uid_or_name: str) -> None:
        """Show the details of a job or crawler (its UniqueId or name)."""
        by_name = {s.name: s.uid for s in self.states.values() if s.type != "TRIGGER"}
        self.selected = by_name.get(uid_or_name, uid_or_name)

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._updating:
            return
        with self._lock:
            state = self.states.get(change["new"])
            if state is None or state.type == "TRIGGER":  # not clickable: keep the last choice
                self._updating = True
                try:
                    self.selected = change["old"]
                finally:
                    self._updating = False
                return
            self._chosen = True
            if self.last:
                self._show_detail(self.last, self.states)

    def _on_run_id(self, change: dict[str, Any]) -> None:
        """The browser resumed the run through the server: follow the new run."""
        if self._updating or not change["new"] or change["new"] == self.run.run_id:
            return
        with self._lock:  # a handle of the same kind on the new run
            self.run = type(self.run)(self.run.client, self.run.workflow, change["new"])
            self._chosen = False
        self._after_switch()

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
        super().close()

    # -- actions (the view's buttons when no server extension answers) ---------------------------
    def stop(self) -> None:
        """Stop the run (what the Stop button does)."""
        self._act(self._do_stop)

    def resume(self) -> None:
        """Resume the run's failed, timed-out and stopped nodes in a new run, and show that."""
        self._act(self._do_resume)

    def _act(self, action: Any) -> None:
        self._note = ""
        try:
            action()
        except Exception as exc:  # show it in the view, not in a log nobody reads
            self._note = f"error: {exc}"
            if self.last:
                self._show(self.last)

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
        self._after_switch()

    def _after_switch(self) -> None:
        self._stop.set()
        self._thread = None
        self.refresh()
        if self.auto_refresh and self.active:
            self.start()

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        action = content.get("action")
        if action == "stop":
            self.stop()
        elif action == "resume":
            self.resume()
        elif action == "refresh":
            self._act(self.refresh)
        elif action == "notebook":
            self._send_notebook(str(content.get("link", "")))

    def _send_notebook(self, link: str) -> None:
        """Render an executed notebook for the browser (where no server extension answers)."""
        from glue_nb.views.notebook_html import render_notebook

        try:
            location = notebook_location(link)
            html = render_notebook(location)
        except Exception as exc:
            self.send({"kind": "notebook", "link": link, "error": str(exc)})
            return
        self.send({"kind": "notebook", "link": link, "html": html})

    # -- display ----------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """The widget, plus the run's static view for places where widgets do not run (a plain
        dict, which IPython accepts and the run's own display merges)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data = dict((bundle[0] if isinstance(bundle, tuple) else bundle) or {})
        if self.last:
            data["text/html"] = run_html(self.last)
        return data


def _wait(stop: threading.Event, client: Any, interval: float) -> bool:
    """Wait until the home's store commits something or ``interval`` seconds pass → True when
    the loop was told to stop."""
    try:
        seen = client.wait_for_change()["ChangeToken"]
        if client.is_remote:  # one request that answers at the change
            client.wait_for_change(Since=seen, WaitSeconds=min(interval, 20.0))
            return stop.is_set()
        deadline = time.monotonic() + interval
        while True:
            left = deadline - time.monotonic()
            if stop.wait(max(0.0, min(CHANGE_POLL, left))):
                return True
            if left <= CHANGE_POLL or client.wait_for_change()["ChangeToken"] != seen:
                return False
    except Exception:  # a server without WaitForChange, a busy store: refresh on the period
        return stop.wait(interval)


def _refresh_loop(ref: weakref.ref[RunView], stop: threading.Event, interval: float) -> None:
    view = ref()
    client = view.run.client if view is not None else None
    del view
    failures = 0
    while not _wait(stop, client, interval):
        view = ref()
        if view is None or view._stop is not stop:
            return
        started = time.monotonic()
        try:
            view.refresh()
            failures = 0
            if view._note.startswith("refresh failed"):
                view._note = ""
        except Exception as exc:  # the store is busy, a file vanished, ...: retry a few times
            failures += 1
            view._note = f"refresh failed: {exc}"
            if failures >= 10:
                return
        if not view.active:
            return
        del view
        # a slow store read should not pile up refreshes
        stop.wait(max(0.0, (time.monotonic() - started) - interval))
