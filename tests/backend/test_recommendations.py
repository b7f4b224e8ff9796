"""Serving recommendations: only licensable works, a trained model swapped in without restart,
cold start by popularity, admin-only training."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.chain.accounts import dev_account
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.helpers import buy_license, create_offer, register_work, signed_interactions


def _like(client: TestClient, dev: int, works: list[str]) -> None:
    events = [{"work_id": w, "kind": "like"} for w in works]
    response = client.post(
        "/v1/interactions", json=signed_interactions(client, dev_account(dev), events)
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def catalogue(client: TestClient) -> dict[str, Any]:
    """Two taste groups: A = works 0-2, B = works 3-4; work 5 is flagged, work 6 has no offer,
    work 7 has only a personal offer."""
    works = [register_work(client, 1) for _ in range(8)]
    for work in works[:6]:
        create_offer(client, work, 1)
    create_offer(client, works[7], 1, kind="personal")
    for dev in (3, 4):
        _like(client, dev, works[:3])
    for dev in (5, 6):
        _like(client, dev, works[3:5])
    _like(client, 2, works[:2])
    assert buy_license(client, works[0], 1, dev_account=2).status_code == 200
    dispute = client.post(
        "/v1/disputes",
        json={
            "work_id": works[5],
            "evidence_uri": "ipfs://x",
            "bond_wei": 10**16,
            "dev_account": 7,
        },
    ).json()["dispute"]["dispute_id"]
    client.post(f"/v1/disputes/{dispute}/resolve", json={"upheld": True, "dev_account": 0})
    return {"works": works}


def test_recommendations_personalized_only_licensable(
    client: TestClient, catalogue: dict[str, Any]
) -> None:
    works = catalogue["works"]
    trained = client.post("/v1/recommender/train")
    assert trained.status_code == 200, trained.text
    assert trained.json()["version"] == 1 and "ndcg@10" in trained.json()["metrics"]

    answer = client.get(f"/v1/recommendations/{dev_account(2).address}", params={"k": 10}).json()
    assert answer["strategy"] == "personalized" and answer["model_version"] == 1
    returned = [item["work_id"] for item in answer["items"]]
    assert returned[0] == works[2], "the unseen work of the account's taste group ranks first"
    assert works[0] not in returned, "already licensed"
    assert works[5] not in returned, "flagged by an upheld dispute"
    assert works[6] not in returned, "no offer"
    assert set(returned) <= {works[1], works[2], works[3], works[4], works[7]}
    because = answer["items"][0]["reason"]["because"]
    assert because and {ref["work_id"] for ref in because} <= {works[0], works[1]}, (
        "a reason names works of the account's own history"
    )
    assert all(ref["title"] for ref in because)

    personal = client.get(
        f"/v1/recommendations/{dev_account(2).address}", params={"kind": "personal"}
    ).json()
    assert [item["work_id"] for item in personal["items"]] == [works[7]]


def test_recommendations_cold_start_popular(client: TestClient, catalogue: dict[str, Any]) -> None:
    works = catalogue["works"]
    answer = client.get(f"/v1/recommendations/{dev_account(9).address}").json()
    assert answer["strategy"] == "popular" and answer["model_version"] is None
    returned = [item["work_id"] for item in answer["items"]]
    assert returned[0] == works[0], "the most licensed and liked work first"
    assert works[5] not in returned and works[6] not in returned


def test_training_new_version_swapped_without_restart(
    client: TestClient, catalogue: dict[str, Any]
) -> None:
    assert client.post("/v1/recommender/train").json()["version"] == 1
    _like(client, 8, catalogue["works"][3:5])
    status = client.get("/v1/recommender/status").json()
    assert status["version"] == 1 and status["blocks_behind"] >= 0
    assert client.post("/v1/recommender/train").json()["version"] == 2
    answer = client.get(f"/v1/recommendations/{dev_account(8).address}").json()
    assert answer["model_version"] == 2 and answer["strategy"] == "personalized"


@pytest.fixture
def guarded(settings: Settings) -> Iterator[TestClient]:
    locked = settings.model_copy(update={"dev_mode": False, "admin_token": SecretStr("s3cret")})
    with TestClient(create_app(locked, follow_chain=False)) as client:
        yield client


def test_train_requires_admin_token(guarded: TestClient) -> None:
    assert guarded.post("/v1/recommender/train").status_code == 401
    wrong = guarded.post("/v1/recommender/train", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = guarded.post("/v1/recommender/train", headers={"Authorization": "Bearer s3cret"})
    assert right.status_code == 422, "authorised, but there is nothing to train on yet"
    assert right.json()["error"]["code"] == "invalid_input"
