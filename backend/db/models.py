"""Database tables. The index (works, transfers, cursor) is derived from the chain alone and can
be rebuilt from it; metadata documents are the service's own, matched by their on-chain hash
(no foreign key between them, so that the index can be dropped and rebuilt alone)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
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


class MetadataDocument(Base):
    """A work's metadata document exactly as hashed (canonical JSON), keyed by that hash."""

    __tablename__ = "metadata_documents"

    metadata_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    work_id: Mapped[str] = mapped_column(HASH, index=True)
    document: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200), index=True)
    creator_name: Mapped[str] = mapped_column(String(200))


INDEX_TABLES = (Work.__table__, Transfer.__table__, IndexerCursor.__table__)
