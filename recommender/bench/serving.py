"""Serving latency (one user, top-10) and batched throughput of a fitted iALS model.

Single requests run with one thread (torch and BLAS), as a serving worker would: a
50k-item request is too small to gain from a second thread and only waits on it when the
cores are busy. Batched throughput uses two threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from threadpoolctl import threadpool_limits

from recommender.models import IALS


def _latencies(call: Callable[[int], Any], users: np.ndarray) -> dict[str, float]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        for user in users[:50]:
            call(int(user))
        times = []
        for user in users:
            start = time.perf_counter()
            call(int(user))
            times.append(time.perf_counter() - start)
    torch.set_num_threads(previous)
    ms = np.array(times) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def _throughput(call: Callable[[np.ndarray], Any], users: np.ndarray, batch: int) -> float:
    torch.set_num_threads(2)
    call(users[:batch])
    start = time.perf_counter()
    for begin in range(0, len(users), batch):
        call(users[begin : begin + batch])
    return len(users) / (time.perf_counter() - start)


def measure_ours(
    model_dir: Path, matrix: sp.csr_matrix, requests: int, batch: int
) -> dict[str, Any]:
    """Latency with the seen-items filter, with and without a 50% candidate allow-list."""
    model = IALS.load(model_dir)
    rng = np.random.default_rng(0)
    users = rng.integers(0, matrix.shape[0], size=requests)
    allowed = np.sort(rng.choice(model.n_items, size=model.n_items // 2, replace=False))
    return {
        "items": model.n_items,
        "single": _latencies(lambda u: model.recommend(u, matrix, n=10), users),
        "single_with_candidates": _latencies(
            lambda u: model.recommend(u, matrix, n=10, candidate_items=allowed), users
        ),
        "batched_users_per_s": _throughput(
            lambda us: model.recommend(us, matrix, n=10),
            rng.permutation(matrix.shape[0])[: batch * 20],
            batch,
        ),
    }


def measure_implicit(
    factors: Path, matrix: sp.csr_matrix, requests: int, batch: int
) -> dict[str, Any]:
    """The same measurements for an implicit ALS model with the saved factors."""
    from implicit.cpu.als import AlternatingLeastSquares

    stored = np.load(factors)
    model = AlternatingLeastSquares(factors=stored["items"].shape[1])
    model.user_factors, model.item_factors = stored["users"], stored["items"]
    rng = np.random.default_rng(0)
    users = rng.integers(0, matrix.shape[0], size=requests)

    def recommend(us: Any) -> Any:
        return model.recommend(us, matrix[us], N=10, filter_already_liked_items=True)

    return {
        "items": int(stored["items"].shape[0]),
        "single": _latencies(recommend, users),
        "batched_users_per_s": _throughput(
            recommend, rng.permutation(matrix.shape[0])[: batch * 20], batch
        ),
    }
