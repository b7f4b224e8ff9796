"""The web page in real headless Chromium against the real app, chain and database."""

from __future__ import annotations

import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.chain.accounts import dev_account
from tests.backend.helpers import buy_license, create_offer, register_work

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need the `playwright` package from PyPI"
).expect

MONTH = 30 * 24 * 3600


def _upload(api: TestClient, data: bytes, **fields: str) -> dict[str, Any]:
    """Register a file the way `curl -F file=@...` does, signed by dev account 1."""
    response = api.post(
        "/v1/works",
        files={"file": ("song.txt", data, "text/plain")},
        data={"dev_account": "1", **fields},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _file(data: bytes) -> dict[str, Any]:
    return {"name": "song.txt", "mimeType": "text/plain", "buffer": data}


def test_verify_registered_file_shows_timeline(api: TestClient, page: Any) -> None:
    data = b"a song about the sea " + os.urandom(16)
    work = _upload(api, data, title="Sunrise over the harbour", creator_name="Ada", tags="folk,sea")
    create_offer(api, work["work_id"], 1, duration_seconds=MONTH)
    assert buy_license(api, work["work_id"], 1, dev_account=3).status_code == 200

    page.goto("/")
    page.set_input_files("#file", files=[_file(data)])

    expect(page.locator("#verdict h2")).to_have_text("Registered")
    expect(page.locator("#verdict")).to_contain_text("Sunrise over the harbour")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("Registered by")
    expect(timeline.nth(1)).to_contain_text("Licence sold (commercial)")
    expect(timeline.nth(1)).to_contain_text("0.1 ETH")
    checks = page.locator("#checks")
    expect(checks).to_contain_text("Metadata matches")
    expect(checks).to_contain_text("Chain cross-check passed")
    expect(checks).to_contain_text("Not flagged")


def test_verify_unregistered_file_says_not_registered(api: TestClient, page: Any) -> None:
    page.goto("/")
    page.set_input_files("#file", files=[_file(os.urandom(64))])

    expect(page.locator("#verdict h2")).to_have_text("Not registered")
    expect(page.locator("#timeline")).to_have_count(0)


def test_work_page_shows_metadata_and_offers_as_text(api: TestClient, page: Any) -> None:
    title = "<b>Night</b> <img src=x onerror=alert(1)>"
    work = _upload(api, os.urandom(32), title=title, creator_name="Ada", tags="jazz,night")
    create_offer(api, work["work_id"], 1, duration_seconds=MONTH)

    page.goto(f"/#/works/{work['work_id']}")

    expect(page.locator("#work-title")).to_have_text(title)
    expect(page.locator("#view b, #view img")).to_have_count(0)
    expect(page.locator("#view")).to_contain_text("jazz")
    expect(page.locator("#view")).to_contain_text(dev_account(1).address[:8])
    row = page.locator("#offers tbody tr")
    expect(row).to_have_count(1)
    for text in ("commercial", "0.1 ETH", "30 days", "active"):
        expect(row).to_contain_text(text)
    expect(page.get_by_role("button", name="Buy licence")).to_have_count(0)  # no wallet


def test_account_page_shows_licences_and_recommendations(api: TestClient, page: Any) -> None:
    works = [register_work(api, 1) for _ in range(3)]
    for work in works:
        create_offer(api, work, 1)
    for buyer in (4, 5):
        assert buy_license(api, works[1], 1, dev_account=buyer).status_code == 200
    assert buy_license(api, works[0], 1, dev_account=2).status_code == 200

    page.goto(f"/#/accounts/{dev_account(1).address}")
    expect(page.locator("#created li")).to_have_count(3)

    page.goto(f"/#/accounts/{dev_account(2).address}")
    expect(page.locator("#licences li")).to_have_count(1)
    expect(page.locator("#licences")).to_contain_text("commercial, 0.1 ETH, perpetual")
    recommended = page.locator("#recommendations li")
    expect(recommended).to_have_count(2)  # the two works account 2 does not hold yet
    expect(recommended.nth(0)).to_contain_text("popular: 2 licences and plays")


def test_paste_hash_then_follow_links(api: TestClient, page: Any) -> None:
    work = _upload(api, os.urandom(32), title="Harbour lights")

    page.goto("/")
    page.fill("#hash", work["work_id"])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verdict h2")).to_have_text("Registered")
    page.get_by_role("link", name="Open the work page").click()
    expect(page.locator("#work-title")).to_have_text("Harbour lights")
    expect(page.locator("#view")).to_contain_text("No licence offers")

    page.get_by_role("link", name="Full provenance").click()
    expect(page.locator("#checks")).to_contain_text("Metadata matches")

    page.fill("#goto-input", dev_account(1).address)
    page.get_by_role("button", name="Open").click()
    expect(page.locator("#created")).to_contain_text("Harbour lights")
