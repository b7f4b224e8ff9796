"""The real app served by uvicorn on a free port, and a page in real headless Chromium.

Skipped, with the reason, where Chromium (Debian's `chromium`) or the `playwright` package is
missing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.chain.anvil import free_port
from backend.core.config import Settings
from backend.main import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need the `playwright` package from PyPI"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(settings: Settings) -> FastAPI:
    """The real app (API and web page); writes through the API index synchronously."""
    return create_app(settings, follow_chain=False)


@pytest.fixture
def live_url(live_app: FastAPI) -> Iterator[str]:
    """``live_app`` served by uvicorn on loopback, as the browser reaches it."""
    port = free_port()
    config = uvicorn.Config(live_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def api(live_app: FastAPI, live_url: str) -> TestClient:
    """Seeds what the page then shows, in process, through the served app's own runtime
    (not entered as a context manager: uvicorn already ran its lifespan)."""
    return TestClient(live_app)


@pytest.fixture
def page(browser: Any, live_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; its full-page screenshot is saved as artifacts/screenshots/<test>.png."""
    context = browser.new_context(
        base_url=live_url, viewport={"width": 1200, "height": 800}, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
