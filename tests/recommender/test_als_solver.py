"""The batched ALS solves agree with a dense reference solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recommender.models.als_solver import plan_blocks, solve_side


def _problem() -> tuple[sp.csr_matrix, torch.Tensor]:
    rng = np.random.default_rng(0)
    matrix = sp.random(40, 25, density=0.2, format="csr", random_state=rng, dtype=np.float32)
    matrix.data = 1.0 + 4.0 * matrix.data
    return matrix, torch.from_numpy(rng.normal(size=(25, 6)).astype(np.float32))


def _reference(matrix: sp.csr_matrix, fixed: torch.Tensor, alpha: float, reg: float) -> np.ndarray:
    y = fixed.double().numpy()
    dense = matrix.toarray()
    out = np.zeros((matrix.shape[0], y.shape[1]))
    for row in range(matrix.shape[0]):
        confidence = 1 + alpha * dense[row]
        preference = (dense[row] > 0).astype(float)
        system = y.T @ (confidence[:, None] * y) + reg * np.eye(y.shape[1])
        out[row] = np.linalg.solve(system, y.T @ (confidence * preference))
    return out


@pytest.mark.parametrize(("solver", "steps", "tolerance"), [("cholesky", 1, 1e-4), ("cg", 6, 1e-3)])
def test_solve_side_matches_dense_solution(solver: str, steps: int, tolerance: float) -> None:
    matrix, fixed = _problem()
    target = torch.zeros(40, 6)
    blocks = plan_blocks(matrix, alpha=2.0, block_elements=16)
    assert len(blocks) > 1
    solve_side(
        target,
        fixed,
        blocks,
        regularization=0.5,
        solver=solver,  # type: ignore[arg-type]
        cg_steps=steps,
    )
    np.testing.assert_allclose(
        target.numpy(), _reference(matrix, fixed, 2.0, 0.5), atol=tolerance, rtol=tolerance
    )


def test_plan_blocks_covers_each_non_empty_row_once() -> None:
    matrix, _ = _problem()
    keep = np.ones(40, np.float32)
    keep[3] = 0
    matrix = sp.csr_matrix(sp.diags(keep) @ matrix)
    matrix.eliminate_zeros()
    rows = torch.cat([b.rows for b in plan_blocks(matrix, 1.0, 32)]).tolist()
    assert sorted(rows) == [r for r in range(40) if matrix[r].nnz]
