"""Chain reorganisations: the index follows the chain to the fork and back up, holds back
unconfirmed blocks, and always equals an index rebuilt from the chain alone.

This module runs its own anvil, which keeps 64 recent states in memory (the session's node keeps
none), so that `anvil_reorg(depth, [[tx, block_offset], ...])` works: it drops the last
``depth`` blocks and their transactions and mines ``depth`` new blocks holding the given
transactions. `evm_snapshot`/`evm_revert` is the other kind: the chain gets shorter, then grows
again with different blocks, as after a node restarted from an older state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.types import Wei

from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil
from backend.chain.registry import RegistryClient, connect
from backend.core.config import Settings
from backend.core.runtime import Runtime
from backend.db.models import IndexJournal, Work
from backend.db.session import make_engine, make_sessionmaker
from backend.indexer.rebuild import rebuild_index
from backend.indexer.snapshot import Snapshot, index_snapshot

KEPT_STATES = 64
PRICE = 10**15
BOND = 10**16
DERIVATIVE, PERSONAL = 2, 0
INDEXER_LOG = "backend.indexer.indexer"
NewDatabase = Callable[..., str]


class _ReorgableAnvil(Anvil):
    """anvil keeping recent states in memory: `anvil_reorg` replays from them."""

    def command(self) -> list[str]:
        cmd = super().command()
        at = cmd.index("--prune-history") + 1
        return [*cmd[:at], str(KEPT_STATES), *cmd[at:]]


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    """This module's own node, so that its reorgs leave the session's chain alone."""
    log_file = tmp_path_factory.mktemp("reorg-anvil") / "anvil.log"
    with _ReorgableAnvil(log_file=log_file, accounts=10) as node:
        yield node


@pytest.fixture(scope="module")
def w3(anvil: Anvil) -> Web3:
    return connect(anvil.rpc_url)


class Chain:
    """The test's contracts, written from anvil's dev accounts: now, or into a reorg."""

    def __init__(self, w3: Web3, registry: RegistryClient) -> None:
        self.w3 = w3
        self.works = registry.contract.functions
        self.market = registry.market.functions

    def send(self, account: LocalAccount, fn: ContractFunction, value: int = 0) -> None:
        nonce = self.w3.eth.get_transaction_count(account.address)
        tx: Any = fn.build_transaction(
            {"from": account.address, "value": Wei(value), "nonce": nonce}
        )
        tx_hash = self.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
        assert receipt["status"] == 1

    def register(self, account: LocalAccount, work_id: str | None = None) -> str:
        work_id = work_id or _random_hash()
        self.send(account, self.register_call(work_id))
        return work_id

    def register_call(self, work_id: str) -> ContractFunction:
        return self.works.register(bytes.fromhex(work_id[2:]), os.urandom(32))

    def reorg(self, depth: int, calls: list[tuple[LocalAccount, ContractFunction, int]]) -> None:
        """Replace the last ``depth`` blocks; the calls go one per new block, from the first
        (anvil signs them for its dev accounts and picks their nonces; without an explicit gas
        limit it gave some of them too little)."""
        head = self.w3.eth.block_number
        txs = [
            [
                {
                    "from": a.address,
                    "to": fn.address,
                    "data": _data(fn),
                    "value": hex(value),
                    "gas": hex(1_000_000),
                },
                i,
            ]
            for i, (a, fn, value) in enumerate(calls)
        ]
        answer = self.w3.provider.make_request("anvil_reorg", [depth, txs])  # type: ignore[arg-type]
        assert "error" not in answer, answer
        assert self.w3.eth.block_number == head
        for offset in range(len(calls)):
            block = self.w3.eth.get_block(head - depth + 1 + offset)
            tx_hash: Any = block["transactions"][0]
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)
            assert receipt["status"] == 1, f"reorg transaction {offset} reverted"

    def mine(self, blocks: int) -> None:
        self.w3.provider.make_request("anvil_mine", [blocks])  # type: ignore[arg-type]


def _data(fn: ContractFunction) -> str:
    return str(fn.build_transaction({"gas": 1_000_000, "gasPrice": Wei(0)})["data"])


def _random_hash() -> str:
    return "0x" + os.urandom(32).hex()


def _id(work_id: str) -> int:
    return int(work_id, 16)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    service = Runtime(settings)
    yield service
    service.close()


@pytest.fixture
def chain(w3: Web3, runtime: Runtime) -> Chain:
    return Chain(w3, runtime.registry())


def _snapshot(runtime: Runtime) -> Snapshot:
    with runtime.sessions() as session:
        return index_snapshot(session)


def _rebuilt(settings: Settings, new_database: NewDatabase) -> Snapshot:
    """The index a fresh database gets from the chain alone."""
    url = new_database(empty=True)
    rebuild_index(settings.model_copy(update={"database_url": url}))
    with make_sessionmaker(make_engine(url))() as session:
        return index_snapshot(session)


def _owners(snapshot: Snapshot) -> dict[str, str]:
    return {row["work_id"]: row["owner"] for row in snapshot["works"]}


def _assert_index_is_chain(snapshot: Snapshot, runtime: Runtime, dropped: list[str]) -> None:
    """Every indexed owner is the chain's owner; the dropped works are on neither."""
    registry = runtime.registry()
    for work_id, owner in _owners(snapshot).items():
        assert registry.owner_of(_id(work_id)) == owner
    for work_id in dropped:
        assert registry.owner_of(_id(work_id)) is None
        assert work_id not in _owners(snapshot)


def test_reorg_replacing_three_blocks_rolls_the_index_back_and_forward(
    runtime: Runtime,
    chain: Chain,
    settings: Settings,
    new_database: NewDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    creator, buyer, receiver = dev_account(1), dev_account(2), dev_account(3)
    indexer = runtime.indexer()
    first, second = chain.register(creator), chain.register(creator)
    chain.send(
        creator, chain.market.createOffer(_id(first), 1, PRICE, 0, 0, False, "t", b"\0" * 32)
    )
    indexer.sync()
    chain.send(buyer, chain.market.buy(_id(first), 1), PRICE)
    chain.send(creator, chain.works.transferFrom(creator.address, receiver.address, _id(first)))
    dropped = chain.register(creator)
    assert indexer.sync() == 4  # the purchase, the transfer, the mint and the registration
    before = _snapshot(runtime)
    assert _owners(before)[first] == receiver.address and dropped in _owners(before)
    assert before["offers"][0]["sold"] == 1

    included = _random_hash()
    chain.reorg(
        3,
        [
            (creator, chain.register_call(included), 0),
            (creator, chain.works.transferFrom(creator.address, buyer.address, _id(second)), 0),
        ],
    )
    with caplog.at_level(logging.WARNING, logger=INDEXER_LOG):
        assert indexer.sync() == 3  # the new mint, registration and transfer
    assert "rolled back" in caplog.text and "rebuilding" not in caplog.text

    after = _snapshot(runtime)
    assert _owners(after) == {
        first: creator.address,
        second: buyer.address,
        included: creator.address,
    }
    assert after["offers"][0]["sold"] == 0 and after["license_events"] == []
    _assert_index_is_chain(after, runtime, dropped=[dropped])
    assert after == _rebuilt(settings, new_database)


def test_unconfirmed_blocks_stay_out_and_a_shallow_reorg_leaves_the_index_alone(
    settings: Settings, chain: Chain, new_database: NewDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    cautious = settings.model_copy(update={"confirmations": 2})
    runtime = Runtime(cautious)
    try:
        creator = dev_account(4)
        indexer = runtime.indexer()
        confirmed = chain.register(creator)
        chain.mine(2)
        assert indexer.sync() == 2
        pending = chain.register(creator)
        assert indexer.sync() == 0  # its block and the one before are not final yet
        before = _snapshot(runtime)
        assert confirmed in _owners(before) and pending not in _owners(before)

        replacement = _random_hash()
        chain.reorg(2, [(creator, chain.register_call(replacement), 0)])
        with caplog.at_level(logging.WARNING, logger=INDEXER_LOG):
            assert indexer.sync() == 0
        assert [r for r in caplog.records if r.name == INDEXER_LOG] == []
        assert _snapshot(runtime) == before

        chain.mine(2)
        assert indexer.sync() == 2
        after = _snapshot(runtime)
        assert set(_owners(after)) == {confirmed, replacement}
        _assert_index_is_chain(after, runtime, dropped=[pending])
        assert after == _rebuilt(cautious, new_database)
    finally:
        runtime.close()


def _market_activity(chain: Chain) -> dict[str, Any]:
    """A work with a split, two offers, licences bought and passed on: the state a reorg
    then tries to undo."""
    owner, partner, buyer, heir = (dev_account(i) for i in (5, 6, 7, 8))
    parent = _id(chain.register(owner))
    chain.send(
        owner, chain.market.setPayees(parent, [owner.address, partner.address], [5000, 5000])
    )
    chain.send(
        owner, chain.market.createOffer(parent, DERIVATIVE, PRICE, 0, 5, True, "t", b"\1" * 32)
    )
    chain.send(
        owner, chain.market.createOffer(parent, PERSONAL, PRICE, 60, 0, False, "p", b"\2" * 32)
    )
    chain.send(buyer, chain.market.buy(parent, 1), PRICE)
    chain.send(buyer, chain.market.transferLicense(parent, DERIVATIVE, heir.address))
    return {"owner": owner, "partner": partner, "buyer": buyer, "heir": heir, "parent": parent}


def test_index_equals_rebuild_after_activity_and_reorgs_that_undo_mutable_state(
    runtime: Runtime, chain: Chain, settings: Settings, new_database: NewDatabase
) -> None:
    indexer = runtime.indexer()
    people = _market_activity(chain)
    owner, heir, parent = people["owner"], people["heir"], people["parent"]
    claimant, arbiter = dev_account(9), dev_account(0)
    indexer.sync()
    # Six blocks, each indexed on its own, that change what the index holds in place.
    child = _random_hash()
    steps: list[tuple[LocalAccount, ContractFunction, int]] = [
        (owner, chain.market.setPayees(parent, [owner.address], [10_000]), 0),
        (owner, chain.market.setOfferActive(parent, 2, False), 0),
        (heir, chain.works.registerDerivative(bytes.fromhex(child[2:]), b"\3" * 32, parent), 0),
        (claimant, chain.market.openDispute(parent, "ipfs://first"), BOND),
        (arbiter, chain.market.resolveDispute(1, True), 0),
        (owner, chain.works.transferFrom(owner.address, heir.address, parent), 0),
    ]
    for account, fn, value in steps:
        chain.send(account, fn, value)
        indexer.sync()
    changed = _snapshot(runtime)
    assert changed["works"][0]["flagged"] and not changed["offers"][1]["active"]
    assert changed["derivatives"] and changed["disputes"][0]["status"] == "upheld"
    with runtime.sessions() as session:
        assert session.query(IndexJournal).count() > 0

    chain.reorg(
        6,
        [
            (claimant, chain.market.openDispute(parent, "ipfs://second"), BOND),
            (arbiter, chain.market.resolveDispute(1, False), 0),
        ],
    )
    indexer.sync()
    undone = _snapshot(runtime)
    parent_row = next(w for w in undone["works"] if w["work_id"] == f"0x{parent:064x}")
    assert parent_row["owner"] == owner.address and not parent_row["flagged"]
    assert (
        undone["payee_splits"][0]["accounts"]
        == f'["{owner.address}", "{people["partner"].address}"]'
    )
    assert [offer["active"] for offer in undone["offers"]] == [True, True]
    assert undone["derivatives"] == []
    dispute = undone["disputes"][0]
    assert (dispute["evidence_uri"], dispute["status"]) == ("ipfs://second", "rejected")
    assert dispute["bond_recipient"] == owner.address
    _assert_index_is_chain(undone, runtime, dropped=[child])
    assert undone == _rebuilt(settings, new_database)

    # The other kind: the chain shrinks back to a snapshot, then grows different blocks.
    snapshot_id = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    lost = chain.register(owner)
    chain.send(people["buyer"], chain.market.buy(parent, 2), PRICE)
    indexer.sync()
    assert chain.w3.provider.make_request("evm_revert", [snapshot_id])["result"]  # type: ignore[arg-type]
    kept = chain.register(heir)
    indexer.sync()
    final = _snapshot(runtime)
    _assert_index_is_chain(final, runtime, dropped=[lost])
    assert kept in _owners(final) and len(final["license_events"]) == len(undone["license_events"])
    assert final == _rebuilt(settings, new_database)


def test_reorg_older_than_the_window_rebuilds_the_index(
    settings: Settings, chain: Chain, new_database: NewDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    narrow = settings.model_copy(update={"reorg_window": 3})
    runtime = Runtime(narrow)
    try:
        creator = dev_account(4)
        indexer = runtime.indexer()
        works = [chain.register(creator) for _ in range(5)]
        indexer.sync()
        with runtime.sessions() as session:
            assert session.query(Work).count() == 5

        replacement = _random_hash()
        chain.reorg(4, [(creator, chain.register_call(replacement), 0)])
        with caplog.at_level(logging.WARNING, logger=INDEXER_LOG):
            indexer.sync()
        assert "rebuilding the index" in caplog.text
        final = _snapshot(runtime)
        assert set(_owners(final)) == {works[0], replacement}
        _assert_index_is_chain(final, runtime, dropped=works[1:])
        assert final == _rebuilt(narrow, new_database)
    finally:
        runtime.close()
