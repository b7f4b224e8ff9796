"""Shared fixtures: one real anvil node per test session, a real database per test (SQLite,
or PostgreSQL where TEST_DATABASE_URL names a server: see tests/databases.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil
from backend.chain.compiler import Artifact, compile_contracts
from backend.chain.deployment import DeployConfig, Deployment, deploy
from backend.chain.registry import connect
from backend.core.config import Settings
from backend.main import create_app
from tests.databases import SERVER_URL, Databases, open_databases

ROYALTY_BPS = 500


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + ("PostgreSQL (TEST_DATABASE_URL)" if SERVER_URL else "SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL only the tests that use a database run: those that request
    `new_database` (as `database_url`, `settings` and `client` do). The rest never touch one."""
    if SERVER_URL is None:
        return
    uses_db = {id(item) for item in items if "new_database" in getattr(item, "fixturenames", ())}
    config.hook.pytest_deselected(items=[item for item in items if id(item) not in uses_db])
    items[:] = [item for item in items if id(item) in uses_db]


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    opened = open_databases()
    yield opened
    opened.close()


@pytest.fixture
def new_database(databases: Databases, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Makes fresh databases for this test, dropped after it: ``new_database(empty=False)``."""
    made: list[str] = []

    def make(*, empty: bool = False) -> str:
        made.append(databases.create(tmp_path, empty=empty))
        return made[-1]

    yield make
    for url in made:
        databases.drop(url)


@pytest.fixture
def database_url(new_database: Callable[..., str]) -> str:
    """The test's own database, the one `settings` gives the service."""
    return new_database()


@pytest.fixture(scope="session")
def artifacts() -> dict[str, Artifact]:
    return compile_contracts(with_test_contracts=True)


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    log_file = tmp_path_factory.mktemp("anvil") / "anvil.log"
    with Anvil(log_file=log_file, accounts=10) as node:
        yield node


@pytest.fixture(scope="session")
def w3(anvil: Anvil) -> Web3:
    return connect(anvil.rpc_url)


@pytest.fixture(scope="session")
def admin() -> LocalAccount:
    """anvil's account 0: deployer, contract owner and the service's relayer."""
    return dev_account(0)


@pytest.fixture
def creator(w3: Web3, admin: LocalAccount) -> LocalAccount:
    """A fresh creator key, funded by the admin, so that tests do not share state."""
    return _funded(w3, admin)


@pytest.fixture
def stranger(w3: Web3, admin: LocalAccount) -> LocalAccount:
    return _funded(w3, admin)


def _funded(w3: Web3, funder: LocalAccount) -> LocalAccount:
    account: LocalAccount = Account.create()
    tx = {
        "to": account.address,
        "value": Web3.to_wei(10, "ether"),
        "gas": 21_000,
        "maxFeePerGas": 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 10**9,
        "maxPriorityFeePerGas": 10**9,
        "nonce": w3.eth.get_transaction_count(funder.address, "pending"),
        "chainId": w3.eth.chain_id,
    }
    tx_hash = w3.eth.send_raw_transaction(funder.sign_transaction(tx).raw_transaction)
    w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
    return account


@pytest.fixture
def deployment(w3: Web3, artifacts: dict[str, Artifact], admin: LocalAccount) -> Deployment:
    """A fresh WorkRegistry and LicenseMarket for each test (admin: account 0)."""
    return deploy(
        w3,
        artifacts=artifacts,
        deployer=admin,
        config=DeployConfig(base_uri="http://testserver/v1/works/", royalty_bps=ROYALTY_BPS),
    )


@pytest.fixture
def settings(tmp_path: Path, anvil: Anvil, deployment: Deployment, database_url: str) -> Settings:
    """Settings of a service on the session's anvil, with its own data folder and database."""
    deployment.save(tmp_path / f"deployment-{deployment.chain_id}.json")
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        rpc_url=anvil.rpc_url,
        dev_mode=True,
        public_url="http://testserver",
        max_upload_bytes=1024 * 1024,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app (no background indexer thread: requests sync the index themselves)."""
    with TestClient(create_app(settings, follow_chain=False)) as test_client:
        yield test_client


def random_hash() -> str:
    return "0x" + os.urandom(32).hex()
