"""Where a work comes from: the index's account of it, checked against the chain itself."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain.registry import RegistryClient
from backend.db.models import Derivative, LicenseEvent, MetadataDocument, Transfer, Work
from backend.indexer.apply import ZERO_ADDRESS
from backend.indexer.events import WORK_REGISTERED_TOPIC
from backend.services import market
from backend.services.archives.inclusion import inclusion_proof
from backend.services.metadata import document_hash
from backend.services.provenance_schemas import (
    ChainCheck,
    Lineage,
    MetadataCheck,
    Provenance,
    TransferOut,
)
from backend.services.works import work_out


def provenance(
    *, session: Session, registry: RegistryClient, content_hash: str, public_url: str
) -> Provenance:
    """The provenance of ``content_hash``; an unknown hash answers ``registered: false``."""
    answer = Provenance(
        registered=False,
        content_hash=content_hash,
        chain_id=registry.chain_id,
        contract_address=registry.address,
        anchor=inclusion_proof(session=session, registry=registry, content_hash=content_hash),
    )
    work = session.get(Work, content_hash)
    if work is None:
        # Registered on chain but not indexed yet (e.g. awaiting confirmations) still counts.
        answer.registered = registry.owner_of(int(content_hash, 16)) is not None
        if answer.anchor is not None:
            answer.metadata = _metadata_check(session, answer.anchor.metadata_hash)
        return answer
    transfers = session.scalars(
        select(Transfer)
        .where(Transfer.work_id == content_hash)
        .order_by(Transfer.block_number, Transfer.log_index)
    )
    return answer.model_copy(
        update={
            "registered": True,
            "work": work_out(work, public_url=public_url),
            "custody": [_transfer_out(t) for t in transfers],
            "metadata": _metadata_check(session, work.metadata_hash),
            "chain_check": _chain_check(registry, work),
            **_market_record(session, work),
        }
    )


def _market_record(session: Session, work: Work) -> dict[str, object]:
    """Offers, licences sold, lineage and disputes, from the index."""
    now = int(time.time())
    sold = session.scalars(
        select(LicenseEvent)
        .where(LicenseEvent.work_id == work.work_id, LicenseEvent.event == "purchase")
        .order_by(LicenseEvent.block_number, LicenseEvent.log_index)
    )
    parent = session.get(Derivative, work.work_id)
    children = session.scalars(
        select(Derivative.work_id).where(Derivative.parent_id == work.work_id)
    )
    return {
        "flagged": work.flagged,
        "offers": [market.offer_out(o) for o in market.offers_of(session, work.work_id)],
        "licenses": [market.license_out(e, now) for e in sold],
        "lineage": Lineage(parent=parent.parent_id if parent else None, derivatives=list(children)),
        "disputes": [
            market.dispute_out(d)
            for d in market.disputes(session, work_id=work.work_id, status=None)
        ],
    }


def _transfer_out(transfer: Transfer) -> TransferOut:
    return TransferOut(
        from_address=transfer.from_address,
        to_address=transfer.to_address,
        kind="registration" if transfer.from_address == ZERO_ADDRESS else "transfer",
        block_number=transfer.block_number,
        block_hash=transfer.block_hash,
        tx_hash=transfer.tx_hash,
        log_index=transfer.log_index,
        timestamp=transfer.timestamp,
    )


def _metadata_check(session: Session, metadata_hash: str) -> MetadataCheck:
    stored = session.get(MetadataDocument, metadata_hash)
    if stored is None:
        return MetadataCheck(
            on_chain_hash=metadata_hash, available=False, matches=False, document=None
        )
    matches = document_hash(stored.document.encode()) == metadata_hash
    try:
        document = json.loads(stored.document)
    except ValueError:
        document = None  # corrupted beyond JSON: report it, do not fail the verification
    return MetadataCheck(
        on_chain_hash=metadata_hash,
        available=True,
        matches=matches and isinstance(document, dict),
        document=document if isinstance(document, dict) else None,
    )


def _chain_check(registry: RegistryClient, work: Work) -> ChainCheck:
    """The owner from `ownerOf`, and the registration log re-read from the canonical block at
    the height the index records (not the whole receipt: a batch's holds a log per work), in
    one request to the node."""
    height = hex(work.block_number)
    head, owner_answer, logs = registry.read_batch(
        [
            ("eth_blockNumber", []),
            registry.owner_of_read(int(work.work_id, 16)),
            (
                "eth_getLogs",
                [
                    {
                        "address": registry.address,
                        "fromBlock": height,
                        "toBlock": height,
                        "topics": [WORK_REGISTERED_TOPIC, work.work_id],
                    }
                ],
            ),
        ]
    )
    owner = registry.owner_in(owner_answer)
    receipt_matches = any(_is_registration_of(log, work) for log in logs.get("result") or [])
    owner_matches = owner == work.owner
    return ChainCheck(
        checked_at_block=int(head["result"], 16),
        owner_matches=owner_matches,
        receipt_matches=receipt_matches,
        consistent=owner_matches and receipt_matches,
    )


def _is_registration_of(log: dict[str, Any], work: Work) -> bool:
    """Whether a raw `WorkRegistered` log (hex strings, as the node sends it; its topics
    already filtered to this work) is the one the index recorded."""
    topics, data = log["topics"], log["data"]
    return (
        log["blockHash"] == work.block_hash
        and log["transactionHash"] == work.tx_hash
        and int(log["logIndex"], 16) == work.log_index
        and int(topics[2], 16) == int(work.creator, 16)
        and data[:66] == work.metadata_hash
    )
