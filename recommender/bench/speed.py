"""Training time and peak memory of iALS (ours) and implicit ALS on synthetic data.

Each fit runs in a fresh (spawned) process so that its peak resident set size is its own:
``peak_rss_mb`` is that process's ``VmHWM`` from ``/proc/self/status`` at the end (unlike
``getrusage``'s ``ru_maxrss`` it is not inherited across ``exec``), and ``fit_rss_mb`` is that
peak minus the RSS after the data was loaded (the fit's own share).
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import scipy.sparse as sp

from recommender.data.synthetic import SyntheticConfig, generate

FACTORS, ITERATIONS, THREADS = 64, 15, 2


def write_synthetic(config: SyntheticConfig, path: Path) -> dict[str, int]:
    """Generate a data set once and store its CSR matrix at ``path`` (``.npz``)."""
    matrix = generate(config).to_csr()
    sp.save_npz(path, matrix, compressed=False)
    return {"users": matrix.shape[0], "items": matrix.shape[1], "nnz": int(matrix.nnz)}


def _job(path: str, kind: str, save_to: str | None, queue: Any) -> None:
    matrix = sp.load_npz(path).tocsr().astype(np.float32)
    baseline = psutil.Process().memory_info().rss
    start = time.perf_counter()
    if kind == "implicit":
        from recommender.bench.peers import ImplicitRanker

        ranker = ImplicitRanker(
            "als", {"factors": FACTORS, "iterations": ITERATIONS}, threads=THREADS
        ).fit(matrix)
        seconds = time.perf_counter() - start
        if save_to:
            np.savez(save_to, users=ranker.model.user_factors, items=ranker.model.item_factors)
    else:
        from recommender.models import IALS, IALSConfig

        solver: Any = kind
        config = IALSConfig(
            factors=FACTORS, iterations=ITERATIONS, solver=solver, num_threads=THREADS
        )
        model = IALS(config).fit(matrix)
        seconds = time.perf_counter() - start
        if save_to:
            model.save(save_to)
    peak = _peak_rss_bytes()
    queue.put(
        {
            "fit_seconds": seconds,
            "peak_rss_mb": peak / 2**20,
            "fit_rss_mb": (peak - baseline) / 2**20,
        }
    )


def _peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return int(psutil.Process().memory_info().rss)


def time_training(path: Path, kind: str, save_to: Path | None = None) -> dict[str, float]:
    """Fit ``kind`` ("cg", "cholesky" or "implicit") on the matrix at ``path`` in a child."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_job, args=(str(path), kind, save_to and str(save_to), queue))
    process.start()
    result: dict[str, float] = queue.get()
    process.join()
    return result


def threads_note() -> str:
    """How threads were set, for the report."""
    return (
        f"ours: {THREADS} worker threads, single-threaded torch ops; implicit: "
        f"num_threads={THREADS}, BLAS limited to 1 thread"
    )
