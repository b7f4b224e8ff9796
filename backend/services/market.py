"""Licensing market: contract calls for offers, payees, purchases and disputes, and the
index's account of them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.contract.contract import ContractFunction

from backend.chain.registry import RegistryClient
from backend.core import errors
from backend.db.models import DisputeRecord, LicenseEvent, Offer, PayeeSplit
from backend.indexer.apply import LICENSE_KINDS, PERPETUAL
from backend.services.market_schemas import (
    DisputeOut,
    LicenseCheck,
    LicenseKind,
    LicenseOut,
    OfferIn,
    OfferOut,
    PayeesIn,
    PayeesOut,
)


def kind_index(kind: LicenseKind) -> int:
    return LICENSE_KINDS.index(kind)


def create_offer_call(registry: RegistryClient, work_id: str, offer: OfferIn) -> ContractFunction:
    return registry.market.functions.createOffer(
        int(work_id, 16),
        kind_index(offer.kind),
        offer.price_wei,
        offer.duration_seconds,
        offer.max_supply,
        offer.transferable,
        offer.terms_uri,
        bytes.fromhex(offer.terms_hash[2:]),
    )


def set_payees_call(registry: RegistryClient, work_id: str, body: PayeesIn) -> ContractFunction:
    if len(body.accounts) != len(body.shares_bps) or sum(body.shares_bps) != 10_000:
        raise errors.InvalidInput(
            "accounts and shares_bps must pair up, with shares summing to 10,000",
            total_bps=sum(body.shares_bps),
        )
    return registry.market.functions.setPayees(int(work_id, 16), body.accounts, body.shares_bps)


def offer_price(registry: RegistryClient, work_id: str, offer_id: int) -> int:
    """The price to pay, read from the chain (the index may lag behind)."""
    offer = registry.call(registry.market.functions.offer(int(work_id, 16), offer_id))
    if not offer[5]:  # active
        raise errors.Conflict(
            "the offer does not exist or is inactive", work_id=work_id, offer_id=offer_id
        )
    return int(offer[0])


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        work_id=offer.work_id,
        offer_id=offer.offer_id,
        kind=offer.kind,
        price_wei=int(offer.price_wei),
        duration_seconds=offer.duration,
        max_supply=offer.max_supply,
        sold=offer.sold,
        transferable=offer.transferable,
        active=offer.active,
        terms_uri=offer.terms_uri,
        terms_hash=offer.terms_hash,
        tx_hash=offer.tx_hash,
        block_number=offer.block_number,
    )


def offers_of(session: Session, work_id: str) -> list[Offer]:
    return list(
        session.scalars(select(Offer).where(Offer.work_id == work_id).order_by(Offer.offer_id))
    )


def offer_created_in(session: Session, tx_hash: str) -> Offer | None:
    return session.scalars(select(Offer).where(Offer.tx_hash == tx_hash)).first()


def payees_of(session: Session, work_id: str) -> PayeesOut | None:
    split = session.get(PayeeSplit, work_id)
    if split is None:
        return None
    return PayeesOut(
        work_id=work_id,
        accounts=json.loads(split.accounts),
        shares_bps=json.loads(split.shares_bps),
    )


def current_licenses(
    session: Session, *, holder: str | None, work_id: str | None, now: int | None = None
) -> list[LicenseOut]:
    """Licences as they stand: purchases and transfers folded per (holder, work, kind)."""
    query = select(LicenseEvent).order_by(LicenseEvent.block_number, LicenseEvent.log_index)
    if work_id is not None:
        query = query.where(LicenseEvent.work_id == work_id)
    if holder is not None:
        query = query.where((LicenseEvent.holder == holder) | (LicenseEvent.from_holder == holder))
    return [
        lic
        for lic in _fold(session.scalars(query), now or int(time.time()))
        if holder is None or lic.holder == holder
    ]


def _fold(events: Iterable[LicenseEvent], now: int) -> list[LicenseOut]:
    held: dict[tuple[str, str, str], LicenseOut] = {}
    for event in events:
        if event.event == "transfer" and event.from_holder is not None:
            held.pop((event.from_holder, event.work_id, event.kind), None)
        held[(event.holder, event.work_id, event.kind)] = license_out(event, now)
    return list(held.values())


def license_out(event: LicenseEvent, now: int) -> LicenseOut:
    return LicenseOut(
        work_id=event.work_id,
        holder=event.holder,
        kind=event.kind,
        offer_id=event.offer_id,
        expiry=PERPETUAL if event.expiry is None else event.expiry,
        perpetual=event.expiry is None,
        valid_now=event.expiry is None or event.expiry > now,
        price_wei=int(event.price_wei),
        acquired=event.event,
        tx_hash=event.tx_hash,
        block_number=event.block_number,
        timestamp=event.timestamp,
    )


def check_license(
    *, session: Session, registry: RegistryClient, work_id: str, account: str, kind: LicenseKind
) -> LicenseCheck:
    """Validity from the chain itself right now, with the indexed event that granted it."""
    latest = registry.block("latest")
    head, now = int(latest["number"]), int(latest["timestamp"])
    record = registry.call(
        registry.market.functions.licenseOf(account, int(work_id, 16), kind_index(kind))
    )
    expiry = int(record[1])
    held = [
        lic
        for lic in current_licenses(session, holder=account, work_id=work_id, now=now)
        if lic.kind == kind
    ]
    return LicenseCheck(
        work_id=work_id,
        account=account,
        kind=kind,
        valid=expiry > now,
        expiry=expiry or None,
        checked_at_block=head,
        proof=held[-1] if held and expiry else None,
    )


def dispute_out(dispute: DisputeRecord) -> DisputeOut:
    return DisputeOut(
        dispute_id=dispute.dispute_id,
        work_id=dispute.work_id,
        claimant=dispute.claimant,
        bond_wei=int(dispute.bond_wei),
        evidence_uri=dispute.evidence_uri,
        status=dispute.status,
        bond_recipient=dispute.bond_recipient,
        tx_hash=dispute.tx_hash,
        block_number=dispute.block_number,
        resolved_tx_hash=dispute.resolved_tx_hash,
    )


def disputes(session: Session, *, work_id: str | None, status: str | None) -> list[DisputeRecord]:
    query = select(DisputeRecord).order_by(DisputeRecord.dispute_id)
    if work_id is not None:
        query = query.where(DisputeRecord.work_id == work_id)
    if status is not None:
        query = query.where(DisputeRecord.status == status)
    return list(session.scalars(query))


def dispute_opened_in(session: Session, tx_hash: str) -> DisputeRecord | None:
    return session.scalars(select(DisputeRecord).where(DisputeRecord.tx_hash == tx_hash)).first()
