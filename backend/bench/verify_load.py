"""Verification by hash under load: the service as `make run` starts it, on an anvil holding
a registry of `WORKS` indexed works, answering `POST /v1/verify` for random registered hashes
from 32 connections; beside it, a raw `eth_call` of `ownerOf` against the node, the floor of
an on-chain check, from the same client at the same concurrency."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from backend.bench.chain import BenchAnvil, deploy_service, web3_for
from backend.bench.load import run_load
from backend.bench.rpc import OWNER_OF, Rpc, Sender, fill_registry
from backend.chain.accounts import dev_account
from backend.chain.anvil import free_port
from backend.chain.compiler import REPO_ROOT
from backend.core.config import Settings
from backend.core.runtime import Runtime

WORKS = 10_000
CONNECTIONS = 32
SECONDS = 20.0
MAX_REQUESTS = 20_000
GOAL_RPS = 500
GOAL_P99_MS = 50.0


@contextmanager
def service(data_dir: Path, rpc_url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`scripts/run.py` (what `make run` starts) against ``rpc_url``; yields its URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "RPC_URL": rpc_url,
        "API_PORT": str(port),
        **(env or {}),
    }
    for name in ("DATABASE_URL", "RELAYER_PRIVATE_KEY", "PUBLIC_URL", "DEMO_DATA"):
        environment.pop(name, None)
    with open(data_dir / "service.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service at {url} was not ready within {timeout}s")


def _check_answer(url: str, content_hash: str) -> None:
    """One verification, checked field by field, before any timing."""
    answer = httpx.post(f"{url}/v1/verify", json={"content_hash": content_hash}, timeout=30)
    answer.raise_for_status()
    body = answer.json()
    if not (body["registered"] and body["chain_check"]["consistent"]):
        raise RuntimeError(f"verify answered an inconsistent record: {body}")


def run(quick: bool = False) -> dict[str, Any]:
    works = WORKS // 10 if quick else WORKS
    seconds = SECONDS / 4 if quick else SECONDS
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp, BenchAnvil() as node:
        data_dir = Path(tmp)
        deployment, _ = deploy_service(web3_for(node))
        settings = Settings(data_dir=data_dir, rpc_url=node.rpc_url)
        deployment.save(settings.deployment_file(deployment.chain_id))
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(i) for i in range(1, 5)])
        hashes = ["0x" + h.hex() for h in fill_registry(sender, deployment.registry_address, works)]
        runtime = Runtime(settings)
        try:
            indexed = runtime.indexer().sync()
        finally:
            runtime.close()
        picks = random.Random(6)

        def verify(_: int) -> tuple[str, dict[str, Any]]:
            return "/v1/verify", {"content_hash": picks.choice(hashes)}

        def owner_of(i: int) -> tuple[str, dict[str, Any]]:
            data = "0x" + (OWNER_OF + bytes.fromhex(picks.choice(hashes)[2:])).hex()
            call = {"to": deployment.registry_address, "data": data}
            return "/", {"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [call]}

        with service(data_dir, node.rpc_url) as url:
            for content_hash in hashes[:3]:
                _check_answer(url, content_hash)
            bounds = {"connections": CONNECTIONS, "max_requests": MAX_REQUESTS}
            run_load(url, verify, seconds=2.0, **bounds)  # warm-up
            ours = run_load(url, verify, seconds=seconds, **bounds)
        raw = run_load(node.rpc_url, owner_of, seconds=min(seconds, 5.0), **bounds)
        rpc.close()
    summary = ours.summary()
    return {
        "works": works,
        "indexed_events": indexed,
        "connections": CONNECTIONS,
        "verify": summary,
        "raw_owner_of": raw.summary(),
        "p50_ratio_to_raw_owner_of": round(ours.percentile(50) / raw.percentile(50), 1),
        "goal": {
            "requests_per_s": GOAL_RPS,
            "p99_ms": GOAL_P99_MS,
            "met": summary["requests_per_s"] >= GOAL_RPS and summary["p99_ms"] <= GOAL_P99_MS,
        },
    }


def markdown(record: dict[str, Any]) -> list[str]:
    ours, raw = record["verify"], record["raw_owner_of"]
    lines = [
        f"| {record['connections']} connections, {record['works']:,} works | requests | errors "
        "| req/s | p50 ms | p90 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("`POST /v1/verify`", ours), ("raw `eth_call` `ownerOf` on anvil", raw)):
        lines.append(
            f"| {name} | {r['requests']:,} | {r['errors']} | {r['requests_per_s']:,.0f} "
            f"| {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} |"
        )
    goal = record["goal"]
    lines += [
        "",
        f"Goal: ≥ {goal['requests_per_s']} req/s at p99 ≤ {goal['p99_ms']:.0f} ms — "
        f"{'met' if goal['met'] else 'not met'}. Our p50 is "
        f"{record['p50_ratio_to_raw_owner_of']}× the raw `ownerOf` call's.",
    ]
    return lines
