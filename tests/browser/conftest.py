"""Fixtures for browser tests: a JupyterLab server on loopback and Debian's Chromium.

The tests skip (with the reason printed by `-ra`) only when no `chromium` binary exists;
`make browser-deps` installs it. The server loads the extension built in this checkout
(`tfedu/labextension`) and its kernels import `tfedu` from this checkout.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BUILT_EXTENSION = ROOT / "tfedu" / "labextension"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("chromium is not installed (make browser-deps installs it)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A running `jupyter lab` process: its URL, token and notebook directory."""

    def __init__(self, base: str, token: str, root: Path, log: Path):
        self.base = base
        self.token = token
        self.root = root
        self.log = log

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def write_notebook(self, name: str, cells: list[str]) -> str:
        nb = {
            "cells": [
                {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                 "outputs": [], "source": src}
                for i, src in enumerate(cells)
            ],
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (self.root / name).write_text(json.dumps(nb))
        return name


@contextmanager
def run_lab_server(base: Path) -> Iterator[LabServer]:
    """Start `jupyter lab` with its files under `base`; stop it on exit (also for benchmarks)."""
    if not (BUILT_EXTENSION / "package.json").exists():
        pytest.fail(
            "tfedu/labextension is not built: run `pip install -e .` or "
            "`cd lab_extension && npm install && npm run build`"
        )
    root, settings, workspaces = base / "notebooks", base / "settings", base / "workspaces"
    data, config, runtime = base / "data", base / "config", base / "runtime"
    for d in (root, settings, workspaces, data / "labextensions", config, runtime):
        d.mkdir(parents=True)
    # This checkout's build shadows any installed copy of the extension.
    (data / "labextensions" / "tfedu-lab").symlink_to(BUILT_EXTENSION)
    # Kernels run this interpreter (not a python3 kernelspec found elsewhere on the machine).
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tfedu tests)",
        "language": "python",
    }))
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )

    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        JUPYTER_PATH=str(data),
        JUPYTER_DATA_DIR=str(data),
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_RUNTIME_DIR=str(runtime),
        # kernels and tools the server starts come from this environment, not another on PATH
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    log = base / "server.log"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        f"--LabApp.workspaces_dir={workspaces}", f"--LabApp.user_settings_dir={settings}",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(server.url("api/status"), timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def lab_server(chromium_path, tmp_path_factory) -> Iterator[LabServer]:
    with run_lab_server(tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("chromium is installed but the playwright package is not: make browser-deps")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# Wait until the notebook opened from the URL has a ready context and an idle kernel.
WAIT_FOR_KERNEL_JS = """
async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const app = window.jupyterapp;
  await app.started;
  await app.restored;
  let panel = null;
  for (let i = 0; i < 600 && !(panel && panel.sessionContext); i++) {
    panel = app.shell.currentWidget;
    await sleep(100);
  }
  await panel.context.ready;
  await panel.sessionContext.ready;
  for (let i = 0; i < 1200; i++) {
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (kernel && kernel.status === 'idle') {
      return kernel.status;
    }
    await sleep(100);
  }
  return 'timeout';
}
"""


def open_and_run(page, server: LabServer, notebook: str) -> None:
    """Open `notebook` in JupyterLab, wait for its kernel, run all cells (not awaited)."""
    page.goto(server.url(f"lab/tree/{notebook}?reset"))
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    status = page.evaluate(WAIT_FOR_KERNEL_JS)
    assert status == "idle", f"kernel never became idle:\n{server.log.read_text()[-3000:]}"
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def new_page(browser):
    """A page of the usual size that records (and dismisses) any dialog in `page.dialogs`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return context, page


# True once element `e` lies wholly inside the notebook's scrolled area (JupyterLab scrolls
# that panel, not the page: a taller element would be captured under the menus and toolbar).
IN_SCROLLER_JS = """
e => {
  let s = e.parentElement;
  while (s && !/(auto|scroll)/.test(getComputedStyle(s).overflowY)) s = s.parentElement;
  if (!s) return true;
  const r = e.getBoundingClientRect(), c = s.getBoundingClientRect();
  if (r.top >= c.top - 1 && r.bottom <= c.bottom + 1) return true;
  e.scrollIntoView({block: 'center'});
  return false;
}
"""


def screenshot(page_or_locator, name: str) -> Path:
    """Save a picture of a page or an element in test-artifacts/ (to look at, not compared).

    An element taller than the notebook's visible area is taken in a window made tall enough
    for it, once it is laid out wholly in view; the window's size is restored after."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page = getattr(page_or_locator, "page", None)
    size = page.viewport_size if page is not None else None
    box = page_or_locator.bounding_box() if size else None
    if box and box["height"] > size["height"] - 250:
        page.set_viewport_size({"width": size["width"], "height": int(box["height"]) + 300})
    try:
        if page is not None:
            page.wait_for_function(IN_SCROLLER_JS, arg=page_or_locator.element_handle(),
                                   timeout=30_000)
        page_or_locator.screenshot(path=str(path))
    finally:
        if box and page.viewport_size != size:
            page.set_viewport_size(size)
    return path
