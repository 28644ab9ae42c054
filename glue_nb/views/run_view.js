// @ts-check
// The live run view's browser code: one module for the anywidget in a notebook (default export)
// and for JupyterLab's run tabs (`mountRunView`, `GraphViewport`), so both look and act the same.
//
// Actions go to glue-nb's Jupyter Server extension when one answers (at once, whatever the
// kernel is doing), else to the kernel through the widget's comm.

/**
 * @typedef {{id: string, name: string, type: string, category: string, label: string}} ViewNode
 * @typedef {{home: string, workflow: string, run_id: string, previous_run_id: string,
 *   status: string, active: boolean, stamp: number, header: string, legend: string,
 *   table: string, nodes: ViewNode[], focus: string[], default_selected: string,
 *   can_stop: boolean, can_resume: boolean, note: string}} ViewState
 * @typedef {{run_id: string, id: string, html: string}} ViewDetail
 * @typedef {{state: ViewState, svg: string, detail: ViewDetail}} ViewData
 * @typedef {{
 *   data: () => ViewData | null,
 *   onData: (cb: () => void) => () => void,
 *   select: (id: string) => void,
 *   act: (action: string) => Promise<string>,
 *   openNotebook: (link: string, anchor: HTMLAnchorElement) => void,
 *   notebookHref: (link: string) => string | null,
 * }} ViewSource
 */

export const NOTEBOOK_SCHEME = "glue-nb-notebook:";
const PT = 4 / 3; // SVG points to CSS pixels
const MIN_READABLE = 0.55; // fit-to-width never shrinks text below this scale

// -- the server extension --------------------------------------------------------------------
/** The Jupyter server's base URL, when this page is served by one. */
export function baseUrl() {
  const el = document.getElementById("jupyter-config-data");
  if (!el || !el.textContent) return null;
  try {
    const url = JSON.parse(el.textContent).baseUrl;
    return typeof url === "string" ? (url.endsWith("/") ? url : url + "/") : null;
  } catch {
    return null;
  }
}

/** @param {string} name */
function cookie(name) {
  const m = document.cookie.match("\\b" + name + "=([^;]*)\\b");
  return m ? decodeURIComponent(m[1]) : "";
}

export class ServerApi {
  /** @param {string} base */
  constructor(base) {
    this.base = base;
  }

  /** @param {string} path @param {Record<string, string>} [params] */
  url(path, params) {
    const query = params ? "?" + new URLSearchParams(params).toString() : "";
    return this.base + "glue-nb/" + path + query;
  }

  /** @param {string} path @param {Record<string, string>} [params] @returns {Promise<any>} */
  async get(path, params) {
    return this._answer(await fetch(this.url("api/" + path, params), { credentials: "same-origin" }));
  }

  /** @param {string} path @param {object} body @returns {Promise<any>} */
  async post(path, body) {
    const response = await fetch(this.url("api/" + path), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": cookie("_xsrf") },
      body: JSON.stringify(body),
    });
    return this._answer(response);
  }

  /** @param {Response} response */
  async _answer(response) {
    const text = await response.text();
    let data = null;
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw new Error((data && data.message) || response.statusText);
    return data;
  }

  /** @param {string} link */
  notebookUrl(link) {
    return this.url("notebook", { path: decodeURIComponent(link.slice(NOTEBOOK_SCHEME.length)) });
  }
}

/** @type {Promise<ServerApi | null> | null} */
let serverProbe = null;

/** The server extension, if this page's server has it (asked once per page). */
export function server() {
  if (serverProbe === null) {
    const base = baseUrl();
    serverProbe = base
      ? new ServerApi(base).get("status").then(
          () => new ServerApi(base),
          () => null,
        )
      : Promise.resolve(null);
  }
  return serverProbe;
}

// -- small DOM helpers -----------------------------------------------------------------------
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} [cls] @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** @param {string} label @param {string} title @param {string} [cls] */
function button(label, title, cls) {
  const b = h("button", "gnb-btn" + (cls ? " " + cls : ""), label);
  b.type = "button";
  b.title = title;
  return b;
}

// -- the graph: fit, zoom, pan, follow ---------------------------------------------------------
/** A pannable, zoomable box for a graphviz SVG whose job and crawler nodes can be clicked. */
export class GraphViewport {
  /** @param {HTMLElement} parent @param {{onClick?: (id: string) => void}} [options] */
  constructor(parent, options = {}) {
    this.onClick = options.onClick || null;
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.width = 0; // the drawing's natural size in px
    this.height = 0;
    this.mode = "width"; // "width" (fit to width), "all" (fit everything), "user"
    this.follow = true;
    this.sized = false; // the user resized the box
    /** @type {Set<string>} */
    this.clickable = new Set();
    this.selected = "";
    /** @type {string[]} */
    this.focus = [];

    this.el = h("div", "gnb-graph");
    this.tools = h("div", "gnb-tools");
    const zoomOut = button("−", "Zoom out (ctrl+wheel or pinch)");
    const zoomIn = button("+", "Zoom in (ctrl+wheel or pinch)");
    const fit = button("Fit", "Show the whole graph (double-click the graph)");
    const width = button("Fit width", "Fit the graph to the width of the view");
    this.followButton = button("Follow", "Keep the running and failed nodes in sight", "gnb-toggle");
    zoomOut.onclick = () => this.zoomBy(1 / 1.25);
    zoomIn.onclick = () => this.zoomBy(1.25);
    fit.onclick = () => this.fit("all");
    width.onclick = () => this.fit("width");
    this.followButton.onclick = () => this.setFollow(!this.follow);
    this.tools.append(zoomOut, zoomIn, width, fit, this.followButton);
    this.box = h("div", "gnb-viewport");
    this.canvas = h("div", "gnb-canvas");
    this.box.append(this.canvas);
    this.el.append(this.box);
    parent.append(this.el);
    this.setFollow(true);
    this._wire();
  }

  _wire() {
    let drag = /** @type {{x: number, y: number, sx: number, sy: number, moved: boolean} | null} */ (
      null
    );
    this.box.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, sx: this.x, sy: this.y, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
      if (!drag.moved) this.box.setPointerCapture?.(e.pointerId);
      drag.moved = true;
      this.box.classList.add("gnb-dragging");
      this.mode = "user";
      this.setFollow(false);
      this.x = drag.sx + dx;
      this.y = drag.sy + dy;
      this._apply();
    });
    window.addEventListener("pointerup", () => {
      if (drag && drag.moved) this._suppressClick = true;
      drag = null;
      this.box.classList.remove("gnb-dragging");
    });
    this.box.addEventListener(
      "wheel",
      (e) => {
        if (!(e.ctrlKey || e.metaKey)) return; // plain wheel scrolls the notebook
        e.preventDefault();
        const r = this.box.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY / 300), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    this.box.addEventListener("dblclick", (e) => {
      e.preventDefault();
      this.fit("all");
    });
    this.box.addEventListener("click", (e) => {
      if (this._suppressClick) {
        this._suppressClick = false;
        return;
      }
      const target = /** @type {Element} */ (e.target);
      const node = target.closest ? target.closest("g.node") : null;
      if (node && this.clickable.has(node.id) && this.onClick) this.onClick(node.id);
    });
    if (typeof ResizeObserver !== "undefined") {
      let last = { w: 0, h: 0 };
      new ResizeObserver(() => {
        const w = this.box.clientWidth;
        const hgt = this.box.clientHeight;
        if (w === last.w && hgt === last.h) return;
        if (last.h && hgt !== last.h && this._autoHeight !== hgt) this.sized = true;
        last = { w, h: hgt };
        if (this.mode !== "user") this.fit(this.mode, false);
      }).observe(this.box);
    }
  }

  /** @param {boolean} on */
  setFollow(on) {
    this.follow = on;
    this.followButton.classList.toggle("gnb-on", on);
    this.followButton.setAttribute("aria-pressed", String(on));
    if (on) this.keepInSight();
  }

  /** Show a new drawing (same layout: the view keeps its zoom and position). @param {string} svg */
  setSvg(svg) {
    const first = !this.canvas.firstChild;
    this.canvas.innerHTML = svg;
    const root = this.canvas.querySelector("svg");
    if (!root) {
      this.width = this.height = 0;
      return;
    }
    const size = tidy(root);
    const changed = size.width !== this.width || size.height !== this.height;
    this.width = size.width;
    this.height = size.height;
    this.mark();
    if (first || changed) {
      if (this.mode === "user") this._apply();
      else this.fit(this.mode, first);
    } else {
      this._apply();
    }
    this.keepInSight();
  }

  /** @param {Iterable<string>} ids @param {string} selected @param {string[]} focus */
  setNodes(ids, selected, focus) {
    this.clickable = new Set(ids);
    this.selected = selected;
    this.focus = focus;
    this.mark();
  }

  mark() {
    for (const node of this.canvas.querySelectorAll("g.node")) {
      const on = this.clickable.has(node.id);
      node.classList.toggle("gnb-clickable", on);
      node.classList.toggle("gnb-selected", on && node.id === this.selected);
    }
  }

  /** Fit the drawing: "width" (default, not below a readable scale) or "all".
   * @param {string} mode @param {boolean} [resizeBox] */
  fit(mode, resizeBox = true) {
    if (!this.width) return;
    this.mode = mode;
    const w = Math.max(this.box.clientWidth, 200);
    const byWidth = Math.min(1, (w - 8) / this.width);
    if (resizeBox && !this.sized) {
      const scale = Math.max(byWidth, Math.min(1, MIN_READABLE));
      const room = Math.max(320, Math.min(window.innerHeight * 0.7, 900));
      const wanted = Math.ceil(Math.min(this.height * scale + 8, room));
      this._autoHeight = wanted;
      this.box.style.height = wanted + "px";
    }
    const hgt = Math.max(this.box.clientHeight, 100);
    if (mode === "all") {
      this.scale = Math.min(1, (w - 8) / this.width, (hgt - 8) / this.height);
    } else {
      this.scale = Math.max(byWidth, Math.min(MIN_READABLE, 1));
    }
    this.x = Math.max(4, (w - this.width * this.scale) / 2);
    this.y = this.height * this.scale < hgt ? (hgt - this.height * this.scale) / 2 : 4;
    if (this.width * this.scale > w) this.x = 4;
    this._apply();
    if (mode === "width") this.keepInSight();
  }

  /** @param {number} factor @param {number} [cx] @param {number} [cy] */
  zoomBy(factor, cx, cy) {
    const px = cx ?? this.box.clientWidth / 2;
    const py = cy ?? this.box.clientHeight / 2;
    const scale = Math.min(4, Math.max(0.05, this.scale * factor));
    this.x = px - ((px - this.x) * scale) / this.scale;
    this.y = py - ((py - this.y) * scale) / this.scale;
    this.scale = scale;
    this.mode = "user";
    this._apply();
  }

  /** Pan (and zoom out if needed) so that the focus nodes are in the box. */
  keepInSight() {
    if (!this.follow || !this.focus.length || !this.width) return;
    const boxes = this.focus.map((id) => this.nodeBox(id)).filter((b) => b !== null);
    if (!boxes.length) return;
    const left = Math.min(...boxes.map((b) => b.x));
    const top = Math.min(...boxes.map((b) => b.y));
    const right = Math.max(...boxes.map((b) => b.x + b.w));
    const bottom = Math.max(...boxes.map((b) => b.y + b.h));
    const w = this.box.clientWidth;
    const hgt = this.box.clientHeight;
    const s = this.scale;
    const inside =
      left * s + this.x >= 0 &&
      right * s + this.x <= w &&
      top * s + this.y >= 0 &&
      bottom * s + this.y <= hgt;
    if (inside) return;
    const need = Math.min((w - 16) / (right - left), (hgt - 16) / (bottom - top));
    if (need < s) this.scale = Math.max(0.2, need);
    const cx = (left + right) / 2;
    const cy = (top + bottom) / 2;
    this.x = w / 2 - cx * this.scale;
    this.y = hgt / 2 - cy * this.scale;
    this._apply();
  }

  /** A node's box in the drawing's natural px. @param {string} id */
  nodeBox(id) {
    const root = this.canvas.querySelector("svg");
    const node = /** @type {SVGGraphicsElement | null} */ (
      this.canvas.querySelector(`g.node[id="${CSS.escape(id)}"]`)
    );
    if (!root || !node) return null;
    const a = root.getBoundingClientRect();
    const b = node.getBoundingClientRect();
    const s = this.scale || 1;
    return { x: (b.left - a.left) / s, y: (b.top - a.top) / s, w: b.width / s, h: b.height / s };
  }

  _apply() {
    this.canvas.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.el.dataset.scale = this.scale.toFixed(3);
  }
}

/** Size the SVG in px, move its legend out (the view shows its own), trim the margins.
 * @param {SVGSVGElement} root @returns {{width: number, height: number}} */
function tidy(root) {
  root.removeAttribute("style");
  const graph = /** @type {SVGGElement | null} */ (root.querySelector("g.graph"));
  if (graph) {
    for (const child of Array.from(graph.children)) {
      // a graphviz label (the legend) is drawn straight into the graph group
      if (child.tagName !== "g" && child.tagName !== "title") child.remove();
    }
  }
  let box = null;
  try {
    if (graph && graph.childElementCount > 1) {
      const b = graph.getBBox();
      const m = graph.transform.baseVal.consolidate();
      const e = m ? m.matrix.e : 0;
      const f = m ? m.matrix.f : 0;
      box = { x: b.x + e - 6, y: b.y + f - 6, w: b.width + 12, h: b.height + 12 };
    }
  } catch {
    box = null; // not laid out (hidden): keep graphviz's own box
  }
  if (box && box.w > 12 && box.h > 12) {
    root.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
  } else {
    const vb = root.viewBox.baseVal;
    box = { x: 0, y: 0, w: vb ? vb.width : 100, h: vb ? vb.height : 100 };
  }
  const width = box.w * PT;
  const height = box.h * PT;
  root.setAttribute("width", `${width}px`);
  root.setAttribute("height", `${height}px`);
  return { width, height };
}

// -- the whole view ----------------------------------------------------------------------------
/**
 * Draw a run view into `el` from `source`; returns a function that removes it.
 * @param {HTMLElement} el @param {ViewSource} source
 */
export function mountRunView(el, source) {
  el.classList.add("gnb-run-view");
  const head = h("div", "gnb-head");
  const bar = h("div", "gnb-bar");
  const stop = button("■ Stop run", "Stop this run", "gnb-danger");
  const resume = button("↻ Resume failed", "Re-run the failed, timed-out and stopped nodes in a new run", "gnb-warn");
  const refresh = button("⟳", "Refresh now");
  const note = h("span", "gnb-note");
  bar.append(stop, resume, refresh, note);
  const legend = h("div", "gnb-legend");
  const graphRow = h("div", "gnb-graph-row");
  const graph = new GraphViewport(graphRow, { onClick: (id) => choose(id) });
  bar.append(graph.tools);
  const table = h("div", "gnb-table-box");
  const details = h("div", "gnb-details");
  const label = h("label", "gnb-select-label", "Details ");
  const select = h("select", "gnb-select");
  label.append(select);
  const detail = h("div", "gnb-detail-box");
  details.append(label, detail);
  const viewer = h("div", "gnb-nb-viewer");
  viewer.hidden = true;
  el.replaceChildren(head, bar, legend, graphRow, table, details, viewer);

  let chosen = "";
  let shownSvg = "";
  let shownTable = "";
  let shownDetailKey = "";
  let waitingSince = 0;
  let linked = false; // links were made for a server (else for the kernel)

  /** @param {string} id */
  function choose(id) {
    chosen = id;
    source.select(id);
    render();
  }

  select.addEventListener("change", () => choose(select.value));

  /** @param {HTMLButtonElement} b @param {string} action */
  function wire(b, action) {
    b.addEventListener("click", async () => {
      b.disabled = true;
      note.textContent = action === "refresh" ? "refreshing…" : `${action} requested…`;
      try {
        note.textContent = await source.act(action);
      } catch (err) {
        note.textContent = String(err instanceof Error ? err.message : err);
        note.classList.add("gnb-error");
      }
      render();
    });
  }
  wire(stop, "stop");
  wire(resume, "resume");
  wire(refresh, "refresh");

  /** @param {HTMLElement} box */
  function links(box) {
    for (const a of box.querySelectorAll("a")) {
      const href = a.getAttribute("href") || "";
      if (!href.startsWith(NOTEBOOK_SCHEME)) continue;
      a.dataset.gnbNotebook = href;
      a.classList.add("gnb-nb-link");
      const url = source.notebookHref(href);
      if (url) {
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener";
      } else {
        a.href = "#";
      }
      a.addEventListener("click", (e) => {
        if (e.defaultPrevented) return; // JupyterLab's glue-nb extension opened it in a tab
        if (!url) e.preventDefault();
        source.openNotebook(href, a);
      });
    }
  }

  function render() {
    const data = source.data();
    if (!data) return;
    const s = data.state;
    const server = source.notebookHref(NOTEBOOK_SCHEME) !== null;
    if (server !== linked) {
      linked = server; // the server answered after the first drawing: make the links again
      shownTable = shownDetailKey = "";
    }
    head.innerHTML = s.header;
    if (!legend.firstChild) legend.innerHTML = s.legend;
    stop.disabled = !s.can_stop;
    resume.disabled = !s.can_resume;
    if (!note.classList.contains("gnb-error") || !note.textContent) note.textContent = s.note;
    const ids = s.nodes.map((n) => n.id);
    if (!ids.includes(chosen)) chosen = "";
    const selected = chosen || data.detail.id || s.default_selected;
    const options = s.nodes.map((n) => `${n.id}\u0000${n.label}`).join("\u0001");
    if (select.dataset.options !== options) {
      select.replaceChildren(
        ...s.nodes.map((n) => {
          const o = h("option", "", n.label);
          o.value = n.id;
          return o;
        }),
      );
      select.dataset.options = options;
    }
    select.value = selected;
    if (data.svg !== shownSvg) {
      shownSvg = data.svg;
      graph.focus = s.focus;
      graph.setSvg(data.svg);
    }
    graph.setNodes(ids, chosen, s.focus); // outlined only when picked: a default is no emphasis
    graph.keepInSight();
    if (s.table !== shownTable) {
      shownTable = s.table;
      table.innerHTML = s.table;
      links(table);
    }
    const ready = data.detail.id === selected && data.detail.run_id === s.run_id;
    const key = ready ? `${selected}\u0000${data.detail.html}` : `wait:${selected}`;
    if (key !== shownDetailKey) {
      shownDetailKey = key;
      if (ready) {
        detail.innerHTML = data.detail.html;
        links(detail);
        waitingSince = 0;
      } else {
        waitingSince = Date.now();
        detail.replaceChildren(h("div", "gnb-muted", "loading details…"));
        const since = waitingSince;
        setTimeout(() => {
          if (waitingSince !== since || !detail.isConnected) return;
          const how = server ? "" : ": the kernel is busy, they show when it is idle";
          detail.replaceChildren(h("div", "gnb-muted", `waiting for the details${how}…`));
        }, 1500);
      }
    }
    el.dataset.status = s.status;
    el.dataset.runId = s.run_id;
  }

  const off = source.onData(render);
  render();
  return () => {
    off();
    el.replaceChildren();
  };
}

/** Show an executed notebook's HTML inside the view (where no server can open it).
 * @param {HTMLElement} el @param {string} title @param {string} html */
export function showNotebook(el, title, html) {
  const viewer = /** @type {HTMLElement | null} */ (el.querySelector(".gnb-nb-viewer"));
  if (!viewer) return;
  const bar = h("div", "gnb-nb-bar");
  const close = button("✕ Close", "Close the notebook");
  close.onclick = () => {
    viewer.hidden = true;
    viewer.replaceChildren();
  };
  bar.append(h("b", "", title), close);
  const frame = h("iframe", "gnb-nb-frame");
  frame.setAttribute("sandbox", "allow-scripts allow-popups");
  frame.srcdoc = html;
  viewer.replaceChildren(bar, frame);
  viewer.hidden = false;
  viewer.scrollIntoView({ block: "nearest" });
}

// -- the anywidget -------------------------------------------------------------------------------
/**
 * @typedef {{get: (k: string) => any, set: (k: string, v: any) => void, save_changes: () => void,
 *   on: (e: string, cb: (...a: any[]) => void) => void, off: (e: string, cb?: any) => void,
 *   send: (content: any) => void}} WidgetModel
 */

/** @param {{model: WidgetModel, el: HTMLElement}} ctx */
function render({ model, el }) {
  /** @type {Set<() => void>} */
  const listeners = new Set();
  /** @type {ServerApi | null} */
  let api = null;
  /** @type {ViewData | null} */
  let polled = null; // from the server, for a run the kernel does not show yet
  /** @type {ViewDetail | null} */
  let fetched = null; // the chosen node's details, from the server
  let runId = model.get("run_id") || "";
  let userChose = "";
  /** @type {ReturnType<typeof setInterval> | null} */
  let poller = null;

  const emit = () => listeners.forEach((cb) => cb());

  /** @returns {ViewData | null} */
  function data() {
    const state = /** @type {ViewState} */ (model.get("state"));
    /** @type {ViewData | null} */
    let kernel = state && state.run_id ? { state, svg: model.get("svg"), detail: model.get("detail") } : null;
    /** @type {ViewData | null} */
    let best = kernel && kernel.state.run_id === runId ? kernel : null;
    if (polled && polled.state.run_id === runId && (!best || polled.state.stamp > best.state.stamp)) {
      best = polled;
    }
    best = best || kernel;
    if (!best) return null;
    const want = userChose || best.detail.id;
    if (fetched && fetched.id === want && fetched.run_id === best.state.run_id) {
      return { ...best, detail: fetched };
    }
    return best;
  }

  async function fetchDetail() {
    const current = data();
    if (!api || !userChose || !current) return;
    const s = current.state;
    try {
      fetched = await api.get("detail", {
        home: s.home,
        workflow: s.workflow,
        run_id: s.run_id,
        node: userChose,
      });
      emit();
    } catch {
      fetched = null;
    }
  }

  async function poll() {
    const state = /** @type {ViewState} */ (model.get("state"));
    if (!api || !state) return;
    const kernelHasIt = state.run_id === runId;
    if (kernelHasIt && !state.active) {
      stopPolling();
      return;
    }
    try {
      polled = await api.get("view", {
        home: state.home,
        workflow: state.workflow,
        run_id: runId,
        selected: userChose,
      });
      if (polled && userChose && polled.detail.id === userChose) fetched = polled.detail; // newest
      emit();
      if (polled && !polled.state.active && kernelHasIt) stopPolling();
    } catch {
      /* the next tick tries again */
    }
  }

  function startPolling() {
    if (poller === null) poller = setInterval(poll, 1000);
    void poll();
  }

  function stopPolling() {
    if (poller !== null) clearInterval(poller);
    poller = null;
  }

  /** @type {ViewSource} */
  const source = {
    data,
    onData(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    select(id) {
      userChose = id;
      fetched = null;
      model.set("selected", id);
      model.save_changes(); // the kernel learns it when it can
      void fetchDetail(); // the server answers now
    },
    async act(action) {
      const state = /** @type {ViewState} */ (model.get("state"));
      if (!api || !state) {
        model.send({ action });
        return api ? "" : "sent to the kernel (answered when it is idle)";
      }
      const target = { home: state.home, workflow: state.workflow, run_id: runId };
      if (action === "stop") {
        const answer = await api.post("stop", target);
        startPolling();
        return `stop requested (${answer.status})`;
      }
      if (action === "resume") {
        const answer = await api.post("resume", target);
        runId = answer.run_id;
        userChose = "";
        fetched = null;
        model.set("run_id", runId);
        model.save_changes();
        startPolling();
        return `resumed as ${String(answer.run_id).slice(0, 15)}…`;
      }
      startPolling();
      return "";
    },
    openNotebook(link, anchor) {
      if (api) return; // the link opens the server's page
      model.send({ action: "notebook", link });
      anchor.classList.add("gnb-loading");
    },
    notebookHref(link) {
      return api ? api.notebookUrl(link) : null;
    },
  };

  const onMsg = (/** @type {any} */ msg) => {
    if (!msg || msg.kind !== "notebook") return;
    const name = decodeURIComponent(String(msg.link).split("/").pop() || "notebook");
    showNotebook(el, name, msg.html || `<pre>${String(msg.error || "")}</pre>`);
  };
  const onState = () => {
    const state = /** @type {ViewState} */ (model.get("state"));
    if (state && !runId) runId = state.run_id;
    const kernelDetail = /** @type {ViewDetail} */ (model.get("detail"));
    if (userChose && state && (!kernelDetail || kernelDetail.id !== userChose)) void fetchDetail();
    else if (kernelDetail && kernelDetail.id === userChose) fetched = null; // the kernel caught up
    emit();
  };
  const onRunId = () => {
    const id = model.get("run_id");
    if (id && id !== runId && !poller) runId = id; // resumed from Python
    emit();
  };
  model.on("change:state", onState);
  model.on("change:svg", emit);
  model.on("change:detail", emit);
  model.on("change:run_id", onRunId);
  model.on("msg:custom", onMsg);
  const unmount = mountRunView(el, source);
  /** Use the server only if it sees this run's store (a remote kernel's store it may not). */
  const reachable = async () => {
    const found = await server();
    const state = /** @type {ViewState} */ (model.get("state"));
    if (!found || !state) return null;
    try {
      await found.get("view", { home: state.home, workflow: state.workflow, run_id: state.run_id });
      return found;
    } catch {
      return null;
    }
  };
  void reachable().then((found) => {
    api = found;
    el.dataset.channel = found ? "server" : "comm";
    emit();
  });
  return () => {
    stopPolling();
    model.off("change:state", onState);
    model.off("change:svg", emit);
    model.off("change:detail", emit);
    model.off("change:run_id", onRunId);
    model.off("msg:custom", onMsg);
    unmount();
  };
}

export default { render };
