"""API keys: issued once in plaintext, stored only as a hash, listed without secrets, revoked;
with `require_api_key` the relayed writes need one; rate limits identify clients by them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from backend.api.deps import client_identity
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.helpers import assert_error, runtime_of

TOKEN = "admin-token-for-keys"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SENDER = "0x" + "22" * 20
# A relayed write that needs no prior state: past the key check, the chain answers that the
# sender has nothing to withdraw.
WRITE = ("/v1/withdrawals", {"sender": SENDER})
PAST_THE_GUARD = (422, "nothing_to_withdraw")


@pytest.fixture
def keyed(settings: Settings) -> Iterator[TestClient]:
    """The app with `require_api_key` on and an admin token to issue keys with."""
    strict = settings.model_copy(update={"require_api_key": True, "admin_token": SecretStr(TOKEN)})
    app = create_app(strict, follow_chain=False)

    @app.get("/test/whoami")
    def whoami(request: Request) -> str:
        return client_identity(request)

    with TestClient(app) as client:
        yield client


def issue(client: TestClient, name: str = "ci") -> dict[str, Any]:
    created = client.post("/v1/admin/api-keys", json={"name": name}, headers=BEARER)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def test_create_api_key_returns_plaintext_once_and_stores_only_hash(keyed: TestClient) -> None:
    created = issue(keyed)
    key = created["key"]
    assert key.startswith("rk_") and len(key) >= 40 and key.startswith(created["prefix"])
    listed = keyed.get("/v1/admin/api-keys", headers=BEARER)
    assert listed.status_code == 200
    assert key not in listed.text and "key_hash" not in listed.text
    assert [set(k) for k in listed.json()] == [{"id", "name", "prefix", "created_at", "revoked_at"}]

    with runtime_of(keyed).engine.connect() as db:  # every column of every row, raw
        stored = " ".join(str(v) for row in db.execute(text("SELECT * FROM api_keys")) for v in row)
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    assert key not in stored and key[len(created["prefix"]) :] not in stored


def test_relayed_write_without_key_unauthorized(keyed: TestClient) -> None:
    path, body = WRITE
    assert_error(keyed.post(path, json=body), 401, "unauthorized")
    assert_error(
        keyed.post(path, json=body, headers={"X-API-Key": "rk_guess"}), 401, "unauthorized"
    )


def test_relayed_write_with_key_succeeds_until_revoked(keyed: TestClient) -> None:
    created = issue(keyed)
    path, body = WRITE
    headers = {"X-API-Key": created["key"]}
    assert_error(keyed.post(path, json=body, headers=headers), *PAST_THE_GUARD)

    revoked = keyed.delete(f"/v1/admin/api-keys/{created['id']}", headers=BEARER)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_error(keyed.post(path, json=body, headers=headers), 401, "unauthorized")
    again = keyed.delete(f"/v1/admin/api-keys/{created['id']}", headers=BEARER)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_reads_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/v1/works").status_code == 200
    assert keyed.get("/v1/disputes").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/works/0x" + "ab" * 32 + "/offers"),
        ("PATCH", "/v1/works/0x" + "ab" * 32 + "/offers/1"),
        ("PUT", "/v1/works/0x" + "ab" * 32 + "/payees"),
        ("POST", "/v1/licenses"),
        ("POST", "/v1/withdrawals"),
        ("POST", "/v1/disputes"),
        ("POST", "/v1/interactions"),
        ("POST", "/v1/works"),
        ("POST", "/v1/works/batch"),
    ],
)
def test_every_relayed_write_needs_key(keyed: TestClient, method: str, path: str) -> None:
    assert_error(keyed.request(method, path, json={}), 401, "unauthorized")


def test_revoke_unknown_key_not_found(keyed: TestClient) -> None:
    assert_error(keyed.delete("/v1/admin/api-keys/999", headers=BEARER), 404, "not_found")


def test_create_api_key_bad_name_rejected(keyed: TestClient) -> None:
    for name in ("", "x" * 101):
        response = keyed.post("/v1/admin/api-keys", json={"name": name}, headers=BEARER)
        assert_error(response, 422, "invalid_input")


def test_default_settings_keyless_writes_but_bad_key_refused(client: TestClient) -> None:
    path, body = WRITE
    assert_error(client.post(path, json=body), *PAST_THE_GUARD)
    refused = client.post(path, json=body, headers={"X-API-Key": "rk_unknown"})
    assert_error(refused, 401, "unauthorized")


def test_client_identity_key_or_address(keyed: TestClient) -> None:
    created = issue(keyed)
    assert keyed.get("/test/whoami", headers={"X-API-Key": created["key"]}).json() == (
        f"key:{created['id']}"
    )
    assert keyed.get("/test/whoami").json() == "ip:testclient"
    assert keyed.get("/test/whoami", headers={"X-API-Key": "rk_nope"}).json() == "ip:testclient"
    keyed.delete(f"/v1/admin/api-keys/{created['id']}", headers=BEARER)
    revoked = keyed.get("/test/whoami", headers={"X-API-Key": created["key"]})
    assert revoked.json() == "ip:testclient"
