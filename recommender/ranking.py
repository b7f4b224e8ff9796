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


def mask_items(
    scores: torch.Tensor, *, seen: sp.csr_matrix | None, exclude_items: npt.NDArray[np.int64] | None
) -> None:
    """Set to ``-inf``, in place, the ``seen`` items of each row and every excluded item.

    ``scores`` has shape ``(B, n_items)``; ``seen`` shape ``(B, n_items)``. Only the masked
    entries are written, so a request costs the same whatever the catalogue size.
    """
    if exclude_items is not None and exclude_items.size:
        scores[:, torch.from_numpy(exclude_items)] = float("-inf")
    if seen is not None and seen.nnz:
        rows = np.repeat(np.arange(scores.shape[0]), np.diff(seen.indptr))
        columns = seen.indices.astype(np.int64)
        scores[torch.from_numpy(rows), torch.from_numpy(columns)] = float("-inf")


def top_k(
    scores: torch.Tensor, n: int, candidate_items: npt.NDArray[np.int64] | None = None
) -> Recommendations:
    """Best ``n`` items of each row of ``scores`` (shape ``(B, n_items)``, changed in place).

    With ``candidate_items`` (an allow-list, shape ``(C,)``) only those columns compete.
    Items scored ``-inf`` (masked) come back as ``-1``.
    """
    k = min(n, scores.shape[1])
    if candidate_items is not None:
        allowed = torch.zeros(scores.shape[1], dtype=torch.bool)
        allowed[torch.from_numpy(candidate_items)] = True
        scores.masked_fill_(~allowed, float("-inf"))
        k = min(k, int(allowed.sum()))
    values, indices = torch.topk(scores, k, dim=1)
    indices = indices.masked_fill(torch.isneginf(values), -1)
    return Recommendations(
        indices.numpy().astype(np.int64, copy=False), values.numpy().astype(np.float32, copy=False)
    )
