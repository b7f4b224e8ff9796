"""The batched ALS solves agree with a dense reference solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recommender.models.als_solver import plan_blocks, plan_ranges, solve_side, solve_side_cg


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


@pytest.mark.parametrize(("parts", "workers"), [(1, 1), (3, 1), (5, 2)])
def test_solve_side_cg_matches_dense_solution(parts: int, workers: int) -> None:
    matrix, fixed = _problem()
    target = torch.zeros(40, 6)
    ranges = plan_ranges(matrix, alpha=2.0, parts=parts)
    solve_side_cg(target, fixed, ranges, regularization=0.5, cg_steps=6, workers=workers)
    np.testing.assert_allclose(
        target.numpy(), _reference(matrix, fixed, 2.0, 0.5), atol=1e-3, rtol=1e-3
    )


def test_plan_ranges_cover_rows_after_leading_empty_ones() -> None:
    matrix, _ = _problem()
    keep = np.ones(40, np.float32)
    keep[[0, 1, 7]] = 0
    matrix = sp.csr_matrix(sp.diags(keep) @ matrix)
    matrix.eliminate_zeros()
    ranges = plan_ranges(matrix, 1.5, parts=4)
    assert len(ranges) > 1
    assert ranges[0].start == 2
    assert all(a.stop == b.start for a, b in zip(ranges, ranges[1:], strict=False))
    assert ranges[-1].stop == 40
    assert sum(int(r.pattern.values().numel()) for r in ranges) == matrix.nnz
    first = ranges[0].pattern.to_dense().numpy()
    np.testing.assert_allclose(first, 1.5 * matrix[2 : ranges[0].stop].toarray())


def test_solve_side_cg_leaves_leading_empty_rows_and_zeroes_other_empty_rows() -> None:
    matrix, fixed = _problem()
    keep = np.ones(40, np.float32)
    keep[[0, 20]] = 0
    matrix = sp.csr_matrix(sp.diags(keep) @ matrix)
    matrix.eliminate_zeros()
    target = torch.ones(40, 6)
    solve_side_cg(target, fixed, plan_ranges(matrix, 1.0, 2), regularization=0.5, cg_steps=6)
    assert torch.equal(target[0], torch.ones(6))
    assert target[20].abs().max() < 1e-4
