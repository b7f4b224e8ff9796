"""`make run`'s launcher end to end: managed anvil, deployment once, Ctrl-C saves the chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from backend.chain.anvil import free_port

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def launched(data_dir: Path, api_port: int, anvil_port: int) -> Iterator[str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "API_PORT": str(api_port),
        "ANVIL_PORT": str(anvil_port),
        "DEV_MODE": "true",
    }
    for name in ("RPC_URL", "DATABASE_URL", "RELAYER_PRIVATE_KEY", "PUBLIC_URL"):
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


def test_run_then_restart_keeps_chain_and_deployment(tmp_path: Path) -> None:
    api_port, anvil_port = free_port(), free_port()
    work = os.urandom(64)
    with launched(tmp_path, api_port, anvil_port) as url:
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

    with launched(tmp_path, api_port, anvil_port) as url:
        assert httpx.get(f"{url}/v1/chain").json()["registry_address"] == address
        verified = httpx.post(f"{url}/v1/verify", files={"file": ("x", work)}, timeout=30).json()
        assert verified["registered"] is True
        assert verified["work"]["work_id"] == created.json()["work_id"]
        assert verified["chain_check"]["consistent"] is True
