"""Shared fixtures for the browser tests (Playwright for Python driving Debian's ``chromium``).

These tests need the built site (``make book``) and a browser, so they are collected only when
``BROWSER_TESTS=1`` is set (``make test-browser`` does that; ``make test`` runs it after pytest
and nbval). Without ``chromium`` they skip -- except when ``CI`` is set: there a missing browser
or a missing site is a failure (``.ci/run`` installs Debian's chromium).

Environment:
    BROWSER_TESTS=1   collect these tests
    SITE_DIR          built site to test (default: _build/html)
    CHROMIUM          browser binary (default: `chromium` on PATH)
    SCREENSHOT_DIR    where page screenshots go (default: _build/screenshots)
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

if os.environ.get("BROWSER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

IN_CI = bool(os.environ.get("CI"))


def site_dir() -> Path:
    return Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html")).resolve()


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "_build" / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def missing(reason: str):
    """Fail under CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class StaticServer:
    """Serve a folder on 127.0.0.1 (random free port) in a background thread."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site_server():
    root = site_dir()
    if not (root / "index.html").exists():
        missing(f"no built site in {root} (run `make book` first)")
    with StaticServer(root) as server:
        yield server
