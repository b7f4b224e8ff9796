"""LicenseMarket purchases: exact payment, the licence record, expiry, renewal and the
conditions that stop a sale.

Payment rule: ``msg.value`` must equal the price exactly. Paying more is rejected with
``IncorrectPayment``, never accepted with a refund, so a licensee can never leave excess ether
in the market.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from tests.contracts.conftest import Send
from tests.contracts.test_market_support import (
    MIN_BOND,
    PERPETUAL,
    PRICE,
    Kind,
    block_time,
    buy,
    create_offer,
    licence,
    mine_at,
    register_work,
    rewound,
)

DURATION = 1_000


@pytest.fixture
def work_id(registry: Contract, creator: LocalAccount, send: Send) -> int:
    return register_work(registry, creator, send)


def test_buy_records_licence_and_emits(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(
        market, creator, send, work_id, kind=Kind.COMMERCIAL, duration=DURATION, transferable=True
    )
    receipt = buy(market, stranger, send, work_id, offer_id)
    start = block_time(w3, receipt)
    assert licence(market, stranger.address, work_id, Kind.COMMERCIAL) == {
        "start": start,
        "expiry": start + DURATION,
        "offerId": offer_id,
        "transferable": True,
    }
    (event,) = market.events.LicensePurchased().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "workId": work_id,
        "offerId": offer_id,
        "licensee": stranger.address,
        "kind": Kind.COMMERCIAL,
        "price": PRICE,
        "expiry": start + DURATION,
    }
    assert w3.eth.get_balance(market.address) == PRICE


def test_buy_duration_zero_is_perpetual(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, duration=0)
    receipt = buy(market, stranger, send, work_id, offer_id)
    record = licence(market, stranger.address, work_id, Kind.PERSONAL)
    assert record["expiry"] == PERPETUAL == 2**64 - 1
    assert record["start"] == block_time(w3, receipt)


def test_buy_grants_only_the_offered_kind_to_the_buyer(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, kind=Kind.COMMERCIAL)
    buy(market, stranger, send, work_id, offer_id)
    held = [
        market.functions.hasValidLicense(account, work_id, kind).call()
        for account in (stranger.address, creator.address)
        for kind in Kind
    ]
    assert held == [False, True, False, False, False, False]


@pytest.mark.parametrize("delta", [-1, 1, -PRICE], ids=["less", "more", "nothing"])
def test_buy_inexact_payment_reverts(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
    delta: int,
) -> None:
    """Excess is rejected, not refunded: only the exact price buys a licence."""
    offer_id = create_offer(market, creator, send, work_id)
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=PRICE + delta)
    assert error.code == "incorrect_payment"
    assert error.details == {"price": PRICE, "paid": PRICE + delta}
    assert w3.eth.get_balance(market.address) == 0


def test_has_valid_license_false_from_expiry(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, duration=DURATION)
    receipt = buy(market, stranger, send, work_id, offer_id)
    expiry = block_time(w3, receipt) + DURATION
    valid = market.functions.hasValidLicense(stranger.address, work_id, Kind.PERSONAL)
    assert valid.call()
    with rewound(w3):
        mine_at(w3, expiry - 1)
        assert valid.call()
        mine_at(w3, expiry)
        assert not valid.call()
        assert licence(market, stranger.address, work_id, Kind.PERSONAL)["expiry"] == expiry


def test_buy_again_extends_from_current_expiry(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, duration=DURATION)
    first = block_time(w3, buy(market, stranger, send, work_id, offer_id))
    with rewound(w3):
        mine_at(w3, first + DURATION // 2)
        renewal = buy(market, stranger, send, work_id, offer_id)
        record = licence(market, stranger.address, work_id, Kind.PERSONAL)
        assert record["expiry"] == first + 2 * DURATION
        assert record["start"] == block_time(w3, renewal)
        (event,) = market.events.LicensePurchased().process_receipt(renewal, errors=DISCARD)
        assert event["args"]["expiry"] == first + 2 * DURATION


def test_buy_after_expiry_starts_from_purchase(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, duration=DURATION)
    first = block_time(w3, buy(market, stranger, send, work_id, offer_id))
    with rewound(w3):
        mine_at(w3, first + 3 * DURATION)
        renewed_at = block_time(w3, buy(market, stranger, send, work_id, offer_id))
        expiry = licence(market, stranger.address, work_id, Kind.PERSONAL)["expiry"]
        assert expiry == renewed_at + DURATION


def test_buy_timed_offer_keeps_perpetual_licence(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    perpetual = create_offer(market, creator, send, work_id, duration=0)
    timed = create_offer(market, creator, send, work_id, duration=DURATION)
    buy(market, stranger, send, work_id, perpetual)
    buy(market, stranger, send, work_id, timed)
    assert licence(market, stranger.address, work_id, Kind.PERSONAL)["expiry"] == PERPETUAL


@pytest.mark.parametrize("offer_id", [0, 2])
def test_buy_unknown_offer_reverts(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
    offer_id: int,
) -> None:
    create_offer(market, creator, send, work_id, price=0)
    error = reverts(market.functions.buy(work_id, offer_id), stranger)
    assert error.code == "offer_inactive"
    assert error.details == {"work_id": work_id, "offer_id": offer_id}


def test_buy_inactive_offer_reverts(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id)
    send(market.functions.setOfferActive(work_id, offer_id, False), creator)
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=PRICE)
    assert error.code == "offer_inactive"


def test_buy_sold_out_offer_reverts(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, max_supply=2, duration=60)
    buy(market, stranger, send, work_id, offer_id)
    buy(market, creator, send, work_id, offer_id)
    assert market.functions.offer(work_id, offer_id).call()[3] == 2
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=PRICE)
    assert error.code == "offer_sold_out"
    assert error.details == {"work_id": work_id, "offer_id": offer_id}


def test_buy_uncapped_offer_never_sells_out(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id, max_supply=0, duration=60)
    for _ in range(3):
        buy(market, stranger, send, work_id, offer_id)
    assert market.functions.offer(work_id, offer_id).call()[3] == 0  # counted only when capped


def test_buy_flagged_work_reverts(
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id)
    send(market.functions.openDispute(work_id, "ipfs://evidence"), stranger, value=MIN_BOND)
    send(market.functions.resolveDispute(1, True), admin)
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=PRICE)
    assert error.code == "work_flagged"
    assert error.details == {"work_id": work_id}
