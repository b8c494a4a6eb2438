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

import os
import shutil

import pytest

from browser_support import StaticServer, missing, site_dir

if os.environ.get("BROWSER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]


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


@pytest.fixture(scope="session")
def site_server():
    root = site_dir()
    if not (root / "index.html").exists():
        missing(f"no built site in {root} (run `make book` first)")
    with StaticServer(root) as server:
        yield server
