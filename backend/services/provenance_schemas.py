"""The provenance answer of `POST /v1/verify` and `GET /v1/works/{id}/provenance`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.services.archives.schemas import InclusionProof
from backend.services.market_schemas import DisputeOut, LicenseOut, OfferOut
from backend.services.schemas import WorkOut


class Lineage(BaseModel):
    parent: str | None = Field(None, description="the work this one derives from")
    derivatives: list[str] = Field(default_factory=list, description="works derived from it")


class TransferOut(BaseModel):
    from_address: str
    to_address: str
    kind: str = Field(description="registration or transfer")
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    timestamp: int


class MetadataCheck(BaseModel):
    on_chain_hash: str
    available: bool = Field(description="The service holds a document for this hash")
    matches: bool = Field(description="The held document hashes to the on-chain value")
    document: dict[str, object] | None


class ChainCheck(BaseModel):
    """What the answer's facts were checked against on the chain itself, not the index."""

    checked_at_block: int
    owner_matches: bool
    receipt_matches: bool
    consistent: bool


class Provenance(BaseModel):
    registered: bool
    content_hash: str
    chain_id: int
    contract_address: str
    work: WorkOut | None = None
    custody: list[TransferOut] = Field(default_factory=list)
    metadata: MetadataCheck | None = None
    chain_check: ChainCheck | None = None
    flagged: bool = Field(False, description="an upheld dispute flagged the work")
    lineage: Lineage = Field(default_factory=lambda: Lineage())
    offers: list[OfferOut] = Field(default_factory=list)
    licenses: list[LicenseOut] = Field(default_factory=list, description="licences sold")
    disputes: list[DisputeOut] = Field(default_factory=list)
    anchor: InclusionProof | None = Field(
        None,
        description="The work is in an anchored archive, registered as of the anchor time "
        "(a token only once claimed): the proof of it, checkable against the chain alone",
    )
