"""LicenseMarket pull payments: withdrawals, including hostile payee contracts."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from backend.chain.compiler import Artifact
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import (
    PRICE,
    buy,
    create_offer,
    deploy_contract,
    register_work,
)


def _sell(
    market: Contract,
    registry: Contract,
    owner: LocalAccount,
    buyer: LocalAccount,
    send: Send,
    payees: list[str],
    *,
    sales: int = 1,
) -> None:
    """``sales`` purchases of a work whose payees share the price equally."""
    work_id = register_work(registry, owner, send)
    shares = [10_000 // len(payees)] * len(payees)
    send(market.functions.setPayees(work_id, payees, shares), owner)
    offer_id = create_offer(market, owner, send, work_id, duration=60)
    for _ in range(sales):
        buy(market, buyer, send, work_id, offer_id)


def test_withdraw_pays_exact_balance_and_zeroes_it(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
) -> None:
    _sell(market, registry, creator, stranger, send, [creator.address, stranger.address], sales=3)
    owed = market.functions.withdrawable(creator.address).call()
    assert owed == 3 * PRICE // 2
    ether_before = w3.eth.get_balance(creator.address)
    market_before = w3.eth.get_balance(market.address)

    receipt = send(market.functions.withdraw(), creator)

    gas_cost = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(creator.address) == ether_before + owed - gas_cost
    assert w3.eth.get_balance(market.address) == market_before - owed
    assert market.functions.withdrawable(creator.address).call() == 0
    assert market.functions.withdrawable(stranger.address).call() == 3 * PRICE // 2
    (event,) = market.events.Withdrawn().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"payee": creator.address, "amount": owed}


def test_withdraw_nothing_to_withdraw_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    error = reverts(market.functions.withdraw(), stranger)
    assert error.code == "nothing_to_withdraw"
    assert error.details == {"payee": stranger.address}
    _sell(market, registry, creator, stranger, send, [creator.address])
    send(market.functions.withdraw(), creator)
    assert reverts(market.functions.withdraw(), creator).code == "nothing_to_withdraw"


@pytest.fixture
def attacker(
    w3: Web3, artifacts: dict[str, Artifact], market: Contract, stranger: LocalAccount, send: Send
) -> Contract:
    return deploy_contract(w3, artifacts["ReentrantPayee"], stranger, send, market.address)


def test_withdraw_reentrant_payee_takes_only_its_balance(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    attacker: Contract,
    send: Send,
) -> None:
    """The payee's receive() re-enters withdraw() and swallows the failure; the outer withdrawal
    completes and pays exactly the payee's balance, though the market holds more."""
    _sell(market, registry, creator, stranger, send, [attacker.address, creator.address], sales=4)
    owed = market.functions.withdrawable(attacker.address).call()
    assert owed == 2 * PRICE
    market_before = w3.eth.get_balance(market.address)
    assert market_before == 4 * PRICE

    receipt = send(attacker.functions.attack(), stranger)

    assert attacker.functions.reentryAttempts().call() == 1
    assert attacker.functions.reentrySuccesses().call() == 0
    refused = bytes(attacker.functions.lastReentryError().call())[:4]
    guards = {"ReentrancyGuardReentrantCall()", "NothingToWithdraw(address)"}
    assert refused in {function_signature_to_4byte_selector(g) for g in guards}
    assert w3.eth.get_balance(market.address) == market_before - owed
    assert w3.eth.get_balance(attacker.address) == owed
    assert market.functions.withdrawable(attacker.address).call() == 0
    assert market.functions.withdrawable(creator.address).call() == 2 * PRICE
    (event,) = market.events.Withdrawn().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"payee": attacker.address, "amount": owed}


def test_withdraw_payee_rejecting_ether_reverts_and_keeps_balance(
    w3: Web3,
    artifacts: dict[str, Artifact],
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    payee = deploy_contract(w3, artifacts["RevertingPayee"], stranger, send, market.address)
    _sell(market, registry, creator, stranger, send, [payee.address], sales=2)
    error = reverts(payee.functions.withdrawFromMarket(), stranger)
    assert error.code == "withdrawal_failed"
    assert error.details == {"payee": payee.address, "amount": 2 * PRICE}
    tx = payee.functions.withdrawFromMarket().build_transaction(
        {
            "from": stranger.address,
            "gas": 200_000,
            "nonce": w3.eth.get_transaction_count(stranger.address, "pending"),
        }
    )
    tx_hash = w3.eth.send_raw_transaction(stranger.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)["status"] == 0
    assert market.functions.withdrawable(payee.address).call() == 2 * PRICE
    assert w3.eth.get_balance(market.address) == 2 * PRICE
