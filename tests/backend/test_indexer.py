"""The event index: restarts lose and repeat nothing, and a rebuild from the chain equals it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.contract import Contract

from backend.chain.accounts import dev_account
from backend.chain.accounts import dev_account as dev
from backend.core.config import Settings
from backend.db.models import INDEX_TABLES, IndexerCursor, MetadataDocument, Work
from backend.db.session import make_engine, make_sessionmaker, migrate
from backend.indexer.indexer import Indexer
from backend.indexer.rebuild import rebuild_index
from tests.backend.helpers import (
    buy_license,
    create_offer,
    register_dev,
    register_on_chain,
    register_signed,
    register_work,
    runtime_of,
    transact,
    work_in,
)
from tests.conftest import random_hash

Snapshot = dict[str, list[tuple[Any, ...]]]


def _rows(session: Session, table: Table) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if c.name != "id"]
    order = [table.c.block_number, table.c.log_index] if "log_index" in table.c else columns
    return [tuple(row) for row in session.execute(select(*columns).order_by(*order))]


def _snapshot(sessions: sessionmaker[Session]) -> Snapshot:
    """The index tables' rows in chain order, without autoincrement ids."""
    with sessions() as session:
        return {
            table.name: _rows(session, table)
            for table in INDEX_TABLES  # type: ignore[misc]
        }


def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(database_url))


def _indexer(client: TestClient, sessions: sessionmaker[Session], **options: Any) -> Indexer:
    registry = runtime_of(client).registry()
    return Indexer(
        registry=registry,
        sessions=sessions,
        start_block=registry.deployment.block_number,
        **options,
    )


def _transfer(w3: Web3, registry: Contract, owner: LocalAccount, to: str, work_id: str) -> None:
    transact(w3, owner, registry.functions.transferFrom(owner.address, to, int(work_id, 16)))


def test_indexer_restart_no_loss_or_duplicates(
    client: TestClient, settings: Settings, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    register_dev(client, 1, [work_in(), work_in()])
    before = _snapshot(runtime_of(client).sessions)
    assert len(before["works"]) == 2

    restarted = _indexer(client, _sessions(settings.effective_database_url))
    assert restarted.sync() == 0
    later = [random_hash() for _ in range(3)]
    register_on_chain(w3, registry, creator, later)
    _transfer(w3, registry, creator, dev_account(4).address, later[0])

    assert restarted.sync() == 3 * 2 + 1  # a mint and a registration each, then the transfer
    assert restarted.sync() == 0
    assert runtime_of(client).indexer().sync() == 0

    after = _snapshot(restarted.sessions)
    assert after["works"][:2] == before["works"]
    assert len(after["works"]) == 5
    assert len(after["transfers"]) == 5 + 1
    positions = [(t[5], t[6]) for t in after["transfers"]]  # (tx_hash, log_index)
    assert len(set(positions)) == len(positions)
    with restarted.sessions() as session:
        assert session.get(Work, later[0]).owner == dev_account(4).address
        assert session.get(IndexerCursor, registry.address).block_number == w3.eth.block_number


def test_indexer_reprocessed_range_changes_nothing(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    work_id = register_signed(client, creator)["work_id"]
    _transfer(w3, registry, creator, dev_account(5).address, work_id)
    runtime = runtime_of(client)
    runtime.indexer().sync()
    before = _snapshot(runtime.sessions)

    with runtime.sessions.begin() as session:  # as if the cursor's commit had been lost
        session.execute(delete(IndexerCursor))
    assert runtime.indexer().sync() == 0
    assert _snapshot(runtime.sessions) == before


def test_indexer_confirmations_hold_back_recent_blocks(
    client: TestClient, settings: Settings, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    content_hash = random_hash()
    register_on_chain(w3, registry, creator, [content_hash])
    sessions = _sessions(settings.effective_database_url)
    cautious = _indexer(client, sessions, confirmations=2)
    assert cautious.sync() == 0
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert cautious.sync() == 0
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert cautious.sync() == 2
    with sessions() as session:
        assert session.get(Work, content_hash) is not None


def _build_live_index(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> Snapshot:
    """Registrations of every kind, a transfer and a transfer back, indexed as they happen."""
    runtime = runtime_of(client)
    single = register_signed(client, creator)
    batch = register_dev(client, 2, [work_in(), work_in(), work_in()])
    register_on_chain(w3, registry, creator, [random_hash(), random_hash()])
    runtime.indexer().sync()
    _transfer(w3, registry, creator, dev_account(6).address, single["work_id"])
    runtime.indexer().sync()
    _transfer(w3, registry, dev_account(2), creator.address, batch[1]["work_id"])
    runtime.indexer().sync()
    live = _snapshot(runtime.sessions)
    assert len(live["works"]) == 6
    assert len(live["transfers"]) == 8
    return live


def test_rebuild_into_new_database_equals_live_index(
    client: TestClient,
    settings: Settings,
    new_database: Callable[..., str],
    w3: Web3,
    registry: Contract,
    creator: LocalAccount,
) -> None:
    live = _build_live_index(client, w3, registry, creator)

    other = new_database(empty=True)
    events = rebuild_index(settings.model_copy(update={"database_url": other}))
    assert events == 6 * 2 + 2
    assert _snapshot(_sessions(other)) == live

    by_block = new_database(empty=True)
    migrate(by_block)
    assert _indexer(client, _sessions(by_block), max_blocks=1).sync() == events
    assert _snapshot(_sessions(by_block)) == live


def test_rebuild_in_place_keeps_index_and_documents(
    client: TestClient, settings: Settings, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    live = _build_live_index(client, w3, registry, creator)
    sessions = runtime_of(client).sessions
    documents = select(MetadataDocument.metadata_hash).order_by(MetadataDocument.metadata_hash)
    with sessions() as session:
        before = list(session.scalars(documents))
    assert len(before) == 4  # the service's own registrations; the rest went around it

    rebuild_index(settings)
    assert _snapshot(sessions) == live
    with sessions() as session:
        assert list(session.scalars(documents)) == before


def test_rebuild_with_market_activity_equals_live_index(
    client: TestClient, settings: Settings, new_database: Callable[..., str]
) -> None:
    parent = register_work(client, 1)
    create_offer(client, parent, 1, kind="derivative", max_supply=5, transferable=True)
    create_offer(client, parent, 1, kind="personal", duration_seconds=60)
    split = {"accounts": [dev(1).address, dev(2).address], "shares_bps": [5000, 5000]}
    client.put(f"/v1/works/{parent}/payees", json={**split, "dev_account": 1})
    assert buy_license(client, parent, 1, dev_account=3).status_code == 200
    assert buy_license(client, parent, 2, dev_account=4).status_code == 200
    register_work(client, 3, parent_id=parent)
    client.patch(f"/v1/works/{parent}/offers/2", json={"active": False, "dev_account": 1})
    dispute = client.post(
        "/v1/disputes",
        json={"work_id": parent, "evidence_uri": "ipfs://e", "bond_wei": 10**16, "dev_account": 5},
    ).json()["dispute"]["dispute_id"]
    client.post(f"/v1/disputes/{dispute}/resolve", json={"upheld": False, "dev_account": 0})
    live = _snapshot(runtime_of(client).sessions)
    assert all(live[name] for name in ("offers", "license_events", "payee_splits", "disputes"))
    assert live["derivatives"]

    other = new_database()
    rebuild_index(settings.model_copy(update={"database_url": other}))
    assert _snapshot(_sessions(other)) == live
