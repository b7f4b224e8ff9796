"""PNG charts of the benchmark results (matplotlib, no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def metric_by_model(quality: dict[str, Any], path: Path) -> None:
    """Grouped bars of NDCG@10 and Recall@20 per model, with std over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(quality)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for offset, metric in ((-0.2, "ndcg@10"), (0.2, "recall@20")):
        ax.bar(
            x + offset,
            [quality[n]["mean"][metric] for n in names],
            0.4,
            yerr=[quality[n]["std"][metric] for n in names],
            capsize=3,
            label=metric,
        )
    ax.set_xticks(x, names, rotation=20, ha="right")
    ax.set_ylabel("score (test split)")
    ax.set_title("MovieLens 100K, per-user random hold-out")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def train_time_by_size(training: dict[str, Any], path: Path) -> None:
    """Fit seconds of each ALS implementation against the number of interactions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {"cg": "iALS ours (CG)", "cholesky": "iALS ours (exact)", "implicit": "implicit ALS"}
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for kind, label in labels.items():
        points = [
            (run["data"]["nnz"], run[kind]["fit_seconds"])
            for run in training.values()
            if kind in run
        ]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("interactions (nnz)")
    ax.set_ylabel("fit seconds (64 factors, 15 iterations, 2 threads)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
