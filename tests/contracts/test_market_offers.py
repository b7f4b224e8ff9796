"""LicenseMarket offers: creation, switching on and off, and who may manage them."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.logs import DISCARD

from tests.conftest import random_hash
from tests.contracts.conftest import Send
from tests.contracts.test_market_support import Kind, buy, create_offer, register_work


def _create(market: Contract, work_id: int, **terms: Any) -> Any:
    values = {"kind": Kind.PERSONAL, "price": 1, "duration": 0, "max_supply": 0} | terms
    return market.functions.createOffer(
        work_id,
        values["kind"],
        values["price"],
        values["duration"],
        values["max_supply"],
        False,
        "ipfs://terms",
        b"\x22" * 32,
    )


def test_create_offer_records_terms_and_emits(
    market: Contract, registry: Contract, creator: LocalAccount, send: Send
) -> None:
    work_id = register_work(registry, creator, send)
    create_offer(market, creator, send, work_id)
    fn = market.functions.createOffer(
        work_id, Kind.COMMERCIAL, 12_345, 3_600, 7, True, "ipfs://commercial", b"\x33" * 32
    )
    receipt = send(fn, creator)
    assert market.functions.offerCount(work_id).call() == 2
    # price, duration, maxSupply, sold, kind, active, transferable
    assert market.functions.offer(work_id, 2).call() == (12_345, 3_600, 7, 0, 1, True, True)
    (event,) = market.events.OfferCreated().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "workId": work_id,
        "offerId": 2,
        "kind": Kind.COMMERCIAL,
        "price": 12_345,
        "duration": 3_600,
        "maxSupply": 7,
        "transferable": True,
        "termsURI": "ipfs://commercial",
        "termsHash": b"\x33" * 32,
    }


def test_create_offer_non_owner_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = register_work(registry, creator, send)
    error = reverts(_create(market, work_id), stranger)
    assert error.code == "not_work_owner"
    assert error.details == {"work_id": work_id, "caller": stranger.address}


def test_create_offer_unregistered_work_reverts(
    market: Contract, creator: LocalAccount, reverts: Any
) -> None:
    work_id = int(random_hash(), 16)
    error = reverts(_create(market, work_id), creator)
    assert error.code == "not_found"
    assert error.details == {"token_id": work_id}


@pytest.mark.parametrize(
    ("field", "limit"), [("price", 2**96 - 1), ("duration", 2**40 - 1)], ids=["price", "duration"]
)
def test_create_offer_out_of_range_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    send: Send,
    reverts: Any,
    field: str,
    limit: int,
) -> None:
    work_id = register_work(registry, creator, send)
    error = reverts(_create(market, work_id, **{field: limit + 1}), creator)
    assert error.code == "invalid_offer"
    send(_create(market, work_id, **{field: limit}), creator)
    offer = market.functions.offer(work_id, 1).call()
    assert offer[0 if field == "price" else 1] == limit


def test_set_offer_active_toggles_sales_and_emits(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id, price=5)
    receipt = send(market.functions.setOfferActive(work_id, offer_id, False), creator)
    (event,) = market.events.OfferStatusChanged().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {"workId": work_id, "offerId": offer_id, "active": False}
    assert market.functions.offer(work_id, offer_id).call()[5] is False
    error = reverts(market.functions.buy(work_id, offer_id), stranger, value=5)
    assert error.code == "offer_inactive"
    assert error.details == {"work_id": work_id, "offer_id": offer_id}
    send(market.functions.setOfferActive(work_id, offer_id, True), creator)
    buy(market, stranger, send, work_id, offer_id)
    assert market.functions.hasValidLicense(stranger.address, work_id, Kind.PERSONAL).call()


def test_set_offer_active_keeps_sold_licences_valid(
    market: Contract, registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id, duration=3_600)
    buy(market, stranger, send, work_id, offer_id)
    before = market.functions.licenseOf(stranger.address, work_id, Kind.PERSONAL).call()
    send(market.functions.setOfferActive(work_id, offer_id, False), creator)
    assert market.functions.hasValidLicense(stranger.address, work_id, Kind.PERSONAL).call()
    assert market.functions.licenseOf(stranger.address, work_id, Kind.PERSONAL).call() == before


def test_set_offer_active_non_owner_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    work_id = register_work(registry, creator, send)
    offer_id = create_offer(market, creator, send, work_id)
    error = reverts(market.functions.setOfferActive(work_id, offer_id, False), stranger)
    assert error.code == "not_work_owner"
    assert error.details == {"work_id": work_id, "caller": stranger.address}


@pytest.mark.parametrize("offer_id", [0, 2, 2**32])
def test_set_offer_active_unknown_offer_reverts(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    send: Send,
    reverts: Any,
    offer_id: int,
) -> None:
    work_id = register_work(registry, creator, send)
    create_offer(market, creator, send, work_id)
    error = reverts(market.functions.setOfferActive(work_id, offer_id, True), creator)
    assert error.code == "offer_inactive"
    assert error.details == {"work_id": work_id, "offer_id": offer_id}


def test_offer_management_follows_work_transfer(
    market: Contract,
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    """After an ERC-721 transfer the new owner manages offers and payees; the old one cannot."""
    work_id = register_work(registry, creator, send)
    first = create_offer(market, creator, send, work_id)
    send(registry.functions.transferFrom(creator.address, stranger.address, work_id), creator)

    second = create_offer(market, stranger, send, work_id, kind=Kind.COMMERCIAL)
    assert second == first + 1
    send(market.functions.setOfferActive(work_id, first, False), stranger)
    send(market.functions.setPayees(work_id, [stranger.address], [10_000]), stranger)

    for fn in (
        _create(market, work_id),
        market.functions.setOfferActive(work_id, first, True),
        market.functions.setPayees(work_id, [creator.address], [10_000]),
    ):
        error = reverts(fn, creator)
        assert error.code == "not_work_owner"
        assert error.details == {"work_id": work_id, "caller": creator.address}
