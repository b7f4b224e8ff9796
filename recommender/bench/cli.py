"""Command line of the benchmark: quality, training speed, serving; writes the results."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import scipy.sparse as sp

from recommender.bench import charts, report
from recommender.bench.quality import run_quality
from recommender.bench.serving import measure_implicit, measure_ours
from recommender.bench.speed import threads_note, time_training, write_synthetic
from recommender.data.movielens import load_movielens_100k
from recommender.data.synthetic import SyntheticConfig
from recommender.evaluation import random_holdout, temporal_holdout

FULL_SIZES = {
    "1M": SyntheticConfig(20_000, 50_000, 1_000_000),
    "10M": SyntheticConfig(200_000, 50_000, 10_000_000),
}
QUICK_SIZES = {
    "100k": SyntheticConfig(2_000, 50_000, 100_000),
    "300k": SyntheticConfig(6_000, 50_000, 300_000),
}
EXACT_MAX_NNZ = 2_000_000


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _training(sizes: dict[str, SyntheticConfig], work: Path, repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for label, config in sizes.items():
        path = work / f"{label}.npz"
        run: dict[str, Any] = {"data": write_synthetic(config, path)}
        largest = label == list(sizes)[-1]
        kinds = ["cg", "implicit"] + (["cholesky"] if run["data"]["nnz"] <= EXACT_MAX_NNZ else [])
        saves = {"cg": work / "ials", "implicit": work / "implicit.npz"} if largest else {}
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        # Alternate the models and keep each one's faster run: other load only slows a run.
        for _ in range(repeats):
            for kind in kinds:
                runs[kind].append(time_training(path, kind, saves.get(kind)))
        for kind, measured in runs.items():
            run[kind] = {**min(measured, key=lambda r: r["fit_seconds"]), "runs": measured}
        _log(f"training {label}: {run}")
        results[label] = run
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run (~1 minute)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/recommender"))
    parser.add_argument("--seeds", type=int, default=None, help="seeds (default 5, quick 1)")
    parser.add_argument("--budget", type=int, default=None, help="configs per model (6, quick 2)")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds or (1 if args.quick else 5)))
    budget = args.budget or (2 if args.quick else 6)
    requests, batch = (300, 256) if args.quick else (2000, 1024)
    args.out.mkdir(parents=True, exist_ok=True)
    # Other processes share the cores; the load average says how much they took.
    load = {"start": os.getloadavg()[0]}
    data = load_movielens_100k()
    splits = (
        {"random": random_holdout}
        if args.quick
        else {"random": random_holdout, "temporal": temporal_holdout}
    )
    movielens = {}
    for name, splitter in splits.items():
        _log(f"MovieLens 100K, {name} split")
        movielens[name] = run_quality(data, splitter, seeds, budget, _log)
    load["after_quality"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-recommender-") as tmp:
        work = Path(tmp)
        sizes = QUICK_SIZES if args.quick else FULL_SIZES
        training = _training(sizes, work, 1 if args.quick else 2)
        load["after_training"] = os.getloadavg()[0]
        matrix = sp.load_npz(work / f"{list(sizes)[-1]}.npz").tocsr()
        serving = {
            "ours": measure_ours(work / "ials", matrix, requests, batch),
            "implicit": measure_implicit(work / "implicit.npz", matrix, requests, batch),
        }
    load["after_serving"] = os.getloadavg()[0]
    _log(f"serving: {serving}")
    command = "python scripts/bench_recommender.py" + (" --quick" if args.quick else "")
    results: dict[str, Any] = {
        "machine": report.machine(),
        "settings": {
            "command": command,
            "quick": args.quick,
            "seeds": seeds,
            "search_budget": budget,
            "threads": threads_note(),
            "split": "per-user random hold-out of 20% of each user's positives "
            "(users with ≥ 2); temporal variant holds out the latest 20%",
            "serving_requests": requests,
            "serving_batch": batch,
            "load_average_1min": load,
        },
        "movielens": movielens,
        "training": training,
        "serving": serving,
    }
    results["goals"] = report.goals(results)
    report.write_json(results, args.out / "results.json")
    report.write_markdown(results, args.out / "results.md")
    charts.metric_by_model(movielens["random"], args.out / "metric_by_model.png")
    charts.train_time_by_size(training, args.out / "train_time_by_size.png")
    _log(f"wrote {args.out}/results.json, results.md and charts")
    return 0
