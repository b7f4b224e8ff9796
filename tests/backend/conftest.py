"""Fixtures of the service tests, on top of the shared chain node and per-test deployment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web3 import Web3
from web3.contract import Contract

from backend.chain.compiler import Artifact
from backend.chain.deployment import Deployment
from backend.core.config import Settings
from backend.main import create_app


@pytest.fixture
def registry(w3: Web3, artifacts: dict[str, Artifact], deployment: Deployment) -> Contract:
    """The test's `WorkRegistry`, read and written with web3 directly (not via the service)."""
    address = Web3.to_checksum_address(deployment.registry_address)
    return w3.eth.contract(address=address, abi=artifacts["WorkRegistry"].abi)


@pytest.fixture
def server(client: TestClient) -> TestClient:
    """The same app, answering unhandled errors with a 500 as a deployed server would."""
    return TestClient(client.app, raise_server_exceptions=False)


@pytest.fixture
def production_client(settings: Settings) -> Iterator[TestClient]:
    """The app on the same chain and database with dev mode off."""
    prod = settings.model_copy(update={"dev_mode": False})
    with TestClient(create_app(prod, follow_chain=False)) as test_client:
        yield test_client
