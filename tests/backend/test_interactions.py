"""Signed interaction events: only the account itself can write them, once, while fresh."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from backend.chain.accounts import dev_account
from backend.services.interactions import InteractionIn, signed_message
from tests.backend.helpers import register_work
from tests.conftest import random_hash


def _signed(
    client: TestClient, signer: LocalAccount, events: list[dict[str, Any]], **override: Any
) -> dict[str, Any]:
    chain = client.get("/v1/chain").json()
    body: dict[str, Any] = {
        "account": signer.address,
        "timestamp": int(time.time()),
        "events": events,
        **override,
    }
    message = signed_message(
        account=body["account"],
        chain_id=override.pop("chain_id", chain["chain_id"]),
        contract=chain["registry_address"],
        events=[InteractionIn(**e) for e in events],
        timestamp=body["timestamp"],
    )
    body.pop("chain_id", None)
    signature = Account.sign_message(encode_defunct(text=message), signer.key).signature
    return {**body, "signature": "0x" + bytes(signature).hex()}


def test_post_interactions_signed_by_account_recorded(client: TestClient) -> None:
    work = register_work(client, 1)
    events = [{"work_id": work, "kind": "play"}, {"work_id": work, "kind": "rating", "value": 4.5}]
    response = client.post("/v1/interactions", json=_signed(client, dev_account(2), events))
    assert response.status_code == 201, response.text
    assert response.json() == {"recorded": 2}


def test_post_interactions_in_anothers_name_unauthorized(client: TestClient) -> None:
    work = register_work(client, 1)
    body = _signed(client, dev_account(2), [{"work_id": work, "kind": "like"}])
    body["account"] = dev_account(3).address
    response = client.post("/v1/interactions", json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"


def test_post_interactions_stale_or_tampered_unauthorized(client: TestClient) -> None:
    work = register_work(client, 1)
    stale = _signed(
        client,
        dev_account(2),
        [{"work_id": work, "kind": "like"}],
        timestamp=int(time.time()) - 3600,
    )
    assert client.post("/v1/interactions", json=stale).status_code == 401
    body = _signed(client, dev_account(2), [{"work_id": work, "kind": "like"}])
    body["events"][0]["kind"] = "play"
    assert client.post("/v1/interactions", json=body).status_code == 401
    other_chain = _signed(client, dev_account(2), [{"work_id": work, "kind": "like"}], chain_id=1)
    assert client.post("/v1/interactions", json=other_chain).status_code == 401


def test_post_interactions_replay_conflict(client: TestClient) -> None:
    work = register_work(client, 1)
    body = _signed(client, dev_account(2), [{"work_id": work, "kind": "view"}])
    assert client.post("/v1/interactions", json=body).status_code == 201
    replay = client.post("/v1/interactions", json=body)
    assert replay.status_code == 409


def test_post_interactions_bad_input_rejected(client: TestClient) -> None:
    work = register_work(client, 1)
    unknown = _signed(client, dev_account(2), [{"work_id": random_hash(), "kind": "view"}])
    assert client.post("/v1/interactions", json=unknown).status_code == 404
    no_value = _signed(client, dev_account(2), [{"work_id": work, "kind": "rating"}])
    assert client.post("/v1/interactions", json=no_value).status_code == 422
    bad_kind = _signed(client, dev_account(2), [{"work_id": work, "kind": "view"}])
    bad_kind["events"][0]["kind"] = "buy"
    response = client.post("/v1/interactions", json=bad_kind)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
