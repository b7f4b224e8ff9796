"""LicenseMarket royalty splits, the protocol fee and the admin-only settings."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.logs import DISCARD

from tests.contracts.conftest import Send
from tests.contracts.test_market_support import (
    BPS,
    PRICE,
    buy,
    create_offer,
    register_work,
    split,
)

ZERO = "0x" + "00" * 20
ADMIN_ROLE = "0x" + "00" * 32


def _addresses(count: int) -> list[str]:
    return [Account.create().address for _ in range(count)]


def _withdrawable(market: Contract, accounts: list[str]) -> list[int]:
    return [market.functions.withdrawable(a).call() for a in accounts]


PAYEE = _addresses(1)[0]
# accounts, shares, and the (count, totalBps) that InvalidPayees reports
INVALID_SPLITS = {
    "empty": ([], [], (0, 0)),
    "seventeen": (_addresses(17), [500] * 16 + [2_000], (17, 0)),
    "zero_address": ([PAYEE, ZERO], [5_000, 5_000], (2, 5_000)),
    "zero_share": ([PAYEE, PAYEE], [BPS, 0], (2, BPS)),
    "sum_below": ([PAYEE, PAYEE], [5_000, 4_999], (2, 9_999)),
    "sum_above": ([PAYEE, PAYEE], [5_000, 5_001], (2, 10_001)),
    "more_accounts_than_shares": ([PAYEE, PAYEE], [BPS], (2, 0)),
    "more_shares_than_accounts": ([PAYEE], [5_000, 5_000], (1, 0)),
}


def test_set_payees_records_split_and_emits(
    market: Contract, registry: Contract, creator: LocalAccount, send: Send
) -> None:
    work_id = register_work(registry, creator, send)
    accounts, shares = _addresses(3), [5_000, 3_000, 2_000]
    receipt = send(market.functions.setPayees(work_id, accounts, shares), creator)
    assert market.functions.payees(work_id).call() == [accounts, shares]
    (event,) = market.events.PayeesSet().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"workId": work_id, "accounts": accounts, "sharesBps": shares}


def test_set_payees_sixteen_payees_accepted(
    market: Contract, registry: Contract, creator: LocalAccount, send: Send
) -> None:
    work_id = register_work(registry, creator, send)
    accounts = _addresses(16)
    send(market.functions.setPayees(work_id, accounts, [625] * 16), creator)
    assert market.functions.payees(work_id).call()[0] == accounts


def test_set_payees_non_owner_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = register_work(registry, creator, send)
    error = reverts(market.functions.setPayees(work_id, [stranger.address], [BPS]), stranger)
    assert error.code == "not_work_owner"
    assert error.details == {"work_id": work_id, "caller": stranger.address}


@pytest.mark.parametrize("case", list(INVALID_SPLITS))
def test_set_payees_invalid_split_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    send: Send,
    reverts: Any,
    case: str,
) -> None:
    accounts, shares, (count, total) = INVALID_SPLITS[case]
    work_id = register_work(registry, creator, send)
    error = reverts(market.functions.setPayees(work_id, accounts, shares), creator)
    assert error.code == "invalid_payees"
    assert error.details == {"count": count, "total_bps": total}


def test_create_offer_before_payees_defaults_to_creator(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
) -> None:
    work_id = register_work(registry, creator, send)
    assert market.functions.payees(work_id).call() == [[], []]
    offer_id = create_offer(market, creator, send, work_id)
    assert market.functions.payees(work_id).call() == [[creator.address], [BPS]]
    buy(market, stranger, send, work_id, offer_id)
    assert market.functions.withdrawable(creator.address).call() == PRICE


def test_set_payees_after_offer_redirects_later_sales(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id)
    buy(market, stranger, send, work_id, offer_id)
    (payee,) = _addresses(1)
    send(market.functions.setPayees(work_id, [payee], [BPS]), creator)
    buy(market, creator, send, work_id, offer_id)
    assert _withdrawable(market, [creator.address, payee]) == [PRICE, PRICE]


@pytest.mark.parametrize(
    ("price", "shares", "fee_bps", "expected_fee", "expected"),
    [
        (1_001, [3_333, 6_667], 0, 0, [333, 668]),
        (1_001, [3_333, 6_667], 250, 25, [325, 651]),
        (10, [3_333, 3_333, 3_334], 0, 0, [3, 3, 4]),
        (39, [2_500] * 4, 1_000, 3, [9, 9, 9, 9]),
        (10**18 + 7, [1, 9_999], 1_000, 10**17, [9 * 10**13, 9 * 10**17 - 9 * 10**13 + 7]),
    ],
    ids=["two_payees", "two_payees_fee", "thirds", "quarters_max_fee", "tiny_share"],
)
def test_buy_credits_payees_by_rounding_rule(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    price: int,
    shares: list[int],
    fee_bps: int,
    expected_fee: int,
    expected: list[int],
) -> None:
    """Fee floor(price*fee/10,000) to the treasury, floor(rest*share/10,000) to each payee but
    the last, the remainder to the last: every wei is credited, to the wei."""
    assert split(price, shares, fee_bps) == (expected_fee, expected)
    (treasury,) = _addresses(1)
    if fee_bps:
        send(market.functions.setFee(treasury, fee_bps), admin)
    work_id = register_work(registry, creator, send)
    accounts = _addresses(len(shares))
    send(market.functions.setPayees(work_id, accounts, shares), creator)
    offer_id = create_offer(market, creator, send, work_id, price=price)
    buy(market, stranger, send, work_id, offer_id)
    assert market.functions.withdrawable(treasury).call() == expected_fee
    assert _withdrawable(market, accounts) == expected
    assert expected_fee + sum(expected) == price


def test_buy_repeated_sales_accumulate_credits(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
) -> None:
    (treasury,) = _addresses(1)
    send(market.functions.setFee(treasury, 333), admin)
    work_id = register_work(registry, creator, send)
    accounts, shares = _addresses(2), [7_001, 2_999]
    send(market.functions.setPayees(work_id, accounts, shares), creator)
    offer_id = create_offer(market, creator, send, work_id, price=987_654_321, duration=60)
    for buyer in (stranger, creator, stranger):
        buy(market, buyer, send, work_id, offer_id)
    fee, credits = split(987_654_321, shares, 333)
    assert market.functions.withdrawable(treasury).call() == 3 * fee
    assert _withdrawable(market, accounts) == [3 * c for c in credits]


def test_buy_free_offer_grants_licence_without_credit(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id, price=0)
    buy(market, stranger, send, work_id, offer_id)
    assert market.functions.hasValidLicense(stranger.address, work_id, 0).call()
    assert market.functions.withdrawable(creator.address).call() == 0


def test_set_fee_records_and_emits(market: Contract, admin: LocalAccount, send: Send) -> None:
    (treasury,) = _addresses(1)
    receipt = send(market.functions.setFee(treasury, 1_000), admin)
    assert market.functions.fee().call() == [treasury, 1_000]
    (event,) = market.events.FeeChanged().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"treasury": treasury, "feeBps": 1_000}
    send(market.functions.setFee(ZERO, 0), admin)  # a zero fee needs no treasury
    assert market.functions.fee().call() == [ZERO, 0]


def test_set_fee_above_max_reverts(market: Contract, admin: LocalAccount, reverts: Any) -> None:
    max_fee = market.functions.MAX_FEE_BPS().call()
    assert max_fee == 1_000
    error = reverts(market.functions.setFee(PAYEE, max_fee + 1), admin)
    assert error.code == "invalid_fee"
    assert error.details == {"fee_bps": max_fee + 1}


def test_set_fee_zero_treasury_reverts(market: Contract, admin: LocalAccount, reverts: Any) -> None:
    error = reverts(market.functions.setFee(ZERO, 1), admin)
    assert error.code == "invalid_fee"
    assert error.details == {"fee_bps": 1}


@pytest.mark.parametrize("setting", ["setFee", "setMinBond"])
def test_admin_settings_non_admin_reverts(
    market: Contract, creator: LocalAccount, reverts: Any, setting: str
) -> None:
    fn = (
        market.functions.setFee(creator.address, 100)
        if setting == "setFee"
        else market.functions.setMinBond(1)
    )
    error = reverts(fn, creator)
    assert error.code == "access_control_unauthorized_account"
    assert error.details == {"account": creator.address, "needed_role": ADMIN_ROLE}
