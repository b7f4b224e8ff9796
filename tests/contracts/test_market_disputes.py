"""LicenseMarket disputes: bonds, the arbiter's decision and where the bond goes."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from tests.conftest import random_hash
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import MIN_BOND, PRICE, create_offer, register_work

OPEN, UPHELD, REJECTED = 1, 2, 3
ARBITER_ROLE = Web3.keccak(text="ARBITER_ROLE").to_0x_hex()


@pytest.fixture
def work_id(registry: Contract, creator: LocalAccount, send: Send) -> int:
    return register_work(registry, creator, send)


def _open(market: Contract, claimant: LocalAccount, send: Send, work_id: int) -> int:
    receipt = send(market.functions.openDispute(work_id, "ipfs://evidence"), claimant, MIN_BOND)
    (event,) = market.events.DisputeOpened().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["disputeId"])


def test_open_dispute_records_bond_and_emits(
    w3: Web3, market: Contract, stranger: LocalAccount, send: Send, work_id: int
) -> None:
    bond = MIN_BOND + 123
    receipt = send(market.functions.openDispute(work_id, "ipfs://evidence"), stranger, bond)
    assert market.functions.disputeCount().call() == 1
    assert market.functions.dispute(1).call() == (stranger.address, bond, OPEN, work_id)
    assert w3.eth.get_balance(market.address) == bond
    (event,) = market.events.DisputeOpened().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "disputeId": 1,
        "workId": work_id,
        "claimant": stranger.address,
        "bond": bond,
        "evidenceURI": "ipfs://evidence",
    }


def test_open_dispute_unregistered_work_reverts(
    market: Contract, stranger: LocalAccount, reverts: Any
) -> None:
    work_id = int(random_hash(), 16)
    fn = market.functions.openDispute(work_id, "ipfs://evidence")
    error = reverts(fn, stranger, value=MIN_BOND)
    assert error.code == "not_found"
    assert error.details == {"token_id": work_id}


def test_open_dispute_bond_below_minimum_reverts(
    market: Contract, stranger: LocalAccount, send: Send, reverts: Any, work_id: int
) -> None:
    assert market.functions.minBond().call() == MIN_BOND
    fn = market.functions.openDispute(work_id, "ipfs://evidence")
    error = reverts(fn, stranger, value=MIN_BOND - 1)
    assert error.code == "insufficient_bond"
    assert error.details == {"bond": MIN_BOND - 1, "min_bond": MIN_BOND}
    send(fn, stranger, MIN_BOND)  # the minimum itself is enough


def test_set_min_bond_changes_requirement(
    market: Contract,
    admin: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
) -> None:
    receipt = send(market.functions.setMinBond(2 * MIN_BOND), admin)
    (event,) = market.events.MinBondChanged().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["minBond"] == 2 * MIN_BOND
    fn = market.functions.openDispute(work_id, "ipfs://evidence")
    error = reverts(fn, stranger, value=MIN_BOND)
    assert error.details == {"bond": MIN_BOND, "min_bond": 2 * MIN_BOND}


def test_resolve_dispute_non_arbiter_reverts(
    market: Contract, stranger: LocalAccount, send: Send, reverts: Any, work_id: int
) -> None:
    dispute_id = _open(market, stranger, send, work_id)
    error = reverts(market.functions.resolveDispute(dispute_id, True), stranger)
    assert error.code == "access_control_unauthorized_account"
    assert error.details == {"account": stranger.address, "needed_role": ARBITER_ROLE}


def test_resolve_dispute_upheld_flags_work_and_returns_bond(
    w3: Web3,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
) -> None:
    offer_id = create_offer(market, creator, send, work_id)
    dispute_id = _open(market, stranger, send, work_id)
    assert not market.functions.isFlagged(work_id).call()

    receipt = send(market.functions.resolveDispute(dispute_id, True), admin)

    assert market.functions.isFlagged(work_id).call()
    assert market.functions.dispute(dispute_id).call()[2] == UPHELD
    assert market.functions.withdrawable(stranger.address).call() == MIN_BOND
    assert market.functions.withdrawable(creator.address).call() == 0
    assert w3.eth.get_balance(market.address) == MIN_BOND
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=PRICE)
    assert error.code == "work_flagged"
    (event,) = market.events.DisputeResolved().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "disputeId": dispute_id,
        "workId": work_id,
        "upheld": True,
        "bondRecipient": stranger.address,
    }


def test_resolve_dispute_rejected_pays_bond_to_current_owner(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    work_id: int,
) -> None:
    dispute_id = _open(market, stranger, send, work_id)
    send(registry.functions.transferFrom(creator.address, admin.address, work_id), creator)

    receipt = send(market.functions.resolveDispute(dispute_id, False), admin)

    assert not market.functions.isFlagged(work_id).call()
    assert market.functions.dispute(dispute_id).call()[2] == REJECTED
    assert market.functions.withdrawable(admin.address).call() == MIN_BOND
    assert market.functions.withdrawable(creator.address).call() == 0
    assert market.functions.withdrawable(stranger.address).call() == 0
    (event,) = market.events.DisputeResolved().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["bondRecipient"] == admin.address


@pytest.mark.parametrize("first", [True, False], ids=["upheld", "rejected"])
def test_resolve_dispute_twice_reverts(
    market: Contract,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    work_id: int,
    first: bool,
) -> None:
    dispute_id = _open(market, stranger, send, work_id)
    send(market.functions.resolveDispute(dispute_id, first), admin)
    for upheld in (True, False):
        error = reverts(market.functions.resolveDispute(dispute_id, upheld), admin)
        assert error.code == "dispute_not_open"
        assert error.details == {"dispute_id": dispute_id}


@pytest.mark.parametrize("dispute_id", [0, 1])
def test_resolve_dispute_unknown_reverts(
    market: Contract, admin: LocalAccount, reverts: Any, dispute_id: int
) -> None:
    error = reverts(market.functions.resolveDispute(dispute_id, True), admin)
    assert error.code == "dispute_not_open"
