"""`make run`'s launcher end to end: managed anvil, deployment once, Ctrl-C saves the chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from backend.chain.accounts import dev_account
from backend.chain.anvil import free_port
from backend.chain.compiler import Artifact
from backend.chain.registry import connect
from tests.backend.helpers import register_on_chain
from tests.conftest import random_hash
from tests.databases import SERVER_URL

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def launched(
    data_dir: Path, database_url: str, api_port: int, anvil_port: int, workers: int = 1
) -> Iterator[str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "API_PORT": str(api_port),
        "ANVIL_PORT": str(anvil_port),
        "API_WORKERS": str(workers),
        "DEV_MODE": "true",
    }
    for name in ("RPC_URL", "RELAYER_PRIVATE_KEY", "PUBLIC_URL"):
        env.pop(name, None)
    log = open(data_dir / "launcher.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "scripts/run.py"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{api_port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert process.wait(timeout=30) is not None
        log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the launcher exited early"
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the launcher did not become ready")


def _port_closed(port: int) -> bool:
    try:
        httpx.post(f"http://127.0.0.1:{port}", json={}, timeout=0.5)
    except httpx.HTTPError:
        return True
    return False


def test_run_then_restart_keeps_chain_and_deployment(tmp_path: Path, database_url: str) -> None:
    api_port, anvil_port = free_port(), free_port()
    work = os.urandom(64)
    with launched(tmp_path, database_url, api_port, anvil_port) as url:
        created = httpx.post(
            f"{url}/v1/works",
            files={"file": ("song.mp3", work, "audio/mpeg")},
            data={"title": "First song", "dev_account": "2"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        address = httpx.get(f"{url}/v1/chain").json()["registry_address"]
    assert _port_closed(anvil_port), "anvil outlived the launcher"
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0

    with launched(tmp_path, database_url, api_port, anvil_port) as url:
        assert httpx.get(f"{url}/v1/chain").json()["registry_address"] == address
        verified = httpx.post(f"{url}/v1/verify", files={"file": ("x", work)}, timeout=30).json()
        assert verified["registered"] is True
        assert verified["work"]["work_id"] == created.json()["work_id"]
        assert verified["chain_check"]["consistent"] is True


@pytest.mark.skipif(SERVER_URL is None, reason="several API workers need PostgreSQL")
def test_several_workers_share_one_postgresql_database(
    tmp_path: Path, new_database: Callable[..., str], artifacts: dict[str, Artifact]
) -> None:
    """Two workers start together on an empty database (one migrates, the other waits), take
    concurrent registrations, and one of them follows the chain: works registered around the
    API show up in the index too, each once."""
    api_port, anvil_port = free_port(), free_port()
    with launched(tmp_path, new_database(empty=True), api_port, anvil_port, workers=2) as url:
        through_api = [random_hash() for _ in range(8)]
        bodies = [
            {"content_hash": h, "metadata": {"title": "w"}, "dev_account": 2} for h in through_api
        ]
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda b: httpx.post(f"{url}/v1/works", json=b, timeout=60), bodies)
            )
        # 201 confirmed, or 202 accepted and confirmed later: the index below must hold both.
        assert {a.status_code for a in answers} <= {201, 202}, [a.text for a in answers]

        w3 = connect(f"http://127.0.0.1:{anvil_port}")
        address = Web3.to_checksum_address(httpx.get(f"{url}/v1/chain").json()["registry_address"])
        registry = w3.eth.contract(address=address, abi=artifacts["WorkRegistry"].abi)
        around = [random_hash(), random_hash()]
        register_on_chain(w3, registry, dev_account(3), around)

        expected = set(through_api) | set(around)
        deadline = time.monotonic() + 30
        while set(listed := _listed(url)) != expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(listed) == sorted(expected)
    log = (tmp_path / "launcher.log").read_text()
    assert log.count("Application startup complete") == 2, log


def _listed(url: str) -> list[str]:
    page = httpx.get(f"{url}/v1/works", params={"limit": 100}).json()
    return [work["work_id"] for work in page["items"]]


def test_several_workers_on_sqlite_refused(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "API_WORKERS": "2"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "scripts/run.py"], cwd=REPO, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 1
    assert b"API_WORKERS > 1 needs a PostgreSQL DATABASE_URL" in done.stderr
