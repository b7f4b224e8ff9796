"""Disputes over works: anyone opens one with a bond, the arbiter decides."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from backend.api.deps import (
    IndexerDep,
    RegistryDep,
    SessionDep,
    SettingsDep,
    require_admin,
    require_api_key,
)
from backend.api.limits import limit_writes
from backend.services import market
from backend.services.market_schemas import (
    DisputeIn,
    DisputeOut,
    DisputeResult,
    ResolveIn,
    TxOutcome,
)
from backend.services.schemas import Hash32
from backend.services.transactions import submit

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])


@router.post(
    "", response_model=DisputeResult, dependencies=[Depends(require_api_key), Depends(limit_writes)]
)
def open_dispute(
    body: DisputeIn,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> DisputeResult:
    """Open a dispute on a work, posting a bond (the claimant's transaction)."""
    fn = registry.market.functions.openDispute(int(body.work_id, 16), body.evidence_uri)
    outcome, _ = submit(
        settings=settings,
        registry=registry,
        indexer=indexer,
        fn=fn,
        auth=body,
        value=body.bond_wei,
    )
    opened = market.dispute_opened_in(session, outcome.tx_hash) if outcome.tx_hash else None
    return DisputeResult(
        **outcome.model_dump(), dispute=market.dispute_out(opened) if opened else None
    )


@router.get("", response_model=list[DisputeOut])
def list_disputes(
    session: SessionDep,
    work: Annotated[Hash32 | None, Query()] = None,
    status: Annotated[Literal["open", "upheld", "rejected"] | None, Query()] = None,
) -> list[DisputeOut]:
    """Disputes, oldest first, by work and/or status."""
    return [market.dispute_out(d) for d in market.disputes(session, work_id=work, status=status)]


@router.post(
    "/{dispute_id}/resolve", response_model=TxOutcome, dependencies=[Depends(require_admin)]
)
def resolve_dispute(
    dispute_id: Annotated[int, Path(ge=1, le=2**64 - 1)],
    body: ResolveIn,
    settings: SettingsDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> TxOutcome:
    """Decide a dispute (admin only; the arbiter's transaction, the chain refuses anyone else)."""
    fn = registry.market.functions.resolveDispute(dispute_id, body.upheld)
    outcome, _ = submit(settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body)
    return outcome
