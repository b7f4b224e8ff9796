"""Check a proof bundle (from `GET /v1/works/{id}/proof`) and the file it is about against any
Ethereum JSON-RPC endpoint. Needs only web3 and the standard library, never the registry's
service or database, so `scripts/verify_proof.py` stays a standalone checker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from web3 import Web3

WORK_REGISTERED = "0x" + Web3.keccak(text="WorkRegistered(uint256,address,bytes32)").hex()


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _sha256(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def _word(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def check_bundle(bundle: dict[str, Any], file_bytes: bytes | None, w3: Web3) -> list[Check]:
    """Every check a verifier needs, each reported on its own."""
    content_hash = bundle["content_hash"].lower()
    checks = []
    if file_bytes is not None:
        actual = _sha256(file_bytes)
        checks.append(Check("file_hash", actual == content_hash, f"sha256(file) = {actual}"))
    document = bundle.get("metadata_document")
    if document is not None:
        digest = _sha256(document.encode())
        checks.append(
            Check(
                "metadata_hash",
                digest == bundle["metadata_hash"].lower(),
                f"sha256(document) = {digest}",
            )
        )
        bound = json.loads(document).get("content_hash", "").lower() == content_hash
        checks.append(Check("metadata_names_content", bound, "document's content_hash"))
    chain_id = w3.eth.chain_id
    checks.append(Check("chain_id", chain_id == bundle["chain_id"], f"node chain id {chain_id}"))
    block = w3.eth.get_block(bundle["block_number"])
    block_hash = block["hash"].to_0x_hex()
    checks.append(
        Check(
            "block",
            block_hash == bundle["block_hash"].lower(),
            f"block {bundle['block_number']} is {block_hash} on this node",
        )
    )
    receipt = w3.eth.get_transaction_receipt(bundle["tx_hash"])
    in_block = receipt["blockHash"].to_0x_hex() == bundle["block_hash"].lower()
    checks.append(
        Check(
            "receipt",
            receipt["status"] == 1 and in_block,
            f"status {receipt['status']}, block {receipt['blockHash'].to_0x_hex()}",
        )
    )
    log = next((e for e in receipt["logs"] if e["logIndex"] == bundle["log_index"]), None)
    expected_topics = [WORK_REGISTERED, content_hash, _word(bundle["creator"])]
    log_ok = (
        log is not None
        and log["address"].lower() == bundle["contract_address"].lower()
        and [t.to_0x_hex() for t in log["topics"]] == expected_topics
        and log["data"].to_0x_hex() == bundle["metadata_hash"].lower()
    )
    checks.append(
        Check(
            "registration_log",
            log_ok,
            "WorkRegistered(content hash, creator, metadata hash) by the contract",
        )
    )
    return checks
