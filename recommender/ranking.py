"""Top-k selection under filters, shared by every model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import torch


@dataclass(frozen=True)
class Recommendations:
    """Ranked items per query row, best first.

    ``items`` has shape ``(B, k)`` (int64 indices) and ``scores`` shape ``(B, k)`` (float32).
    A row with fewer than ``k`` admissible items is padded with item ``-1``, score ``-inf``.
    """

    items: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float32]

    def row(self, position: int) -> list[tuple[int, float]]:
        """``(item, score)`` pairs of query row ``position``, padding dropped."""
        pairs = zip(self.items[position].tolist(), self.scores[position].tolist(), strict=True)
        return [(item, score) for item, score in pairs if item >= 0]


def build_mask(
    n_rows: int,
    n_items: int,
    *,
    seen: sp.csr_matrix | None,
    exclude_items: npt.NDArray[np.int64] | None,
    candidate_items: npt.NDArray[np.int64] | None,
) -> torch.Tensor | None:
    """Boolean mask of shape ``(n_rows, n_items)``, true where an item must not be returned.

    ``seen`` has shape ``(n_rows, n_items)``; ``candidate_items`` is an allow-list.
    Returns ``None`` when nothing is filtered.
    """
    if seen is None and exclude_items is None and candidate_items is None:
        return None
    mask = torch.zeros((n_rows, n_items), dtype=torch.bool)
    if candidate_items is not None:
        allowed = torch.zeros(n_items, dtype=torch.bool)
        allowed[torch.from_numpy(candidate_items)] = True
        mask |= ~allowed
    if exclude_items is not None and exclude_items.size:
        mask[:, torch.from_numpy(exclude_items)] = True
    if seen is not None and seen.nnz:
        rows = np.repeat(np.arange(n_rows), np.diff(seen.indptr))
        mask[torch.from_numpy(rows), torch.from_numpy(seen.indices.astype(np.int64))] = True
    return mask


def top_k(scores: torch.Tensor, n: int, mask: torch.Tensor | None) -> Recommendations:
    """Best ``n`` items of each row of ``scores`` (shape ``(B, n_items)``) outside ``mask``."""
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    k = min(n, scores.shape[1])
    values, indices = torch.topk(scores, k, dim=1)
    indices = indices.masked_fill(torch.isneginf(values), -1)
    return Recommendations(
        indices.numpy().astype(np.int64, copy=False), values.numpy().astype(np.float32, copy=False)
    )
