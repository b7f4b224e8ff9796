"""Admin endpoints: API keys for clients (the admin bearer token on every route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from backend.api.deps import SessionDep, require_admin
from backend.services import api_keys
from backend.services.api_keys import ApiKeyCreated, ApiKeyIn, ApiKeyOut

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])

KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyIn, session: SessionDep) -> ApiKeyCreated:
    """Issue a key: the response holds its plaintext, stored nowhere and never shown again."""
    return api_keys.create_api_key(session, name=body.name)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(session: SessionDep) -> list[ApiKeyOut]:
    """Every key issued, revoked ones included; never a secret."""
    return api_keys.list_api_keys(session)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
def revoke_api_key(key_id: KeyId, session: SessionDep) -> ApiKeyOut:
    """Revoke a key: requests carrying it get 401 from now on."""
    return api_keys.revoke_api_key(session, key_id=key_id)
