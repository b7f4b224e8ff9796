"""Request and response bodies of the works API."""

from __future__ import annotations

from typing import Annotated

from eth_utils.address import is_address, to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backend.services.metadata import WorkMetadata


def _hash32(value: str) -> str:
    body = value[2:] if value[:2].lower() == "0x" else value
    if len(body) != 64 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise ValueError("must be 32 bytes as 64 hex characters, 0x-prefixed")
    return "0x" + body.lower()


def _address(value: str) -> str:
    if not is_address(value):
        raise ValueError("must be a 20-byte hex Ethereum address")
    return to_checksum_address(value)


def _signature(value: str) -> str:
    body = value[2:] if value[:2].lower() == "0x" else value
    if len(body) != 130 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise ValueError("must be a 65-byte signature as 130 hex characters")
    return "0x" + body.lower()


# The patterns document the formats in the OpenAPI schema; the validators above decide.
Hash32 = Annotated[
    str,
    AfterValidator(_hash32),
    Field(examples=["0x" + "ab" * 32], json_schema_extra={"pattern": "^(0x)?[0-9a-fA-F]{64}$"}),
]
Address = Annotated[
    str,
    AfterValidator(_address),
    Field(
        examples=["0x" + "11" * 20],
        description="EIP-55 checksummed if mixed case",
        json_schema_extra={"pattern": "^(0x)?[0-9a-fA-F]{40}$"},
    ),
]
Signature = Annotated[
    str, AfterValidator(_signature), Field(json_schema_extra={"pattern": "^(0x)?[0-9a-fA-F]{130}$"})
]
Deadline = Annotated[int, Field(ge=0, lt=2**64, description="Unix seconds")]
DevAccount = Annotated[int, Field(ge=1, le=9, description="Dev mode: anvil account that signs")]


class Authorisation(BaseModel):
    """Who registers: the creator's EIP-712 signature, or (dev mode) a dev account to sign."""

    creator: Address | None = None
    deadline: Deadline | None = None
    signature: Signature | None = None
    dev_account: DevAccount | None = None


class WorkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_hash: Hash32
    metadata: WorkMetadata
    parent_id: Hash32 | None = Field(
        None, description="Register as a derivative of this work (needs a derivative licence)"
    )


class RegisterWork(Authorisation, WorkIn):
    """JSON body of `POST /v1/works`."""


class RegisterBatch(Authorisation):
    """JSON body of `POST /v1/works/batch`: many works of one creator, one signature."""

    model_config = ConfigDict(extra="forbid")

    works: list[WorkIn] = Field(min_length=1)


class TypedDataRequest(BaseModel):
    """What to sign: the works and the creator, for `POST /v1/works/typed-data`."""

    model_config = ConfigDict(extra="forbid")

    creator: Address
    deadline: Deadline
    works: list[WorkIn] = Field(min_length=1)


class TypedDataOut(BaseModel):
    typed_data: dict[str, object]
    metadata_hashes: list[str]


class WorkOut(BaseModel):
    work_id: str
    content_hash: str
    creator: str
    owner: str
    metadata_hash: str
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    registered_at: int = Field(description="Block timestamp, unix seconds")
    metadata_url: str = Field(description="The metadata document; equals the token's tokenURI")


class BatchOut(BaseModel):
    tx_hash: str
    block_number: int
    works: list[WorkOut]


class WorkPage(BaseModel):
    items: list[WorkOut]
    next_cursor: str | None


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_hash: Hash32


class OperationOut(BaseModel):
    """A relayed write as the outbox follows it: `accepted` (recorded), `sent` (broadcast),
    `confirmed` (on chain) or `failed` (with the chain's reason in `error`)."""

    operation_id: str
    status: str
    kind: str
    creator: str
    content_hashes: list[str]
    tx_hash: str | None = None
    block_number: int | None = None
    attempts: int
    error: dict[str, object] | None = None
    status_url: str
