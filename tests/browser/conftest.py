"""Browser fixtures: serve a built site on 127.0.0.1 and drive Debian's Chromium with Playwright."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"  # Debian's browser: Playwright's own download is not reachable here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site_dir(built_project) -> Path:
    return built_project / "site"


@pytest.fixture(scope="session")
def site_url(site_dir):
    """Serve site/ from this process on a free loopback port; the URL ends with '/'."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} absent : lancez « make test », qui installe le paquet Debian chromium.")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield context
        context.close()


@pytest.fixture
def page(browser):
    """A fresh tab; console errors and failed requests are collected on page.errors."""
    tab = browser.new_page()
    tab.errors = []
    tab.on("console", lambda msg: tab.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.errors.append(f"pageerror: {exc}"))
    tab.on("requestfailed", lambda req: tab.errors.append(f"requestfailed: {req.url}"))
    yield tab
    tab.close()
