"""Metric values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommender import InvalidInputError
from recommender.evaluation import coverage, evaluate, ranking_metrics

# User 0 likes items {1, 3}; user 1 likes item {2}.
RELEVANT = sp.csr_matrix((np.ones(3, np.float32), ([0, 0, 1], [1, 3, 2])), shape=(2, 6))
TOP = np.array([[3, 0, 1], [0, 1, 5]])
USERS = np.array([0, 1])


def test_ranking_metrics_match_hand_computation() -> None:
    metrics = ranking_metrics(TOP, USERS, RELEVANT, k=3)
    ideal = 1 + 1 / math.log2(3)
    np.testing.assert_allclose(metrics["recall@3"], [1.0, 0.0])
    np.testing.assert_allclose(metrics["ndcg@3"], [(1 + 1 / math.log2(4)) / ideal, 0.0])
    np.testing.assert_allclose(metrics["map@3"], [(1 / 1 + 2 / 3) / 2, 0.0])


def test_metrics_at_one() -> None:
    metrics = ranking_metrics(TOP, USERS, RELEVANT, k=1)
    np.testing.assert_allclose(metrics["recall@1"], [0.5, 0.0])
    np.testing.assert_allclose(metrics["ndcg@1"], [1.0, 0.0])
    np.testing.assert_allclose(metrics["map@1"], [1.0, 0.0])


def test_padding_is_never_a_hit() -> None:
    top = np.array([[-1, -1, 1]])
    metrics = ranking_metrics(top, np.array([0]), RELEVANT, k=3)
    np.testing.assert_allclose(metrics["recall@3"], [0.5])


def test_coverage_counts_distinct_items() -> None:
    assert coverage(TOP, n_items=6, k=3) == pytest.approx(4 / 6)
    assert coverage(np.array([[-1, 2]]), n_items=4, k=2) == pytest.approx(1 / 4)


def test_metrics_reject_bad_shapes_and_users_without_relevant_items() -> None:
    with pytest.raises(InvalidInputError):
        ranking_metrics(TOP[:, :2], USERS, RELEVANT, k=3)
    empty = sp.csr_matrix((2, 6), dtype=np.float32)
    with pytest.raises(InvalidInputError):
        ranking_metrics(TOP, USERS, empty, k=3)


class FixedRanker:
    def top_k(self, users: np.ndarray, train: sp.csr_matrix, k: int) -> np.ndarray:
        return TOP[users, :k]


def test_evaluate_averages_over_users_with_test_items() -> None:
    train = sp.csr_matrix((2, 6), dtype=np.float32)
    results = evaluate(FixedRanker(), train, RELEVANT, ks=(3,))
    assert results["recall@3"] == pytest.approx(0.5)
    assert results["coverage@3"] == pytest.approx(4 / 6)
