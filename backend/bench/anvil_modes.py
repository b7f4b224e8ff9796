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
from pathlib import Path
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
    With ``block_time`` (interval mining) a window's rate is what its full blocks held per
    block time: a wall-clock rate would mostly measure where in a block interval it started.
    """

    name: str
    note: str
    extra: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    automine: bool = True
    in_flight: int | None = 1
    mine_every: int | None = None
    per_tx: int = 1
    window: int = WINDOW
    block_time: float | None = None
    sizes: tuple[int, ...] = SIZES
    state_file: bool = False
    cache_dir: bool = False


MODES = (
    Mode("automine, one at a time", "the service's anvil; each registration waits its receipt"),
    Mode(
        "automine, one at a time, state saved every 5 s",
        "what `make run` adds: `anvil_dumpState` of the whole chain to disk every 5 s",
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
        window=2_000,
        block_time=1.0,
    ),
    Mode(
        "--block-time 1 --gas-limit 100000000, pipelined",
        "interval mining, blocks with room for ~1,850 registrations",
        extra=("--block-time", "1", "--gas-limit", "100000000"),
        automine=False,
        in_flight=None,
        window=4_000,
        block_time=1.0,
    ),
    Mode(
        "--block-time 1, 100 works per transaction, pipelined",
        "interval mining and registerBatch",
        extra=("--block-time", "1"),
        automine=False,
        in_flight=None,
        per_tx=100,
        window=3_000,
        block_time=1.0,
    ),
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
        if mode.cache_dir:
            extra += ["--cache-path", f"{tmp}/cache"]
        state = Path(tmp) / "state.json" if mode.state_file else None
        node = BenchAnvil(extra=extra, drop=mode.drop, accounts=SENDERS + 1, state_file=state)
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
            for _ in range(mode.window)
        ]
    data = [
        register_batch_data(random_hashes(mode.per_tx), random_hashes(mode.per_tx))
        for _ in range(mode.window // mode.per_tx)
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
    works, blocks = len(sent) * mode.per_tx, rpc.block_number() - first_block
    if mode.block_time is not None:
        seconds = works / _interval_rate(rpc, first_block, blocks, mode)
    return Window(
        works=works,
        seconds=seconds,
        blocks=blocks,
        anvil_cpu_s=node.cpu_seconds() - cpu,
        empty_block_ms=empty_ms,
        empty_block_cpu_ms=empty_cpu,
    )


def _interval_rate(rpc: Rpc, first_block: int, blocks: int, mode: Mode) -> float:
    """Works per second that the window's full blocks (all but its last) held."""
    assert mode.block_time is not None
    numbers = range(first_block + 1, first_block + blocks + 1)
    counts = [
        int(n, 16)
        for n in rpc.batch(
            [("eth_getBlockTransactionCountByNumber", [hex(number)]) for number in numbers]
        )
    ]
    full = counts[:-1] or counts
    return sum(full) * mode.per_tx / (len(full) * mode.block_time)


def _wait_all(rpc: Rpc, sender: Sender, hashes: list[str], *, mine: bool) -> None:
    """Until every one of ``hashes`` is mined; the last of each account's decides."""
    last_of_each = hashes[-len(sender.accounts) :]
    for tx_hash in last_of_each:
        while rpc.call("eth_getTransactionReceipt", tx_hash) is None:
            if mine:
                rpc.call("evm_mine")
            time.sleep(0.005)


def _dump_cost(node: BenchAnvil) -> dict[str, float]:
    """How long one save of the whole chain takes (what `make run` does every few seconds)."""
    if node.state_file is None:
        return {}
    start = time.perf_counter()
    node.save_state()
    return {
        "state_save_ms": 1e3 * (time.perf_counter() - start),
        "state_file_mb": node.state_file.stat().st_size / 2**20,
    }


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
            windows.append(asdict(window) | _dump_cost(node))
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


def _windows(results: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(m["windows"] for m in results["modes"] if m["name"] == name)


def _rate_at(windows: list[dict[str, Any]], size: int) -> float:
    return float(next(w["rate"] for w in windows if w["registry_size"] >= size))


def _span(windows: list[dict[str, Any]]) -> str:
    low, high = min(w["rate"] for w in windows), max(w["rate"] for w in windows)
    return f"{low:,.0f}" if round(low) == round(high) else f"{low:,.0f} to {high:,.0f}"


def findings(results: dict[str, Any]) -> list[str]:
    """The conclusions, with this run's figures."""
    automine = _windows(results, MODES[0].name)
    largest = max(w["registry_size"] for w in automine)
    slope = slope_ms_per_1000_works(automine, "empty_block_cpu_ms")
    at_largest = next(w for w in automine if w["registry_size"] == largest)
    saved = [w for w in _windows(results, MODES[1].name) if w["registry_size"] == largest][0]
    interval = _windows(results, "--block-time 1, pipelined")
    batched = _windows(results, "automine, 100 works per transaction")
    interval_batched = _windows(results, "--block-time 1, 100 works per transaction, pipelined")
    big_blocks = _windows(results, "--block-time 1 --gas-limit 100000000, pipelined")
    on_demand = _windows(results, "--no-mining + evm_mine every 250, pipelined")
    pipelined = _windows(results, "automine, pipelined")
    latency = results["latency"]
    return [
        "## What slows automine down",
        "",
        "anvil 1.7.1 recomputes the whole state root for every block it mines: for every "
        "account, a storage trie over all its slots (`Db::maybe_state_root` → "
        "`mem::state::trie_accounts` in foundry's `crates/anvil/src/eth/backend/mem/state.rs`; "
        "the 1.7.1 binary carries those symbols and not the incremental state-root cache of "
        "later foundry source). The registry keeps a slot per work (its owner), so a block "
        f"costs about {slope:.2f} ms of anvil CPU per 1,000 registered works whatever it holds: "
        f"an empty block took {at_largest['empty_block_cpu_ms']:.0f} ms of CPU at "
        f"{largest:,} works. Automine mines a block per transaction, so registrations sent one "
        f"at a time fell from {_rate_at(automine, 0):,.0f} works/s on an empty registry to "
        f"{at_largest['rate']:,.0f} at {largest:,}.",
        "",
        "No flag changes the per-block cost (table below): `--order`, `--slots-in-an-epoch`, "
        "`--transaction-block-keeper` leave it as it is; without `--prune-history` it is "
        "higher and anvil writes every block's state under `--cache-path` (~2 GB a minute "
        "seen); `--max-persisted-states` only matters then; `--no-storage-caching` applies to "
        "forks only (anvil refuses it here). Saving the chain (`anvil_dumpState`, what `make "
        f"run` does every 5 s) took {saved['state_save_ms']:,.0f} ms for a "
        f"{saved['state_file_mb']:.0f} MB file at {largest:,} works.",
        "",
        "## What keeps it flat",
        "",
        "More works per block, so that the per-block cost is shared:",
        "",
        "- many transactions per block: interval mining (`--block-time 1`) with a sender that "
        f"does not wait for each receipt held {_span(interval)} works/s from an empty registry "
        f"to {interval[-1]['registry_size']:,}. Its ceiling is "
        "the block gas limit, not anvil's CPU (30M gas a second: ~556 single registrations); "
        f"`--gas-limit 100000000` raised it to {_span(big_blocks)} (such a block holds "
        "~1,850; four senders "
        "here could not always fill them). `--no-mining` with the sender calling `evm_mine` "
        f"every 250 transactions is faster ({_rate_at(on_demand, 0):,.0f} works/s) but "
        "bound by anvil's CPU, so it still slows as the state root grows "
        f"({on_demand[-1]['rate']:,.0f} at {on_demand[-1]['registry_size']:,}). Automine with "
        "concurrent senders packs only the few transactions that arrive while a block is being "
        f"mined, and decays nearly as fast as one at a time ({pipelined[-1]['rate']:,.0f} "
        f"works/s at {pipelined[-1]['registry_size']:,});",
        "- many works per transaction: `registerBatch` of 100 under automine fell from "
        f"{_rate_at(batched, 0):,.0f} to {batched[-1]['rate']:,.0f} works/s (the block cost "
        "shared by 100 works); under `--block-time 1` it held "
        f"{_span(interval_batched)} works/s from an empty registry to "
        f"{interval_batched[-1]['registry_size']:,} (ten batches fill a 30M block).",
        "",
        "Interval mining costs an idle node one state root a second (about "
        f"{slope * 100:.0f} ms of CPU per second at 100,000 works) and adds up to a block time "
        "of latency to each write; so it suits a writer that packs (an outbox), while tests "
        "and one-off writes keep automine. Past about a million works the state root alone "
        "would take a second, and no mining mode of this anvil keeps up.",
        "",
        "`eth_sendRawTransactionSync` works on anvil 1.7.1 (the receipt comes back with the "
        f"send): {latency['sync_ms']:.1f} ms per registration on an empty automine chain, "
        f"against {latency['poll_20ms_ms']:.1f} ms for send then poll every 20 ms.",
    ]


def markdown(results: dict[str, Any]) -> list[str]:
    lines = [
        "# anvil as the registry grows",
        "",
        "Measured by `scripts/bench.py anvil`: for each mode, the registry is grown with "
        f"`registerBatch` to each size and a window of {results['window_works']:,} works "
        "(2,000 to 4,000 under interval mining) is registered there from "
        f"{results['senders']} accounts (stopped after {results['window_cap_s']:.0f} s). "
        "anvil's CPU time comes from the process itself; rates are wall-clock on a shared "
        "2-core machine, except under interval mining, where they are what full blocks held "
        "per second.",
        "",
        *findings(results),
        "",
        "## Windows by registry size",
        "",
        "| mode | works in registry | works/s | blocks | anvil CPU ms/block "
        "| anvil CPU µs/work | empty block ms (CPU ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in results["modes"]:
        for w in mode["windows"]:
            lines.append(
                f"| {mode['name']} | {w['registry_size']:,} | {w['rate']:,.0f} "
                f"| {w['blocks']:,} | {w['cpu_ms_per_block']:.1f} | {w['cpu_us_per_work']:,.0f} "
                f"| {w['empty_block_ms']:.1f} ({w['empty_block_cpu_ms']:.1f}) |"
            )
    lines += [
        "",
        "## Window after window from an empty registry",
        "",
        "| mode | works per window | works/s per window |",
        "|---|---:|---|",
    ]
    for run in results["continuous"]:
        rates = ", ".join(f"{w['rate']:,.0f}" for w in run["windows"])
        lines.append(f"| {run['name']} | {run['window']:,} | {rates} |")
    lines += ["", "![works per second by registry size](anvil.png)"]
    return lines


def chart(results: dict[str, Any], path: Path) -> None:
    """Works per second against registry size, one line per mode (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.5))
    palette = plt.get_cmap("tab20")
    for index, mode in enumerate(results["modes"]):
        windows = mode["windows"]
        ax.plot(
            [w["registry_size"] for w in windows],
            [w["rate"] for w in windows],
            marker="o",
            color=palette(index % 20),
            linestyle="-" if mode["automine"] else "--",
            label=mode["name"],
        )
    ax.set_yscale("log")
    ax.set_xlabel("works already registered")
    ax.set_ylabel("works registered per second")
    ax.set_title("anvil 1.7.1: registration rate by registry size and mining mode")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
