"""LicenseMarket gas budgets from real receipts, in the steady state of a selling work.

The work has two payees who already hold a balance (so crediting them rewrites non-zero
slots) and the buyer is new. Budgets: a purchase <= 85,000 gas, both with no fee on
an uncapped offer and with a 2.5% fee on a capped offer (the treasury already holding a
balance); a withdrawal <= 35,000 gas.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from tests.conftest import _funded
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import Kind, buy, create_offer, register_work

BUY_BUDGET = 85_000
WITHDRAW_BUDGET = 35_000


@pytest.mark.parametrize(
    ("fee_bps", "max_supply"), [(0, 0), (250, 1_000)], ids=["no_fee_uncapped", "fee_capped"]
)
def test_buy_two_payees_within_budget(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    fee_bps: int,
    max_supply: int,
) -> None:
    if fee_bps:
        send(market.functions.setFee(Account.create().address, fee_bps), admin)
    work_id = register_work(registry, creator, send)
    payees = [Account.create().address, Account.create().address]
    send(market.functions.setPayees(work_id, payees, [7_000, 3_000]), creator)
    offer_id = create_offer(
        market, creator, send, work_id, kind=Kind.COMMERCIAL, duration=3_600, max_supply=max_supply
    )
    buy(market, stranger, send, work_id, offer_id)  # every payee (and treasury) now holds wei
    assert all(market.functions.withdrawable(p).call() > 0 for p in payees)

    receipt = buy(market, _funded(w3, admin), send, work_id, offer_id)
    assert receipt["gasUsed"] <= BUY_BUDGET, receipt["gasUsed"]


def test_withdraw_within_budget(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id)
    buy(market, stranger, send, work_id, offer_id)
    receipt = send(market.functions.withdraw(), creator)
    assert receipt["gasUsed"] <= WITHDRAW_BUDGET, receipt["gasUsed"]
