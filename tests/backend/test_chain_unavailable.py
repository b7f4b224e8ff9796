"""When the chain node is gone or the registry is not deployed, requests that need the chain
answer 503 in the error shape, reads from the index keep working and liveness stays up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from backend.chain.anvil import Anvil, free_port
from backend.chain.compiler import Artifact
from backend.chain.deployment import DeployConfig, deploy
from backend.chain.registry import connect
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.helpers import assert_error, register_dev, work_in
from tests.conftest import ROYALTY_BPS, random_hash


def _settings(data_dir: Path, database_url: str, rpc_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        rpc_url=rpc_url,
        dev_mode=True,
        public_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


def _app(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, follow_chain=False), raise_server_exceptions=False)


def _assert_chain_refused(client: TestClient, code: str) -> None:
    work = work_in()
    assert_error(client.post("/v1/works", json={**work, "dev_account": 1}), 503, code)
    batch = {"works": [work_in(), work_in()], "dev_account": 1}
    assert_error(client.post("/v1/works/batch", json=batch), 503, code)
    verify = client.post("/v1/verify", json={"content_hash": random_hash()})
    assert_error(verify, 503, code)
    upload = client.post("/v1/verify", files={"file": ("a.bin", b"abc")})
    assert_error(upload, 503, code)
    assert_error(client.get("/readyz"), 503, code)
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.fixture
def doomed_chain(
    tmp_path: Path, database_url: str, artifacts: dict[str, Artifact], admin: LocalAccount
) -> Iterator[tuple[Anvil, Settings]]:
    """A second anvil with the registry deployed, that the test then stops."""
    node = Anvil(log_file=tmp_path / "doomed.log").start()
    try:
        deployment = deploy(
            connect(node.rpc_url),
            artifacts=artifacts,
            deployer=admin,
            config=DeployConfig(base_uri="http://testserver/v1/works/", royalty_bps=ROYALTY_BPS),
        )
        deployment.save(tmp_path / f"deployment-{deployment.chain_id}.json")
        yield node, _settings(tmp_path, database_url, node.rpc_url)
    finally:
        node.kill()


def test_chain_stopped_requests_chain_unavailable(
    doomed_chain: tuple[Anvil, Settings],
) -> None:
    node, settings = doomed_chain
    with _app(settings) as client:
        indexed = register_dev(client, 1, [work_in()])[0]
        node.stop()
        _assert_chain_refused(client, "chain_unavailable")
        verify = client.post("/v1/verify", json={"content_hash": indexed["work_id"]})
        assert_error(verify, 503, "chain_unavailable")
        # The index is the service's own: reading it needs no chain.
        assert client.get(f"/v1/works/{indexed['work_id']}").json() == indexed
        assert client.get("/v1/works").json()["items"] == [indexed]


def test_no_node_listening_chain_unavailable(tmp_path: Path, database_url: str) -> None:
    settings = _settings(tmp_path, database_url, f"http://127.0.0.1:{free_port()}")
    with _app(settings) as client:
        _assert_chain_refused(client, "chain_unavailable")
        assert client.get("/v1/works").json() == {"items": [], "next_cursor": None}


def test_no_deployment_recorded_contracts_not_deployed(
    tmp_path: Path, database_url: str, anvil: Anvil
) -> None:
    with _app(_settings(tmp_path, database_url, anvil.rpc_url)) as client:
        _assert_chain_refused(client, "contracts_not_deployed")
        assert_error(client.get("/v1/chain"), 503, "contracts_not_deployed")
