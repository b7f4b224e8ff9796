"""Batched least-squares solves for one side of implicit ALS, on CPU with torch.

For row ``u`` with observed columns ``I_u`` (confidence ``c = 1 + alpha * w``) the update
solves ``(YᵀY + λI + Y_uᵀ diag(c - 1) Y_u) x_u = Y_uᵀ c`` where ``Y`` (shape
``(n_cols, f)``) holds the fixed factors. ``YᵀY`` is computed once per half-iteration, so
each row only touches its own nonzeros.

The conjugate-gradient solver (:func:`solve_side_cg`) works on a few contiguous row ranges
per worker, each a sparse CSR tensor: every CG step is one sampled product (``Y_u v`` at
the nonzeros) and one sparse-dense product, with no padding. The exact solver
(:func:`solve_side`) sorts rows by length and cuts them into blocks of similar lengths,
padded to ``(B, L)``, so its work runs as a few large batched products.
"""

from __future__ import annotations

import warnings
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


@dataclass(frozen=True)
class RowRange:
    """The contiguous rows ``start .. stop`` of one side as a sparse CSR tensor.

    ``pattern``: sparse CSR of shape ``(stop - start, n_cols)``, int32 indices, values
    ``alpha * weight`` (``c - 1``). Used by the conjugate-gradient solver, which needs no
    padding: its products are sparse-dense matrix products over the whole range.
    """

    start: int
    stop: int
    pattern: torch.Tensor


def plan_ranges(matrix: sp.csr_matrix, alpha: float, parts: int) -> list[RowRange]:
    """Cut ``matrix`` into ``parts`` row ranges of about equal nonzero counts.

    Leading empty rows are left out (with rows sorted by length, all empty rows); any other
    empty row is solved as part of its range, which drives its factors to the exact
    solution, zero.
    """
    indptr = matrix.indptr.astype(np.int64)
    first = int(np.searchsorted(indptr, 0, side="right")) - 1
    bounds = np.searchsorted(indptr, np.linspace(0, matrix.nnz, parts + 1)[1:-1], side="left")
    cuts = sorted({first, *(int(b) for b in bounds if first < b < matrix.shape[0])})
    cuts.append(matrix.shape[0])
    ranges: list[RowRange] = []
    for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
        if start >= stop or indptr[stop] == indptr[start]:
            continue
        crow = indptr[start : stop + 1] - indptr[start]
        span = slice(int(indptr[start]), int(indptr[stop]))
        with warnings.catch_warnings():
            # torch warns once that sparse CSR support is "beta"; the kernels used are not.
            warnings.simplefilter("ignore", UserWarning)
            pattern = torch.sparse_csr_tensor(
                torch.from_numpy(crow.astype(np.int32)),
                torch.from_numpy(matrix.indices[span].astype(np.int32)),
                torch.from_numpy((alpha * matrix.data[span]).astype(np.float32)),
                size=(stop - start, matrix.shape[1]),
                check_invariants=False,
            )
        ranges.append(RowRange(start, stop, pattern))
    return ranges


def solve_side_cg(
    target: torch.Tensor,
    fixed: torch.Tensor,
    ranges: list[RowRange],
    *,
    regularization: float,
    cg_steps: int,
    workers: int = 1,
) -> None:
    """Conjugate-gradient update of ``target`` (``(n_rows, f)``) in place, by row ranges.

    Each worker thread takes whole ranges and runs single-threaded torch ops on them
    (torch's sparse kernels scale poorly with intra-op threads; separate ranges do not).
    """
    factors = fixed.shape[1]
    gram = fixed.T @ fixed + regularization * torch.eye(factors, dtype=fixed.dtype)

    def run(part: RowRange) -> None:
        _sparse_conjugate_gradient(
            target[part.start : part.stop], gram, fixed, part.pattern, cg_steps
        )

    if workers > 1 and len(ranges) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, ranges))
    else:
        for part in ranges:
            run(part)


def _sparse_conjugate_gradient(
    x: torch.Tensor, gram: torch.Tensor, fixed: torch.Tensor, pattern: torch.Tensor, steps: int
) -> None:
    """``steps`` CG steps for all rows of ``pattern`` at once, updating ``x`` in place.

    ``x`` (B, f) is the warm start (a view into the factor table), ``fixed`` (n_cols, f),
    ``pattern`` sparse CSR (B, n_cols) holding ``c - 1``. ``A v = (YᵀY + λI) v +
    Yᵀ diag(c - 1) Y v`` per row is one sampled product (``Y_u v`` at the nonzeros only)
    and one sparse-dense product.
    """
    tiny = torch.finfo(x.dtype).tiny
    scaled = pattern.values()
    # One reusable matrix with the same nonzeros: the sampled product writes its values in
    # place (no copy of the indices per call), and the sparse-dense product reads them.
    work = torch.sparse_csr_tensor(
        pattern.crow_indices(),
        pattern.col_indices(),
        torch.zeros_like(scaled),  # finite: the sampled product scales it by beta = 0
        size=pattern.shape,
        check_invariants=False,
    )
    fixed_t = fixed.T

    def sample(v: torch.Tensor) -> torch.Tensor:
        """``work``'s values, set to ``Y_u v_u`` at each nonzero ``(u, i)``."""
        torch.sparse.sampled_addmm(work, v, fixed_t, beta=0.0, out=work)
        return work.values()

    # b - A x = Y_uᵀ (c - (c - 1) * Y_u x) - (YᵀY + λI) x: one pass over the nonzeros.
    sample(x).neg_().add_(1.0).mul_(scaled).add_(1.0)
    residual = torch.addmm(x @ gram, work, fixed, beta=-1.0)
    direction = residual.clone()
    norm = residual.square().sum(1, keepdim=True)
    for _ in range(steps):
        sample(direction).mul_(scaled)
        applied = torch.addmm(direction @ gram, work, fixed)
        step = norm / (direction * applied).sum(1, keepdim=True).clamp_min_(tiny)
        x.addcmul_(step, direction)
        residual.addcmul_(step, applied, value=-1.0)
        new_norm = residual.square().sum(1, keepdim=True)
        direction.mul_(new_norm / norm.clamp_min_(tiny)).add_(residual)
        norm = new_norm
