"""Derivative registration in the WorkRegistry, gated by derivative licences from the market."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from tests.conftest import random_hash
from tests.contracts.conftest import Send, deadline
from tests.contracts.test_market_support import (
    Kind,
    buy,
    create_offer,
    licence,
    mine_at,
    register_work,
    rewound,
)

DURATION = 1_000


def _register_derivative_sig(
    registry: Contract,
    signer: LocalAccount,
    creator: str,
    content: str,
    meta: str,
    parent_id: int,
    until: int,
) -> bytes:
    """The creator's EIP-712 `RegisterDerivative` signature, typed data written out in full."""
    message = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "RegisterDerivative": [
                {"name": "creator", "type": "address"},
                {"name": "contentHash", "type": "bytes32"},
                {"name": "metadataHash", "type": "bytes32"},
                {"name": "parentId", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "RegisterDerivative",
        "domain": {
            "name": "WorkRegistry",
            "version": "1",
            "chainId": 31337,
            "verifyingContract": registry.address,
        },
        "message": {
            "creator": creator,
            "contentHash": content,
            "metadataHash": meta,
            "parentId": parent_id,
            "deadline": until,
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=message), signer.key)
    return bytes(signed.signature)


@pytest.fixture
def parent_id(registry: Contract, creator: LocalAccount, send: Send) -> int:
    return register_work(registry, creator, send)


def _licensed(
    market: Contract,
    owner: LocalAccount,
    licensee: LocalAccount,
    send: Send,
    parent_id: int,
    kind: Kind = Kind.DERIVATIVE,
) -> None:
    offer_id = create_offer(market, owner, send, parent_id, kind=kind, duration=DURATION)
    buy(market, licensee, send, parent_id, offer_id)


def _assert_rejected(error: Any, licensee: LocalAccount, parent_id: int) -> None:
    assert error.code == "derivative_license_required"
    assert error.details == {"creator": licensee.address, "parent_id": parent_id}


def test_register_derivative_without_licence_reverts(
    registry: Contract, stranger: LocalAccount, reverts: Any, parent_id: int
) -> None:
    fn = registry.functions.registerDerivative(random_hash(), random_hash(), parent_id)
    _assert_rejected(reverts(fn, stranger), stranger, parent_id)


def test_register_derivative_with_other_kinds_only_reverts(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    _licensed(market, creator, stranger, send, parent_id, Kind.PERSONAL)
    _licensed(market, creator, stranger, send, parent_id, Kind.COMMERCIAL)
    fn = registry.functions.registerDerivative(random_hash(), random_hash(), parent_id)
    _assert_rejected(reverts(fn, stranger), stranger, parent_id)


def test_register_derivative_with_licence_registers_and_emits(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    parent_id: int,
) -> None:
    _licensed(market, creator, stranger, send, parent_id)
    content, meta = random_hash(), random_hash()
    receipt = send(registry.functions.registerDerivative(content, meta, parent_id), stranger)
    work_id = int(content, 16)
    assert registry.functions.ownerOf(work_id).call() == stranger.address
    (registered,) = registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
    assert registered["args"]["workId"] == work_id
    (derived,) = registry.events.DerivativeRegistered().process_receipt(receipt, errors=DISCARD)
    assert dict(derived["args"]) == {"workId": work_id, "parentId": parent_id}


def test_register_derivative_after_licence_expiry_reverts(
    w3: Web3,
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    _licensed(market, creator, stranger, send, parent_id)
    expiry = licence(market, stranger.address, parent_id, Kind.DERIVATIVE)["expiry"]
    fn = registry.functions.registerDerivative(random_hash(), random_hash(), parent_id)
    with rewound(w3):
        mine_at(w3, expiry - 1)
        fn.estimate_gas({"from": stranger.address})  # still valid one second before
        mine_at(w3, expiry)
        _assert_rejected(reverts(fn, stranger), stranger, parent_id)


def test_register_derivative_follows_transferred_licence(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    offer_id = create_offer(
        market, creator, send, parent_id, kind=Kind.DERIVATIVE, duration=DURATION, transferable=True
    )
    buy(market, stranger, send, parent_id, offer_id)
    send(market.functions.transferLicense(parent_id, Kind.DERIVATIVE, admin.address), stranger)
    fn = registry.functions.registerDerivative(random_hash(), random_hash(), parent_id)
    _assert_rejected(reverts(fn, stranger), stranger, parent_id)
    send(registry.functions.registerDerivative(random_hash(), random_hash(), parent_id), admin)


def test_register_derivative_without_license_checker_reverts(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    _licensed(market, creator, stranger, send, parent_id)
    send(registry.functions.setLicenseChecker("0x" + "00" * 20), admin)
    fn = registry.functions.registerDerivative(random_hash(), random_hash(), parent_id)
    _assert_rejected(reverts(fn, stranger), stranger, parent_id)


def test_register_derivative_for_relayed_signature_registers(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    parent_id: int,
) -> None:
    _licensed(market, creator, stranger, send, parent_id)
    content, meta, until = random_hash(), random_hash(), deadline()
    signature = _register_derivative_sig(
        registry, stranger, stranger.address, content, meta, parent_id, until
    )
    fn = registry.functions.registerDerivativeFor(
        stranger.address, content, meta, parent_id, until, signature
    )
    receipt = send(fn, admin)
    assert registry.functions.ownerOf(int(content, 16)).call() == stranger.address
    (derived,) = registry.events.DerivativeRegistered().process_receipt(receipt, errors=DISCARD)
    assert dict(derived["args"]) == {"workId": int(content, 16), "parentId": parent_id}


def test_register_derivative_for_unlicensed_signer_reverts(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    """The relayer's licence does not count: the signer must hold one."""
    _licensed(market, creator, admin, send, parent_id)
    content, meta, until = random_hash(), random_hash(), deadline()
    signature = _register_derivative_sig(
        registry, stranger, stranger.address, content, meta, parent_id, until
    )
    fn = registry.functions.registerDerivativeFor(
        stranger.address, content, meta, parent_id, until, signature
    )
    _assert_rejected(reverts(fn, admin), stranger, parent_id)


def test_register_derivative_for_tampered_parent_reverts(
    registry: Contract,
    market: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
    parent_id: int,
) -> None:
    other_parent = register_work(registry, creator, send)
    _licensed(market, creator, stranger, send, parent_id)
    _licensed(market, creator, stranger, send, other_parent)
    content, meta, until = random_hash(), random_hash(), deadline()
    signature = _register_derivative_sig(
        registry, stranger, stranger.address, content, meta, parent_id, until
    )
    fn = registry.functions.registerDerivativeFor(
        stranger.address, content, meta, other_parent, until, signature
    )
    error = reverts(fn, admin)
    assert error.code == "invalid_signature"
    assert error.details == {"creator": stranger.address}
