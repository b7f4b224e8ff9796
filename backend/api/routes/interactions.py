"""Interaction events that accounts sign: what the recommender learns from."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.api.deps import RegistryDep, SessionDep, require_api_key
from backend.services.interactions import InteractionsIn, InteractionsOut, record

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post(
    "/interactions",
    status_code=201,
    response_model=InteractionsOut,
    dependencies=[Depends(require_api_key)],
)
def post_interactions(
    body: InteractionsIn, session: SessionDep, registry: RegistryDep
) -> InteractionsOut:
    """Record view, play, like or rating events signed by the account (EIP-191)."""
    return record(session=session, body=body, chain_id=registry.chain_id, contract=registry.address)
