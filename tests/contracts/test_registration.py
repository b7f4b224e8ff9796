"""WorkRegistry registration paths against a real anvil node."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3.contract import Contract
from web3.logs import DISCARD

from backend.chain.typed_data import register_batch_message, register_message, sign_typed_data
from tests.conftest import random_hash
from tests.contracts.conftest import Send, deadline


def _register_sig(
    registry: Contract,
    creator: LocalAccount,
    content: str,
    meta: str,
    until: int,
    *,
    chain_id: int = 31337,
    contract: str | None = None,
    signer: LocalAccount | None = None,
) -> str:
    message = register_message(
        chain_id=chain_id,
        contract=contract or registry.address,
        creator=creator.address,
        content_hash=content,
        metadata_hash=meta,
        deadline=until,
    )
    return sign_typed_data(message, (signer or creator).key)


def _registered(registry: Contract, receipt: Any) -> dict[str, Any]:
    (event,) = registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
    return dict(event["args"])


def test_register_mints_to_caller_and_records_metadata_hash(
    registry: Contract, creator: LocalAccount, send: Send
) -> None:
    content, meta = random_hash(), random_hash()
    receipt = send(registry.functions.register(content, meta), creator)
    work_id = int(content, 16)
    assert registry.functions.ownerOf(work_id).call() == creator.address
    assert registry.functions.creatorOf(work_id).call() == creator.address
    args = _registered(registry, receipt)
    assert args["workId"] == work_id
    assert args["creator"] == creator.address
    assert HexBytes(args["metadataHash"]).to_0x_hex() == meta


def test_register_duplicate_reverts_naming_owner(
    registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send, reverts: Any
) -> None:
    content = random_hash()
    send(registry.functions.register(content, random_hash()), creator)
    error = reverts(registry.functions.register(content, random_hash()), stranger)
    assert error.code == "work_already_registered"
    assert error.details == {"content_hash": content, "owner": creator.address}


def test_register_zero_hash_reverts(
    registry: Contract, creator: LocalAccount, reverts: Any
) -> None:
    error = reverts(registry.functions.register("0x" + "00" * 32, random_hash()), creator)
    assert error.message.startswith("ZeroContentHash")


def test_register_for_makes_creator_owner_not_relayer(
    registry: Contract, creator: LocalAccount, admin: LocalAccount, send: Send
) -> None:
    content, meta, until = random_hash(), random_hash(), deadline()
    signature = _register_sig(registry, creator, content, meta, until)
    send(registry.functions.registerFor(creator.address, content, meta, until, signature), admin)
    assert registry.functions.ownerOf(int(content, 16)).call() == creator.address


@pytest.mark.parametrize("tamper", ["signer", "chain_id", "contract", "metadata", "creator"])
def test_register_for_bad_signature_reverts(
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    reverts: Any,
    tamper: str,
) -> None:
    content, meta, until = random_hash(), random_hash(), deadline()
    kwargs: dict[str, Any] = {
        "signer": {"signer": stranger},
        "chain_id": {"chain_id": 1},
        "contract": {"contract": Account.create().address},
    }.get(tamper, {})
    signature = _register_sig(registry, creator, content, meta, until, **kwargs)
    claimed = stranger.address if tamper == "creator" else creator.address
    submitted_meta = random_hash() if tamper == "metadata" else meta
    fn = registry.functions.registerFor(claimed, content, submitted_meta, until, signature)
    error = reverts(fn, admin)
    assert error.code == "invalid_signature"
    assert error.details["creator"] == claimed


def test_register_for_expired_deadline_reverts(
    registry: Contract, creator: LocalAccount, admin: LocalAccount, reverts: Any
) -> None:
    content, meta, until = random_hash(), random_hash(), deadline(-10)
    signature = _register_sig(registry, creator, content, meta, until)
    error = reverts(
        registry.functions.registerFor(creator.address, content, meta, until, signature), admin
    )
    assert error.code == "signature_expired"
    assert error.details == {"deadline": until}


def test_register_for_replay_reverts(
    registry: Contract,
    creator: LocalAccount,
    admin: LocalAccount,
    stranger: LocalAccount,
    send: Send,
    reverts: Any,
) -> None:
    content, meta, until = random_hash(), random_hash(), deadline()
    signature = _register_sig(registry, creator, content, meta, until)
    fn = registry.functions.registerFor(creator.address, content, meta, until, signature)
    send(fn, admin)
    assert reverts(fn, stranger).code == "work_already_registered"


def test_register_batch_registers_every_work(
    registry: Contract, creator: LocalAccount, send: Send
) -> None:
    contents = [random_hash() for _ in range(5)]
    receipt = send(
        registry.functions.registerBatch(contents, [random_hash() for _ in contents]), creator
    )
    assert len(registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)) == 5
    assert registry.functions.balanceOf(creator.address).call() == 5


def test_register_batch_for_one_signature_and_tamper_rejected(
    registry: Contract, creator: LocalAccount, admin: LocalAccount, send: Send, reverts: Any
) -> None:
    contents = [random_hash() for _ in range(3)]
    metas = [random_hash() for _ in contents]
    until = deadline()
    message = register_batch_message(
        chain_id=31337,
        contract=registry.address,
        creator=creator.address,
        content_hashes=contents,
        metadata_hashes=metas,
        deadline=until,
    )
    signature = sign_typed_data(message, creator.key)
    subset = registry.functions.registerBatchFor(
        creator.address, contents[:2], metas[:2], until, signature
    )
    assert reverts(subset, admin).code == "invalid_signature"
    send(
        registry.functions.registerBatchFor(creator.address, contents, metas, until, signature),
        admin,
    )
    assert all(registry.functions.ownerOf(int(c, 16)).call() == creator.address for c in contents)


def test_register_batch_mismatched_or_empty_reverts(
    registry: Contract, creator: LocalAccount, reverts: Any
) -> None:
    assert reverts(registry.functions.registerBatch([], []), creator).code == "invalid_input"
    mismatched = registry.functions.registerBatch([random_hash()], [random_hash(), random_hash()])
    assert reverts(mismatched, creator).details == {"content_hashes": 1, "metadata_hashes": 2}


def test_register_batch_with_duplicate_reverts(
    registry: Contract, creator: LocalAccount, reverts: Any
) -> None:
    content = random_hash()
    fn = registry.functions.registerBatch([content, content], [random_hash(), random_hash()])
    assert reverts(fn, creator).code == "work_already_registered"
