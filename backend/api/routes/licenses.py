"""Buying and checking licences; payees' balances and withdrawals."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.api.deps import IndexerDep, RegistryDep, SessionDep, SettingsDep, require_api_key
from backend.api.limits import limit_writes
from backend.services import market
from backend.services.market_schemas import (
    Balance,
    BuyIn,
    LicenseCheck,
    LicenseKind,
    LicenseOut,
    LicenseResult,
    TxOutcome,
    WithdrawIn,
)
from backend.services.schemas import Address, Hash32
from backend.services.transactions import submit

router = APIRouter(prefix="/v1", tags=["licenses"])


@router.post(
    "/licenses",
    response_model=LicenseResult,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def buy_license(
    body: BuyIn,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> LicenseResult:
    """Buy a licence: the buyer pays the offer's exact price from their own account."""
    price = market.offer_price(registry, body.work_id, body.offer_id)
    fn = registry.market.functions.buy(int(body.work_id, 16), body.offer_id)
    outcome, receipt = submit(
        settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body, value=price
    )
    if receipt is None:
        return LicenseResult(**outcome.model_dump())
    bought = [
        lic
        for lic in market.current_licenses(session, holder=None, work_id=body.work_id)
        if lic.tx_hash == outcome.tx_hash
    ]
    return LicenseResult(**outcome.model_dump(), license=bought[0] if bought else None)


@router.get("/licenses", response_model=list[LicenseOut])
def list_licenses(
    session: SessionDep,
    licensee: Annotated[Address | None, Query()] = None,
    work: Annotated[Hash32 | None, Query()] = None,
) -> list[LicenseOut]:
    """Licences as they stand (purchases and transfers), by holder and/or work."""
    return market.current_licenses(session, holder=licensee, work_id=work, now=int(time.time()))


@router.get("/licenses/check", response_model=LicenseCheck)
def check_license(
    session: SessionDep,
    registry: RegistryDep,
    work: Annotated[Hash32, Query()],
    account: Annotated[Address, Query()],
    kind: Annotated[LicenseKind, Query()],
) -> LicenseCheck:
    """Whether ``account`` holds a valid licence of ``kind`` now, checked on chain."""
    return market.check_license(
        session=session, registry=registry, work_id=work, account=account, kind=kind
    )


@router.get("/payees/{account}/balance", response_model=Balance)
def payee_balance(account: Address, registry: RegistryDep) -> Balance:
    """Wei the account can withdraw from the market."""
    amount = registry.call(registry.market.functions.withdrawable(account))
    return Balance(account=account, withdrawable_wei=int(amount))


@router.post(
    "/withdrawals",
    response_model=TxOutcome,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def withdraw(
    body: WithdrawIn, settings: SettingsDep, registry: RegistryDep, indexer: IndexerDep
) -> TxOutcome:
    """Withdraw the sender's whole balance (their own transaction)."""
    fn = registry.market.functions.withdraw()
    outcome, _ = submit(settings=settings, registry=registry, indexer=indexer, fn=fn, auth=body)
    return outcome
