"""Per-user train/test splits: random hold-out and temporal (last interactions held out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.errors import InvalidInputError
from recommender.interactions import Interactions


@dataclass(frozen=True)
class Split:
    """Disjoint train and test interactions over the same users and items."""

    train: Interactions
    test: Interactions


def random_holdout(data: Interactions, *, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Hold out ``round(test_fraction * k)`` random interactions of each user with k ≥ 2.

    At least one interaction of such a user is held out and at least one stays in train;
    users with a single interaction stay entirely in train.
    """
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(data)), data.users))
    return _split_by_position(data, order, test_fraction, hold_last=False)


def temporal_holdout(data: Interactions, *, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Hold out each user's most recent ``round(test_fraction * k)`` interactions.

    Ties in timestamp are broken at random (``seed``) so the split stays reproducible.
    """
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(data)), data.timestamps, data.users))
    return _split_by_position(data, order, test_fraction, hold_last=True)


def _split_by_position(
    data: Interactions, order: npt.NDArray[np.int64], test_fraction: float, *, hold_last: bool
) -> Split:
    if not 0 < test_fraction < 1:
        raise InvalidInputError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if len(data) == 0:
        raise InvalidInputError("cannot split empty interactions")
    counts = np.bincount(data.users, minlength=data.n_users)
    n_test = np.where(counts >= 2, np.maximum(1, np.rint(counts * test_fraction)), 0)
    n_test = np.minimum(n_test, np.maximum(counts - 1, 0)).astype(np.int64)
    users = data.users[order]
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(order)) - first[users]
    held = position >= counts[users] - n_test[users] if hold_last else position < n_test[users]
    test_mask = np.zeros(len(data), dtype=bool)
    test_mask[order[held]] = True
    return Split(data.subset(~test_mask), data.subset(test_mask))
