"""How fast the live view answers while the kernel is busy.

    python benchmarks/bench_live_busy.py

Starts a real JupyterLab (headless Chromium through Playwright, as the browser tests do) and, for
each of JupyterLab's default settings and *Comms over subshells* disabled, and for each channel
(glue-nb's Jupyter Server extension, or the widget's comm with the extension turned off), runs a
notebook whose first cell shows ``run.view()`` of a run with a 15 s job and whose second cell is
``run.wait()``. While ``wait()`` blocks the kernel it clicks a node and then Stop, and measures:

- ``details``: click → the node's details in the view (timed in the page);
- ``stop``: click → the run STOPPED in the store;
- ``thread``: which kernel thread handled the comm message (comm channel only).

Prints one row per case and writes them to ``benchmarks/results-live-busy.json``. Options:
``--cases default/server,subshells-off/comm,...``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from jupyter_lab import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    open_notebook,
    running_lab,
    write_notebook,
)

import glue_nb as gn  # noqa: E402
from glue_nb.ids import node_id  # noqa: E402

SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "subshells-off": {
        "@jupyterlab/apputils-extension/kernels-settings": {"commsOverSubshells": "disabled"}
    },
}
NO_EXTENSION = ["--ServerApp.jpserver_extensions=glue_nb.jupyter=False"]

# The notebook logs, in the kernel, which thread handled each message of the view's comm.
CELLS = [
    """\
import json, threading, time
import glue_nb as gn
from glue_nb.views import live
from ipykernel.kernelbase import Kernel
LOG = open("handled.jsonl", "a", buffering=1)
def _log(what):
    header = Kernel.instance().get_parent().get("header", {})
    LOG.write(json.dumps({"t": time.time(), "what": what, "thread": threading.current_thread().name,
                          "subshell_id": header.get("subshell_id")}) + "\\n")
_selected, _message = live.RunView._on_selected, live.RunView._on_message
def _on_selected(self, change):
    _log("select"); return _selected(self, change)
def _on_message(self, widget, content, buffers):
    _log(content.get("action")); return _message(self, widget, content, buffers)
live.RunView._on_selected, live.RunView._on_message = _on_selected, _on_message
a = gn.NotebookJob("a", "job.ipynb", parameters={"seconds": 15})
b = gn.NotebookJob("b", "job.ipynb")
run = gn.Workflow("bench", home="store").run(a).when_all_succeeded("then").run(b).start()
run.view()""",
    "run.wait(progress=False)",
]


# In the page: seconds from the click on node b to its details in the view.
_PROBE = """() => {
    const box = document.querySelector('.gnb-run-view .gnb-detail-box');
    const graph = document.querySelector('.gnb-run-view .gnb-viewport');
    window.__gnbDetails = null;
    let clicked = 0;
    graph.addEventListener('click', () => { clicked = clicked || performance.now(); }, true);
    new MutationObserver(() => {
        if (clicked && window.__gnbDetails === null && box.innerText.includes('job b')) {
            window.__gnbDetails = Math.round(performance.now() - clicked) / 1000;
        }
    }).observe(box, {childList: true, subtree: true, characterData: true});
}"""


def measure(setting: str, channel: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix=f"live-busy-{setting}-{channel}-"))
    args = NO_EXTENSION if channel == "comm" else []
    with running_lab(tmp, settings=SETTINGS[setting], args=args) as lab:
        write_notebook(
            lab.root / "job.ipynb", ["seconds = 0.0", "import time\ntime.sleep(seconds)"], True
        )
        write_notebook(lab.root / "bench.ipynb", CELLS)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            open_notebook(page, lab, "bench.ipynb")
            page.evaluate(
                "() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
            )
            page.wait_for_selector(".gnb-run-view[data-channel] g.node", timeout=60_000)
            time.sleep(2)  # run.wait() has started
            run = gn.Run.get("bench", home=lab.root / "store")
            page.evaluate(_PROBE)  # times the click and the details in the page itself
            t0 = time.time()
            page.locator(f'.gnb-run-view g[id="{node_id("bench", "JOB", "b")}"] text').first.click(
                force=True
            )
            time.sleep(1)
            t1 = time.time()  # Stop, still during run.wait()
            page.locator(".gnb-run-view button:has-text('Stop run')").first.click()
            details = stopped = None
            while time.time() - t0 < 30 and (details is None or stopped is None):
                if details is None:
                    details = page.evaluate("() => window.__gnbDetails")
                if stopped is None and run.status == "STOPPED":
                    stopped = round(time.time() - t1, 2)
                if run.status == "COMPLETED" and details is not None:
                    break  # the Stop came too late: the run ended first
                time.sleep(0.05)
            status = run.status
            handled = lab.root / "handled.jsonl"
            time.sleep(1)
            events = (
                [json.loads(x) for x in handled.read_text().splitlines()]
                if handled.exists()
                else []
            )
            browser.close()
    clicks = [e for e in events if e["t"] >= t0]
    return {
        "settings": setting,
        "channel": channel,
        "details_s": details,
        "stop_s": stopped,
        "final_status": status,
        "comm_messages": [
            {
                "what": e["what"],
                "after_s": round(e["t"] - t0, 2),
                "thread": e["thread"],
                "subshell_id": bool(e["subshell_id"]),
            }
            for e in clicks
        ],
        "stop_clicked_at_s": round(t1 - t0, 2),
        "details_measured_from": "the node click",
        "stop_measured_from": "the Stop click",
    }


def _seconds(value: float | None) -> str:
    return "> 30 s" if value is None else f"{value:.2f} s"


def _seconds(value: float | None) -> str:
    return "> 30 s" if value is None else f"{value:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--cases",
        default="default/server,subshells-off/server,default/comm,subshells-off/comm",
    )
    options = parser.parse_args()
    rows = [measure(*case.split("/")) for case in options.cases.split(",")]
    print(f"{'settings':<14} {'channel':<7} {'details':>8} {'stop':>8}  comm messages handled by")
    for r in rows:
        handled = ", ".join(
            f"{m['what']}@{m['after_s']}s on {m['thread']}" for m in r["comm_messages"]
        )
        details, stop = _seconds(r["details_s"]), _seconds(r["stop_s"])
        print(f"{r['settings']:<14} {r['channel']:<7} {details:>8} {stop:>8}  {handled or '-'}")
    (ROOT / "benchmarks" / "results-live-busy.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
