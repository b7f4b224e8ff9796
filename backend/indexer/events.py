"""Decode the contracts' logs: the registry's two hot events by topic, without ABI machinery
in the loop; the rest (market, lineage) through the ABI into a generic `ContractEvent`.

The indexer reads logs raw (`decode_raw`, hex strings as the node sends them): web3's per-log
formatting cost more than the decoding itself. Receipts' logs come formatted (`decode`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
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


RawLog = dict[str, Any]
"""A log as `eth_getLogs` answers it: hex strings, no formatting."""


def _word(value: bytes) -> str:
    return "0x" + bytes(value).hex()


@lru_cache(maxsize=65_536)
def _checksum(topic: str) -> str:
    """The checksummed address in a 32-byte topic (0x-hex): a keccak each, and the same
    creators and holders recur in every range, hence the cache."""
    return to_checksum_address("0x" + topic[-40:])


def _position(log: LogReceipt) -> LogPosition:
    return LogPosition(
        block_number=log["blockNumber"],
        block_hash=_word(log["blockHash"]),
        tx_hash=_word(log["transactionHash"]),
        log_index=log["logIndex"],
    )


def _raw_position(log: RawLog) -> LogPosition:
    return LogPosition(
        block_number=int(log["blockNumber"], 16),
        block_hash=log["blockHash"],
        tx_hash=log["transactionHash"],
        log_index=int(log["logIndex"], 16),
    )


def _hot(
    topics: list[str], data: str, position: LogPosition
) -> WorkRegisteredEvent | TransferEvent | None:
    """A registration or transfer from its 0x-hex topics and data, or None for another log."""
    if not topics:
        return None
    if topics[0] == WORK_REGISTERED_TOPIC:
        return WorkRegisteredEvent(
            position=position,
            work_id=topics[1],
            creator=_checksum(topics[2]),
            metadata_hash=data[:66],
        )
    if topics[0] == TRANSFER_TOPIC and len(topics) == 4:
        return TransferEvent(
            position=position,
            work_id=topics[3],
            from_address=_checksum(topics[1]),
            to_address=_checksum(topics[2]),
        )
    return None


def decode_log(log: LogReceipt) -> WorkRegisteredEvent | TransferEvent | None:
    """The registration or transfer a (web3-formatted) log carries, or None for another log."""
    topics = [_word(t) for t in log["topics"]]
    return _hot(topics, _word(log["data"]), _position(log)) if topics else None


def _formatted(log: RawLog) -> LogReceipt:
    """A raw log in web3's form, for the ABI decoder (the rare, non-hot events only)."""
    formatted: Any = {
        "address": to_checksum_address(log["address"]),
        "topics": [HexBytes(t) for t in log["topics"]],
        "data": HexBytes(log["data"]),
        "blockNumber": int(log["blockNumber"], 16),
        "blockHash": HexBytes(log["blockHash"]),
        "transactionHash": HexBytes(log["transactionHash"]),
        "transactionIndex": int(log["transactionIndex"], 16),
        "logIndex": int(log["logIndex"], 16),
        "removed": bool(log.get("removed", False)),
    }
    return cast(LogReceipt, formatted)


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
        self._registry_lower = registry.address.lower()
        self._events: dict[tuple[str, str], Any] = {}
        for contract in (registry, market):
            names = {str(e.get("name")) for e in contract.abi if e.get("type") == "event"}
            for name in names.intersection(self.FOLLOWED):
                event = contract.events[name]()
                self._events[(contract.address, event.topic)] = event

    def decode(self, log: LogReceipt) -> RegistryEvent | None:
        """A web3-formatted log (from a receipt) as an event, or None if not followed."""
        fast = decode_log(log) if log["address"] == self.addresses[0] else None
        if fast is not None:
            return fast
        return self._decode_abi(log)

    def decode_raw(self, log: RawLog) -> RegistryEvent | None:
        """A raw `eth_getLogs` log as an event: the hot events straight from the hex."""
        if log["address"].lower() == self._registry_lower:
            fast = _hot(log["topics"], log["data"], _raw_position(log))
            if fast is not None:
                return fast
        return self._decode_abi(_formatted(log)) if log["topics"] else None

    def _decode_abi(self, log: LogReceipt) -> ContractEvent | None:
        if not log["topics"]:
            return None
        event = self._events.get((log["address"], _word(log["topics"][0])))
        if event is None:
            return None
        decoded = event.process_log(log)
        args = dict(decoded["args"])
        return ContractEvent(position=_position(log), name=decoded["event"], args=args)
