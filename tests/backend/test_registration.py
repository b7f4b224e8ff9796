"""Registering works through the API: uploads, the creator's own signature, batches."""

from __future__ import annotations

import json
import os

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from backend.chain.accounts import dev_account
from tests.backend.helpers import (
    register_dev,
    register_signed,
    sha256_hex,
    signed_auth,
    transact_value,
    typed_data,
    work_in,
)


def _metadata(client: TestClient, work_id: str) -> dict[str, object]:
    response = client.get(f"/v1/works/{work_id}/metadata")
    assert response.status_code == 200, response.text
    document: dict[str, object] = json.loads(response.content)
    return document


def test_register_upload_dev_account_created(client: TestClient, registry: Contract) -> None:
    data = os.urandom(4096)
    response = client.post(
        "/v1/works",
        files={"file": ("cover.png", data, "image/png")},
        data={"title": "Cover art", "tags": "jazz, live ,, piano", "dev_account": "1"},
    )
    assert response.status_code == 201, response.text
    work = response.json()
    owner = dev_account(1).address
    assert work["content_hash"] == work["work_id"] == sha256_hex(data)
    assert work["creator"] == work["owner"] == owner
    assert registry.functions.ownerOf(int(work["work_id"], 16)).call() == owner
    document = _metadata(client, work["work_id"])
    assert document["media_type"] == "image/png"
    assert document["tags"] == ["jazz", "live", "piano"]
    assert document["title"] == "Cover art"
    assert document["content_hash"] == work["content_hash"]


def test_register_upload_part_type_parameters_dropped(client: TestClient) -> None:
    response = client.post(
        "/v1/works",
        files={"file": ("notes.html", b"<p>hi</p>", "Text/HTML; charset=utf-8")},
        data={"title": "Notes", "dev_account": "1"},
    )
    assert response.status_code == 201, response.text
    assert _metadata(client, response.json()["work_id"])["media_type"] == "text/html"


def test_register_upload_explicit_media_type_wins(client: TestClient) -> None:
    response = client.post(
        "/v1/works",
        files={"file": ("take.bin", os.urandom(64), "application/octet-stream")},
        data={"title": "Take 1", "media_type": "audio/flac", "dev_account": "1"},
    )
    assert response.status_code == 201, response.text
    assert _metadata(client, response.json()["work_id"])["media_type"] == "audio/flac"


def test_register_signed_json_owned_by_creator(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount, admin: LocalAccount
) -> None:
    work = work_in(title="Field recording", creator_name="Ada", tags=["rain"])
    prepared = typed_data(client, creator.address, [work])
    body = register_signed(client, creator, work)
    token = int(work["content_hash"], 16)
    assert body["creator"] == body["owner"] == creator.address
    assert body["metadata_hash"] == prepared["metadata_hashes"][0]
    assert registry.functions.ownerOf(token).call() == creator.address
    assert registry.functions.creatorOf(token).call() == creator.address
    assert w3.eth.get_transaction(body["tx_hash"])["from"] == admin.address  # relayed, not sent


def test_typed_data_domain_matches_contract(
    client: TestClient, registry: Contract, creator: LocalAccount
) -> None:
    message = typed_data(client, creator.address, [work_in()])["typed_data"]
    separator = encode_typed_data(full_message=message).header
    assert separator == registry.functions.domainSeparator().call()


def test_register_batch_signed_one_transaction(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    works = [work_in(title=f"Track {n}") for n in range(3)]
    response = client.post(
        "/v1/works/batch", json={"works": works, **signed_auth(client, creator, works)}
    )
    assert response.status_code == 201, response.text
    batch = response.json()
    assert [w["work_id"] for w in batch["works"]] == [w["content_hash"] for w in works]
    assert {w["tx_hash"] for w in batch["works"]} == {batch["tx_hash"]}
    receipt = w3.eth.get_transaction_receipt(batch["tx_hash"])
    assert len(registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)) == 3
    for work in batch["works"]:
        assert work["creator"] == work["owner"] == creator.address
        assert registry.functions.ownerOf(int(work["work_id"], 16)).call() == creator.address
        assert client.get(f"/v1/works/{work['work_id']}").json() == work


def test_register_batch_dev_mode_created(client: TestClient, registry: Contract) -> None:
    works = [work_in(title="A"), work_in(title="B")]
    response = client.post("/v1/works/batch", json={"works": works, "dev_account": 2})
    assert response.status_code == 201, response.text
    batch = response.json()
    assert len(batch["works"]) == 2
    owner = dev_account(2).address
    for work in batch["works"]:
        assert work["tx_hash"] == batch["tx_hash"]
        assert registry.functions.ownerOf(int(work["work_id"], 16)).call() == owner


def test_register_after_relayer_sent_elsewhere_created(
    server: TestClient, w3: Web3, admin: LocalAccount
) -> None:
    register_dev(server, 1, [work_in()])
    transact_value(w3, admin, admin.address, 0)
    response = server.post("/v1/works", json={**work_in(), "dev_account": 1})
    assert response.status_code == 201, response.text
