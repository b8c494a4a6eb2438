"""Helpers shared by the browser tests (imported by conftest.py and the test modules; a
uniquely named module, since tests/conftest.py already owns the module name ``conftest``)."""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
