"""Database tables. The index (works, transfers, cursor) is derived from the chain alone and can
be rebuilt from it; metadata documents are the service's own, matched by their on-chain hash
(no foreign key between them, so that the index can be dropped and rebuilt alone)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HASH = String(66)
ADDRESS = String(42)


class Base(DeclarativeBase):
    pass


class Work(Base):
    """A registered work, as the `WorkRegistered` event and the transfers after it say."""

    __tablename__ = "works"

    work_id: Mapped[str] = mapped_column(HASH, primary_key=True, comment="0x SHA-256 of the bytes")
    creator: Mapped[str] = mapped_column(ADDRESS, index=True)
    owner: Mapped[str] = mapped_column(ADDRESS, index=True)
    metadata_hash: Mapped[str] = mapped_column(HASH)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[int] = mapped_column(BigInteger, comment="block timestamp, unix s")
    flagged: Mapped[bool] = mapped_column(
        default=False, server_default=false(), comment="an upheld dispute flagged it"
    )

    __table_args__ = (Index("ix_works_chain_order", "block_number", "log_index"),)


class Transfer(Base):
    """One ERC-721 `Transfer` of a work, its mint included: the chain of custody."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    from_address: Mapped[str] = mapped_column(ADDRESS)
    to_address: Mapped[str] = mapped_column(ADDRESS)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_transfers_log"),)


class IndexerCursor(Base):
    """The last block the indexer has fully processed, per contract."""

    __tablename__ = "indexer_cursor"

    contract: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)


class IndexedBlock(Base):
    """The hash of a recently indexed block (the last ``reorg_window``): after a reorg, the
    highest one that still matches the chain is where it forked."""

    __tablename__ = "indexed_blocks"

    contract: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_hash: Mapped[str] = mapped_column(HASH)


class IndexJournal(Base):
    """One change to an index row made while a recent block range was indexed, with what
    undoes it; a reorg undoes the ranges above its fork point, newest change first."""

    __tablename__ = "index_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract: Mapped[str] = mapped_column(ADDRESS)
    first_block: Mapped[int] = mapped_column(BigInteger, comment="the indexed range's first block")
    last_block: Mapped[int] = mapped_column(BigInteger, comment="the indexed range's last block")
    table_name: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(8), comment="insert, update or delete")
    row_key: Mapped[str] = mapped_column(Text, comment="JSON: the row's primary key")
    before: Mapped[str | None] = mapped_column(Text, comment="JSON: the old column values")

    __table_args__ = (Index("ix_index_journal_range", "contract", "last_block"),)


class MetadataDocument(Base):
    """A work's metadata document exactly as hashed (canonical JSON), keyed by that hash."""

    __tablename__ = "metadata_documents"

    metadata_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    document: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200), index=True)
    creator_name: Mapped[str] = mapped_column(String(200))


class ChainRow:
    """Where an event sits on the chain; every indexed event row carries it."""

    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Offer(ChainRow, Base):
    """A licence offer on a work (`OfferCreated`, then `OfferStatusChanged`)."""

    __tablename__ = "offers"

    work_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    price_wei: Mapped[str] = mapped_column(String(80), comment="decimal string: up to uint96")
    duration: Mapped[int] = mapped_column(BigInteger, comment="seconds; 0 = perpetual")
    max_supply: Mapped[int] = mapped_column(BigInteger, comment="0 = no cap")
    sold: Mapped[int] = mapped_column(BigInteger, default=0)
    transferable: Mapped[bool]
    active: Mapped[bool]
    terms_uri: Mapped[str] = mapped_column(Text)
    terms_hash: Mapped[str] = mapped_column(HASH)


class LicenseEvent(ChainRow, Base):
    """A licence bought (`purchase`) or passed on (`transfer`)."""

    __tablename__ = "license_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(16))
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    offer_id: Mapped[int | None] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(ADDRESS, index=True, comment="buyer or new holder")
    from_holder: Mapped[str | None] = mapped_column(ADDRESS)
    kind: Mapped[str] = mapped_column(String(16))
    price_wei: Mapped[str] = mapped_column(String(80), default="0")
    expiry: Mapped[int | None] = mapped_column(BigInteger, comment="unix s; NULL = perpetual")

    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_license_events_log"),)


class PayeeSplit(ChainRow, Base):
    """A work's current royalty split (`PayeesSet`); JSON lists of accounts and shares."""

    __tablename__ = "payee_splits"

    work_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    accounts: Mapped[str] = mapped_column(Text)
    shares_bps: Mapped[str] = mapped_column(Text)


class DisputeRecord(ChainRow, Base):
    """A dispute (`DisputeOpened`, then `DisputeResolved`)."""

    __tablename__ = "disputes"

    dispute_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    claimant: Mapped[str] = mapped_column(ADDRESS)
    bond_wei: Mapped[str] = mapped_column(String(80))
    evidence_uri: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), comment="open, upheld or rejected")
    bond_recipient: Mapped[str | None] = mapped_column(ADDRESS)
    resolved_tx_hash: Mapped[str | None] = mapped_column(HASH)
    resolved_block: Mapped[int | None] = mapped_column(BigInteger)


class Derivative(ChainRow, Base):
    """Lineage: a work registered as a derivative of a parent (`DerivativeRegistered`)."""

    __tablename__ = "derivatives"

    work_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    parent_id: Mapped[str] = mapped_column(HASH, index=True)


class ArchiveAnchor(ChainRow, Base):
    """An archive's Merkle root anchored on chain (`ArchiveAnchored`); ``timestamp`` is the
    anchor time, which is every one of its works' registration time."""

    __tablename__ = "archive_anchors"

    archivist: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    root: Mapped[str] = mapped_column(HASH, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, comment="works declared (uint32)")


INDEX_TABLES = (
    Work.__table__,
    Transfer.__table__,
    IndexerCursor.__table__,
    Offer.__table__,
    LicenseEvent.__table__,
    PayeeSplit.__table__,
    DisputeRecord.__table__,
    Derivative.__table__,
    ArchiveAnchor.__table__,
)
# The indexer's reorg bookkeeping: derived from the chain too, cleared with the index.
REORG_TABLES = (IndexedBlock.__table__, IndexJournal.__table__)


class InteractionBatch(Base):
    """One signed `POST /v1/interactions` request; its message registers once (no replay)."""

    __tablename__ = "interaction_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(ADDRESS, index=True)
    message_hash: Mapped[str] = mapped_column(HASH, unique=True)
    signed_at: Mapped[int] = mapped_column(BigInteger)


class Interaction(Base):
    """A view, play, like or rating of a work by an account (not on chain)."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    account: Mapped[str] = mapped_column(ADDRESS, index=True)
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None]
    timestamp: Mapped[int] = mapped_column(BigInteger)


class ApiKey(Base):
    """A client's API key. Only its SHA-256 is stored; the plaintext is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), comment="first characters, for display")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="hex SHA-256")
    created_at: Mapped[int] = mapped_column(BigInteger, comment="unix s")
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, comment="unix s; NULL = active")


class Operation(Base):
    """The write outbox: a relayed registration, recorded before it is sent and followed until
    the chain confirms it (accepted -> sent -> confirmed, or failed with the reason)."""

    __tablename__ = "operations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="uuid4 hex")
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(HASH, comment="what the key was first used for")
    kind: Mapped[str] = mapped_column(String(16), comment="register, batch or derivative")
    creator: Mapped[str] = mapped_column(ADDRESS, index=True)
    payload: Mapped[str] = mapped_column(Text, comment="JSON: the call's arguments")
    status: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(ADDRESS)
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(HASH)
    tx_hashes: Mapped[str] = mapped_column(Text, default="[]", comment="JSON: every version sent")
    raw_tx: Mapped[str | None] = mapped_column(Text, comment="0x signed bytes of tx_hash")
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(HASH)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text, comment="JSON")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float, index=True)

    # the reconciler's queries: those pending, and those confirmed in the last blocks (by
    # status alone it read every confirmed operation, a scan that grew with the registry)
    __table_args__ = (Index("ix_operations_status_block", "status", "block_number"),)


class OperationWork(Base):
    """A work claimed by an operation: one pending registration per content hash."""

    __tablename__ = "operation_works"

    content_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(32), index=True)


class Archive(Base):
    """An archive's Merkle tree, the service's own (only its root goes on chain): kept so that
    any of its works' inclusion proofs can be served."""

    __tablename__ = "archives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    root: Mapped[str] = mapped_column(HASH, unique=True)
    archivist: Mapped[str] = mapped_column(ADDRESS, index=True)
    count: Mapped[int] = mapped_column(Integer)
    tree: Mapped[bytes] = mapped_column(
        LargeBinary, comment="32-byte nodes, OpenZeppelin StandardMerkleTree layout"
    )
    submitted_at: Mapped[int] = mapped_column(BigInteger, comment="unix s")


class ArchiveLeaf(Base):
    """One work of an archive; ``leaf_index`` is its place among the tree's sorted leaves."""

    __tablename__ = "archive_leaves"

    archive_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(HASH, index=True)
    metadata_hash: Mapped[str] = mapped_column(HASH)
