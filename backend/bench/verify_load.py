"""Verification by hash under load: the service as `make run` starts it, on an anvil holding
a registry of `WORKS` indexed works, answering `POST /v1/verify` for random registered hashes
from 32 connections; then the same with several API workers on PostgreSQL (where a server can
be started); beside them, a raw `eth_call` of `ownerOf` against the node, the floor of an
on-chain check, from the same client at the same concurrency."""

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
from backend.bench.load import LoadResult, run_load
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
WORKERS = 2
SINGLE = "1 process, SQLite (`make run`)"
SEVERAL = f"{WORKERS} workers, PostgreSQL"
# Settings the run must not inherit from the caller's environment.
_SERVICE_ENV = ("DATABASE_URL", "RELAYER_PRIVATE_KEY", "PUBLIC_URL", "DEMO_DATA", "API_WORKERS")


@contextmanager
def service(data_dir: Path, rpc_url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`scripts/run.py` (what `make run` starts) against ``rpc_url``; yields its URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in _SERVICE_ENV}
    environment |= {"DATA_DIR": str(data_dir), "RPC_URL": rpc_url, "API_PORT": str(port)}
    environment |= env or {}
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


@contextmanager
def postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL server (`scripts/postgres.sh`); None where it cannot start."""
    with tempfile.TemporaryDirectory(prefix="verify-bench-pg-") as tmp:
        os.chmod(tmp, 0o755)  # the server runs as the postgres user when we are root
        env = {**os.environ, "POSTGRES_DIR": f"{tmp}/pg"}
        script = str(REPO_ROOT / "scripts" / "postgres.sh")
        started = subprocess.run(
            [script, "start"], env=env, capture_output=True, text=True, check=False
        )
        url = started.stdout.strip() if started.returncode == 0 else ""
        try:
            yield url or None
        finally:
            subprocess.run([script, "stop"], env=env, capture_output=True, check=False)


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
    """One verification, checked to be registered and consistent with the chain, before any
    timing: a fast wrong answer would measure nothing."""
    answer = httpx.post(f"{url}/v1/verify", json={"content_hash": content_hash}, timeout=30)
    answer.raise_for_status()
    body = answer.json()
    if not (body["registered"] and body["chain_check"]["consistent"]):
        raise RuntimeError(f"verify answered an inconsistent record: {body}")


def _index(settings: Settings) -> int:
    runtime = Runtime(settings)
    try:
        return runtime.indexer().sync()
    finally:
        runtime.close()


def _measure(url: str, hashes: list[str], seconds: float) -> LoadResult:
    picks = random.Random(6)

    def verify(_: int) -> tuple[str, dict[str, Any]]:
        return "/v1/verify", {"content_hash": picks.choice(hashes)}

    for content_hash in hashes[:3]:
        _check_answer(url, content_hash)
    bounds = {"connections": CONNECTIONS, "max_requests": MAX_REQUESTS}
    run_load(url, verify, seconds=2.0, **bounds)  # warm-up
    return run_load(url, verify, seconds=seconds, **bounds)


def run(quick: bool = False) -> dict[str, Any]:
    works = WORKS // 10 if quick else WORKS
    seconds = SECONDS / 4 if quick else SECONDS
    configurations: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp, BenchAnvil() as node:
        data_dir = Path(tmp)
        deployment, _ = deploy_service(web3_for(node))
        settings = Settings(data_dir=data_dir, rpc_url=node.rpc_url)
        deployment.save(settings.deployment_file(deployment.chain_id))
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(i) for i in range(1, 5)])
        hashes = ["0x" + h.hex() for h in fill_registry(sender, deployment.registry_address, works)]
        indexed = _index(settings)
        with service(data_dir, node.rpc_url) as url:
            configurations[SINGLE] = _measure(url, hashes, seconds).summary()
        with postgres() as database_url:
            if database_url is not None:
                _index(settings.model_copy(update={"database_url": database_url}))
                env = {"DATABASE_URL": database_url, "API_WORKERS": str(WORKERS)}
                with service(data_dir, node.rpc_url, env) as url:
                    configurations[SEVERAL] = _measure(url, hashes, seconds).summary()
        picks = random.Random(7)

        def owner_of(i: int) -> tuple[str, dict[str, Any]]:
            data = "0x" + (OWNER_OF + bytes.fromhex(picks.choice(hashes)[2:])).hex()
            call = {"to": deployment.registry_address, "data": data}
            return "/", {"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [call]}

        bounds = {"connections": CONNECTIONS, "max_requests": MAX_REQUESTS}
        raw = run_load(node.rpc_url, owner_of, seconds=min(seconds, 5.0), **bounds).summary()
        rpc.close()
    best = max(configurations.values(), key=lambda c: c["requests_per_s"])
    return {
        "works": works,
        "indexed_events": indexed,
        "connections": CONNECTIONS,
        "seconds_per_run": seconds,
        "configurations": configurations,
        "raw_owner_of": raw,
        "p50_ratio_to_raw_owner_of": {
            name: round(c["p50_ms"] / raw["p50_ms"], 1) for name, c in configurations.items()
        },
        "goal": {
            "requests_per_s": GOAL_RPS,
            "p99_ms": GOAL_P99_MS,
            "met": best["requests_per_s"] >= GOAL_RPS and best["p99_ms"] <= GOAL_P99_MS,
        },
    }


def markdown(record: dict[str, Any]) -> list[str]:
    raw = record["raw_owner_of"]
    lines = [
        f"| {record['connections']} connections, {record['works']:,} works | requests | errors "
        "| req/s | p50 ms | p90 ms | p99 ms | p50 ÷ raw `ownerOf` p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(f"`POST /v1/verify`, {name}", c) for name, c in record["configurations"].items()]
    for name, r in [*rows, ("raw `eth_call` of `ownerOf` on anvil", raw)]:
        ratio = r["p50_ms"] / raw["p50_ms"]
        lines.append(
            f"| {name} | {r['requests']:,} | {r['errors']} | {r['requests_per_s']:,.0f} "
            f"| {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {ratio:.1f} |"
        )
    goal = record["goal"]
    lines += [
        "",
        f"Goal: ≥ {goal['requests_per_s']} req/s at p99 ≤ {goal['p99_ms']:.0f} ms: "
        f"{'met' if goal['met'] else 'not met'}.",
    ]
    return lines
