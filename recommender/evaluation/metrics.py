"""Ranking metrics over top-k lists, identical for every model.

Relevance is binary (an item is relevant when it is in the user's test set). For a user with
``R`` relevant items and a ranked list of length ``K``:

* Recall@K = hits / R
* NDCG@K = Σ_{rank r hit} 1/log2(r + 1) / Σ_{r ≤ min(K, R)} 1/log2(r + 1)
* MAP@K = Σ_{rank r hit} precision@r / min(K, R)
* Coverage@K = distinct items recommended to any user / catalogue size
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.errors import InvalidInputError


def hit_matrix(
    top: npt.NDArray[np.int64], users: npt.NDArray[np.int64], relevant: sp.csr_matrix
) -> npt.NDArray[np.bool_]:
    """Shape ``(U, K)``: whether ``top[u, r]`` is in row ``users[u]`` of ``relevant``."""
    n_items = relevant.shape[1]
    rows = np.repeat(np.arange(relevant.shape[0]), np.diff(relevant.indptr))
    known = np.sort(rows * n_items + relevant.indices)
    keys = users[:, None] * n_items + np.where(top >= 0, top, 0)
    if known.size == 0:
        return np.zeros(top.shape, dtype=bool)
    position = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    hits: npt.NDArray[np.bool_] = (known[position] == keys) & (top >= 0)
    return hits


def ranking_metrics(
    top: npt.NDArray[np.int64], users: npt.NDArray[np.int64], relevant: sp.csr_matrix, k: int
) -> dict[str, npt.NDArray[np.float64]]:
    """Per-user Recall@k, NDCG@k and MAP@k, each of shape ``(U,)``.

    ``top`` (shape ``(U, ≥k)``) holds ranked items (``-1`` = padding); every user in
    ``users`` must have at least one relevant item.
    """
    if top.ndim != 2 or top.shape[0] != len(users) or top.shape[1] < k:
        raise InvalidInputError(f"top must have shape ({len(users)}, >= {k}), got {top.shape}")
    n_relevant = np.diff(relevant.indptr)[users].astype(np.float64)
    if (n_relevant == 0).any():
        raise InvalidInputError("every evaluated user needs at least one relevant item")
    hits = hit_matrix(top[:, :k], users, relevant).astype(np.float64)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k).astype(np.int64) - 1]
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    return {
        f"recall@{k}": hits.sum(1) / n_relevant,
        f"ndcg@{k}": (hits * discounts).sum(1) / ideal,
        f"map@{k}": (precision_at * hits).sum(1) / np.minimum(n_relevant, k),
    }


def coverage(top: npt.NDArray[np.int64], n_items: int, k: int) -> float:
    """Share of the catalogue present in at least one top-``k`` list."""
    items = top[:, :k]
    return float(np.unique(items[items >= 0]).size / n_items)
