"""Verifying a file: its provenance, the chain of custody, and checks against the chain."""

from __future__ import annotations

import os
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from web3.contract import Contract

from backend.chain.accounts import dev_account
from backend.chain.deployment import Deployment
from backend.db.models import MetadataDocument, Work
from tests.backend.helpers import (
    register_dev,
    register_on_chain,
    register_signed,
    runtime_of,
    sha256_hex,
    signed_auth,
    transact,
    work_in,
)
from tests.conftest import random_hash

ZERO = "0x0000000000000000000000000000000000000000"


def _upload_signed(client: TestClient, creator: LocalAccount, data: bytes) -> dict[str, Any]:
    """Register a file by upload, signed by the creator over the metadata the upload implies."""
    work = work_in(sha256_hex(data), title="Master", media_type="audio/wav")
    auth = signed_auth(client, creator, [work])
    response = client.post(
        "/v1/works",
        files={"file": ("master.wav", data, "audio/wav")},
        data={"title": "Master", **{k: str(v) for k, v in auth.items()}},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _verify(client: TestClient, content_hash: str) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"content_hash": content_hash})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _transfer(w3: Web3, registry: Contract, owner: LocalAccount, to: str, work_id: str) -> None:
    token = int(work_id, 16)
    transact(w3, owner, registry.functions.transferFrom(owner.address, to, token))


def test_verify_unknown_file_not_registered(client: TestClient, deployment: Deployment) -> None:
    data = os.urandom(256)
    response = client.post("/v1/verify", files={"file": ("x.bin", data)})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "registered": False,
        "content_hash": sha256_hex(data),
        "chain_id": deployment.chain_id,
        "contract_address": deployment.registry_address,
        "work": None,
        "custody": [],
        "metadata": None,
        "chain_check": None,
        "flagged": False,
        "lineage": {"parent": None, "derivatives": []},
        "offers": [],
        "licenses": [],
        "disputes": [],
        "anchor": None,
    }


def test_verify_registered_file_provenance(
    client: TestClient, w3: Web3, deployment: Deployment, creator: LocalAccount
) -> None:
    data = os.urandom(2048)
    registered = _upload_signed(client, creator, data)
    response = client.post("/v1/verify", files={"file": ("copy.wav", data, "audio/wav")})
    assert response.status_code == 200, response.text
    answer = response.json()

    receipt = w3.eth.get_transaction_receipt(registered["tx_hash"])
    block = w3.eth.get_block(receipt["blockNumber"])
    work = answer["work"]
    assert answer["registered"] is True
    assert answer["content_hash"] == work["work_id"] == sha256_hex(data)
    assert answer["chain_id"] == deployment.chain_id == w3.eth.chain_id
    assert answer["contract_address"] == deployment.registry_address
    assert work["creator"] == work["owner"] == creator.address
    assert work["tx_hash"] == receipt["transactionHash"].to_0x_hex()
    assert work["block_number"] == receipt["blockNumber"]
    assert work["block_hash"] == block["hash"].to_0x_hex()
    assert work["registered_at"] == block["timestamp"]
    assert work["log_index"] in {entry["logIndex"] for entry in receipt["logs"]}
    assert answer["chain_check"]["owner_matches"] is True
    assert answer["chain_check"]["receipt_matches"] is True
    assert answer["chain_check"]["consistent"] is True
    assert answer["chain_check"]["checked_at_block"] >= receipt["blockNumber"]
    metadata = answer["metadata"]
    assert metadata == {
        "on_chain_hash": registered["metadata_hash"],
        "available": True,
        "matches": True,
        "document": metadata["document"],
    }
    assert metadata["document"]["title"] == "Master"
    assert [t["kind"] for t in answer["custody"]] == ["registration"]
    mint = answer["custody"][0]
    assert (mint["from_address"], mint["to_address"]) == (ZERO, creator.address)
    assert mint["timestamp"] == block["timestamp"]

    assert _verify(client, sha256_hex(data)) == answer
    assert _verify(client, "0X" + sha256_hex(data)[2:].upper()) == answer
    assert client.get(f"/v1/works/{work['work_id']}/provenance").json() == answer


def test_provenance_after_transfers_lists_custody(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount, stranger: LocalAccount
) -> None:
    work_id = register_signed(client, creator)["work_id"]
    token = int(work_id, 16)
    final_owner = dev_account(3).address
    _transfer(w3, registry, creator, stranger.address, work_id)
    safe = registry.functions.safeTransferFrom(stranger.address, final_owner, token)
    transact(w3, stranger, safe)
    runtime_of(client).indexer().sync()

    answer = _verify(client, work_id)
    custody = answer["custody"]
    assert [(t["kind"], t["from_address"], t["to_address"]) for t in custody] == [
        ("registration", ZERO, creator.address),
        ("transfer", creator.address, stranger.address),
        ("transfer", stranger.address, final_owner),
    ]
    assert [t["block_number"] for t in custody] == sorted(t["block_number"] for t in custody)
    assert answer["work"]["owner"] == final_owner
    assert answer["work"]["creator"] == creator.address
    assert registry.functions.creatorOf(token).call() == creator.address
    assert registry.functions.ownerOf(token).call() == final_owner
    assert answer["chain_check"]["consistent"] is True
    assert client.get(f"/v1/works/{work_id}").json()["owner"] == final_owner


def test_provenance_stale_index_inconsistent(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount, stranger: LocalAccount
) -> None:
    work_id = register_signed(client, creator)["work_id"]
    _transfer(w3, registry, creator, stranger.address, work_id)
    answer = _verify(client, work_id)
    assert answer["work"]["owner"] == creator.address  # the index has not seen the transfer
    assert answer["chain_check"]["owner_matches"] is False
    assert answer["chain_check"]["receipt_matches"] is True
    assert answer["chain_check"]["consistent"] is False


def test_verify_tampered_metadata_mismatch(client: TestClient, creator: LocalAccount) -> None:
    registered = register_signed(client, creator, work_in(title="Original"))
    with runtime_of(client).sessions.begin() as session:
        row = session.get(MetadataDocument, registered["metadata_hash"])
        row.document = row.document.replace("Original", "Forgery")
    metadata = _verify(client, registered["work_id"])["metadata"]
    assert metadata["available"] is True
    assert metadata["matches"] is False
    assert metadata["on_chain_hash"] == registered["metadata_hash"]
    assert metadata["document"]["title"] == "Forgery"


def test_verify_corrupt_metadata_document_mismatch(server: TestClient) -> None:
    registered = register_dev(server, 1, [work_in()])[0]
    with runtime_of(server).sessions.begin() as session:
        row = session.get(MetadataDocument, registered["metadata_hash"])
        row.document = row.document[:-5]
    metadata = _verify(server, registered["work_id"])["metadata"]
    assert metadata["available"] is True
    assert metadata["matches"] is False


def test_verify_on_chain_not_indexed_registered(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    content_hash = random_hash()
    register_on_chain(w3, registry, creator, [content_hash])
    answer = _verify(client, content_hash)
    assert answer["registered"] is True
    assert answer["work"] is None

    runtime_of(client).indexer().sync()
    answer = _verify(client, content_hash)
    assert answer["work"]["creator"] == creator.address
    assert answer["metadata"]["available"] is False  # registered around the service
    assert answer["metadata"]["matches"] is False
    assert answer["chain_check"]["consistent"] is True
    assert client.get(f"/v1/works/{content_hash}/metadata").status_code == 404


def test_verify_work_inside_batch_consistent(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    hashes = [random_hash() for _ in range(40)]
    register_on_chain(w3, registry, creator, hashes)
    runtime_of(client).indexer().sync()
    for content_hash in (hashes[0], hashes[23], hashes[-1]):
        assert _verify(client, content_hash)["chain_check"]["consistent"] is True


def test_verify_index_row_not_the_chain_log_receipt_mismatch(
    client: TestClient, creator: LocalAccount
) -> None:
    work_id = register_signed(client, creator)["work_id"]
    with runtime_of(client).sessions.begin() as session:
        session.get(Work, work_id).log_index += 1  # the index no longer matches the chain's log
    check = _verify(client, work_id)["chain_check"]
    assert check["owner_matches"] is True
    assert check["receipt_matches"] is False
    assert check["consistent"] is False
