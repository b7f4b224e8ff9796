"""Decode the contracts' logs: the registry's two hot events by topic, without ABI machinery
in the loop; the rest (market, lineage) through the ABI into a generic `ContractEvent`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.types import LogReceipt

WORK_REGISTERED_TOPIC = "0x" + keccak(text="WorkRegistered(uint256,address,bytes32)").hex()
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


@dataclass(frozen=True)
class LogPosition:
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class WorkRegisteredEvent:
    position: LogPosition
    work_id: str
    creator: str
    metadata_hash: str


@dataclass(frozen=True)
class TransferEvent:
    position: LogPosition
    work_id: str
    from_address: str
    to_address: str


@dataclass(frozen=True)
class ContractEvent:
    """Any other event of the registry or the market, with its ABI-decoded arguments."""

    position: LogPosition
    name: str
    args: dict[str, Any]


RegistryEvent = WorkRegisteredEvent | TransferEvent | ContractEvent


def _word(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _address(topic: bytes) -> str:
    return to_checksum_address(bytes(topic)[-20:])


def _position(log: LogReceipt) -> LogPosition:
    return LogPosition(
        block_number=log["blockNumber"],
        block_hash=_word(log["blockHash"]),
        tx_hash=_word(log["transactionHash"]),
        log_index=log["logIndex"],
    )


def decode_log(log: LogReceipt) -> WorkRegisteredEvent | TransferEvent | None:
    """The registration or transfer a log carries, or None for any other log."""
    topics = log["topics"]
    if not topics:
        return None
    position = _position(log)
    signature = _word(topics[0])
    if signature == WORK_REGISTERED_TOPIC:
        return WorkRegisteredEvent(
            position=position,
            work_id=_word(topics[1]),
            creator=_address(topics[2]),
            metadata_hash=_word(bytes(log["data"])[:32]),
        )
    if signature == TRANSFER_TOPIC and len(topics) == 4:
        return TransferEvent(
            position=position,
            work_id=_word(topics[3]),
            from_address=_address(topics[1]),
            to_address=_address(topics[2]),
        )
    return None


def registrations_in(logs: list[LogReceipt], contract: str) -> list[WorkRegisteredEvent]:
    """The `WorkRegistered` events that ``contract`` emitted among a receipt's logs."""
    return [
        event
        for event in (decode_log(entry) for entry in logs if entry["address"] == contract)
        if isinstance(event, WorkRegisteredEvent)
    ]


class EventDecoder:
    """Decodes every log of the registry and the market that the index follows."""

    FOLLOWED = (
        "DerivativeRegistered",
        "PayeesSet",
        "OfferCreated",
        "OfferStatusChanged",
        "LicensePurchased",
        "LicenseTransferred",
        "DisputeOpened",
        "DisputeResolved",
        "ArchiveAnchored",
        "AnchoredWorkClaimed",
    )

    def __init__(self, registry: Contract, market: Contract) -> None:
        self.addresses = [registry.address, market.address]
        self._events: dict[tuple[str, str], Any] = {}
        for contract in (registry, market):
            names = {str(e.get("name")) for e in contract.abi if e.get("type") == "event"}
            for name in names.intersection(self.FOLLOWED):
                event = contract.events[name]()
                self._events[(contract.address, event.topic)] = event

    def decode(self, log: LogReceipt) -> RegistryEvent | None:
        fast = decode_log(log) if log["address"] == self.addresses[0] else None
        if fast is not None:
            return fast
        if not log["topics"]:
            return None
        event = self._events.get((log["address"], _word(log["topics"][0])))
        if event is None:
            return None
        decoded = event.process_log(log)
        args = dict(decoded["args"])
        return ContractEvent(position=_position(log), name=decoded["event"], args=args)
