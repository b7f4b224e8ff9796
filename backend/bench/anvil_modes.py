"""Why anvil's automine slows down as the registry grows, and which mining mode stays flat.

For each mode: grow the registry (fast, with `registerBatch`) to each size in turn and there
measure one window of single registrations (works/s), the anvil CPU time it took per block
and per work, and the cost of mining an empty block.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from backend.bench.chain import BenchAnvil, deploy_service, web3_for
from backend.bench.rpc import (
    Rpc,
    Sender,
    fill_registry,
    random_hashes,
    register_batch_data,
    register_data,
)
from backend.chain.accounts import dev_account

SIZES = (0, 5_000, 10_000, 20_000, 50_000)
QUICK_SIZES = (0, 10_000)
WINDOW = 1_000
WINDOW_CAP_S = 8.0
SENDERS = 4


@dataclass(frozen=True)
class Mode:
    """How blocks get mined and how registrations are sent.

    ``in_flight`` 1 sends each transaction with `eth_sendRawTransactionSync` (the receipt
    comes back in the same call); None sends the whole window, then waits for it.
    ``mine_every`` (with `--no-mining`) calls `evm_mine` after that many sent transactions.
    """

    name: str
    note: str
    extra: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    automine: bool = True
    in_flight: int | None = 1
    mine_every: int | None = None
    per_tx: int = 1
    sizes: tuple[int, ...] = SIZES
    state_file: bool = False
    cache_dir: bool = False


MODES = (
    Mode("automine, one at a time", "the service's anvil; each registration waits its receipt"),
    Mode(
        "automine, one at a time, --state --state-interval 5",
        "what `make run` adds: the whole chain is written to disk every 5 s",
        state_file=True,
    ),
    Mode(
        "automine, one at a time, no --prune-history",
        "every block's state kept (and persisted under --cache-path)",
        drop=("--prune-history",),
        cache_dir=True,
        sizes=(0, 10_000),
    ),
    Mode(
        "automine, one at a time, --transaction-block-keeper 64",
        "keep only 64 blocks of transactions in memory",
        extra=("--transaction-block-keeper", "64"),
        sizes=(0, 10_000, 20_000),
    ),
    Mode(
        "automine, one at a time, --order fifo",
        "mempool order",
        extra=("--order", "fifo"),
        sizes=(0, 10_000, 20_000),
    ),
    Mode(
        "automine, one at a time, --slots-in-an-epoch 1",
        "finality bookkeeping",
        extra=("--slots-in-an-epoch", "1"),
        sizes=(0, 10_000, 20_000),
    ),
    Mode(
        "automine, 100 works per transaction",
        "registerBatch of 100, one at a time",
        per_tx=100,
    ),
    Mode(
        "automine, pipelined",
        "the whole window sent without waiting; pending transactions share blocks",
        in_flight=None,
    ),
    Mode(
        "--block-time 1, pipelined",
        "interval mining",
        extra=("--block-time", "1"),
        automine=False,
        in_flight=None,
    ),  # fmt: skip
    Mode(
        "--no-mining + evm_mine every 250, pipelined",
        "the sender mines when it has packed 250 transactions",
        extra=("--no-mining",),
        automine=False,
        in_flight=None,
        mine_every=250,
    ),
)


@dataclass
class Window:
    works: int
    seconds: float
    blocks: int
    anvil_cpu_s: float
    empty_block_ms: float
    empty_block_cpu_ms: float
    registry_size: int = 0
    rate: float = field(init=False)
    cpu_ms_per_block: float = field(init=False)
    cpu_us_per_work: float = field(init=False)

    def __post_init__(self) -> None:
        self.rate = self.works / self.seconds
        self.cpu_ms_per_block = 1e3 * self.anvil_cpu_s / max(self.blocks, 1)
        self.cpu_us_per_work = 1e6 * self.anvil_cpu_s / self.works


@contextmanager
def _node(mode: Mode) -> Iterator[BenchAnvil]:
    with tempfile.TemporaryDirectory(prefix="anvil-bench-") as tmp:
        extra = list(mode.extra)
        if mode.state_file:
            extra += ["--state", f"{tmp}/state.json", "--state-interval", "5"]
        if mode.cache_dir:
            extra += ["--cache-path", f"{tmp}/cache"]
        node = BenchAnvil(extra=extra, drop=mode.drop, accounts=SENDERS + 1)
        with node:
            yield node


def _empty_blocks(rpc: Rpc, node: BenchAnvil, count: int = 10) -> tuple[float, float]:
    """Median wall time of `evm_mine` on an empty pool, and anvil's CPU time per block (ms)."""
    walls = []
    cpu = node.cpu_seconds()
    for _ in range(count):
        start = time.perf_counter()
        rpc.call("evm_mine")
        walls.append(time.perf_counter() - start)
    return 1e3 * statistics.median(walls), 1e3 * (node.cpu_seconds() - cpu) / count


def _signed_window(sender: Sender, registry: str, mode: Mode) -> list[str]:
    if mode.per_tx == 1:
        return [
            sender.sign(registry, register_data(*random_hashes(2)), gas=120_000)
            for _ in range(WINDOW)
        ]
    data = [
        register_batch_data(random_hashes(mode.per_tx), random_hashes(mode.per_tx))
        for _ in range(WINDOW // mode.per_tx)
    ]
    return [sender.sign(registry, d, gas=80_000 + 30_000 * mode.per_tx) for d in data]


def measure_window(node: BenchAnvil, rpc: Rpc, sender: Sender, registry: str, mode: Mode) -> Window:
    """Send one window of registrations the mode's way; stop sending after WINDOW_CAP_S."""
    raws = _signed_window(sender, registry, mode)
    empty_ms, empty_cpu = _empty_blocks(rpc, node)
    first_block, cpu = rpc.block_number(), node.cpu_seconds()
    start = time.perf_counter()
    sent: list[str] = []
    if mode.in_flight == 1:
        for raw in raws:
            receipt = rpc.call("eth_sendRawTransactionSync", raw)
            assert int(receipt["status"], 16) == 1, receipt
            sent.append(receipt["transactionHash"])
            if time.perf_counter() - start > WINDOW_CAP_S:
                break
    else:
        chunk = min(50, mode.mine_every or 50)
        for i in range(0, len(raws), chunk):
            sent += sender.send(raws[i : i + chunk])
            if mode.mine_every and len(sent) % mode.mine_every == 0:
                rpc.call("evm_mine")
            if time.perf_counter() - start > WINDOW_CAP_S:
                break
        if mode.mine_every:
            rpc.call("evm_mine")
        _wait_all(rpc, sender, sent, mine=mode.mine_every is not None)
    seconds = time.perf_counter() - start
    if len(sent) < len(raws):
        sender.resync()  # the unsent transactions' nonces are free again
    return Window(
        works=len(sent) * mode.per_tx,
        seconds=seconds,
        blocks=rpc.block_number() - first_block,
        anvil_cpu_s=node.cpu_seconds() - cpu,
        empty_block_ms=empty_ms,
        empty_block_cpu_ms=empty_cpu,
    )


def _wait_all(rpc: Rpc, sender: Sender, hashes: list[str], *, mine: bool) -> None:
    """Until every one of ``hashes`` is mined; the last of each account's decides."""
    last_of_each = hashes[-len(sender.accounts) :]
    for tx_hash in last_of_each:
        while rpc.call("eth_getTransactionReceipt", tx_hash) is None:
            if mine:
                rpc.call("evm_mine")
            time.sleep(0.005)


def run_mode(mode: Mode, quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else mode.sizes
    with _node(mode) as node:
        w3 = web3_for(node)
        on_demand = "--no-mining" in mode.extra
        if on_demand:  # deploy with automine, then mine on demand only
            w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        deployment, _ = deploy_service(w3)
        if on_demand:
            w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(i) for i in range(1, SENDERS + 1)])
        registry = deployment.registry_address
        size, windows = 0, []
        for target in sizes:
            if target > size:
                fill_registry(sender, registry, target - size, mine=not mode.automine)
                size = target
            window = measure_window(node, rpc, sender, registry, mode)
            window.registry_size = size
            size += window.works
            windows.append(asdict(window))
        rss = node.rss_bytes()
        rpc.close()
    return {**asdict(mode), "windows": windows, "anvil_rss_mb": rss / 2**20}


def sync_versus_poll(samples: int = 200) -> dict[str, float]:
    """Per-registration latency on an empty automine chain: `eth_sendRawTransactionSync`
    against send then poll for the receipt (every 20 ms, as the service polls)."""
    with _node(MODES[0]) as node:
        deployment, _ = deploy_service(web3_for(node))
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(1)])
        registry = deployment.registry_address
        out: dict[str, float] = {}
        for name, poll in (("sync_ms", None), ("poll_20ms_ms", 0.02), ("poll_2ms_ms", 0.002)):
            raws = [
                sender.sign(registry, register_data(*random_hashes(2)), gas=120_000)
                for _ in range(samples)
            ]
            times = []
            for raw in raws:
                start = time.perf_counter()
                if poll is None:
                    rpc.call("eth_sendRawTransactionSync", raw)
                else:
                    sender.wait(sender.send([raw])[0], poll=poll)
                times.append(time.perf_counter() - start)
            out[name] = 1e3 * statistics.median(times)
        rpc.close()
    return out


def continuous(mode: Mode, *, works: int, cap_s: float) -> dict[str, Any]:
    """Single registrations from an empty registry, window after window, no filling."""
    with _node(mode) as node:
        w3 = web3_for(node)
        deployment, _ = deploy_service(w3)
        rpc = Rpc(node.rpc_url)
        sender = Sender(rpc, [dev_account(i) for i in range(1, SENDERS + 1)])
        windows, size, start = [], 0, time.perf_counter()
        while size < works and time.perf_counter() - start < cap_s:
            window = measure_window(node, rpc, sender, deployment.registry_address, mode)
            window.registry_size = size
            size += window.works
            windows.append(asdict(window))
        rpc.close()
    return {**asdict(mode), "windows": windows}


CONTINUOUS = (
    (MODES[0], 20_000, 90.0),
    (next(m for m in MODES if m.name.startswith("--block-time")), 20_000, 90.0),
)


def run(quick: bool = False) -> dict[str, Any]:
    return {
        "window_works": WINDOW,
        "window_cap_s": WINDOW_CAP_S,
        "senders": SENDERS,
        "modes": [run_mode(mode, quick) for mode in MODES],
        "continuous": [
            continuous(mode, works=works // (4 if quick else 1), cap_s=cap / (4 if quick else 1))
            for mode, works, cap in CONTINUOUS
        ],
        "latency": sync_versus_poll(),
    }


def slope_ms_per_1000_works(windows: list[dict[str, Any]], key: str) -> float:
    """Least-squares slope of ``key`` against registry size, per 1,000 works."""
    xs = [w["registry_size"] / 1_000 for w in windows]
    ys = [w[key] for w in windows]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    return float(sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var)


def markdown(results: dict[str, Any]) -> list[str]:
    rows = [
        "| mode | works in registry | works/s | blocks | anvil CPU ms/block "
        "| anvil CPU µs/work | empty block ms (CPU ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in results["modes"]:
        for w in mode["windows"]:
            rows.append(
                f"| {mode['name']} | {w['registry_size']:,} | {w['rate']:,.0f} | {w['blocks']:,} "
                f"| {w['cpu_ms_per_block']:.1f} | {w['cpu_us_per_work']:,.0f} "
                f"| {w['empty_block_ms']:.1f} ({w['empty_block_cpu_ms']:.1f}) |"
            )
    return rows
