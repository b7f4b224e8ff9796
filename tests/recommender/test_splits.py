"""Per-user random and temporal hold-out splits, and the synthetic generator."""

from __future__ import annotations

import numpy as np
import pytest

from recommender import Interactions, InvalidInputError
from recommender.data.synthetic import SyntheticConfig, generate
from recommender.evaluation import random_holdout, temporal_holdout


def _data() -> Interactions:
    # User 0: 10 items at times 0..9; user 1: 5 items; user 2: a single item.
    users = [0] * 10 + [1] * 5 + [2]
    items = list(range(10)) + list(range(5)) + [3]
    times = list(range(10)) + [50, 40, 30, 20, 10] + [0]
    return Interactions.from_arrays(users, items, np.ones(16), times)


def _pairs(data: Interactions) -> set[tuple[int, int]]:
    return set(zip(data.users.tolist(), data.items.tolist(), strict=True))


def test_random_holdout_partitions_each_user() -> None:
    data = _data()
    split = random_holdout(data, test_fraction=0.2, seed=1)
    assert _pairs(split.train) | _pairs(split.test) == _pairs(data)
    assert not _pairs(split.train) & _pairs(split.test)
    assert np.bincount(split.test.users, minlength=3).tolist() == [2, 1, 0]


def test_random_holdout_depends_only_on_seed() -> None:
    data = _data()
    assert _pairs(random_holdout(data, seed=4).test) == _pairs(random_holdout(data, seed=4).test)
    tests = {frozenset(_pairs(random_holdout(data, seed=s).test)) for s in range(5)}
    assert len(tests) > 1


def test_temporal_holdout_takes_the_latest_interactions() -> None:
    split = temporal_holdout(_data(), test_fraction=0.2)
    assert _pairs(split.test) == {(0, 8), (0, 9), (1, 0)}


def test_split_rejects_bad_fraction() -> None:
    with pytest.raises(InvalidInputError):
        random_holdout(_data(), test_fraction=1.0)


def test_synthetic_generator_is_skewed_and_seeded() -> None:
    config = SyntheticConfig(n_users=2000, n_items=3000, n_interactions=20_000, seed=2)
    data = generate(config)
    assert 0.85 * 20_000 < len(data) <= 1.1 * 20_000
    per_item = np.sort(np.bincount(data.items, minlength=3000))[::-1]
    assert per_item[:30].sum() > 3 * per_item[-30:].sum()
    assert _pairs(generate(config)) == _pairs(data)
