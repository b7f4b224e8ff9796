"""Check a proof bundle (from `GET /v1/works/{id}/proof`), or an anchored work's inclusion
proof (the `anchor` of a verify answer), and the file it is about against any Ethereum JSON-RPC
endpoint. Needs only web3 and the standard library, never the registry's service or
database, so `scripts/verify_proof.py` stays a standalone checker.
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


ARCHIVE_ANCHORED = "0x" + Web3.keccak(text="ArchiveAnchored(bytes32,address,uint32,uint64)").hex()
ANCHOR_OF = Web3.keccak(text="anchorOf(address,bytes32)")[:4]


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value.lower().removeprefix("0x"))


def _archive_leaf(archivist: str, content_hash: str, metadata_hash: str) -> bytes:
    encoded = _bytes(_word(archivist)) + _bytes(content_hash) + _bytes(metadata_hash)
    return bytes(Web3.keccak(Web3.keccak(encoded)))


def _words(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 32]) for i in range(0, len(data), 32)]


def _merkle_root(leaf: bytes, path: list[str]) -> bytes:
    """OpenZeppelin `MerkleProof.processProof`: each pair hashed smaller first."""
    node = leaf
    for sibling in map(_bytes, path):
        node = bytes(Web3.keccak(node + sibling if node < sibling else sibling + node))
    return node


def check_inclusion(proof: dict[str, Any], file_bytes: bytes | None, w3: Web3) -> list[Check]:
    """Every check that a work is in an anchored archive (the ``anchor`` of a verify answer):
    the leaf and the path up to the root, recomputed here; the root's anchor time and count
    from the contract; the `ArchiveAnchored` log in the anchoring transaction's receipt."""
    checks = []
    if file_bytes is not None:
        actual = _sha256(file_bytes)
        ok = actual == proof["content_hash"].lower()
        checks.append(Check("file_hash", ok, f"sha256(file) = {actual}"))
    leaf = _archive_leaf(proof["archivist"], proof["content_hash"], proof["metadata_hash"])
    checks.append(
        Check("leaf", "0x" + leaf.hex() == proof["leaf"].lower(), "keccak(keccak(abi.encode))")
    )
    root = "0x" + _merkle_root(leaf, proof["proof"]).hex()
    checks.append(Check("merkle_path", root == proof["root"].lower(), f"path leads to {root}"))
    chain_id = w3.eth.chain_id
    checks.append(Check("chain_id", chain_id == proof["chain_id"], f"node chain id {chain_id}"))
    contract = Web3.to_checksum_address(proof["contract_address"])
    data = ANCHOR_OF + _bytes(_word(proof["archivist"])) + _bytes(proof["root"])
    answer = _words(bytes(w3.eth.call({"to": contract, "data": data})))
    anchored_at, count = (answer + [0, 0])[:2]  # no contract there answers nothing
    checks.append(
        Check(
            "anchor_on_chain",
            anchored_at == proof["anchored_at"] and count == proof["count"],
            f"anchorOf(archivist, root) = ({anchored_at}, {count})",
        )
    )
    receipt = w3.eth.get_transaction_receipt(proof["tx_hash"])
    block = w3.eth.get_block(receipt["blockNumber"])
    log = next((e for e in receipt["logs"] if e["logIndex"] == proof["log_index"]), None)
    log_ok = (
        receipt["status"] == 1
        and block["hash"].to_0x_hex() == proof["block_hash"].lower()
        and block["timestamp"] == proof["anchored_at"]
        and log is not None
        and log["address"].lower() == contract.lower()
        and [t.to_0x_hex() for t in log["topics"]]
        == [ARCHIVE_ANCHORED, proof["root"].lower(), _word(proof["archivist"])]
        and _words(bytes(log["data"])) == [proof["count"], proof["anchored_at"]]
    )
    checks.append(
        Check("anchor_log", log_ok, "ArchiveAnchored(root, archivist, count, time) in its block")
    )
    return checks
