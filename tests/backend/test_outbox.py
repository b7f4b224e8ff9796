"""The write outbox: idempotent retries, 202 with a status URL, concurrent relaying without nonce
collisions, and reconciliation after a lost, never-sent or stuck transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import select
from web3 import Web3
from web3.contract import Contract

from backend.core.config import Settings
from backend.db.models import Operation
from backend.main import create_app
from backend.services.outbox import Outbox
from backend.services.outbox_calls import RegistrationCall
from tests.backend.helpers import assert_error, runtime_of, signed_auth, work_in


def _register(client: TestClient, creator: LocalAccount, key: str | None = None) -> Any:
    work = work_in()
    headers = {"Idempotency-Key": key} if key else {}
    body = {**work, **signed_auth(client, creator, [work])}
    return client.post("/v1/works", json=body, headers=headers), body


def _operations(client: TestClient) -> list[Operation]:
    with runtime_of(client).sessions() as session:
        return list(session.scalars(select(Operation).order_by(Operation.created_at)))


def test_idempotent_retry_returns_first_result(client: TestClient, creator: LocalAccount) -> None:
    first, body = _register(client, creator, key="retry-1")
    assert first.status_code == 201, first.text
    again = client.post("/v1/works", json=body, headers={"Idempotency-Key": "retry-1"})
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert len(_operations(client)) == 1


def test_idempotency_key_reused_for_other_works_conflict(
    client: TestClient, creator: LocalAccount
) -> None:
    assert _register(client, creator, key="k")[0].status_code == 201
    other, _ = _register(client, creator, key="k")
    details = assert_error(other, 409, "conflict")
    assert details["idempotency_key"] == "k"


def test_retry_without_key_told_already_registered(
    client: TestClient, creator: LocalAccount
) -> None:
    first, body = _register(client, creator)
    assert first.status_code == 201
    assert_error(client.post("/v1/works", json=body), 409, "work_already_registered")


@pytest.fixture
def quick_client(settings: Settings) -> Iterator[TestClient]:
    """The app answering 202 at once and resending anything unconfirmed on every reconcile."""
    quick = settings.model_copy(update={"write_wait_seconds": 0.0, "outbox_retry_seconds": 0.001})
    with TestClient(create_app(quick, follow_chain=False)) as client:
        yield client


@contextmanager
def _automine_off(w3: Web3) -> Iterator[None]:
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def test_slow_confirmation_answers_202_with_status_url(
    quick_client: TestClient, creator: LocalAccount, w3: Web3
) -> None:
    with _automine_off(w3):
        response, _ = _register(quick_client, creator)
    assert response.status_code == 202, response.text
    pending = response.json()
    assert pending["status"] == "sent"
    assert response.headers["location"] == pending["status_url"]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    runtime_of(quick_client).outbox.settle(pending["operation_id"], timeout=5)
    status = quick_client.get(pending["status_url"].removeprefix("http://testserver"))
    assert status.status_code == 200
    assert status.json()["status"] == "confirmed"
    assert status.json()["tx_hash"] == pending["tx_hash"]


def test_concurrent_registrations_unique_nonces(
    client: TestClient, creator: LocalAccount, registry: Contract
) -> None:
    bodies = []
    for _ in range(24):
        work = work_in()
        bodies.append({**work, **signed_auth(client, creator, [work])})
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda b: client.post("/v1/works", json=b), bodies))
    assert [r.status_code for r in responses] == [201] * 24
    ops = _operations(client)
    nonces = sorted(op.nonce for op in ops if op.nonce is not None)
    assert len(nonces) == 24 and nonces == list(range(nonces[0], nonces[0] + 24))
    for body in bodies:
        assert registry.functions.ownerOf(int(body["content_hash"], 16)).call() == creator.address


def test_same_work_twice_at_once_registers_once(
    client: TestClient, creator: LocalAccount, registry: Contract
) -> None:
    work = work_in()
    body = {**work, **signed_auth(client, creator, [work])}
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: client.post("/v1/works", json=body), range(4)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and codes.count(409) == 3, [r.text for r in responses]
    assert registry.functions.balanceOf(creator.address).call() == 1


def test_chain_that_lost_a_confirmed_write_gets_it_again(
    client: TestClient, creator: LocalAccount, registry: Contract, w3: Web3
) -> None:
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    response, body = _register(client, creator)
    assert response.status_code == 201
    work_id = int(body["content_hash"], 16)
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    assert registry.functions.balanceOf(creator.address).call() == 0

    counts = runtime_of(client).outbox.reconcile()
    assert counts["lost"] == 1
    op = runtime_of(client).outbox.settle(_operations(client)[0].id, timeout=5)
    assert op.status == "confirmed"
    assert op.tx_hash == response.json()["tx_hash"]  # the same signed bytes, sent again
    assert registry.functions.ownerOf(work_id).call() == creator.address


def test_accepted_but_never_sent_is_sent_by_reconcile(
    client: TestClient, creator: LocalAccount, registry: Contract, settings: Settings
) -> None:
    """What a crash right after the durable write leaves behind."""
    runtime = runtime_of(client)
    registry_client = runtime.registry()
    work = work_in()
    auth = signed_auth(client, creator, [work])
    metadata_hash = client.post(
        "/v1/works/typed-data",
        json={"creator": creator.address, "deadline": auth["deadline"], "works": [work]},
    ).json()["metadata_hashes"][0]
    call = RegistrationCall(
        creator=creator.address,
        content_hashes=[work["content_hash"]],
        metadata_hashes=[metadata_hash],
        deadline=auth["deadline"],
        signature=auth["signature"],
    )
    with runtime.sessions() as session:
        runtime.outbox._accept(session, call, None)
    resumed = Outbox(
        sessions=runtime.sessions,
        registry=lambda: registry_client,
        settings=settings.model_copy(update={"outbox_retry_seconds": 0.001}),
    )
    resumed.reconcile()
    resumed.reconcile()
    assert [op.status for op in _operations(client)] == ["confirmed"]
    owner = registry.functions.ownerOf(int(work["content_hash"], 16)).call()
    assert owner == creator.address


def test_stuck_transaction_replaced_with_higher_fee(
    quick_client: TestClient, creator: LocalAccount, w3: Web3
) -> None:
    outbox = runtime_of(quick_client).outbox
    with _automine_off(w3):
        response, _ = _register(quick_client, creator)
        assert response.status_code == 202
        first_fee = w3.eth.get_transaction(response.json()["tx_hash"])["maxFeePerGas"]
        outbox.reconcile()
        [op] = _operations(quick_client)
        assert op.attempts == 2 and len(json.loads(op.tx_hashes)) == 2
        assert w3.eth.get_transaction(op.tx_hash)["maxFeePerGas"] > first_fee
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    settled = outbox.settle(op.id, timeout=5)
    assert settled.status == "confirmed" and settled.tx_hash == op.tx_hash
