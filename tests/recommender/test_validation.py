"""Input validation leaves the caller's data alone."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.validation import check_user_items


def test_check_user_items_tidies_a_copy_not_the_callers_matrix() -> None:
    data = np.array([1.0, 0.0, 2.0], dtype=np.float32)
    matrix = sp.csr_matrix((data, np.array([2, 0, 1]), np.array([0, 2, 3])), shape=(2, 3))
    checked = check_user_items(matrix)
    assert checked.nnz == 2 and checked.has_sorted_indices
    assert matrix.nnz == 3 and matrix.indices.tolist() == [2, 0, 1]


def test_check_user_items_keeps_a_clean_matrix_without_copying() -> None:
    matrix = sp.csr_matrix(np.eye(3, dtype=np.float32))
    assert np.shares_memory(check_user_items(matrix).data, matrix.data)
