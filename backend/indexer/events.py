"""Decode the registry's logs by topic, without ABI machinery in the hot loop."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.types import LogReceipt

WORK_REGISTERED_TOPIC = "0x" + keccak(text="WorkRegistered(uint256,address,bytes32)").hex()
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
TOPICS = [WORK_REGISTERED_TOPIC, TRANSFER_TOPIC]


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


RegistryEvent = WorkRegisteredEvent | TransferEvent


def _word(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _address(topic: bytes) -> str:
    return to_checksum_address(bytes(topic)[-20:])


def decode_log(log: LogReceipt) -> RegistryEvent | None:
    """The event a log carries, or None for a log this indexer does not follow."""
    topics = log["topics"]
    position = LogPosition(
        block_number=log["blockNumber"],
        block_hash=_word(log["blockHash"]),
        tx_hash=_word(log["transactionHash"]),
        log_index=log["logIndex"],
    )
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
