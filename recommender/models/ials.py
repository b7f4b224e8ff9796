"""Weighted matrix factorisation for implicit feedback, trained by alternating least squares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import torch

from recommender.config import ModelConfig
from recommender.errors import InvalidInputError
from recommender.models.als_solver import (
    RowBlock,
    RowRange,
    plan_blocks,
    plan_ranges,
    solve_side,
    solve_side_cg,
)
from recommender.models.factors import FactorModel
from recommender.threads import torch_threads
from recommender.validation import check_finite


@dataclass(frozen=True)
class IALSConfig(ModelConfig):
    """Options of :class:`IALS` (Hu, Koren & Volinsky 2008).

    Confidence of an observed pair is ``1 + alpha * weight``; ``regularization`` is the L2
    penalty λ. ``solver="cg"`` runs ``cg_steps`` warm-started conjugate-gradient steps per
    half-iteration (as ``implicit`` does), as sparse-dense products over ranges of rows;
    ``"cholesky"`` solves exactly, several times slower at equal quality (see
    ``benchmarks/recommender/results.md``). ``block_elements`` bounds a padded block
    (rows × longest row) of the exact solver to keep it in cache.
    ``num_threads`` (0: torch's current count) is the number of worker threads solving blocks.
    """

    factors: int = 64
    regularization: float = 0.01
    alpha: float = 1.0
    iterations: int = 15
    solver: Literal["cg", "cholesky"] = "cg"
    cg_steps: int = 3
    block_elements: int = 8_192
    init_scale: float = 0.01

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("factors", "iterations", "cg_steps", "block_elements", "init_scale"):
            self._positive(name, getattr(self, name))
        self._non_negative("regularization", self.regularization)
        self._non_negative("alpha", self.alpha)
        if self.solver not in ("cg", "cholesky"):
            raise InvalidInputError(f"solver must be 'cg' or 'cholesky', got {self.solver!r}")


# More ranges than workers balance the load; about four each measured fastest at 10M nonzeros.
_RANGES_PER_WORKER = 4


class IALS(FactorModel[IALSConfig]):
    """Implicit ALS solved in batches on CPU; see :mod:`recommender.models.als_solver`."""

    name = "ials"
    config_class = IALSConfig

    def _fit(self, matrix: sp.csr_matrix) -> None:
        """Alternate exact-or-CG solves for users then items, ``iterations`` times."""
        cfg = self.config
        generator = torch.Generator().manual_seed(cfg.seed)
        n_users, n_items = matrix.shape
        # Train with users and items sorted by activity: every block of similar-length rows
        # is then a contiguous slice of the factor table, read and written without a copy.
        user_order = np.argsort(np.diff(matrix.indptr), kind="stable")
        item_order = np.argsort(np.bincount(matrix.indices, minlength=n_items), kind="stable")
        permuted = _permute(matrix, user_order, item_order)
        users = torch.rand(n_users, cfg.factors, generator=generator) * cfg.init_scale
        items = torch.rand(n_items, cfg.factors, generator=generator) * cfg.init_scale
        # Parallelism comes from worker threads each taking whole blocks (ranges) of rows.
        workers = cfg.num_threads or torch.get_num_threads()
        if cfg.solver == "cg":
            user_ranges, item_ranges = _plan_ranges(permuted, cfg.alpha, workers)
            del permuted
            with torch_threads(1):
                for _ in range(cfg.iterations):
                    for target, fixed, ranges in (
                        (users, items, user_ranges),
                        (items, users, item_ranges),
                    ):
                        solve_side_cg(
                            target,
                            fixed,
                            ranges,
                            regularization=cfg.regularization,
                            cg_steps=cfg.cg_steps,
                            workers=workers,
                        )
        else:
            user_blocks, item_blocks = _plan(permuted, cfg)
            del permuted
            with torch_threads(1):
                for _ in range(cfg.iterations):
                    for target, fixed, blocks in (
                        (users, items, user_blocks),
                        (items, users, item_blocks),
                    ):
                        solve_side(
                            target,
                            fixed,
                            blocks,
                            regularization=cfg.regularization,
                            solver=cfg.solver,
                            cg_steps=cfg.cg_steps,
                            workers=workers,
                        )
        check_finite("user_factors", users)
        check_finite("item_factors", items)
        self.user_factors = torch.empty_like(users)
        self.user_factors[torch.from_numpy(user_order)] = users
        self.item_factors = torch.empty_like(items)
        self.item_factors[torch.from_numpy(item_order)] = items


def _plan(matrix: sp.csr_matrix, cfg: IALSConfig) -> tuple[list[RowBlock], list[RowBlock]]:
    """Blocks of both sides; the matrix and its transpose are freed once planned."""
    return (
        plan_blocks(matrix, cfg.alpha, cfg.block_elements),
        plan_blocks(matrix.T.tocsr(), cfg.alpha, cfg.block_elements),
    )


def _plan_ranges(
    matrix: sp.csr_matrix, alpha: float, workers: int
) -> tuple[list[RowRange], list[RowRange]]:
    """Row ranges of both sides for the CG solver, a few per worker to balance the load."""
    parts = _RANGES_PER_WORKER * max(1, workers)
    return plan_ranges(matrix, alpha, parts), plan_ranges(matrix.T.tocsr(), alpha, parts)


def _permute(
    matrix: sp.csr_matrix, row_order: np.ndarray, column_order: np.ndarray
) -> sp.csr_matrix:
    """``matrix[row_order][:, column_order]``, remapping column ids instead of slicing."""
    rows = sp.csr_matrix(matrix[row_order])
    new_column = np.empty_like(column_order)
    new_column[column_order] = np.arange(len(column_order))
    return sp.csr_matrix((rows.data, new_column[rows.indices], rows.indptr), shape=rows.shape)
