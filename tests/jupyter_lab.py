"""Start a real JupyterLab for the browser tests: 127.0.0.1, a free port, a token, a temporary
root, its own config/settings/runtime folders, and a clean shutdown (kernels included)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "glue-nb-browser-test"


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    tmp: Path
    log: Path

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_notebook(path: Path, cells: list[str], parameters: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    if parameters:
        nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


@contextlib.contextmanager
def running_lab(
    tmp: Path,
    *,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    env: Mapping[str, str] | None = None,
    args: list[str] | None = None,
    root: Path | None = None,
) -> Iterator[Lab]:
    """JupyterLab with default settings, except ``settings`` (``{"plugin/id": {...}}``, e.g.
    ``{"@jupyterlab/apputils-extension/kernels-settings": {"commsOverSubshells": "disabled"}}``).
    News and update checks are off. XSRF checks stay on, as in a user's JupyterLab."""
    import psutil

    root = root or tmp / "root"
    root.mkdir(parents=True, exist_ok=True)
    all_settings: dict[str, Mapping[str, Any]] = {
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        **(settings or {}),
    }
    for plugin, values in all_settings.items():
        package, _, name = plugin.rpartition("/")
        folder = tmp / "settings" / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    full_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "GLUE_NB_KERNEL_POOL": "0",
        **(env or {}),
    }
    full_env.pop("GLUE_NB_HOME", None) if "GLUE_NB_HOME" not in (env or {}) else None
    log_path = tmp / "jupyter.log"
    log = log_path.open("w")

    def start(port: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True",
                "--ServerApp.allow_root=True",
                "--LabApp.extension_manager=readonly",
                *(args or []),
            ],
            cwd=root,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def ready(proc: subprocess.Popen[bytes], url: str) -> bool:
        """True once Lab answers; False if it exited first (its port was taken meanwhile)."""
        deadline = time.monotonic() + 90
        while proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"JupyterLab did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        return False

    for attempt in range(3):  # the free port found may be taken before Lab binds it
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start(port)
        if ready(proc, url):
            break
        if attempt == 2 or "already in use" not in log_path.read_text():
            raise AssertionError(f"JupyterLab did not start:\n{log_path.read_text()}")
    try:
        yield Lab(url, TOKEN, root, tmp, log_path)
    finally:
        family: list[Any] = []
        with contextlib.suppress(psutil.Error):
            family = psutil.Process(proc.pid).children(recursive=True)
        try:  # a clean shutdown stops the kernels too
            req = urllib.request.Request(f"{url}/api/shutdown?token={TOKEN}", method="POST")
            urllib.request.urlopen(req, timeout=5).close()
            proc.wait(timeout=20)
        except Exception:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for child in family:  # kernels (and their job kernels) must not outlive the test
            try:
                child.wait(timeout=5)
            except psutil.TimeoutExpired:
                child.kill()
            except psutil.Error:
                pass
        log.close()


def open_notebook(page: Any, lab: Lab, name: str, timeout: float = 90_000) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is ready."""
    page.goto(lab.page_url(f"lab/tree/{name}"))
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
        "&& window.jupyterapp.shell.currentWidget.sessionContext",
        timeout=timeout,
    )
    page.evaluate(
        """async () => {
            const nb = window.jupyterapp.shell.currentWidget;
            await nb.context.ready;
            await nb.sessionContext.ready;
        }"""
    )


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium (playwright), closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_workflows_panel(page: Any, lab: Lab, first: str) -> Any:
    """Open JupyterLab's Workflows panel and wait until it lists workflow ``first``; → the
    panel's locator."""
    page.goto(lab.page_url("lab"))
    page.wait_for_function(
        "() => window.jupyterapp"
        " && window.jupyterapp.commands.hasCommand('glue-nb:show-workflows')",
        timeout=90_000,
    )
    page.evaluate(
        """async () => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('glue-nb:show-workflows');
        }"""
    )
    panel = page.locator("#glue-nb-workflows")
    panel.locator(f".gnb-wf[data-workflow='{first}']").wait_for(timeout=30_000)
    return panel
