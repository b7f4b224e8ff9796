"""API keys for clients of the relayed writes.

A key is `rk_` plus 32 random bytes (URL-safe base64). Only its SHA-256 is stored: with 256 bits
of entropy no dictionary or brute-force search can invert the hash, so neither a slow password
hash nor a server-side pepper would add protection, while a pepper would add a secret to keep
and rotate. The hash is also the look-up key (a unique index), so resolving a key costs one
indexed query and no per-row comparison.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound, Unauthorized
from backend.db.models import ApiKey

KEY_PREFIX = "rk_"
DISPLAY_CHARS = 10


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key")


class ApiKeyOut(BaseModel):
    """A key as listed: never its secret."""

    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    created_at: int
    revoked_at: int | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyOut:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The plaintext key, shown this once and never again")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, *, name: str) -> ApiKeyCreated:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        prefix=key[:DISPLAY_CHARS],
        key_hash=hash_key(key),
        created_at=int(time.time()),
    )
    session.add(row)
    session.commit()
    return ApiKeyCreated(**ApiKeyOut.of(row).model_dump(), key=key)


def list_api_keys(session: Session) -> list[ApiKeyOut]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.id))
    return [ApiKeyOut.of(row) for row in rows]


def revoke_api_key(session: Session, *, key_id: int) -> ApiKeyOut:
    """Revoke a key; revoking it again keeps the first revocation time."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}", key_id=key_id)
    if row.revoked_at is None:
        row.revoked_at = int(time.time())
        session.commit()
    return ApiKeyOut.of(row)


def resolve_api_key(session: Session, *, key: str) -> ApiKey:
    """The active key record for ``key``; Unauthorized for an unknown or revoked key."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the API key is unknown or revoked")
    return row
