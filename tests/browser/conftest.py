"""Fixtures of the browser tests, defined once for all of tests/browser: one Playwright (the sync
API allows a single instance per process), one Chromium, and the rendered book served on
127.0.0.1 (``PHYSML_SITE``, default ``_build/html``)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest

from physml import config

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(config.env("PHYSML_SITE") or ROOT / "_build" / "html")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for name in (
        config.env("PHYSML_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="session")
def site():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no index.html: build the book first (make render)")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    exe = _chromium()
    if exe is None:
        msg = "Chromium not found (Debian: apt-get install chromium; or set PHYSML_CHROMIUM)"
        if config.env("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Visit:
    """A page opened in the browser, with the console errors and failed requests it produced."""

    def __init__(
        self, browser, url: str, color_scheme: str = "light", width: int = 1280
    ):
        self.errors: list[str] = []
        self.page = browser.new_page(
            viewport={"width": width, "height": 900}, color_scheme=color_scheme
        )
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on(
            "requestfailed",
            lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"),
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None and response.ok, (
            f"{url} answered {response and response.status}"
        )
        # MathJax typesets asynchronously; wait for it where it is loaded.
        self.page.evaluate(
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
        )

    def close(self):
        self.page.close()


@pytest.fixture
def visit(browser, site):
    opened = []

    def _open(path: str, **kw) -> Visit:
        v = Visit(browser, urljoin(site, path), **kw)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()
