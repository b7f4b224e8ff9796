"""Batched least-squares solves for one side of implicit ALS, on CPU with torch.

For row ``u`` with observed columns ``I_u`` (confidence ``c = 1 + alpha * w``) the update
solves ``(YᵀY + λI + Y_uᵀ diag(c - 1) Y_u) x_u = Y_uᵀ c`` where ``Y`` (shape
``(n_cols, f)``) holds the fixed factors. ``YᵀY`` is computed once per half-iteration, so
each row only touches its own nonzeros. Rows are sorted by length and cut into blocks of
similar lengths, padded to ``(B, L)``, so the work runs as a few large batched products.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import torch

Solver = Literal["cg", "cholesky"]


@dataclass(frozen=True)
class RowBlock:
    """Rows of similar length, padded to a common length ``L``.

    ``rows``: shape ``(B,)`` row indices. ``columns``: shape ``(B, L)``, int32 (half the
    memory of int64, which ``index_select`` does not need), padding points at
    the extra all-zero row ``n_cols`` of the padded factor table. ``scaled``: shape
    ``(B, L)``, ``alpha * weight`` (``c - 1``), 0 on padding. ``start`` is set when the rows
    are the contiguous range ``start .. start + B``: the factors are then read as a slice.
    """

    rows: torch.Tensor
    columns: torch.Tensor
    scaled: torch.Tensor
    start: int | None


def plan_blocks(matrix: sp.csr_matrix, alpha: float, block_elements: int) -> list[RowBlock]:
    """Cut the non-empty rows of ``matrix`` into padded blocks of about ``block_elements``."""
    lengths = np.diff(matrix.indptr)
    order = np.argsort(lengths, kind="stable")
    order = order[lengths[order] > 0]
    sorted_lengths = lengths[order]
    blocks: list[RowBlock] = []
    start = 0
    while start < len(order):
        # Rows are sorted by length, so padding a block to its last row costs count * last.
        window = sorted_lengths[start : start + block_elements]
        padded_cost = np.arange(1, len(window) + 1) * window
        count = max(1, int(np.searchsorted(padded_cost, block_elements, side="right")))
        blocks.append(_block(matrix, order[start : start + count], alpha))
        start += count
    return blocks


def _block(matrix: sp.csr_matrix, rows: np.ndarray, alpha: float) -> RowBlock:
    starts, lengths = matrix.indptr[rows], np.diff(matrix.indptr)[rows]
    offsets = np.arange(int(lengths.max()))
    valid = offsets[None, :] < lengths[:, None]
    positions = np.where(valid, starts[:, None] + offsets[None, :], 0)
    columns = np.where(valid, matrix.indices[positions], matrix.shape[1])
    scaled = np.where(valid, alpha * matrix.data[positions], 0.0).astype(np.float32)
    contiguous = bool(rows[-1] - rows[0] + 1 == len(rows) and (np.diff(rows) == 1).all())
    return RowBlock(
        torch.from_numpy(rows.astype(np.int64)),
        torch.from_numpy(columns.astype(np.int32)),
        torch.from_numpy(scaled),
        int(rows[0]) if contiguous else None,
    )


def solve_side(
    target: torch.Tensor,
    fixed: torch.Tensor,
    blocks: list[RowBlock],
    *,
    regularization: float,
    solver: Solver,
    cg_steps: int,
    workers: int = 1,
) -> None:
    """Update ``target`` (shape ``(n_rows, f)``) in place given ``fixed`` (``(n_cols, f)``).

    ``"cg"`` runs ``cg_steps`` conjugate-gradient steps warm-started from ``target``;
    ``"cholesky"`` solves each ``(f, f)`` system exactly.
    """
    factors = fixed.shape[1]
    gram = fixed.T @ fixed + regularization * torch.eye(factors, dtype=fixed.dtype)
    padded = torch.cat([fixed, fixed.new_zeros(1, factors)])

    def run(block: RowBlock) -> None:
        # index_select is several times faster than advanced indexing for this gather.
        gathered = padded.index_select(0, block.columns.view(-1)).view(
            *block.columns.shape, factors
        )
        if block.start is None:
            current = target[block.rows]
        else:
            current = target[block.start : block.start + len(block.rows)].clone()
        if solver == "cg":
            solution = _conjugate_gradient(current, gram, gathered, block.scaled, cg_steps)
        else:
            solution = _cholesky(gram, gathered, block.scaled)
        if block.start is None:
            target[block.rows] = solution
        else:
            target[block.start : block.start + len(block.rows)] = solution

    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, blocks))
    else:
        for block in blocks:
            run(block)


def _project(gathered: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``Y_u v`` for each row: ``gathered`` (B, L, f), ``v`` (B, f) -> (B, L).

    Written as a row vector times the transposed block: torch's CPU ``bmm`` runs this about
    twice as fast as the equivalent matrix times column vector.
    """
    return torch.bmm(v.unsqueeze(1), gathered.transpose(1, 2)).squeeze(1)


def _apply(
    v: torch.Tensor, gram: torch.Tensor, gathered: torch.Tensor, scaled: torch.Tensor
) -> torch.Tensor:
    """``A v`` for a block: ``v`` (B, f), ``gathered`` (B, L, f), ``scaled`` (B, L)."""
    projected = _project(gathered, v).mul_(scaled)
    return torch.bmm(projected.unsqueeze(1), gathered).squeeze(1).addmm_(v, gram)


def _conjugate_gradient(
    x: torch.Tensor,
    gram: torch.Tensor,
    gathered: torch.Tensor,
    scaled: torch.Tensor,
    steps: int,
) -> torch.Tensor:
    """A few CG steps on every system of the block at once; returns shape ``(B, f)``.

    ``x`` (B, f) is the warm start, ``gathered`` (B, L, f) the fixed factors of each row's
    nonzeros and ``scaled`` (B, L) their ``c - 1``.
    """
    tiny = torch.finfo(x.dtype).tiny
    # b - A x = Y_uᵀ (c - (c - 1) * Y_u x) - (YᵀY + λI) x: one pass over the block, not two.
    projected = _project(gathered, x)
    weights = (1.0 - projected).mul_(scaled).add_(1.0)
    residual = torch.bmm(weights.unsqueeze(1), gathered).squeeze(1).addmm_(x, gram, alpha=-1.0)
    direction = residual.clone()
    norm = residual.square().sum(1, keepdim=True)
    for _ in range(steps):
        applied = _apply(direction, gram, gathered, scaled)
        step = norm / (direction * applied).sum(1, keepdim=True).clamp_min_(tiny)
        x.addcmul_(step, direction)
        residual.addcmul_(step, applied, value=-1.0)
        new_norm = residual.square().sum(1, keepdim=True)
        direction.mul_(new_norm / norm.clamp_min_(tiny)).add_(residual)
        norm = new_norm
    return x


def _cholesky(gram: torch.Tensor, gathered: torch.Tensor, scaled: torch.Tensor) -> torch.Tensor:
    """Exact solves of the block's ``(B, f, f)`` systems; returns shape ``(B, f)``."""
    rhs = torch.bmm((1.0 + scaled).unsqueeze(1), gathered).squeeze(1)
    system = gram + torch.bmm(gathered.transpose(1, 2), gathered * scaled.unsqueeze(2))
    lower = torch.linalg.cholesky(system)
    return torch.cholesky_solve(rhs.unsqueeze(2), lower).squeeze(2)
