"""Quality on MovieLens 100K: search on a validation split, report on the test split."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from recommender.bench.candidates import Candidate, candidates, exact_variant
from recommender.evaluation import evaluate
from recommender.evaluation.splits import Split
from recommender.interactions import Interactions

SELECTION_METRIC = "ndcg@10"
Splitter = Callable[..., Split]


def search(
    candidate: Candidate,
    data: Interactions,
    splitter: Splitter,
    budget: int,
    log: Callable[[str], None],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Best parameters by validation NDCG@10; the validation split is cut from seed 0's train."""
    outer = splitter(data, seed=0)
    inner = splitter(outer.train, seed=1)
    train, valid = inner.train.to_csr(), inner.test.to_csr()
    trials: list[dict[str, Any]] = []
    for params in candidate.search_space(budget):
        ranker = candidate.build(params, 0).fit(train)
        score = evaluate(ranker, train, valid, ks=(10,))[SELECTION_METRIC]
        trials.append({"params": params, SELECTION_METRIC: score})
        log(f"  {candidate.name} {params} valid {SELECTION_METRIC}={score:.4f}")
    best = max(trials, key=lambda trial: float(trial[SELECTION_METRIC]))
    return dict(best["params"]), trials


def run_seeds(
    candidate: Candidate,
    params: dict[str, Any],
    data: Interactions,
    splitter: Splitter,
    seeds: list[int],
) -> dict[str, Any]:
    """Fit ``params`` on each seed's train split; mean and std of every test metric."""
    runs: list[dict[str, float]] = []
    for seed in seeds:
        split = splitter(data, seed=seed)
        train, test = split.train.to_csr(), split.test.to_csr()
        start = time.perf_counter()
        ranker = candidate.build(params, seed).fit(train)
        fit_seconds = time.perf_counter() - start
        runs.append({**evaluate(ranker, train, test, ks=(10, 20)), "fit_seconds": fit_seconds})
    return {
        "ours": candidate.ours,
        "params": params,
        "mean": {k: float(np.mean([r[k] for r in runs])) for k in runs[0]},
        "std": {k: float(np.std([r[k] for r in runs])) for k in runs[0]},
    }


def run_quality(
    data: Interactions,
    splitter: Splitter,
    seeds: list[int],
    budget: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every candidate, plus exact-solve iALS with the CG variant's best parameters."""
    results: dict[str, Any] = {}
    for candidate in candidates():
        params, trials = search(candidate, data, splitter, budget, log)
        results[candidate.name] = {
            **run_seeds(candidate, params, data, splitter, seeds),
            "search": trials,
        }
        log(f"{candidate.name}: {results[candidate.name]['mean']}")
    exact = exact_variant()
    cg_params = results["iALS (ours, CG)"]["params"]
    results[exact.name] = {**run_seeds(exact, cg_params, data, splitter, seeds), "search": []}
    return results
