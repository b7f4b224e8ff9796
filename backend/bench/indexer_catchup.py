"""Indexer catch-up: from an empty database to a chain of `WORKS` registered works (one
`WorkRegistered` and one `Transfer` event each), timed through `Indexer.sync()`."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.bench.chain import BenchAnvil, deploy_service, web3_for
from backend.bench.rpc import Rpc, Sender, fill_registry
from backend.chain.accounts import dev_account
from backend.core.config import Settings
from backend.core.runtime import Runtime
from backend.db.models import Transfer, Work

WORKS = 100_000
BATCH = 500  # 14.5M gas: under the block target, so the base fee stays put
GOAL_EVENTS_PER_S = 5_000


def run(quick: bool = False) -> dict[str, Any]:
    works = WORKS // 10 if quick else WORKS
    with tempfile.TemporaryDirectory(prefix="indexer-bench-") as tmp, BenchAnvil() as node:
        deployment, _ = deploy_service(web3_for(node))
        settings = Settings(data_dir=Path(tmp), rpc_url=node.rpc_url)
        deployment.save(settings.deployment_file(deployment.chain_id))
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(i) for i in range(1, 5)])
        start = time.perf_counter()
        fill_registry(sender, deployment.registry_address, works, batch=BATCH)
        build_s = time.perf_counter() - start
        blocks = rpc.block_number() - deployment.block_number + 1
        rpc.close()
        runtime = Runtime(settings)
        try:
            start = time.perf_counter()
            events = runtime.indexer().sync()
            seconds = time.perf_counter() - start
            with runtime.sessions() as session:
                rows = {
                    "works": session.scalar(select(func.count()).select_from(Work)),
                    "transfers": session.scalar(select(func.count()).select_from(Transfer)),
                }
        finally:
            runtime.close()
    if rows != {"works": works, "transfers": works} or events != 2 * works:
        raise RuntimeError(f"the index does not hold the chain: {events} events, {rows}")
    rate = events / seconds
    return {
        "works": works,
        "events": events,
        "blocks": blocks,
        "works_per_transaction": BATCH,
        "max_blocks_per_get_logs": settings.indexer_max_blocks,
        "chain_build_s": round(build_s, 1),
        "index_s": round(seconds, 2),
        "events_per_s": round(rate),
        "goal": {"events_per_s": GOAL_EVENTS_PER_S, "met": rate >= GOAL_EVENTS_PER_S},
    }


def markdown(record: dict[str, Any]) -> list[str]:
    goal = record["goal"]
    return [
        "| works | events | blocks | index from empty (s) | events/s | goal |",
        "|---:|---:|---:|---:|---:|---|",
        f"| {record['works']:,} | {record['events']:,} | {record['blocks']:,} "
        f"| {record['index_s']:.1f} | {record['events_per_s']:,} "
        f"| ≥ {goal['events_per_s']:,}: {'met' if goal['met'] else 'not met'} |",
    ]
