"""500 registrations from 50 concurrent clients through the real service process, while the chain
node is SIGKILLed and restarted from its state file and then the API process is SIGKILLed and
restarted: every registration ends on chain exactly once, in the index, and every client was
told the truth. Bounded: 500 requests' worth of work, 240 s at most."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.logs import DISCARD

from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil, free_port
from backend.chain.compiler import Artifact
from backend.chain.deployment import DeployConfig, Deployment, deploy
from backend.chain.registry import connect
from backend.core.config import Settings
from backend.db.models import Operation, Work
from backend.db.session import make_engine, make_sessionmaker
from backend.indexer.rebuild import rebuild_index
from backend.indexer.snapshot import index_snapshot
from tests.reliability.harness import Chain, Load, ServiceProcess, ask_again

CLIENTS, PER_CLIENT = 50, 10
TOTAL = CLIENTS * PER_CLIENT
KILL_CHAIN_AT, KILL_API_AT = 150, 350


@pytest.fixture
def chain_node(tmp_path: Path) -> Iterator[Anvil]:
    """A node of this test's own, with its state dumped every second (it gets SIGKILLed)."""
    node = Anvil(
        state_file=tmp_path / "chain" / "state.json",
        state_interval=1,
        log_file=tmp_path / "chain" / "anvil.log",
    )
    with node:
        yield node


def _deploy(node: Anvil, artifacts: dict[str, Artifact], data_dir: Path) -> Deployment:
    w3 = connect(node.rpc_url)
    deployment = deploy(
        w3,
        artifacts=artifacts,
        deployer=dev_account(0),
        config=DeployConfig(base_uri="http://127.0.0.1/v1/works/", royalty_bps=500),
    )
    deployment.save(data_dir / f"deployment-{deployment.chain_id}.json")
    time.sleep(1.5)  # into a state dump, so that a SIGKILL cannot take the contracts away
    return deployment


def _service(tmp_path: Path, node: Anvil, database_url: str) -> ServiceProcess:
    port = free_port()
    env = {
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "RPC_URL": node.rpc_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DEV_MODE": "false",
        "WRITE_WAIT_SECONDS": "5",
        "OUTBOX_POLL_SECONDS": "0.5",
        "OUTBOX_RETRY_SECONDS": "3",
        "INDEXER_POLL_SECONDS": "0.2",
        "TX_TIMEOUT_SECONDS": "5",
    }
    return ServiceProcess(port=port, env=env, log_file=tmp_path / "service.log")


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_load_survives_chain_and_api_kills(
    tmp_path: Path, chain_node: Anvil, artifacts: dict[str, Artifact], settings: Settings
) -> None:
    deployment = _deploy(chain_node, artifacts, tmp_path)
    database_url = settings.effective_database_url
    service = _service(tmp_path, chain_node, database_url).start()
    load = Load(
        url=service.url,
        chain=Chain(deployment.chain_id, Web3.to_checksum_address(deployment.registry_address)),
        clients=CLIENTS,
        per_client=PER_CLIENT,
    )
    faults: dict[str, object] = {}
    try:
        started = time.monotonic()
        runner = _start_load(load, deadline=started + 240)
        _wait_for(lambda: load.done >= KILL_CHAIN_AT, 120, "the first 150 registrations")
        print(f"\n{load.done} done at {time.monotonic() - started:.1f} s: SIGKILL the node")
        chain_node.kill()
        faults["ready_while_chain_down"] = httpx.get(f"{service.url}/readyz").status_code
        time.sleep(2)
        chain_node.start()
        _wait_for(lambda: load.done >= KILL_API_AT, 150, "350 registrations")
        print(f"{load.done} done at {time.monotonic() - started:.1f} s: SIGKILL the API")
        service.kill()
        time.sleep(1)
        service.start()
        runner.join(timeout=250)
        assert not runner.is_alive(), "the load did not finish in time"
        print(f"{load.done} done at {time.monotonic() - started:.1f} s")

        engine = make_engine(database_url)
        sessions = make_sessionmaker(engine)
        _wait_for(lambda: _settled(sessions), 60, "the outbox to settle")
        _wait_for(lambda: _indexed(sessions) == TOTAL, 60, "the index to catch up")
        # The node lost blocks it had confirmed: a lost write was sent again, under a new
        # transaction if its nonce was taken meanwhile. Asking again with the same key tells
        # each client where its work is now.
        final = {o.content_hash: ask_again(service.url, o) for o in load.outcomes}
    finally:
        service.stop()

    answers = load.answers()
    print(f"\nanswers: {dict(answers)}; faults: {faults}")
    assert faults["ready_while_chain_down"] == 503
    assert answers[503] + answers[0] > 0, "the outage was never seen by a client"
    outcomes = load.outcomes
    assert len(outcomes) == TOTAL
    assert [o for o in outcomes if o.status != "confirmed"] == []

    w3 = connect(chain_node.rpc_url)
    registry = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.registry_address),
        abi=artifacts["WorkRegistry"].abi,
    )
    events = registry.events.WorkRegistered.get_logs(from_block=deployment.block_number)
    on_chain = [f"0x{e['args']['workId']:064x}" for e in events]
    assert len(on_chain) == len(set(on_chain)) == TOTAL  # none missing, none twice
    assert set(on_chain) == {o.content_hash for o in outcomes}
    creators = {f"0x{e['args']['workId']:064x}": e["args"]["creator"] for e in events}
    for outcome in outcomes:  # what each client is told is what the chain says
        answer = final[outcome.content_hash]
        assert answer["creator"] == creators[outcome.content_hash] == outcome.creator
        receipt = w3.eth.get_transaction_receipt(answer["tx_hash"])
        logged = registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
        assert [f"0x{e['args']['workId']:064x}" for e in logged] == [outcome.content_hash]
    moved = sum(final[o.content_hash]["tx_hash"] != o.tx_hash for o in outcomes)
    print(f"registrations whose transaction moved after the node lost it: {moved}")

    with sessions() as session:
        indexed = set(session.scalars(select(Work.work_id)))
        assert indexed == set(on_chain)
        assert session.scalar(select(func.count()).select_from(Operation)) == TOTAL
        live = index_snapshot(session)
    assert live == _rebuilt(tmp_path, chain_node, deployment)


def _start_load(load: Load, deadline: float) -> threading.Thread:
    runner = threading.Thread(target=load.run, args=(deadline,), daemon=True)
    runner.start()
    return runner


def _settled(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        open_ops = select(func.count()).where(Operation.status.in_(("accepted", "sent")))
        return int(session.scalar(open_ops)) == 0


def _indexed(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Work)))


def _rebuilt(tmp_path: Path, node: Anvil, deployment: Deployment) -> dict[str, object]:
    """The index built from the chain alone into an empty database."""
    data_dir = tmp_path / "rebuilt"
    data_dir.mkdir()
    deployment.save(data_dir / f"deployment-{deployment.chain_id}.json")
    settings = Settings(data_dir=data_dir, rpc_url=node.rpc_url, _env_file=None)  # type: ignore[call-arg]
    rebuild_index(settings)
    sessions = make_sessionmaker(make_engine(settings.effective_database_url))
    with sessions() as session:
        return index_snapshot(session)
