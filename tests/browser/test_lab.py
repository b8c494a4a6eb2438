"""Notebook 07 in a real JupyterLab: run it, move the live depth slider, the figure changes.

JupyterLab runs on 127.0.0.1 (random free port, no token) with a temporary root folder that
holds a copy of the notebook (the repository's file is never touched: JupyterLab autosaves)
and temporary settings/workspace folders. Chromium opens the notebook, runs all cells through
the JupyterLab command ``notebook:run-all-cells`` (``expose_app_in_browser``), then moves the
"Tiefe L" slider of the live study (``dl_helpers.interactive.interactive``) one step with the
keyboard and waits until the kernel has redrawn the picture; controls and picture stay in view.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser_support import ROOT, missing, screenshot_dir

NOTEBOOK = Path(os.environ.get("LAB_NOTEBOOK", ROOT / "lecture_nb" / "07_initialization.ipynb"))
DEPTH_LABEL = os.environ.get("LAB_DEPTH_LABEL", "Tiefe")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not NOTEBOOK.exists():
        missing(f"{NOTEBOOK} does not exist")
    root = tmp_path_factory.mktemp("lab_root")
    shutil.copy2(NOTEBOOK, root / NOTEBOOK.name)
    home = tmp_path_factory.mktemp("lab_home")
    # no "Would you like to get notified about Jupyter news?" toast (and no news fetch)
    notes = home / "settings" / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True)
    (notes / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port = _free_port()
    env = {**os.environ,
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter), "lab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
           "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
           "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)       # jupyter server: stops kernels, then exits
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


IMG_JS = """(slider) => {
  const box = slider.closest('.widget-vbox') || slider.closest('.jp-OutputArea');
  const imgs = Array.from(box.querySelectorAll('img')).filter(i => i.offsetParent !== null);
  return imgs.map(i => i.src.length + ':' + i.src.slice(-64)).join('|');
}"""


def test_live_depth_slider_changes_figure(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{lab}/lab/tree/{NOTEBOOK.name}", wait_until="domcontentloaded")
        page.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.status === 'idle'; }", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # run-all is done when the kernel is idle again and no cell waits ([*])
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " const busy = Array.from(document.querySelectorAll('.jp-InputPrompt'))"
            "   .some(p => p.textContent.includes('*'));"
            " return !busy && w.sessionContext.session.kernel.status === 'idle'; }",
            timeout=240_000, polling=200)
        slider = page.locator(".widget-slider").filter(
            has=page.locator(".widget-label", has_text=DEPTH_LABEL)).first
        slider.wait_for(state="visible", timeout=30_000)
        study = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
        study.evaluate("b => b.scrollIntoView({block: 'start'})")
        handle = slider.locator(".noUi-handle")
        before = slider.evaluate(IMG_JS)
        assert before, "the live study shows no picture next to the depth slider"
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            f"(s) => {{ const now = ({IMG_JS})(s); return now && now !== {before!r}; }}",
            arg=slider.element_handle(), timeout=180_000, polling=200)
        top, bottom, height = study.evaluate(
            "b => { const r = b.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }")
        assert 0 <= top and bottom <= height, (
            f"the study does not fit in view after a keyboard move: {top=}, {bottom=}, {height=}")
        page.screenshot(path=str(screenshot_dir() / "lab_07_initialization.png"))
        study.screenshot(path=str(screenshot_dir() / "lab_07_initialization_study.png"))
    finally:
        page.close()
    assert not errors, f"JavaScript errors in JupyterLab: {errors}"
