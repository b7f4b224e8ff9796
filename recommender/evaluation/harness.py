"""Runs any ranker over a split with the same filtering and metric code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.base import Recommender
from recommender.evaluation.metrics import coverage, ranking_metrics


class Ranker(Protocol):
    """Anything that returns top-``k`` items per user with training items filtered out."""

    def top_k(
        self, users: npt.NDArray[np.int64], train: sp.csr_matrix, k: int
    ) -> npt.NDArray[np.int64]:
        """Shape ``(len(users), k)``; ``-1`` pads rows with fewer admissible items."""
        ...


@dataclass(frozen=True)
class ModelRanker:
    """Adapts a :class:`Recommender` to :class:`Ranker`."""

    model: Recommender[Any]

    def top_k(
        self, users: npt.NDArray[np.int64], train: sp.csr_matrix, k: int
    ) -> npt.NDArray[np.int64]:
        return self.model.recommend(users, train, n=k, filter_already_liked=True).items


def evaluate(
    ranker: Ranker,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    *,
    ks: tuple[int, ...] = (10, 20),
    batch_size: int = 2048,
) -> dict[str, float]:
    """Mean Recall/NDCG/MAP@k and Coverage@k over users with a test item.

    ``train`` and ``test`` are user × item matrices of the same shape.
    """
    users = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int64)
    k_max = max(ks)
    top = np.concatenate(
        [
            ranker.top_k(users[start : start + batch_size], train, k_max)
            for start in range(0, len(users), batch_size)
        ]
    )
    if top.shape[1] < k_max:  # a catalogue smaller than k: pad with "no item"
        top = np.pad(top, ((0, 0), (0, k_max - top.shape[1])), constant_values=-1)
    results: dict[str, float] = {}
    for k in ks:
        for name, values in ranking_metrics(top, users, test, k).items():
            results[name] = float(values.mean())
        results[f"coverage@{k}"] = coverage(top, test.shape[1], k)
    return results
