"""Input checks shared by every model, turning bad input into clear errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import torch

from recommender.errors import InvalidInputError, UnknownIdError

IndexLike = int | Sequence[int] | npt.NDArray[np.integer] | torch.Tensor


def check_user_items(matrix: object) -> sp.csr_matrix:
    """Validate a user × item matrix and return it as float32 CSR with sorted indices.

    Rejects non-sparse input, empty matrices, NaN/inf and negative weights.
    """
    if not sp.issparse(matrix):
        raise InvalidInputError(
            f"user_items must be a scipy.sparse matrix, got {type(matrix).__name__}"
        )
    csr = sp.csr_matrix(matrix, dtype=np.float32)
    if csr.shape[0] == 0 or csr.shape[1] == 0 or csr.nnz == 0:
        raise InvalidInputError(f"user_items is empty (shape {csr.shape}, nnz {csr.nnz})")
    if not np.isfinite(csr.data).all():
        raise InvalidInputError("user_items contains NaN or infinite weights")
    if (csr.data < 0).any():
        raise InvalidInputError("user_items contains negative weights")
    if not csr.has_sorted_indices or not csr.data.all():
        # The constructor may share the caller's arrays: tidy a copy, never their matrix.
        csr = csr.copy()
        csr.eliminate_zeros()
        csr.sort_indices()
    if csr.nnz == 0:
        raise InvalidInputError("user_items holds only explicit zeros")
    return csr


def as_indices(values: IndexLike, *, upper: int | None, what: str) -> npt.NDArray[np.int64]:
    """Return ``values`` as a 1-D int64 array of indices in ``[0, upper)``.

    ``upper=None`` only checks that indices are non-negative (cold users may exceed the
    fitted range). Raises :class:`UnknownIdError` for an index out of range.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    array = np.atleast_1d(np.asarray(values))
    if array.ndim != 1:
        raise InvalidInputError(f"{what} must be an int or a 1-D sequence, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"{what} must be integers, got dtype {array.dtype}")
    array = array.astype(np.int64, copy=False)
    if array.size and array.min() < 0:
        raise UnknownIdError(f"negative {what} index {int(array.min())}")
    if upper is not None and array.size and array.max() >= upper:
        raise UnknownIdError(f"{what} index {int(array.max())} out of range (< {upper})")
    return array


def check_finite(name: str, tensor: torch.Tensor) -> None:
    """Raise if a fitted tensor holds NaN or inf (a diverged fit, a corrupt file)."""
    if not bool(torch.isfinite(tensor).all()):
        raise InvalidInputError(f"{name} contains NaN or infinite values")
