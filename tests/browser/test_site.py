"""The published site in a real browser: offline, math rendered, widgets rendered and usable.

For every HTML page of the built site (``SITE_DIR``, default ``_build/html``) served on
127.0.0.1, the page is opened in Debian's chromium and we check:

- every request goes to the local server (``blob:``/``data:`` URLs are in-page) and succeeds;
- no JavaScript console error and no uncaught exception;
- MathJax rendered: every Sphinx math element holds a MathJax container, no TeX error, and
  no raw TeX delimiters remain in the visible prose;
- no ipywidgets on the site (no widget views, no widget manager) and no control outside an
  interactive figure (``dl_helpers.interactive``): no dead slider;
- solution cells (tag ``solution``) are folded: a closed toggle, their code not visible;
- every control of every interactive figure is moved (slider one step, dropdown another
  option) and the picture changes each time;
- the page weighs at most ``MAX_PAGE_BYTES`` apart from the interactive figures' pictures.

A screenshot of each page goes to ``_build/screenshots/``; page weights (bytes the browser
fetched per page, and how many of them were pictures of interactive figures) to
``_build/screenshots/page_weight.json``.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_support import screenshot_dir, site_dir

SKIP_DIRS = {"_static", "_sources", "_vendor", "_images", "jupyter_execute", "reports"}


def site_pages() -> list[str]:
    root = site_dir()
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")
                   if not SKIP_DIRS.intersection(p.relative_to(root).parts))
    return pages or ["index.html"]


RAW_TEX = [re.compile(p) for p in (r"\$\$", r"\\\(", r"\\\)", r"\\\[", r"\\\]", r"\\begin\{",
                                   r"\$[^$\s][^$\n]{0,200}?\\[A-Za-z]+[^$\n]{0,200}?\$")]

PROSE_TEXT_JS = """() => {
  const clone = document.querySelector('main, article, body').cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, .highlight, mjx-container, '
                         + 'mjx-assistive-mml, .cell_output, .output').forEach(e => e.remove());
  return clone.textContent;
}"""

MATH_STATUS_JS = """async () => {
  const maths = Array.from(document.querySelectorAll('.math'));
  if (maths.length && window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  return {
    total: maths.length,
    unrendered: maths.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.getAttribute('data-mjx-error') || e.textContent),
  };
}"""

# MathJax is a deferred script and typesets asynchronously; on a busy machine the network can
# be idle before it has started. Wait until every math element is typeset or MathJax reported
# an error (MATH_STATUS_JS then names what is wrong).
MATH_SETTLED_JS = """() => {
  const maths = Array.from(document.querySelectorAll('.math'));
  return maths.every(e => e.querySelector('mjx-container'))
      || document.querySelector('mjx-merror') !== null;
}"""

# ipywidgets views and controls that do not belong to an interactive figure (dead on a static site)
STRAY_CONTROLS_JS = """() => ({
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  widgets: document.querySelectorAll('.jupyter-widgets, .widget-slider').length,
  controls: Array.from(document.querySelectorAll('input[type=range], select, .noUi-handle'))
                 .filter(e => !e.closest('.dl-interactive')).length,
})"""

INTERACTIVE_DIR = "/_interactive/"
MAX_PAGE_BYTES = 2_000_000   # apart from the page's own pictures

IMAGE_HASH_JS = """async (figure) => {
  const img = figure.querySelector('img.dl-interactive-image');
  if (!img || !img.complete || !img.naturalWidth) { return null; }
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""

_weights: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_weights():
    yield
    if _weights:  # one file per xdist worker, merged into page_weight.json
        folder = screenshot_dir()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (folder / f"page_weight.{worker}.json").write_text(json.dumps(_weights))
        merged = {}
        for part in folder.glob("page_weight.*.json"):
            merged.update(json.loads(part.read_text()))
        (folder / "page_weight.json").write_text(json.dumps(dict(sorted(merged.items())),
                                                            indent=1))


def _local_file(origin: str, url: str) -> Path | None:
    if not url.startswith(origin):
        return None
    path = unquote(urlsplit(url).path).lstrip("/") or "index.html"
    file = site_dir() / path
    return file if file.is_file() else None


def _move(control, page) -> None:
    """Change one control of an interactive figure: a slider one step, a dropdown to the next
    option (the first one from the last)."""
    slider = control.locator("input[type=range]")
    if slider.count():
        at_max = slider.evaluate("r => r.value === r.max")
        slider.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        return
    select = control.locator("select")
    n = select.locator("option").count()
    current = int(select.evaluate("s => s.value"))
    select.select_option(str((current + 1) % n))


@pytest.mark.parametrize("page_path", site_pages())
def test_page(browser, site_server, page_path):
    origin = site_server.origin
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests, problems, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    try:
        page.goto(f"{origin}/{page_path}", wait_until="networkidle")

        try:
            page.wait_for_function(MATH_SETTLED_JS, timeout=30_000, polling=100)
        except PlaywrightTimeout:
            pass  # the assertions below report the unrendered math
        math = page.evaluate(MATH_STATUS_JS)
        assert not math["errors"], f"MathJax errors on {page_path}: {math['errors']}"
        assert not math["unrendered"], f"unrendered math on {page_path}: {math['unrendered'][:5]}"
        prose = page.evaluate(PROSE_TEXT_JS)
        raw = [m.group(0)[:60] for rx in RAW_TEX for m in rx.finditer(prose)]
        assert not raw, f"raw TeX in the visible text of {page_path}: {raw[:5]}"

        stray = page.evaluate(STRAY_CONTROLS_JS)
        assert stray == {"views": 0, "widgets": 0, "controls": 0}, (
            f"{page_path}: widgets or controls outside an interactive figure: {stray}")

        folded = page.evaluate("""() => Array.from(document.querySelectorAll('.solution-cell'))
            .map(c => { const d = c.querySelector('details'); return !!d && !d.open &&
                        !!c.querySelector('.cell_input') && !c.querySelector('.cell_input').checkVisibility(); })""")
        assert all(folded), f"{page_path}: solution cells not folded: {folded}"

        figures = page.locator(".dl-interactive")
        for i in range(figures.count()):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            controls = figure.locator(".dl-interactive-control")
            assert controls.count() >= 1, f"interactive figure {i} on {page_path} has no controls"
            for j in range(controls.count()):
                page.wait_for_function(f"async (el) => (await ({IMAGE_HASH_JS})(el)) !== null",
                                       arg=figure.element_handle(), timeout=10_000)
                before = figure.evaluate(IMAGE_HASH_JS)
                _move(controls.nth(j), page)
                try:
                    page.wait_for_function(
                        f"async (el) => {{ const h = await ({IMAGE_HASH_JS})(el); "
                        f"return h !== null && h !== '{before}'; }}",
                        arg=figure.element_handle(), timeout=10_000)
                except PlaywrightTimeout:
                    label = controls.nth(j).inner_text().strip()
                    pytest.fail(f"{page_path}: figure {i}, control {label!r}: the picture "
                                "did not change (dead control)")
            figure.screenshot(path=str(screenshot_dir() / (
                page_path.replace("/", "__").removesuffix(".html") + f"__interactive{i}.png")))

        page.wait_for_load_state("networkidle")
        shot = screenshot_dir() / (page_path.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(shot))
    finally:
        page.close()

    foreign = [u for u in requests
               if not (u.startswith(origin + "/") or u.startswith(("blob:", "data:")))]
    assert not foreign, f"{page_path} requested other hosts: {foreign}"
    assert not problems, f"{page_path}: {problems}"
    assert not errors, f"{page_path}: JavaScript errors: {errors}"
    files = {_local_file(origin, u) for u in requests} - {None}
    pictures = {f for f in files if INTERACTIVE_DIR in f.as_posix()}
    total = sum(f.stat().st_size for f in files)
    picture_bytes = sum(f.stat().st_size for f in pictures)
    _weights[page_path] = {"total_bytes": total, "picture_bytes": picture_bytes,
                           "html_bytes": (site_dir() / page_path).stat().st_size,
                           "files": len(files)}
    heaviest = sorted(((f.stat().st_size, f.relative_to(site_dir()).as_posix())
                       for f in files - pictures), reverse=True)[:3]
    assert total - picture_bytes <= MAX_PAGE_BYTES, (
        f"{page_path} weighs {total - picture_bytes} bytes apart from its pictures "
        f"(goal: <= {MAX_PAGE_BYTES}); largest files: {heaviest}")
