"""Access control, one row per privileged function: a stranger's call reverts with the exact
custom error (and its arguments), the same call from the authorised account succeeds and has
its effect. A completeness check makes every state-changing function of both contracts either
a row here or explicitly open to anyone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from backend.chain.compiler import Artifact
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import (
    MIN_BOND,
    Kind,
    buy,
    create_offer,
    licence,
    register_work,
)

ADMIN_ROLE = "0x" + "00" * 32
ARBITER_ROLE = Web3.keccak(text="ARBITER_ROLE").to_0x_hex()
ZERO = "0x" + "00" * 20
ELSEWHERE = Account.create().address  # an address with no role, work or licence

# State-changing functions anyone may call: they act only on the caller's own behalf, or on a
# signer's behalf with that signer's EIP-712 signature, or register to the archivist of an
# anchored root only.
OPEN_TO_ANYONE = {
    "WorkRegistry": {
        "register",
        "registerFor",
        "registerBatch",
        "registerBatchFor",
        "registerDerivative",
        "registerDerivativeFor",
        "anchor",
        "anchorFor",
        "claimAnchored",
        "setApprovalForAll",
    },
    "LicenseMarket": {"buy", "withdraw", "openDispute"},
}


@dataclass
class World:
    """A deployment with a work, a transferable offer, a licence sold and a dispute open."""

    registry: Contract
    market: Contract
    admin: LocalAccount
    creator: LocalAccount
    licensee: LocalAccount
    successor: LocalAccount
    work: int
    offer: int
    dispute: int
    send: Send


@dataclass(frozen=True)
class Case:
    contract: str
    function: str
    call: Callable[[World], Any]
    authorised: Callable[[World], LocalAccount]
    error: str
    details: Callable[[World, str], dict[str, Any]]
    effect: Callable[[World], bool]
    prepare: Callable[[World], object] | None = None


def by_owner(w: World) -> LocalAccount:
    return w.admin


def unauthorized_account(_: World, stranger: str) -> dict[str, Any]:
    return {"account": stranger}


def role_needed(role: str) -> Callable[[World, str], dict[str, Any]]:
    return lambda _, stranger: {"account": stranger, "needed_role": role}


def not_work_owner(w: World, stranger: str) -> dict[str, Any]:
    return {"work_id": w.work, "caller": stranger}


CASES = [
    Case(
        "WorkRegistry",
        "setLicenseChecker",
        lambda w: w.registry.functions.setLicenseChecker(ELSEWHERE),
        by_owner,
        "OwnableUnauthorizedAccount",
        unauthorized_account,
        lambda w: w.registry.functions.licenseChecker().call() == ELSEWHERE,
    ),
    Case(
        "WorkRegistry",
        "setBaseURI",
        lambda w: w.registry.functions.setBaseURI("https://new.example/"),
        by_owner,
        "OwnableUnauthorizedAccount",
        unauthorized_account,
        lambda w: w.registry.functions.tokenURI(w.work).call().startswith("https://new.example/"),
    ),
    Case(
        "WorkRegistry",
        "transferOwnership",
        lambda w: w.registry.functions.transferOwnership(w.successor.address),
        by_owner,
        "OwnableUnauthorizedAccount",
        unauthorized_account,
        lambda w: w.registry.functions.pendingOwner().call() == w.successor.address,
    ),
    Case(
        "WorkRegistry",
        "acceptOwnership",
        lambda w: w.registry.functions.acceptOwnership(),
        lambda w: w.successor,
        "OwnableUnauthorizedAccount",
        unauthorized_account,
        lambda w: w.registry.functions.owner().call() == w.successor.address,
        prepare=lambda w: w.send(
            w.registry.functions.transferOwnership(w.successor.address), w.admin
        ),
    ),
    Case(
        "WorkRegistry",
        "renounceOwnership",
        lambda w: w.registry.functions.renounceOwnership(),
        by_owner,
        "OwnableUnauthorizedAccount",
        unauthorized_account,
        lambda w: w.registry.functions.owner().call() == ZERO,
    ),
    Case(
        "WorkRegistry",
        "transferFrom",
        lambda w: w.registry.functions.transferFrom(w.creator.address, ELSEWHERE, w.work),
        lambda w: w.creator,
        "ERC721InsufficientApproval",
        lambda w, stranger: {"operator": stranger, "token_id": w.work},
        lambda w: w.registry.functions.ownerOf(w.work).call() == ELSEWHERE,
    ),
    Case(
        "WorkRegistry",
        "safeTransferFrom",
        lambda w: w.registry.get_function_by_signature("safeTransferFrom(address,address,uint256)")(
            w.creator.address, ELSEWHERE, w.work
        ),
        lambda w: w.creator,
        "ERC721InsufficientApproval",
        lambda w, stranger: {"operator": stranger, "token_id": w.work},
        lambda w: w.registry.functions.ownerOf(w.work).call() == ELSEWHERE,
    ),
    Case(
        "WorkRegistry",
        "approve",
        lambda w: w.registry.functions.approve(ELSEWHERE, w.work),
        lambda w: w.creator,
        "ERC721InvalidApprover",
        lambda _, stranger: {"approver": stranger},
        lambda w: w.registry.functions.getApproved(w.work).call() == ELSEWHERE,
    ),
    Case(
        "LicenseMarket",
        "resolveDispute",
        lambda w: w.market.functions.resolveDispute(w.dispute, True),
        by_owner,
        "AccessControlUnauthorizedAccount",
        role_needed(ARBITER_ROLE),
        lambda w: w.market.functions.isFlagged(w.work).call() is True,
    ),
    Case(
        "LicenseMarket",
        "setFee",
        lambda w: w.market.functions.setFee(ELSEWHERE, 100),
        by_owner,
        "AccessControlUnauthorizedAccount",
        role_needed(ADMIN_ROLE),
        lambda w: tuple(w.market.functions.fee().call()) == (ELSEWHERE, 100),
    ),
    Case(
        "LicenseMarket",
        "setMinBond",
        lambda w: w.market.functions.setMinBond(1),
        by_owner,
        "AccessControlUnauthorizedAccount",
        role_needed(ADMIN_ROLE),
        lambda w: w.market.functions.minBond().call() == 1,
    ),
    Case(
        "LicenseMarket",
        "grantRole",
        lambda w: w.market.functions.grantRole(ARBITER_ROLE, ELSEWHERE),
        by_owner,
        "AccessControlUnauthorizedAccount",
        role_needed(ADMIN_ROLE),
        lambda w: w.market.functions.hasRole(ARBITER_ROLE, ELSEWHERE).call() is True,
    ),
    Case(
        "LicenseMarket",
        "revokeRole",
        lambda w: w.market.functions.revokeRole(ARBITER_ROLE, w.admin.address),
        by_owner,
        "AccessControlUnauthorizedAccount",
        role_needed(ADMIN_ROLE),
        lambda w: w.market.functions.hasRole(ARBITER_ROLE, w.admin.address).call() is False,
    ),
    Case(
        "LicenseMarket",
        "renounceRole",
        lambda w: w.market.functions.renounceRole(ARBITER_ROLE, w.admin.address),
        by_owner,
        "AccessControlBadConfirmation",
        lambda _, __: {},
        lambda w: w.market.functions.hasRole(ARBITER_ROLE, w.admin.address).call() is False,
    ),
    Case(
        "LicenseMarket",
        "setPayees",
        lambda w: w.market.functions.setPayees(w.work, [w.creator.address, ELSEWHERE], [1, 9_999]),
        lambda w: w.creator,
        "NotWorkOwner",
        not_work_owner,
        lambda w: list(w.market.functions.payees(w.work).call()[1]) == [1, 9_999],
    ),
    Case(
        "LicenseMarket",
        "createOffer",
        lambda w: w.market.functions.createOffer(
            w.work, Kind.COMMERCIAL, 10**15, 0, 0, False, "ipfs://t", b"\x22" * 32
        ),
        lambda w: w.creator,
        "NotWorkOwner",
        not_work_owner,
        lambda w: w.market.functions.offerCount(w.work).call() == 2,
    ),
    Case(
        "LicenseMarket",
        "setOfferActive",
        lambda w: w.market.functions.setOfferActive(w.work, w.offer, False),
        lambda w: w.creator,
        "NotWorkOwner",
        not_work_owner,
        lambda w: w.market.functions.offer(w.work, w.offer).call()[5] is False,  # active,
    ),
    Case(
        "LicenseMarket",
        "transferLicense",
        lambda w: w.market.functions.transferLicense(w.work, Kind.PERSONAL, ELSEWHERE),
        lambda w: w.licensee,
        "LicenseNotTransferable",
        lambda w, stranger: {"work_id": w.work, "holder": stranger},
        lambda w: licence(w.market, ELSEWHERE, w.work, Kind.PERSONAL)["transferable"] is True,
    ),
]


@pytest.fixture
def world(
    registry: Contract,
    market: Contract,
    admin: LocalAccount,
    creator: LocalAccount,
    w3: Web3,
    send: Send,
) -> World:
    licensee = _funded(w3)
    successor = _funded(w3)
    work = register_work(registry, creator, send)
    offer = create_offer(market, creator, send, work, transferable=True)
    buy(market, licensee, send, work, offer)
    receipt = send(market.functions.openDispute(work, "ipfs://evidence"), licensee, MIN_BOND)
    (opened,) = market.events.DisputeOpened().process_receipt(receipt, errors=DISCARD)
    return World(
        registry=registry,
        market=market,
        admin=admin,
        creator=creator,
        licensee=licensee,
        successor=successor,
        work=work,
        offer=offer,
        dispute=int(opened["args"]["disputeId"]),
        send=send,
    )


def _funded(w3: Web3) -> LocalAccount:
    account: LocalAccount = Account.create()
    w3.provider.make_request("anvil_setBalance", [account.address, hex(10**18)])  # type: ignore[arg-type]
    return account


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.contract}.{c.function}")
def test_privileged_function_stranger_reverts_authorised_succeeds(
    case: Case, world: World, stranger: LocalAccount, reverts: Any
) -> None:
    if case.prepare is not None:
        case.prepare(world)
    fn = case.call(world)
    error = reverts(fn, stranger)
    assert error.message.split("(")[0] == case.error, error.message
    assert error.details == case.details(world, stranger.address)
    assert not case.effect(world)

    world.send(fn, case.authorised(world))
    assert case.effect(world)


@pytest.mark.parametrize("contract", ["WorkRegistry", "LicenseMarket"])
def test_every_state_changing_function_classified(
    artifacts: dict[str, Artifact], contract: str
) -> None:
    changing = {
        item["name"]
        for item in artifacts[contract].abi
        if item["type"] == "function" and item["stateMutability"] in ("nonpayable", "payable")
    }
    guarded = {c.function for c in CASES if c.contract == contract}
    assert guarded.isdisjoint(OPEN_TO_ANYONE[contract])
    assert changing == guarded | OPEN_TO_ANYONE[contract]
