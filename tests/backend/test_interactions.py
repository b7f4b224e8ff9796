"""Signed interaction events: only the account itself can write them, once, while fresh."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from backend.chain.accounts import dev_account
from tests.backend.helpers import register_work, signed_interactions
from tests.conftest import random_hash


def test_post_interactions_signed_by_account_recorded(client: TestClient) -> None:
    work = register_work(client, 1)
    events = [{"work_id": work, "kind": "play"}, {"work_id": work, "kind": "rating", "value": 4.5}]
    response = client.post(
        "/v1/interactions", json=signed_interactions(client, dev_account(2), events)
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"recorded": 2}


def test_post_interactions_in_anothers_name_unauthorized(client: TestClient) -> None:
    work = register_work(client, 1)
    body = signed_interactions(client, dev_account(2), [{"work_id": work, "kind": "like"}])
    body["account"] = dev_account(3).address
    response = client.post("/v1/interactions", json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"


def test_post_interactions_stale_or_tampered_unauthorized(client: TestClient) -> None:
    work = register_work(client, 1)
    stale = signed_interactions(
        client,
        dev_account(2),
        [{"work_id": work, "kind": "like"}],
        timestamp=int(time.time()) - 3600,
    )
    assert client.post("/v1/interactions", json=stale).status_code == 401
    body = signed_interactions(client, dev_account(2), [{"work_id": work, "kind": "like"}])
    body["events"][0]["kind"] = "play"
    assert client.post("/v1/interactions", json=body).status_code == 401
    other_chain = signed_interactions(
        client, dev_account(2), [{"work_id": work, "kind": "like"}], chain_id=1
    )
    assert client.post("/v1/interactions", json=other_chain).status_code == 401


def test_post_interactions_replay_conflict(client: TestClient) -> None:
    work = register_work(client, 1)
    body = signed_interactions(client, dev_account(2), [{"work_id": work, "kind": "view"}])
    assert client.post("/v1/interactions", json=body).status_code == 201
    replay = client.post("/v1/interactions", json=body)
    assert replay.status_code == 409


def test_post_interactions_bad_input_rejected(client: TestClient) -> None:
    work = register_work(client, 1)
    unknown = signed_interactions(
        client, dev_account(2), [{"work_id": random_hash(), "kind": "view"}]
    )
    assert client.post("/v1/interactions", json=unknown).status_code == 404
    no_value = signed_interactions(client, dev_account(2), [{"work_id": work, "kind": "rating"}])
    assert client.post("/v1/interactions", json=no_value).status_code == 422
    bad_kind = signed_interactions(client, dev_account(2), [{"work_id": work, "kind": "view"}])
    bad_kind["events"][0]["kind"] = "buy"
    response = client.post("/v1/interactions", json=bad_kind)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
