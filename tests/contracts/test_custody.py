"""Transfers, creator attribution, royalties, token URI and admin."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from tests.conftest import ROYALTY_BPS, random_hash
from tests.contracts.conftest import Send


def _registered(registry: Contract, creator: LocalAccount, send: Send) -> int:
    content = random_hash()
    send(registry.functions.register(content, random_hash()), creator)
    return int(content, 16)


def test_transfer_keeps_creator_attributable(
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
) -> None:
    work_id = _registered(registry, creator, send)
    send(registry.functions.transferFrom(creator.address, stranger.address, work_id), creator)
    send(registry.functions.transferFrom(stranger.address, admin.address, work_id), stranger)
    assert registry.functions.ownerOf(work_id).call() == admin.address
    assert registry.functions.creatorOf(work_id).call() == creator.address


def test_royalty_info_pays_original_creator(
    registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send
) -> None:
    work_id = _registered(registry, creator, send)
    send(registry.functions.transferFrom(creator.address, stranger.address, work_id), creator)
    receiver, amount = registry.functions.royaltyInfo(work_id, 10**18).call()
    assert receiver == creator.address
    assert amount == 10**18 * ROYALTY_BPS // 10_000
    assert registry.functions.royaltyBps().call() == ROYALTY_BPS


def test_token_uri_is_derivable_from_work_id(
    registry: Contract, creator: LocalAccount, send: Send
) -> None:
    work_id = _registered(registry, creator, send)
    expected = f"http://testserver/v1/works/0x{work_id:064x}/metadata"
    assert registry.functions.tokenURI(work_id).call() == expected


def test_unregistered_work_reads_revert(
    registry: Contract, creator: LocalAccount, reverts: Any
) -> None:
    work_id = int(random_hash(), 16)
    assert reverts(registry.functions.creatorOf(work_id), creator).code == "not_found"
    assert reverts(registry.functions.tokenURI(work_id), creator).code == "not_found"


def test_set_base_uri_only_owner(
    registry: Contract, creator: LocalAccount, admin: LocalAccount, send: Send, reverts: Any
) -> None:
    error = reverts(registry.functions.setBaseURI("https://evil/"), creator)
    assert error.code == "ownable_unauthorized_account"
    work_id = _registered(registry, creator, send)
    send(registry.functions.setBaseURI("https://registry.example/v1/works/"), admin)
    assert registry.functions.tokenURI(work_id).call().startswith("https://registry.example/")


def test_supports_erc721_and_erc2981(registry: Contract) -> None:
    for interface_id in ("0x80ac58cd", "0x5b5e139f", "0x2a55205a", "0x01ffc9a7"):
        assert registry.functions.supportsInterface(interface_id).call()
    assert not registry.functions.supportsInterface("0xffffffff").call()
