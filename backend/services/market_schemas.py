"""Request and response bodies of the licensing market API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from backend.services.schemas import Address, Hash32

LicenseKind = Literal["personal", "commercial", "derivative"]
MAX_UINT96 = 2**96 - 1


def _raw_tx(value: str) -> str:
    body = value[2:] if value[:2].lower() == "0x" else value
    if not body or len(body) % 2 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise ValueError("must be a signed transaction as 0x-hex")
    if len(body) > 2 * 128 * 1024:
        raise ValueError("signed transaction too large")
    return "0x" + body.lower()


Wei = Annotated[int, Field(ge=0, le=MAX_UINT96), PlainSerializer(str, return_type=str)]
RawTransaction = Annotated[str, AfterValidator(_raw_tx)]


class TxAuth(BaseModel):
    """How the caller's transaction reaches the chain. ``sender`` alone: the unsigned
    transaction comes back to sign in a wallet; ``signed_tx``: the signed transaction is
    checked against the request and relayed; ``dev_account`` (dev mode only): the server
    signs with anvil's dev account N (0 is the admin and arbiter)."""

    sender: Address | None = None
    signed_tx: RawTransaction | None = None
    dev_account: Annotated[int, Field(ge=0, le=9)] | None = None


class TxOutcome(BaseModel):
    status: Literal["confirmed", "unsigned"]
    transaction: dict[str, Any] | None = Field(None, description="to sign, when unsigned")
    tx_hash: str | None = None
    block_number: int | None = None


class OfferIn(TxAuth):
    model_config = ConfigDict(extra="forbid")

    kind: LicenseKind
    price_wei: Wei
    duration_seconds: Annotated[int, Field(ge=0, le=2**40 - 1)] = Field(
        0, description="0 = perpetual"
    )
    max_supply: Annotated[int, Field(ge=0, le=2**32 - 1)] = Field(0, description="0 = no cap")
    transferable: bool = False
    terms_uri: str = Field("", max_length=2_000)
    terms_hash: Hash32 = "0x" + "00" * 32


class OfferPatch(TxAuth):
    model_config = ConfigDict(extra="forbid")

    active: bool


class OfferOut(BaseModel):
    work_id: str
    offer_id: int
    kind: LicenseKind
    price_wei: Wei
    duration_seconds: int
    max_supply: int
    sold: int
    transferable: bool
    active: bool
    terms_uri: str
    terms_hash: str
    tx_hash: str
    block_number: int


class OfferResult(TxOutcome):
    offer: OfferOut | None = None


class PayeesIn(TxAuth):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Address] = Field(min_length=1, max_length=16)
    shares_bps: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1, max_length=16)


class PayeesOut(BaseModel):
    work_id: str
    accounts: list[str]
    shares_bps: list[int]


class BuyIn(TxAuth):
    model_config = ConfigDict(extra="forbid")

    work_id: Hash32
    offer_id: Annotated[int, Field(ge=1, le=2**32 - 1)]


class LicenseOut(BaseModel):
    work_id: str
    holder: str
    kind: LicenseKind
    offer_id: int | None
    expiry: int = Field(description="unix seconds; 18446744073709551615 = perpetual")
    perpetual: bool
    valid_now: bool
    price_wei: Wei
    acquired: Literal["purchase", "transfer"]
    tx_hash: str
    block_number: int
    timestamp: int


class LicenseResult(TxOutcome):
    license: LicenseOut | None = None


class LicenseCheck(BaseModel):
    work_id: str
    account: str
    kind: LicenseKind
    valid: bool
    expiry: int | None
    checked_at_block: int
    proof: LicenseOut | None = Field(None, description="the event that granted it, if indexed")


class Balance(BaseModel):
    account: str
    withdrawable_wei: Wei


class DisputeIn(TxAuth):
    model_config = ConfigDict(extra="forbid")

    work_id: Hash32
    evidence_uri: str = Field(min_length=1, max_length=2_000)
    bond_wei: Wei


class ResolveIn(TxAuth):
    model_config = ConfigDict(extra="forbid")

    upheld: bool


class DisputeOut(BaseModel):
    dispute_id: int
    work_id: str
    claimant: str
    bond_wei: Wei
    evidence_uri: str
    status: Literal["open", "upheld", "rejected"]
    bond_recipient: str | None
    tx_hash: str
    block_number: int
    resolved_tx_hash: str | None


class DisputeResult(TxOutcome):
    dispute: DisputeOut | None = None


class WithdrawIn(TxAuth):
    model_config = ConfigDict(extra="forbid")
