"""LicenseMarket licence transfers between holders."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from tests.conftest import _funded
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import (
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
NO_LICENCE = {"start": 0, "expiry": 0, "offerId": 0, "transferable": False}


def _bought(
    market: Contract,
    registry: Contract,
    owner: LocalAccount,
    holder: LocalAccount,
    send: Send,
    *,
    transferable: bool = True,
) -> int:
    work_id = register_work(registry, owner, send)
    offer_id = create_offer(
        market,
        owner,
        send,
        work_id,
        kind=Kind.COMMERCIAL,
        duration=DURATION,
        transferable=transferable,
    )
    buy(market, holder, send, work_id, offer_id)
    return work_id


def test_transfer_license_moves_licence_with_same_expiry(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    w3: Web3,
    admin: LocalAccount,
    send: Send,
) -> None:
    holder = _funded(w3, admin)
    work_id = _bought(market, registry, creator, holder, send)
    before = licence(market, holder.address, work_id, Kind.COMMERCIAL)
    receipt = send(
        market.functions.transferLicense(work_id, Kind.COMMERCIAL, stranger.address), holder
    )
    assert licence(market, stranger.address, work_id, Kind.COMMERCIAL) == before
    assert licence(market, holder.address, work_id, Kind.COMMERCIAL) == NO_LICENCE
    assert market.functions.hasValidLicense(stranger.address, work_id, Kind.COMMERCIAL).call()
    assert not market.functions.hasValidLicense(holder.address, work_id, Kind.COMMERCIAL).call()
    (event,) = market.events.LicenseTransferred().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "workId": work_id,
        "from": holder.address,
        "to": stranger.address,
        "kind": Kind.COMMERCIAL,
        "expiry": before["expiry"],
    }


def test_transfer_license_non_transferable_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = _bought(market, registry, creator, creator, send, transferable=False)
    fn = market.functions.transferLicense(work_id, Kind.COMMERCIAL, stranger.address)
    error = reverts(fn, creator)
    assert error.code == "license_not_transferable"
    assert error.details == {"work_id": work_id, "holder": creator.address}


def test_transfer_license_without_licence_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = _bought(market, registry, creator, creator, send)
    wrong_kind = market.functions.transferLicense(work_id, Kind.PERSONAL, stranger.address)
    assert reverts(wrong_kind, creator).code == "license_not_transferable"
    not_holder = market.functions.transferLicense(work_id, Kind.COMMERCIAL, creator.address)
    assert reverts(not_holder, stranger).code == "license_not_transferable"


def test_transfer_license_expired_reverts(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = _bought(market, registry, creator, creator, send)
    expiry = licence(market, creator.address, work_id, Kind.COMMERCIAL)["expiry"]
    fn = market.functions.transferLicense(work_id, Kind.COMMERCIAL, stranger.address)
    with rewound(w3):
        mine_at(w3, expiry)
        error = reverts(fn, creator)
        assert error.code == "license_not_transferable"
        assert error.details == {"work_id": work_id, "holder": creator.address}


def test_transfer_license_recipient_holding_valid_licence_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = _bought(market, registry, creator, creator, send)
    offer_id = market.functions.offerCount(work_id).call()
    buy(market, stranger, send, work_id, offer_id)
    fn = market.functions.transferLicense(work_id, Kind.COMMERCIAL, stranger.address)
    error = reverts(fn, creator)
    assert error.code == "license_already_held"
    assert error.details == {"to": stranger.address}
    to_self = market.functions.transferLicense(work_id, Kind.COMMERCIAL, creator.address)
    assert reverts(to_self, creator).code == "license_already_held"


def test_transfer_license_recipient_with_expired_licence_accepted(
    w3: Web3,
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
) -> None:
    work_id = _bought(market, registry, creator, stranger, send)
    offer_id = market.functions.offerCount(work_id).call()
    with rewound(w3):
        mine_at(w3, block_time(w3) + 2 * DURATION)
        holder = _funded(w3, admin)
        buy(market, holder, send, work_id, offer_id)
        moved = licence(market, holder.address, work_id, Kind.COMMERCIAL)
        send(market.functions.transferLicense(work_id, Kind.COMMERCIAL, stranger.address), holder)
        assert licence(market, stranger.address, work_id, Kind.COMMERCIAL) == moved


def test_transfer_license_bought_non_transferable_reverts_after_transferable_top_up(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    """A perpetual licence bought under a non-transferable offer must stay non-transferable
    when its holder also buys a cheap, short, transferable offer of the same kind.

    Fails today (contract bug): `buy` overwrites the licence's `transferable` flag with the
    newest offer's, while `_extend` keeps the perpetual expiry, so one wei buys the right to
    pass on a perpetual licence the owner sold as non-transferable.
    """
    work_id = register_work(registry, creator, send)
    perpetual = create_offer(market, creator, send, work_id, kind=Kind.COMMERCIAL, price=10**17)
    trial = create_offer(
        market,
        creator,
        send,
        work_id,
        kind=Kind.COMMERCIAL,
        price=1,
        duration=60,
        transferable=True,
    )
    buy(market, stranger, send, work_id, perpetual)
    buy(market, stranger, send, work_id, trial)
    fn = market.functions.transferLicense(work_id, Kind.COMMERCIAL, admin.address)
    assert reverts(fn, stranger).code == "license_not_transferable"
