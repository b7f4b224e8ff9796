"""Registrations through the API as the registry grows from 0 to 100,000 works: batches of 100
from concurrent clients fill it, and at every quarter a window of 1,000 single registrations
from many concurrent clients is measured. Works per second per 1,000-work window.

The service is `make run`'s, against an anvil that mines a block a second (`ANVIL_BLOCK_TIME`,
see benchmarks/anvil.md for why automine cannot stay flat), with the EIP-1559 base fee at zero
(full blocks would otherwise double it every six blocks) and a 60M block gas limit (30M holds
~1,060 batched registrations, the goal's ceiling). Rate limits are lifted: this measures the
write path, not the throttle.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from backend.bench.chain import BenchAnvil, deploy_service, web3_for
from backend.bench.verify_load import service
from backend.chain.typed_data import register_batch_message, register_message, sign_typed_data
from backend.services.metadata import WorkMetadata, canonical_document, document_hash

TOTAL = 100_000
WINDOW = 1_000
BATCH = 100
BATCH_CLIENTS = 8
SINGLE_CLIENTS = 64
SINGLE_AT = (0, 25_000, 50_000, 75_000, 100_000)
BLOCK_TIME = "1"
GOAL_BATCHED, GOAL_SINGLE, GOAL_FLATNESS = 1_000.0, 100.0, 0.8
LIFTED = str(10**15)
ENV = {
    "CLIENT_WRITE_LIMIT": LIFTED,
    "CREATOR_WRITE_LIMIT": LIFTED,
    "CREATOR_GAS_BUDGET": LIFTED,
    "RELAYER_GAS_BUDGET": LIFTED,
    "WRITE_WAIT_SECONDS": "30",
    "API_THREADS": "256",
    "LOG_LEVEL": "WARNING",
}


class Signer:
    """Signs registrations as their creators' wallets would (the bench plays the clients)."""

    def __init__(self, chain_id: int, registry: ChecksumAddress) -> None:
        self.chain_id = chain_id
        self.registry = registry
        self.deadline = int(time.time()) + 24 * 3600

    def single(self, creator: LocalAccount, content_hash: str) -> dict[str, Any]:
        metadata_hash = _metadata_hash(content_hash)
        message = register_message(
            chain_id=self.chain_id,
            contract=self.registry,
            creator=creator.address,
            content_hash=content_hash,
            metadata_hash=metadata_hash,
            deadline=self.deadline,
        )
        return {
            "content_hash": content_hash,
            "metadata": {"title": content_hash[:10]},
            **self._auth(creator, message),
        }

    def batch(self, creator: LocalAccount, content_hashes: list[str]) -> dict[str, Any]:
        message = register_batch_message(
            chain_id=self.chain_id,
            contract=self.registry,
            creator=creator.address,
            content_hashes=content_hashes,
            metadata_hashes=[_metadata_hash(h) for h in content_hashes],
            deadline=self.deadline,
        )
        works = [{"content_hash": h, "metadata": {"title": h[:10]}} for h in content_hashes]
        return {"works": works, **self._auth(creator, message)}

    def _auth(self, creator: LocalAccount, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "creator": creator.address,
            "deadline": self.deadline,
            "signature": sign_typed_data(message, creator.key),
        }


def _metadata_hash(content_hash: str) -> str:
    return document_hash(canonical_document(content_hash, WorkMetadata(title=content_hash[:10])))


def _hashes(count: int) -> list[str]:
    return ["0x" + Account.create().key.hex()[-64:] for _ in range(count)]


def _drive(
    url: str, clients: int, jobs: list[tuple[str, dict[str, Any], int]]
) -> tuple[list[tuple[float, int]], int]:
    """Send ``jobs`` (path, body, works) from ``clients`` threads; returns each completion's
    (time, works) and the number of failed requests."""
    done: list[tuple[float, int]] = []
    failed = 0
    lock = threading.Lock()
    queue = list(reversed(jobs))

    def client() -> None:
        nonlocal failed
        with httpx.Client(base_url=url, timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    path, body, works = queue.pop()
                answer = http.post(path, json=body)
                with lock:
                    if answer.status_code == 201:
                        done.append((time.perf_counter(), works))
                    else:
                        failed += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(done), failed


def _windows(start: float, done: list[tuple[float, int]], offset: int) -> list[dict[str, Any]]:
    """Works per second in each 1,000-work window of a run (by completion time)."""
    windows = []
    count, last = 0, start
    for at, works in done:
        count += works
        if count >= WINDOW:
            windows.append({"size": offset, "works_per_s": round(count / (at - last), 1)})
            offset += count
            count, last = 0, at
    return windows


def run(quick: bool = False) -> dict[str, Any]:
    total = 5_000 if quick else TOTAL
    single_at = (0, total) if quick else SINGLE_AT
    flags = ["--block-time", BLOCK_TIME, "--block-base-fee-per-gas", "0", "--gas-limit", "60000000"]
    with tempfile.TemporaryDirectory() as tmp, BenchAnvil(extra=flags) as node:
        data_dir = Path(tmp)
        w3 = web3_for(node)
        deployment, _ = deploy_service(w3)
        deployment.save(data_dir / f"deployment-{deployment.chain_id}.json")
        signer = Signer(deployment.chain_id, w3.to_checksum_address(deployment.registry_address))
        with service(data_dir, node.rpc_url, env=ENV) as url:
            return _measure(url, signer, total, single_at)


def _measure(url: str, signer: Signer, total: int, single_at: tuple[int, ...]) -> dict[str, Any]:
    creators = [Account.create() for _ in range(SINGLE_CLIENTS)]
    size, batched, single, failed = 0, [], [], 0
    for checkpoint in single_at:
        while size < checkpoint:
            count = min(10 * WINDOW, checkpoint - size)
            hashes = _hashes(count)
            jobs = [
                (
                    "/v1/works/batch",
                    signer.batch(creators[i % BATCH_CLIENTS], hashes[i : i + BATCH]),
                    BATCH,
                )
                for i in range(0, count, BATCH)
            ]
            start = time.perf_counter()
            done, lost = _drive(url, BATCH_CLIENTS, jobs)
            batched += _windows(start, done, size)
            size, failed = size + sum(w for _, w in done), failed + lost
        jobs = [
            ("/v1/works", signer.single(creators[i % SINGLE_CLIENTS], h), 1)
            for i, h in enumerate(_hashes(WINDOW))
        ]
        start = time.perf_counter()
        done, lost = _drive(url, SINGLE_CLIENTS, jobs)
        elapsed = (done[-1][0] if done else time.perf_counter()) - start
        single.append({"size": size, "works_per_s": round(len(done) / elapsed, 1)})
        size, failed = size + len(done), failed + lost
    return _summary(batched, single, failed, size)


def _rates(windows: list[dict[str, Any]]) -> list[float]:
    return [w["works_per_s"] for w in windows]


def _summary(
    batched: list[dict[str, Any]], single: list[dict[str, Any]], failed: int, size: int
) -> dict[str, Any]:
    tenth = max(1, len(batched) // 10)
    first, last = _rates(batched[:tenth]), _rates(batched[-tenth:])
    return {
        "block_time_s": float(BLOCK_TIME),
        "works": size,
        "failed_requests": failed,
        "batched_windows": batched,
        "single_windows": single,
        "batched_median": statistics.median(_rates(batched)),
        "batched_first_tenth_median": statistics.median(first),
        "batched_last_tenth_median": statistics.median(last),
        "single_median": statistics.median(_rates(single)),
        "single_first": single[0]["works_per_s"],
        "single_last": single[-1]["works_per_s"],
    }


def markdown(record: dict[str, Any]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "not met"

    batched_flat = record["batched_last_tenth_median"] / record["batched_first_tenth_median"]
    single_flat = record["single_last"] / record["single_first"]
    return [
        f"Registrations through the API, 0 to {record['works']:,} works, anvil mining a block "
        f"every {record['block_time_s']:g} s; {record['failed_requests']} failed requests.",
        "",
        "| measure | figure | goal | status |",
        "|---|---:|---|---|",
        f"| batched (100 per request, {BATCH_CLIENTS} clients), median of 1,000-work windows "
        f"| {record['batched_median']:,.0f} works/s | ≥ {GOAL_BATCHED:,.0f} "
        f"| {verdict(record['batched_median'] >= GOAL_BATCHED)} |",
        f"| single ({SINGLE_CLIENTS} clients), median of the windows "
        f"| {record['single_median']:,.0f} works/s | ≥ {GOAL_SINGLE:,.0f} "
        f"| {verdict(record['single_median'] >= GOAL_SINGLE)} |",
        f"| batched: last tenth / first tenth of windows | {batched_flat:.2f} | ≥ {GOAL_FLATNESS} "
        f"| {verdict(batched_flat >= GOAL_FLATNESS)} |",
        f"| single: window at {record['single_windows'][-1]['size']:,} / at 0 | "
        f"{single_flat:.2f} | ≥ {GOAL_FLATNESS} | {verdict(single_flat >= GOAL_FLATNESS)} |",
        "",
        "| single window at | works/s |",
        "|---:|---:|",
        *(f"| {w['size']:,} | {w['works_per_s']:,.0f} |" for w in record["single_windows"]),
    ]


def chart(record: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    batched = record["batched_windows"]
    axis.plot(
        [w["size"] for w in batched],
        [w["works_per_s"] for w in batched],
        ".",
        ms=3,
        label="batched, per 1,000-work window",
    )
    single = record["single_windows"]
    axis.plot(
        [w["size"] for w in single],
        [w["works_per_s"] for w in single],
        "o-",
        label="single registrations, 1,000-work window",
    )
    axis.axhline(GOAL_BATCHED, ls="--", lw=0.8, color="C0")
    axis.axhline(GOAL_SINGLE, ls="--", lw=0.8, color="C1")
    axis.set_xlabel("works already registered")
    axis.set_ylabel("works per second")
    axis.set_yscale("log")
    axis.set_title("Registration throughput through the API as the registry grows")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
