"""Signed interaction events (view, play, like, rating) that feed the recommender.

The account signs, with EIP-191 `personal_sign`, the canonical JSON of
`{"account", "chain_id", "contract", "events", "timestamp"}` (sorted keys, no whitespace), so
no one can write events in another's name, on another deployment, or replay a request.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Annotated, Any, Literal

from eth_account import Account
from eth_account.messages import encode_defunct
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import errors
from backend.db.models import Interaction, InteractionBatch, Work
from backend.services.schemas import Address, Hash32, Signature

MAX_SKEW_SECONDS = 300


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_id: Hash32
    kind: Literal["view", "play", "like", "rating"]
    value: Annotated[float, Field(ge=0, le=5)] | None = Field(
        None, description="the rating (0 to 5); only for kind=rating"
    )


class InteractionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: Address
    timestamp: int = Field(description="unix seconds when signed; at most 5 minutes off")
    events: list[InteractionIn] = Field(min_length=1, max_length=100)
    signature: Signature


class InteractionsOut(BaseModel):
    recorded: int


def signed_message(
    *, account: str, chain_id: int, contract: str, events: list[InteractionIn], timestamp: int
) -> str:
    """The exact text the account signs."""
    body: dict[str, Any] = {
        "account": account,
        "chain_id": chain_id,
        "contract": contract,
        "events": [e.model_dump(exclude_none=True) for e in events],
        "timestamp": timestamp,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def record(
    *, session: Session, body: InteractionsIn, chain_id: int, contract: str
) -> InteractionsOut:
    """Check the signature and freshness, then store the events once."""
    if abs(time.time() - body.timestamp) > MAX_SKEW_SECONDS:
        raise errors.InvalidSignature(
            "the signed timestamp is stale or in the future", timestamp=body.timestamp
        )
    message = signed_message(
        account=body.account,
        chain_id=chain_id,
        contract=contract,
        events=body.events,
        timestamp=body.timestamp,
    )
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=body.signature)
    except Exception as exc:  # malformed signature values: the client's error
        raise errors.InvalidSignature("the signature cannot be recovered") from exc
    if signer != body.account:
        raise errors.InvalidSignature("the events are not signed by the account", signer=signer)
    for event in body.events:
        if (event.kind == "rating") != (event.value is not None):
            raise errors.InvalidInput("a value is required for ratings, and only for them")
    work_ids = {e.work_id for e in body.events}
    known = set(session.scalars(select(Work.work_id).where(Work.work_id.in_(work_ids))))
    if unknown := sorted(work_ids - known):
        raise errors.NotFound("events name unregistered works", work_ids=unknown)
    batch = InteractionBatch(
        account=body.account,
        message_hash="0x" + hashlib.sha256(message.encode()).hexdigest(),
        signed_at=body.timestamp,
    )
    session.add(batch)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise errors.Conflict("these signed events were recorded already") from exc
    session.add_all(
        Interaction(
            batch_id=batch.id,
            account=body.account,
            work_id=e.work_id,
            kind=e.kind,
            value=e.value,
            timestamp=body.timestamp,
        )
        for e in body.events
    )
    session.commit()
    return InteractionsOut(recorded=len(body.events))
