"""Command line of the chain and service benchmark: runs stages, records each one's figures in
`benchmarks/<stage>.json` and `.md`, and refreshes the README's quoted tables."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.bench import anvil_modes, api_throughput, gas, indexer_catchup, report, verify_load


@dataclass(frozen=True)
class Stage:
    run: Callable[[bool], dict[str, Any]]
    markdown: Callable[[dict[str, Any]], list[str]]
    about: str
    chart: Callable[[dict[str, Any], Path], None] | None = None


STAGES = {
    "gas": Stage(lambda _quick: gas.run(), gas.markdown, "gas beside peers and the floor (~1 min)"),
    "verify": Stage(verify_load.run, verify_load.markdown, "verification under load (~2 min)"),
    "indexer": Stage(
        indexer_catchup.run, indexer_catchup.markdown, "indexer catch-up to 100k works (~1 min)"
    ),
    "api": Stage(
        api_throughput.run,
        api_throughput.markdown,
        "registrations through the API from 0 to 100k works (~8 min)",
        api_throughput.chart,
    ),
    "anvil": Stage(
        anvil_modes.run,
        anvil_modes.markdown,
        "why automine slows down, by mining mode (~10 min)",
        anvil_modes.chart,
    ),
}
# The anvil investigation is not part of a default run: it explains, it does not track.
DEFAULT = ("gas", "verify", "indexer", "api")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "stages",
        nargs="*",
        help=f"default: {' '.join(DEFAULT)}; "
        + "; ".join(f"{name}: {stage.about}" for name, stage in STAGES.items()),
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, print the tables, record nothing"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stages) - STAGES.keys())
    if unknown:
        parser.error(f"unknown stage {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    for name in args.stages or DEFAULT:
        stage = STAGES[name]
        _log(f"{name}: {stage.about}")
        start = time.perf_counter()
        results = stage.run(args.quick)
        seconds = time.perf_counter() - start
        record = {"stage": name, "seconds": round(seconds, 1), "machine": report.machine()}
        table = stage.markdown(results)
        if not args.quick:
            report.write(name, record | results, table)
            if stage.chart is not None:
                stage.chart(results, report.OUT / f"{name}.png")
        print("\n".join(table) + "\n", flush=True)
        _log(f"{name}: done in {seconds:.0f} s")
    if not args.quick:
        _log(f"README tables refreshed: {', '.join(report.update_readme()) or 'none'}")
    return 0
