"""Limits on relayed writes: 429 with Retry-After per client and per creator, the gas budgets
and the relayer's balance floor, all through the real app, chain and database; plus the size
limits of the request fields."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from backend.api.limits import MAX_JSON_BYTES, get_relay_limits
from backend.chain.accounts import dev_account
from backend.chain.anvil import free_port
from backend.core.config import Settings
from backend.main import create_app
from backend.services.api_keys import create_api_key
from backend.services.limits import RelayLimits, registration_gas
from tests.backend.helpers import (
    assert_error,
    buy_license,
    create_offer,
    register_dev,
    runtime_of,
    signed_auth,
    work_in,
)

App = Callable[..., TestClient]
JSON = {"content-type": "application/json"}


class Clock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[App]:
    """Start the real app with some limits changed; its buckets run on ``clock``."""
    clients: list[TestClient] = []

    def start(**limits: Any) -> TestClient:
        limited = settings.model_copy(update=limits)
        relay_limits = RelayLimits(limited, clock=clock)
        application = create_app(limited, follow_chain=False)
        application.dependency_overrides[get_relay_limits] = lambda: relay_limits
        client = TestClient(application).__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def _register(client: TestClient, dev: int, **headers: str) -> Any:
    return client.post("/v1/works", json={**work_in(), "dev_account": dev}, headers=headers)


def _signed(
    client: TestClient, creator: LocalAccount, *, signer: LocalAccount | None = None
) -> Any:
    work = work_in()
    auth = signed_auth(client, creator, [work], signer=signer)
    return client.post("/v1/works", json={**work, **auth})


def _retry_after(response: Any) -> int:
    retry_after = int(response.headers["Retry-After"])
    assert response.json()["error"]["details"]["retry_after"] == retry_after
    return retry_after


def test_client_past_limit_rate_limited_with_retry_after(app: App) -> None:
    client = app(client_write_limit=3, rate_window_seconds=60)
    work_id = register_dev(client, 1, [work_in()])[0]["work_id"]
    assert _register(client, 2).status_code == 201
    create_offer(client, work_id, 1)  # market writes count too
    response = _register(client, 3)
    details = assert_error(response, 429, "rate_limited")
    assert details["limit"] == "client"
    assert _retry_after(response) == 20  # one write back every 60 s / 3
    assert_error(client.post(f"/v1/works/{work_id}/offers", json={}), 429, "rate_limited")


def test_client_identified_by_api_key(app: App) -> None:
    client = app(client_write_limit=1)
    with runtime_of(client).sessions() as session:
        first, second = (create_api_key(session, name=n).key for n in ("first", "second"))
    assert _register(client, 1, **{"X-API-Key": first}).status_code == 201
    assert_error(_register(client, 1, **{"X-API-Key": first}), 429, "rate_limited")
    assert _register(client, 1, **{"X-API-Key": second}).status_code == 201
    assert _register(client, 1).status_code == 201  # no key: this address's own allowance
    assert_error(_register(client, 1), 429, "rate_limited")


def test_creator_past_limit_rate_limited(
    app: App, creator: LocalAccount, stranger: LocalAccount
) -> None:
    client = app(creator_write_limit=2, rate_window_seconds=30)
    assert _signed(client, creator).status_code == 201
    assert _signed(client, creator).status_code == 201
    response = _signed(client, creator)
    details = assert_error(response, 429, "rate_limited")
    assert details == {"limit": "creator", "creator": creator.address, "retry_after": 15}
    assert response.headers["Retry-After"] == "15"
    assert _signed(client, stranger).status_code == 201


def test_creator_limit_not_spent_by_forged_requests(
    app: App, creator: LocalAccount, stranger: LocalAccount
) -> None:
    client = app(creator_write_limit=1)
    for _ in range(3):
        assert_error(_signed(client, creator, signer=stranger), 401, "invalid_signature")
    assert _signed(client, creator).status_code == 201
    assert_error(_signed(client, creator), 429, "rate_limited")


def test_creator_limit_counts_uploads_and_batches(app: App) -> None:
    client = app(creator_write_limit=2)
    upload = client.post(
        "/v1/works", files={"file": ("a.txt", b"a")}, data={"title": "A", "dev_account": "4"}
    )
    assert upload.status_code == 201, upload.text
    register_dev(client, 4, [work_in(), work_in()])
    response = client.post(
        "/v1/works", files={"file": ("b.txt", b"b")}, data={"title": "B", "dev_account": "4"}
    )
    details = assert_error(response, 429, "rate_limited")
    assert details["creator"] == dev_account(4).address


def test_limits_reset_after_window(app: App, clock: Clock) -> None:
    client = app(client_write_limit=2, creator_write_limit=2, rate_window_seconds=10)
    assert _register(client, 1).status_code == 201
    assert _register(client, 1).status_code == 201
    response = _register(client, 1)
    assert_error(response, 429, "rate_limited")
    wait = _retry_after(response)
    assert wait == 5
    clock.now += wait - 1
    assert_error(_register(client, 1), 429, "rate_limited")
    clock.now += 1
    assert _register(client, 1).status_code == 201
    clock.now += 10  # a whole window: the full allowance again
    assert _register(client, 1).status_code == 201
    assert _register(client, 1).status_code == 201
    assert_error(_register(client, 1), 429, "rate_limited")


def test_creator_gas_budget_exhausted(app: App, clock: Clock) -> None:
    one = registration_gas(1)
    client = app(creator_gas_budget=2 * one, gas_window_seconds=3_600)
    assert _register(client, 5).status_code == 201
    assert _register(client, 5).status_code == 201
    response = _register(client, 5)
    details = assert_error(response, 429, "gas_budget_exhausted")
    assert details["creator"] == dev_account(5).address
    assert _retry_after(response) == 1_800
    assert _register(client, 6).status_code == 201  # another creator's budget
    clock.now += 1_800
    assert _register(client, 5).status_code == 201


def test_batch_beyond_any_budget_invalid_input(app: App) -> None:
    client = app(creator_gas_budget=registration_gas(3))
    response = client.post(
        "/v1/works/batch", json={"works": [work_in() for _ in range(4)], "dev_account": 1}
    )
    details = assert_error(response, 422, "invalid_input")
    assert details["gas"] == registration_gas(4)
    assert len(register_dev(client, 1, [work_in() for _ in range(3)])) == 3


def test_relayer_gas_budget_exhausted_service_unavailable(app: App) -> None:
    client = app(relayer_gas_budget=2 * registration_gas(1), gas_window_seconds=600)
    assert _register(client, 1).status_code == 201
    assert _register(client, 2).status_code == 201
    response = _register(client, 3)
    assert_error(response, 503, "relayer_budget_exhausted")
    assert _retry_after(response) == 300


def test_relayer_below_floor_refuses_before_sending(
    app: App, w3: Web3, admin: LocalAccount
) -> None:
    client = app(relayer_min_balance_wei=10**30)
    nonce = w3.eth.get_transaction_count(admin.address)
    details = assert_error(_register(client, 1), 503, "relayer_balance_low")
    assert details["relayer"] == admin.address
    assert int(details["balance_wei"]) == w3.eth.get_balance(admin.address)
    assert w3.eth.get_transaction_count(admin.address) == nonce


def test_writes_refused_while_chain_down_not_counted(app: App) -> None:
    client = app(client_write_limit=1, rpc_url=f"http://127.0.0.1:{free_port()}")
    offer = {"kind": "personal", "price_wei": 1, "dev_account": 1}
    for _ in range(3):
        assert_error(_register(client, 1), 503, "chain_unavailable")
        response = client.post("/v1/works/0x" + "ab" * 32 + "/offers", json=offer)
        assert_error(response, 503, "chain_unavailable")


def test_registration_gas_bounds_cover_receipts(client: TestClient) -> None:
    """The gas reserved per registration is at least what the contracts really use."""
    registry = runtime_of(client).registry()

    def gas_used(work: dict[str, Any]) -> int:
        receipt = registry.receipt(work["tx_hash"])
        assert receipt is not None
        return int(receipt["gasUsed"])

    single = register_dev(client, 1, [work_in(title="t" * 200, tags=["x" * 50] * 20)])[0]
    assert gas_used(single) <= registration_gas(1)
    for size in (2, 50):
        batch = register_dev(client, 1, [work_in() for _ in range(size)])
        assert gas_used(batch[0]) <= registration_gas(size), size
    offer = create_offer(client, single["work_id"], 1, kind="derivative")["offer"]
    assert buy_license(client, single["work_id"], offer["offer_id"], dev_account=2).is_success
    derivative = register_dev(client, 2, [{**work_in(), "parent_id": single["work_id"]}])[0]
    assert gas_used(derivative) <= registration_gas(1)


def test_json_registration_length_refused(client: TestClient) -> None:
    chunked = iter([b'{"dev_account": 1}'])
    response = client.post("/v1/works", content=chunked, headers=JSON)
    assert_error(response, 411, "length_required")
    oversized = b'{"works": [], "dev_account": 1, "pad": "' + b"a" * MAX_JSON_BYTES + b'"}'
    response = client.post("/v1/works/batch", content=oversized, headers=JSON)
    assert_error(response, 413, "payload_too_large")


def test_malformed_multipart_invalid_input(client: TestClient) -> None:
    """Found by the schema fuzzing: a part header the parser refuses was a 500."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"\r\nBad[Header: x\r\n\r\nx\r\n--b--\r\n'
    )
    headers = {"content-type": "multipart/form-data; boundary=b"}
    for path in ("/v1/works", "/v1/verify"):
        assert_error(client.post(path, content=body, headers=headers), 422, "invalid_input")


def test_write_sender_cannot_pay_invalid_input(client: TestClient) -> None:
    """Found by the schema fuzzing: a value beyond the sender's balance was a 500."""
    work_id = register_dev(client, 1, [work_in()])[0]["work_id"]
    body = {"work_id": work_id, "evidence_uri": "ipfs://x", "bond_wei": 2**96 - 1, "dev_account": 3}
    details = assert_error(client.post("/v1/disputes", json=body), 422, "insufficient_funds")
    assert details["sender"] == dev_account(3).address


FIELD_LIMITS: dict[str, tuple[str, dict[str, Any]]] = {
    "title": ("/v1/works", {**work_in(title="t" * 201), "dev_account": 1}),
    "creator_name": ("/v1/works", {**work_in(creator_name="c" * 201), "dev_account": 1}),
    "description": ("/v1/works", {**work_in(description="d" * 5_001), "dev_account": 1}),
    "tag_count": ("/v1/works", {**work_in(tags=[f"t{i}" for i in range(21)]), "dev_account": 1}),
    "tag_length": ("/v1/works", {**work_in(tags=["t" * 51]), "dev_account": 1}),
    "media_type": ("/v1/works", {**work_in(media_type="a/" + "b" * 126), "dev_account": 1}),
    "batch_size": ("/v1/works/batch", {"works": [], "dev_account": 1}),
    "terms_uri": (
        "/v1/works/0x" + "ab" * 32 + "/offers",
        {"kind": "personal", "price_wei": 1, "terms_uri": "u" * 2_001, "dev_account": 1},
    ),
    "evidence_uri": (
        "/v1/disputes",
        {"work_id": "0x" + "ab" * 32, "evidence_uri": "e" * 2_001, "bond_wei": 1, "dev_account": 1},
    ),
    "payees": (
        "/v1/works/0x" + "ab" * 32 + "/payees",
        {"accounts": ["0x" + "11" * 20] * 17, "shares_bps": [1] * 17, "dev_account": 1},
    ),
}


def test_fields_over_size_limits_invalid_input(client: TestClient, subtests: Any) -> None:
    for field, (path, body) in FIELD_LIMITS.items():
        with subtests.test(field):
            method = client.put if path.endswith("/payees") else client.post
            details = assert_error(method(path, json=body), 422, "invalid_input")
            assert details["errors"], details
