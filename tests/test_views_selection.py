"""The selected node of the live graph is marked, not emphasised: checked in headless Chromium.

The run graph (the SVG template both views use) is put in a page with the live view's own graph
widget code (its ESM and CSS, driven through a stand-in for the widget model), a node is selected
the way a click selects it, and the browser's computed styles are read: the selected node keeps
its border (which says its state) and gets no glow, only a thin dashed ring. A screenshot is kept
in ``tests/artifacts/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from glue_nb.ids import node_id
from glue_nb.views import layout
from glue_nb.views.graph_panel import GraphPanel
from glue_nb.views.layout import Slot, SvgTemplate

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.graphviz,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
    pytest.mark.skipif(not layout.dot_available(), reason="graphviz dot not installed"),
]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>%(css)s</style></head>
<body style="margin:10px;background:white"><div id="view"></div>
<script type="module">
const source = %(esm)s;
const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
const widget = (await import(url)).default;
const state = {svg: %(svg)s, clickable: %(clickable)s, selected: ""};
const handlers = {};
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); },
  save_changes: () => {},
  on: (e, f) => { (handlers[e] = handlers[e] || []).push(f); },
  off: () => {},
};
widget.render({model, el: document.getElementById("view")});
window.gnbModel = model;
window.gnbReady = true;
</script></body></html>"""


def graph() -> dict[str, Any]:
    uid = lambda kind, name: node_id("wf", kind, name)  # noqa: E731
    start = {"Name": "start", "Type": "ON_DEMAND"}
    nodes = [
        {"Type": "TRIGGER", "Name": "start", "UniqueId": uid("TRIGGER", "start"),
         "TriggerDetails": {"Trigger": start}},
        {"Type": "JOB", "Name": "clean", "UniqueId": uid("JOB", "clean")},
        {"Type": "JOB", "Name": "phones", "UniqueId": uid("JOB", "phones")},
    ]  # fmt: skip
    edges = [
        {"SourceId": uid("TRIGGER", "start"), "DestinationId": uid("JOB", n)}
        for n in ("clean", "phones")
    ]
    return {"Nodes": nodes, "Edges": edges}


def test_selected_node_gets_a_secondary_marker() -> None:
    from playwright.sync_api import sync_playwright

    clean, phones = node_id("wf", "JOB", "clean"), node_id("wf", "JOB", "phones")
    svg = SvgTemplate(graph(), name="wf").render(
        {
            clean: Slot("succeeded", "succeeded · 1.4 s", "", "SUCCEEDED"),
            phones: Slot("failed", "failed · 2.0 s", "", "FAILED"),
        }
    )
    page = PAGE % {
        "css": GraphPanel._css,
        "esm": json.dumps(GraphPanel._esm),
        "svg": json.dumps(svg),
        "clickable": json.dumps([clean, phones]),
    }
    styles = """(uid) => {
      const node = document.getElementById(uid);
      const shape = node.querySelector("path, polygon, ellipse");
      const s = getComputedStyle(shape), n = getComputedStyle(node);
      return {stroke: s.strokeWidth, filter: n.filter, shapeFilter: s.filter,
              outline: n.outlineStyle, selected: node.classList.contains("gnb-selected")};
    }"""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 900, "height": 260})
            tab.set_content(page)
            tab.wait_for_function("window.gnbReady === true")
            before = {uid: tab.evaluate(styles, uid) for uid in (clean, phones)}
            assert before[phones]["stroke"] == "2px" and before[clean]["stroke"] == "1px"
            for uid in (clean, phones):
                tab.evaluate("(uid) => window.gnbModel.set('selected', uid)", uid)
                after = tab.evaluate(styles, uid)
                assert after["selected"], "the view marks the selected node"
                assert after["stroke"] == before[uid]["stroke"], "the border keeps its meaning"
                assert after["filter"] == "none" and after["shapeFilter"] == "none", "no glow"
                assert after["outline"] == "dashed", "a thin dashed ring marks it"
            tab.screenshot(path=str(ARTIFACTS / "selection_marker.png"))
        finally:
            browser.close()
