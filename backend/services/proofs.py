"""Proof bundles: everything a third party needs to check a registration against any
Ethereum node, without this service (see `scripts/verify_proof.py`)."""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from sqlalchemy.orm import Session

from backend.chain.registry import RegistryClient
from backend.core.errors import NotFound
from backend.db.models import MetadataDocument
from backend.services.works import get_work

BUNDLE_VERSION = 1


def proof_bundle(*, session: Session, registry: RegistryClient, work_id: str) -> dict[str, Any]:
    """The registration's receipt fields, log, block and metadata document, as JSON."""
    work = get_work(session, work_id)
    receipt = registry.receipt(work.tx_hash)
    if receipt is None:
        raise NotFound("the registration's receipt is not on the chain", tx_hash=work.tx_hash)
    log = next((entry for entry in receipt["logs"] if entry["logIndex"] == work.log_index), None)
    if log is None:
        raise NotFound("the registration's log is not in its receipt", tx_hash=work.tx_hash)
    document = session.get(MetadataDocument, work.metadata_hash)
    return {
        "version": BUNDLE_VERSION,
        "content_hash": work.work_id,
        "chain_id": registry.chain_id,
        "contract_address": registry.address,
        "tx_hash": work.tx_hash,
        "block_number": work.block_number,
        "block_hash": work.block_hash,
        "log_index": work.log_index,
        "creator": work.creator,
        "metadata_hash": work.metadata_hash,
        "receipt": {
            "status": receipt["status"],
            "transaction_index": receipt["transactionIndex"],
            "log": {
                "address": log["address"],
                "topics": [HexBytes(t).to_0x_hex() for t in log["topics"]],
                "data": HexBytes(log["data"]).to_0x_hex(),
            },
        },
        "metadata_document": document.document if document is not None else None,
        "merkle_proof": None,
    }
