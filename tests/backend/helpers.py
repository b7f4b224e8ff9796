"""What the API tests do the way a real client would: ask for typed data, sign it, post it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from httpx import Response
from web3 import Web3
from web3.contract import Contract

from backend.chain.compiler import REPO_ROOT
from backend.client.signing import sign_interactions
from backend.core.runtime import Runtime
from backend.services.interactions import InteractionIn
from tests.conftest import random_hash

ERROR_KEYS = {"code", "message", "details"}


def sha256_hex(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def verify_proof_script(
    proof: dict[str, Any], file_bytes: bytes, rpc_url: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """`scripts/verify_proof.py` run on its own, as a verifier would, on ``proof`` and the file."""
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "file.bin").write_bytes(file_bytes)
    script = REPO_ROOT / "scripts" / "verify_proof.py"
    command = [sys.executable, str(script), "proof.json", "file.bin", "--rpc", rpc_url]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)


def runtime_of(client: TestClient) -> Runtime:
    """The running app's database, registry and indexer."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def work_in(content_hash: str | None = None, **metadata: Any) -> dict[str, Any]:
    """One work as the JSON bodies take it; a random content hash unless given."""
    metadata.setdefault("title", "Untitled")
    return {"content_hash": content_hash or random_hash(), "metadata": metadata}


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is `{"error": {"code", "message", "details"}}` with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    details: dict[str, Any] = error["details"]
    return details


def typed_data(
    client: TestClient, creator: str, works: list[dict[str, Any]], deadline: int | None = None
) -> dict[str, Any]:
    """`POST /v1/works/typed-data`: the EIP-712 message the creator's wallet would sign."""
    deadline = int(time.time()) + 3600 if deadline is None else deadline
    response = client.post(
        "/v1/works/typed-data", json={"creator": creator, "deadline": deadline, "works": works}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sign(message: dict[str, Any], account: LocalAccount) -> str:
    signed = Account.sign_message(encode_typed_data(full_message=message), account.key)
    return "0x" + bytes(signed.signature).hex()


def signed_auth(
    client: TestClient,
    creator: LocalAccount,
    works: list[dict[str, Any]],
    *,
    signer: LocalAccount | None = None,
    deadline: int | None = None,
) -> dict[str, Any]:
    """The auth fields of a request whose typed data ``signer`` (the creator by default) signs."""
    message = typed_data(client, creator.address, works, deadline)["typed_data"]
    return {
        "creator": creator.address,
        "deadline": message["message"]["deadline"],
        "signature": sign(message, signer or creator),
    }


def register_signed(
    client: TestClient, creator: LocalAccount, work: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Register one work with the creator's own signature; returns the 201 body."""
    work = work or work_in()
    response = client.post("/v1/works", json={**work, **signed_auth(client, creator, [work])})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def register_dev(
    client: TestClient, dev_account: int, works: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Register works in dev mode, one work per request or one batch."""
    if len(works) == 1:
        response = client.post("/v1/works", json={**works[0], "dev_account": dev_account})
        assert response.status_code == 201, response.text
        return [response.json()]
    response = client.post("/v1/works/batch", json={"works": works, "dev_account": dev_account})
    assert response.status_code == 201, response.text
    registered: list[dict[str, Any]] = response.json()["works"]
    return registered


def transact(w3: Web3, account: LocalAccount, fn: Any) -> dict[str, Any]:
    """Send a contract call from ``account``'s own key and wait for it to succeed."""
    tx = fn.build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address)}
    )
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
    assert receipt["status"] == 1
    return dict(receipt)


def transact_value(w3: Web3, account: LocalAccount, to: str, value: int) -> None:
    """A plain value transfer from ``account``'s own key."""
    tx = {
        "to": to,
        "value": value,
        "gas": 21_000,
        "gasPrice": w3.eth.gas_price * 2,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
    }
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)["status"] == 1


def register_on_chain(
    w3: Web3, registry: Contract, account: LocalAccount, content_hashes: list[str]
) -> dict[str, Any]:
    """Register works with the contract's own `registerBatch`, bypassing the service."""
    metadata = [bytes.fromhex(random_hash()[2:]) for _ in content_hashes]
    hashes = [bytes.fromhex(h[2:]) for h in content_hashes]
    return transact(w3, account, registry.functions.registerBatch(hashes, metadata))


PRICE = 10**17


def register_work(client: TestClient, dev: int, **extra: Any) -> str:
    body = {
        "content_hash": random_hash(),
        "metadata": {"title": f"work {os.urandom(3).hex()}"},
        "dev_account": dev,
        **extra,
    }
    response = client.post("/v1/works", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["work_id"])


def create_offer(client: TestClient, work_id: str, dev: int, **terms: Any) -> dict[str, Any]:
    body = {"kind": "commercial", "price_wei": PRICE, "dev_account": dev, **terms}
    response = client.post(f"/v1/works/{work_id}/offers", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def buy_license(client: TestClient, work_id: str, offer_id: int, **auth: Any) -> Any:
    return client.post("/v1/licenses", json={"work_id": work_id, "offer_id": offer_id, **auth})


def signed_interactions(
    client: TestClient,
    signer: LocalAccount,
    events: list[dict[str, Any]],
    *,
    chain_id: int | None = None,
    timestamp: int | None = None,
) -> dict[str, Any]:
    """A `POST /v1/interactions` body signed by ``signer`` (for another chain if asked)."""
    chain = client.get("/v1/chain").json()
    signed_at = int(time.time()) if timestamp is None else timestamp
    signature = sign_interactions(
        signer,
        chain_id=chain["chain_id"] if chain_id is None else chain_id,
        contract=chain["registry_address"],
        events=[InteractionIn(**e) for e in events],
        timestamp=signed_at,
    )
    return {
        "account": signer.address,
        "timestamp": signed_at,
        "events": events,
        "signature": signature,
    }
