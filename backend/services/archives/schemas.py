"""Request and response bodies of the archives API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.services.schemas import Address, Deadline, DevAccount, Hash32, Signature, WorkIn


class ArchiveAuth(BaseModel):
    """Who anchors: the archivist's EIP-712 `Anchor` signature (the service relays and pays,
    `anchorFor`), or in dev mode a dev account that sends `anchor` itself."""

    archivist: Address | None = None
    deadline: Deadline | None = None
    signature: Signature | None = None
    dev_account: DevAccount | None = None


class ArchiveIn(ArchiveAuth):
    """JSON body of `POST /v1/archives`: one archivist's works, anchored as one Merkle root."""

    model_config = ConfigDict(extra="forbid")

    works: list[WorkIn] = Field(min_length=1)


class ArchiveTypedDataRequest(BaseModel):
    """What to sign for `POST /v1/archives/typed-data`."""

    model_config = ConfigDict(extra="forbid")

    archivist: Address
    deadline: Deadline
    works: list[WorkIn] = Field(min_length=1)


class ArchiveTypedDataOut(BaseModel):
    typed_data: dict[str, object]
    root: str
    metadata_hashes: list[str] = Field(description="in the order of the request's works")


class ArchiveOut(BaseModel):
    root: str
    archivist: str
    count: int
    status: Literal["anchored", "pending"] = Field(
        description="pending: the tree is kept but no anchoring is indexed yet"
    )
    tx_hash: str | None = None
    block_number: int | None = None
    block_hash: str | None = None
    log_index: int | None = None
    anchored_at: int | None = Field(None, description="Block timestamp, unix seconds")


class ClaimIn(BaseModel):
    """JSON body of `POST /v1/archives/{root}/claims`."""

    model_config = ConfigDict(extra="forbid")

    content_hash: Hash32


class InclusionProof(BaseModel):
    """That a work is in an anchored archive, checkable by anyone with a chain node: hash
    ``leaf`` up ``proof`` (pairs sorted) to ``root``, then read
    ``anchorOf(archivist, root)`` from ``contract_address`` and the anchoring log."""

    content_hash: str
    metadata_hash: str
    archivist: str
    leaf: str = Field(
        description="keccak256(keccak256(abi.encode(archivist, content_hash, metadata_hash)))"
    )
    proof: list[str] = Field(description="sibling hashes from the leaf up to the root")
    root: str
    count: int
    chain_id: int
    contract_address: str
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    anchored_at: int = Field(description="the work's registration time, unix seconds")
    anchor_matches: bool = Field(description="anchorOf on chain, re-read now, agrees")
    claimed: bool = Field(description="the work is a registry token claimed from this anchor")
