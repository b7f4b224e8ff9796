"""Licence offers and royalty splits of a work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from backend.api.deps import (
    IndexerDep,
    RegistryDep,
    SessionDep,
    SettingsDep,
    WorkIdPath,
    require_api_key,
)
from backend.api.limits import limit_writes
from backend.core.errors import NotFound
from backend.services import market
from backend.services.market_schemas import (
    OfferIn,
    OfferOut,
    OfferPatch,
    OfferResult,
    PayeesIn,
    PayeesOut,
    TxOutcome,
)
from backend.services.transactions import submit
from backend.services.works import get_work

router = APIRouter(prefix="/v1/works/{work_id}", tags=["offers"])


@router.post(
    "/offers",
    response_model=OfferResult,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def create_offer(
    work_id: WorkIdPath,
    body: OfferIn,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> OfferResult:
    """Offer licences on a work (its owner's transaction)."""
    fn = market.create_offer_call(registry, work_id, body)
    outcome, _ = submit(settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body)
    created = market.offer_created_in(session, outcome.tx_hash) if outcome.tx_hash else None
    return OfferResult(**outcome.model_dump(), offer=market.offer_out(created) if created else None)


@router.get("/offers", response_model=list[OfferOut])
def list_offers(work_id: WorkIdPath, session: SessionDep) -> list[OfferOut]:
    """Every offer on a work, active or not."""
    get_work(session, work_id)
    return [market.offer_out(o) for o in market.offers_of(session, work_id)]


@router.patch(
    "/offers/{offer_id}",
    response_model=TxOutcome,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def update_offer(
    work_id: WorkIdPath,
    offer_id: Annotated[int, Path(ge=1, le=2**32 - 1)],
    body: OfferPatch,
    settings: SettingsDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> TxOutcome:
    """Switch an offer off (or on again); licences already sold stay valid."""
    fn = registry.market.functions.setOfferActive(int(work_id, 16), offer_id, body.active)
    outcome, _ = submit(settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body)
    return outcome


@router.put(
    "/payees",
    response_model=TxOutcome,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def set_payees(
    work_id: WorkIdPath,
    body: PayeesIn,
    settings: SettingsDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> TxOutcome:
    """Set the work's royalty split (shares in basis points, summing to 10,000)."""
    fn = market.set_payees_call(registry, work_id, body)
    outcome, _ = submit(settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body)
    return outcome


@router.get("/payees", response_model=PayeesOut)
def get_payees(work_id: WorkIdPath, session: SessionDep) -> PayeesOut:
    """The work's royalty split as last set on chain."""
    payees = market.payees_of(session, work_id)
    if payees is None:
        raise NotFound("no royalty split set for this work (the creator gets everything)")
    return payees
