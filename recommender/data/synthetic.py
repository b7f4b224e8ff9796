"""Synthetic interactions with power-law item popularity and user activity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.errors import InvalidInputError
from recommender.interactions import Interactions


@dataclass(frozen=True)
class SyntheticConfig:
    """Size and skew of a synthetic data set.

    Item ``r`` (by popularity rank) is drawn with probability ``∝ (r + 1) ** -item_exponent``;
    user activity follows a Pareto law with shape ``user_shape`` (smaller: heavier tail).
    """

    n_users: int = 200_000
    n_items: int = 50_000
    n_interactions: int = 10_000_000
    item_exponent: float = 0.8
    user_shape: float = 1.5
    seed: int = 0


def generate(config: SyntheticConfig) -> Interactions:
    """Draw about ``n_interactions`` distinct (user, item) pairs (duplicates are merged)."""
    if min(config.n_users, config.n_items, config.n_interactions) <= 0:
        raise InvalidInputError("synthetic sizes must be > 0")
    rng = np.random.default_rng(config.seed)
    # Oversample slightly: repeated draws of popular pairs collapse when aggregated.
    draws = int(config.n_interactions * 1.08)
    activity = rng.pareto(config.user_shape, config.n_users) + 1.0
    users = rng.choice(config.n_users, size=draws, p=activity / activity.sum())
    popularity = (np.arange(config.n_items) + 1.0) ** -config.item_exponent
    items = rng.permutation(config.n_items)[
        rng.choice(config.n_items, size=draws, p=popularity / popularity.sum())
    ]
    return Interactions.from_arrays(
        users, items, np.ones(draws, np.float32), np.arange(draws, dtype=np.float64),
        n_users=config.n_users, n_items=config.n_items,
    )
