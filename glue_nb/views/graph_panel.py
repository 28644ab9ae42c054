"""The live view's graph: an SVG in the page whose job and crawler nodes can be clicked.

Plain ipywidgets cannot send a click inside an HTML value back to the kernel, so the graph is a
small `anywidget <https://anywidget.dev>`_: the kernel sets ``svg`` (the recoloured drawing) and
the browser sets ``selected`` (the UniqueId of the node clicked), which the view observes to show
that node's details. The selected node is outlined. Works wherever anywidget does (JupyterLab,
Notebook 7, VS Code, Colab); elsewhere the view still has its Details dropdown.
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["GraphPanel"]

_ESM = """
function render({ model, el }) {
  el.classList.add("gnb-graph-box");
  const box = document.createElement("div");
  box.style.overflow = "auto";
  box.style.maxHeight = "640px";
  el.appendChild(box);
  const clickable = () => new Set(model.get("clickable"));
  const mark = () => {
    const selected = model.get("selected");
    const ids = clickable();
    for (const node of box.querySelectorAll("g.node")) {
      const on = ids.has(node.id);
      node.style.cursor = on ? "pointer" : "";
      node.classList.toggle("gnb-selected", on && node.id === selected);
      const shape = node.querySelector("path, polygon, ellipse");
      if (shape) {
        shape.style.strokeWidth = on && node.id === selected ? "3px" : "";
      }
    }
  };
  const draw = () => {
    box.innerHTML = model.get("svg");
    mark();
  };
  const onClick = (event) => {
    const node = event.target.closest("g.node");
    if (!node || !clickable().has(node.id)) {
      return;
    }
    model.set("selected", node.id);
    model.save_changes();
  };
  box.addEventListener("click", onClick);
  model.on("change:svg", draw);
  model.on("change:selected", mark);
  model.on("change:clickable", mark);
  draw();
  return () => {
    box.removeEventListener("click", onClick);
    model.off("change:svg", draw);
    model.off("change:selected", mark);
    model.off("change:clickable", mark);
  };
}
export default { render };
"""

_CSS = """
.gnb-graph-box g.node.gnb-selected { filter: drop-shadow(0 0 3px #1d4ed8); }
"""


class GraphPanel(anywidget.AnyWidget):
    """``svg``: the drawing; ``clickable``: the node ids a click selects; ``selected``: the
    node id last clicked (or set from Python)."""

    _esm = _ESM
    _css = _CSS
    svg = traitlets.Unicode("").tag(sync=True)
    clickable = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
