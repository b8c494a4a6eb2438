"""The notebooks in a real JupyterLab (Chromium through Playwright).

JupyterLab runs on 127.0.0.1 (random free port, no token) with a temporary root folder that
holds a copy of notebook 07 and a student work folder built by ``tools/workspace.py`` (the
repository's files are never touched: JupyterLab autosaves), and temporary settings/workspace
folders. Cells are run through JupyterLab commands (``expose_app_in_browser``).

* notebook 07: Run All, then the "Tiefe L" slider of the live study
  (``dl_helpers.interactive.interactive``) moves one step with the keyboard and the kernel
  redraws the picture; controls and picture stay in view;
* boxes: the "Hinweis zur Vorlesung" admonitions (MyST directives, rendered by the
  jupyterlab-myst extension) show no directive source and their math is typeset;
* the student's walkthrough on the STUDENT edition (arbeitsmappe/): Run All leaves every
  checker at "noch nicht gelöst" (no solution present), a correct answer turns it to
  "richtig", a wrong one gets a first-level hint without the formula.
"""
from __future__ import annotations

import json
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

sys.path.insert(0, str(ROOT / "tools"))
from workspace import update_workspace  # noqa: E402

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
    update_workspace(sorted((ROOT / "lecture_nb").glob("*.ipynb")), root / "arbeitsmappe")
    home = tmp_path_factory.mktemp("lab_home")
    # no "Would you like to get notified about Jupyter news?" toast (and no news fetch)
    notes = home / "settings" / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True)
    (notes / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # render every cell (no windowing), so that the whole notebook is in the DOM
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
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


KERNEL_IDLE = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " return w && w.sessionContext && w.sessionContext.session"
               " && w.sessionContext.session.kernel"
               " && w.sessionContext.session.kernel.status === 'idle'; }")
# a run is done when the kernel is idle again and no cell waits ([*])
RUN_DONE = ("() => { const w = window.jupyterapp.shell.currentWidget;"
            " const busy = Array.from(document.querySelectorAll('.jp-InputPrompt'))"
            "   .some(p => p.textContent.includes('*'));"
            " return !busy && w.sessionContext.session.kernel.status === 'idle'; }")


def _open(page, url: str) -> None:
    """Open a notebook in a reset workspace (no tabs restored from an earlier test)."""
    page.goto(f"{url}?reset", wait_until="domcontentloaded")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)


# every code cell has run (an execution count) -- RUN_DONE alone can hold before run-all starts
ALL_RAN = ("() => window.jupyterapp.shell.currentWidget.content.widgets"
           ".filter(c => c.model.type === 'code').every(c => c.model.executionCount !== null)")


def _run_all(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_RAN, timeout=240_000, polling=200)
    page.wait_for_function(RUN_DONE, timeout=240_000, polling=200)


def test_live_depth_slider_changes_figure(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _open(page, f"{lab}/lab/tree/{NOTEBOOK.name}")
        _run_all(page)
        slider = page.locator(".widget-slider").filter(
            has=page.locator(".widget-label", has_text=DEPTH_LABEL)).first
        slider.wait_for(state="visible", timeout=30_000)
        study = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
        study.scroll_into_view_if_needed()
        rect_js = "b => { const r = b.getBoundingClientRect(); return [r.top, r.bottom]; }"
        handle = slider.locator(".noUi-handle")
        before = slider.evaluate(IMG_JS)
        assert before, "the live study shows no picture next to the depth slider"
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()                    # JupyterLab may scroll the cell here, not later
        page.wait_for_timeout(300)
        start = study.evaluate(rect_js)
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            f"(s) => {{ const now = ({IMG_JS})(s); return now && now !== {before!r}; }}",
            arg=slider.element_handle(), timeout=180_000, polling=200)
        top, bottom = study.evaluate(rect_js)
        assert abs(top - start[0]) < 2, (
            f"the keyboard move scrolled the study: top {start[0]:.0f} -> {top:.0f} px")
        assert bottom - top <= 620, f"the study is {bottom - top:.0f} px high (goal: ≈ 600)"
        page.screenshot(path=str(screenshot_dir() / "lab_07_initialization.png"))
        study.screenshot(path=str(screenshot_dir() / "lab_07_initialization_study.png"))
    finally:
        page.close()
    assert not errors, f"JavaScript errors in JupyterLab: {errors}"


BOX_NOTEBOOK = "arbeitsmappe/00_mathe_refresher.ipynb"


def test_lecture_boxes_render_with_typeset_math(browser, lab):
    """"Hinweis zur Vorlesung" (MyST admonition): no directive source, math typeset.

    jupyterlab-myst renders Markdown cells into ``.myst`` widgets, a directive into an
    ``aside.myst-admonition`` and math with KaTeX."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{lab}/lab/tree/{BOX_NOTEBOOK}?reset", wait_until="domcontentloaded")
        page.wait_for_function(   # all five boxes of notebook 00 rendered
            "() => Array.from(document.querySelectorAll('aside.myst-admonition'))"
            ".filter(a => a.innerText.includes('Hinweis zur Vorlesung')).length >= 5",
            timeout=120_000)
        text = page.evaluate("() => Array.from(document.querySelectorAll("
                             "'.jp-MarkdownCell .myst')).map(m => m.innerText).join('\\n')")
        assert "{admonition}" not in text and ":class:" not in text and "```" not in text
        boxes = page.locator("aside.myst-admonition").filter(has_text="Hinweis zur Vorlesung")
        assert boxes.count() >= 5
        box = boxes.first
        box.scroll_into_view_if_needed()
        assert box.locator(".katex").count() >= 1             # the box's math is typeset
        assert "$" not in box.inner_text()                   # no raw TeX left in the box
        box.screenshot(path=str(screenshot_dir() / "lab_box_00.png"))
    finally:
        page.close()
    assert not errors, f"JavaScript errors in JupyterLab: {errors}"


WALK_NOTEBOOK = "arbeitsmappe/00_mathe_refresher.ipynb"
CORRECT_L2 = "def l2_norm(x):\n    return np.sqrt(np.sum(x ** 2))"
WRONG_L2 = "def l2_norm(x):\n    return np.max(np.abs(x))"

CELL_TEXTS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({
  source: c.model.sharedModel.getSource(),
  output: c.model.type === 'code' ? (c.node.querySelector('.jp-OutputArea')?.innerText || '') : ''
}))"""


def _run_cell(page, index: int) -> None:
    count = ("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
             ".model.executionCount")
    before = page.evaluate(count, index)
    page.evaluate("(i) => { const nb = window.jupyterapp.shell.currentWidget.content;"
                  " nb.activeCellIndex = i; nb.deselectAll(); }", index)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    page.wait_for_function(f"(i) => {{ const n = ({count})(i); return n !== null && n !== {json.dumps(before)}; }}",
                           arg=index, timeout=60_000, polling=100)
    page.wait_for_function(RUN_DONE, timeout=60_000, polling=100)


def test_student_walkthrough_in_the_work_folder(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _open(page, f"{lab}/lab/tree/{WALK_NOTEBOOK}")
        _run_all(page)
        cells = page.evaluate(CELL_TEXTS)
        checks = [c for c in cells if c["source"].lstrip().startswith("check_")]
        assert len(checks) == 5, [c["source"] for c in checks]
        for c in checks:                       # no solution present: nothing is "richtig"
            assert "noch nicht gelöst" in c["output"], c
            assert "richtig!" not in c["output"] and "✅" not in c["output"]
        assert not any("Traceback" in c["output"] or "Error" in c["output"] for c in cells)

        stub = next(i for i, c in enumerate(cells) if c["source"].startswith("def l2_norm"))
        check = next(i for i, c in enumerate(cells) if c["source"].startswith("check_l2_norm"))
        for source, expect in ((CORRECT_L2, "richtig!"), (WRONG_L2, "Tipp 1 von 3")):
            page.evaluate("([i, s]) => window.jupyterapp.shell.currentWidget.content"
                          ".widgets[i].model.sharedModel.setSource(s)", [stub, source])
            _run_cell(page, stub)
            _run_cell(page, check)
            out = page.evaluate(CELL_TEXTS)[check]["output"]
            assert expect in out, out
            if expect == "richtig!":
                assert "✅" in out and "noch nicht" not in out
            else:
                assert "noch nicht richtig" in out
                assert "np.sqrt" not in out and "Wurzel" not in out   # level 1: no formula
        page.screenshot(path=str(screenshot_dir() / "lab_walkthrough_00.png"))
    finally:
        page.close()
    assert not errors, f"JavaScript errors in JupyterLab: {errors}"
