"""Write decoded events into the index. Applying the same events twice changes nothing: rows
are keyed by their log position or natural key, and counters move only with a new row."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import (
    ArchiveAnchor,
    Derivative,
    DisputeRecord,
    LicenseEvent,
    Offer,
    PayeeSplit,
    Transfer,
    Work,
)
from backend.indexer.events import (
    ContractEvent,
    LogPosition,
    RegistryEvent,
    TransferEvent,
    WorkRegisteredEvent,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
LICENSE_KINDS = ("personal", "commercial", "derivative")
PERPETUAL = 2**64 - 1
KEY_CHUNK = 5_000  # bound parameters per IN (...) query, under every database's limit


def work_hex(work_id: int) -> str:
    return f"0x{work_id:064x}"


def chain_text(value: str) -> str:
    """A string from an event, storable in every database: PostgreSQL text cannot hold NUL,
    which anyone may put on chain, so it becomes U+FFFD (as on SQLite, for one index)."""
    return value.replace("\x00", "\ufffd")


class _Batch:
    """One block range's events applied in one session, with the keys already present.

    The registered works already indexed are read up front, in one query per chunk: a
    `session.get` per registration would flush the session each time, one row at a time."""

    def __init__(self, session: Session, events: Sequence[RegistryEvent], times: dict[int, int]):
        self.session = session
        self.times = times
        low, high = events[0].position.block_number, events[-1].position.block_number
        self.seen_logs: set[tuple[str, int]] = set()
        for table in (Transfer, LicenseEvent):
            rows = session.execute(
                select(table.tx_hash, table.log_index).where(table.block_number.between(low, high))
            )
            self.seen_logs.update((tx_hash, log_index) for tx_hash, log_index in rows)
        registered = [e.work_id for e in events if isinstance(e, WorkRegisteredEvent)]
        self.known_works: set[str] = set()
        for first in range(0, len(registered), KEY_CHUNK):
            chunk = registered[first : first + KEY_CHUNK]
            self.known_works.update(
                session.scalars(select(Work.work_id).where(Work.work_id.in_(chunk)))
            )

    def chain(self, pos: LogPosition) -> dict[str, Any]:
        return {
            "block_number": pos.block_number,
            "block_hash": pos.block_hash,
            "tx_hash": pos.tx_hash,
            "log_index": pos.log_index,
            "timestamp": self.times[pos.block_number],
        }

    def is_new_log(self, pos: LogPosition) -> bool:
        key = (pos.tx_hash, pos.log_index)
        if key in self.seen_logs:
            return False
        self.seen_logs.add(key)
        return True


def apply_events(session: Session, events: Sequence[RegistryEvent], times: dict[int, int]) -> int:
    """Apply ``events`` (in chain order); returns how many were new."""
    if not events:
        return 0
    batch = _Batch(session, events, times)
    added = 0
    for event in events:
        if isinstance(event, WorkRegisteredEvent):
            added += _registered(batch, event)
        elif isinstance(event, TransferEvent):
            added += _transferred(batch, event)
        else:
            added += _HANDLERS[event.name](batch, event)
    return added


def _registered(batch: _Batch, event: WorkRegisteredEvent) -> int:
    if event.work_id in batch.known_works:
        return 0
    batch.known_works.add(event.work_id)
    chain = batch.chain(event.position)
    batch.session.add(
        Work(
            work_id=event.work_id,
            creator=event.creator,
            owner=event.creator,
            metadata_hash=event.metadata_hash,
            registered_at=chain.pop("timestamp"),
            **chain,
        )
    )
    return 1


def _transferred(batch: _Batch, event: TransferEvent) -> int:
    if not batch.is_new_log(event.position):
        return 0
    batch.session.add(
        Transfer(
            work_id=event.work_id,
            from_address=event.from_address,
            to_address=event.to_address,
            **batch.chain(event.position),
        )
    )
    if event.from_address != ZERO_ADDRESS:
        work = batch.session.get(Work, event.work_id)
        if work is not None:
            work.owner = event.to_address
    return 1


def _derivative(batch: _Batch, event: ContractEvent) -> int:
    child = work_hex(event.args["workId"])
    if batch.session.get(Derivative, child) is not None:
        return 0
    parent = work_hex(event.args["parentId"])
    batch.session.add(Derivative(work_id=child, parent_id=parent, **batch.chain(event.position)))
    return 1


def _payees(batch: _Batch, event: ContractEvent) -> int:
    batch.session.merge(
        PayeeSplit(
            work_id=work_hex(event.args["workId"]),
            accounts=json.dumps(list(event.args["accounts"])),
            shares_bps=json.dumps(list(event.args["sharesBps"])),
            **batch.chain(event.position),
        )
    )
    return 1


def _offer_created(batch: _Batch, event: ContractEvent) -> int:
    args = event.args
    key = (work_hex(args["workId"]), args["offerId"])
    if batch.session.get(Offer, key) is not None:
        return 0
    batch.session.add(
        Offer(
            work_id=key[0],
            offer_id=key[1],
            kind=LICENSE_KINDS[args["kind"]],
            price_wei=str(args["price"]),
            duration=args["duration"],
            max_supply=args["maxSupply"],
            sold=0,
            transferable=args["transferable"],
            active=True,
            terms_uri=chain_text(args["termsURI"]),
            terms_hash="0x" + bytes(args["termsHash"]).hex(),
            **batch.chain(event.position),
        )
    )
    return 1


def _offer_status(batch: _Batch, event: ContractEvent) -> int:
    offer = batch.session.get(Offer, (work_hex(event.args["workId"]), event.args["offerId"]))
    if offer is not None:
        offer.active = event.args["active"]
    return 1


def _purchased(batch: _Batch, event: ContractEvent) -> int:
    if not batch.is_new_log(event.position):
        return 0
    args = event.args
    work_id = work_hex(args["workId"])
    batch.session.add(
        LicenseEvent(
            event="purchase",
            work_id=work_id,
            offer_id=args["offerId"],
            holder=args["licensee"],
            kind=LICENSE_KINDS[args["kind"]],
            price_wei=str(args["price"]),
            expiry=_expiry(args["expiry"]),
            **batch.chain(event.position),
        )
    )
    offer = batch.session.get(Offer, (work_id, args["offerId"]))
    if offer is not None:
        offer.sold += 1
    return 1


def _license_transferred(batch: _Batch, event: ContractEvent) -> int:
    if not batch.is_new_log(event.position):
        return 0
    args = event.args
    batch.session.add(
        LicenseEvent(
            event="transfer",
            work_id=work_hex(args["workId"]),
            holder=args["to"],
            from_holder=args["from"],
            kind=LICENSE_KINDS[args["kind"]],
            expiry=_expiry(args["expiry"]),
            **batch.chain(event.position),
        )
    )
    return 1


def _dispute_opened(batch: _Batch, event: ContractEvent) -> int:
    args = event.args
    if batch.session.get(DisputeRecord, args["disputeId"]) is not None:
        return 0
    batch.session.add(
        DisputeRecord(
            dispute_id=args["disputeId"],
            work_id=work_hex(args["workId"]),
            claimant=args["claimant"],
            bond_wei=str(args["bond"]),
            evidence_uri=chain_text(args["evidenceURI"]),
            status="open",
            **batch.chain(event.position),
        )
    )
    return 1


def _dispute_resolved(batch: _Batch, event: ContractEvent) -> int:
    args = event.args
    dispute = batch.session.get(DisputeRecord, args["disputeId"])
    if dispute is None or dispute.status != "open":
        return 0
    dispute.status = "upheld" if args["upheld"] else "rejected"
    dispute.bond_recipient = args["bondRecipient"]
    dispute.resolved_tx_hash = event.position.tx_hash
    dispute.resolved_block = event.position.block_number
    if args["upheld"]:
        work = batch.session.get(Work, dispute.work_id)
        if work is not None:
            work.flagged = True
    return 1


def _archive_anchored(batch: _Batch, event: ContractEvent) -> int:
    key = (event.args["archivist"], "0x" + bytes(event.args["root"]).hex())
    if batch.session.get(ArchiveAnchor, key) is not None:
        return 0
    chain = batch.chain(event.position) | {"timestamp": event.args["anchoredAt"]}
    batch.session.add(
        ArchiveAnchor(archivist=key[0], root=key[1], count=event.args["count"], **chain)
    )
    return 1


def _anchored_claimed(batch: _Batch, event: ContractEvent) -> int:
    """A claimed work was registered when its archive was anchored, not when claimed."""
    work = batch.session.get(Work, work_hex(event.args["workId"]))
    if work is None or work.registered_at == event.args["anchoredAt"]:
        return 0
    work.registered_at = event.args["anchoredAt"]
    return 1


def _expiry(value: int) -> int | None:
    return None if value == PERPETUAL else value


_HANDLERS: dict[str, Callable[[_Batch, ContractEvent], int]] = {
    "DerivativeRegistered": _derivative,
    "PayeesSet": _payees,
    "OfferCreated": _offer_created,
    "OfferStatusChanged": _offer_status,
    "LicensePurchased": _purchased,
    "LicenseTransferred": _license_transferred,
    "DisputeOpened": _dispute_opened,
    "DisputeResolved": _dispute_resolved,
    "ArchiveAnchored": _archive_anchored,
    "AnchoredWorkClaimed": _anchored_claimed,
}
