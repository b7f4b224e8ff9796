"""Every privileged route needs the admin bearer token: 401 without or with a wrong one, 403
when no token is configured outside dev mode, success with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.client.signing import sign_transaction
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.helpers import assert_error, create_offer, register_work

TOKEN = "s3cret-admin-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}

# The audit: every route that changes what the service serves or decides in anyone's place.
ADMIN_ROUTES = {
    ("POST", "/v1/recommender/train"),
    ("POST", "/v1/disputes/{dispute_id}/resolve"),
    ("POST", "/v1/admin/api-keys"),
    ("GET", "/v1/admin/api-keys"),
    ("DELETE", "/v1/admin/api-keys/{key_id}"),
}
REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/recommender/train", None),
    ("POST", "/v1/disputes/1/resolve", {"upheld": True, "sender": "0x" + "11" * 20}),
    ("POST", "/v1/admin/api-keys", {"name": "ci"}),
    ("GET", "/v1/admin/api-keys", None),
    ("DELETE", "/v1/admin/api-keys/1", None),
]


def admin_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Routes that declare the admin `Authorization` header (as `require_admin` does)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if any(
            p["in"] == "header" and p["name"].lower() == "authorization"
            for p in operation.get("parameters", [])
        )
    }


@pytest.fixture
def guarded(settings: Settings) -> Iterator[TestClient]:
    """The app with dev mode off and an admin token, on the test's chain and database."""
    locked = settings.model_copy(update={"dev_mode": False, "admin_token": SecretStr(TOKEN)})
    with TestClient(create_app(locked, follow_chain=False)) as client:
        yield client


@pytest.fixture
def unconfigured(settings: Settings) -> Iterator[TestClient]:
    """Dev mode off and no admin token: admin routes are closed to everyone."""
    prod = settings.model_copy(update={"dev_mode": False})
    with TestClient(create_app(prod, follow_chain=False)) as client:
        yield client


def test_admin_routes_are_exactly_the_privileged_ones(settings: Settings) -> None:
    assert admin_routes(create_app(settings, follow_chain=False)) == ADMIN_ROUTES
    assert len(REQUESTS) == len(ADMIN_ROUTES), "one request below for each admin route"


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_admin_route_without_token_unauthorized(
    guarded: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    assert_error(guarded.request(method, path, json=body), 401, "unauthorized")
    wrong = {"Authorization": "Bearer not-the-token"}
    assert_error(guarded.request(method, path, json=body, headers=wrong), 401, "unauthorized")
    assert_error(
        guarded.request(method, path, json=body, headers={"Authorization": TOKEN}),
        401,
        "unauthorized",
    )


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_admin_route_unconfigured_forbidden(
    unconfigured: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = unconfigured.request(method, path, json=body, headers=BEARER)
    assert_error(response, 403, "forbidden")


def test_train_with_token_authorised(guarded: TestClient) -> None:
    right = guarded.post("/v1/recommender/train", headers=BEARER)
    assert_error(right, 422, "invalid_input")  # past the guard: nothing to train on yet


def test_api_key_routes_with_token_succeed(guarded: TestClient) -> None:
    created = guarded.post("/v1/admin/api-keys", json={"name": "ci"}, headers=BEARER)
    assert created.status_code == 201, created.text
    key_id = created.json()["id"]
    assert [k["id"] for k in guarded.get("/v1/admin/api-keys", headers=BEARER).json()] == [key_id]
    revoked = guarded.delete(f"/v1/admin/api-keys/{key_id}", headers=BEARER)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None


def test_resolve_dispute_with_token_relays_arbiter(
    client: TestClient, guarded: TestClient, admin: LocalAccount
) -> None:
    work_id = register_work(client, 1)
    create_offer(client, work_id, 1)
    opened = client.post(
        "/v1/disputes",
        json={"work_id": work_id, "evidence_uri": "ipfs://e", "bond_wei": 10**16, "dev_account": 4},
    )
    dispute_id = opened.json()["dispute"]["dispute_id"]
    path = f"/v1/disputes/{dispute_id}/resolve"

    unsigned = guarded.post(path, json={"upheld": True, "sender": admin.address}, headers=BEARER)
    assert unsigned.status_code == 200 and unsigned.json()["status"] == "unsigned"
    signed = sign_transaction(admin, unsigned.json()["transaction"])
    assert_error(
        guarded.post(path, json={"upheld": True, "signed_tx": signed}), 401, "unauthorized"
    )
    resolved = guarded.post(path, json={"upheld": True, "signed_tx": signed}, headers=BEARER)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "confirmed"
    listed = guarded.get("/v1/disputes", params={"work": work_id}).json()
    assert [d["status"] for d in listed] == ["upheld"]
