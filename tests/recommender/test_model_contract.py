"""One contract, run against every model on a block-structured case with a known answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from conftest import BlockCase

from recommender import (
    BPR,
    EASE,
    IALS,
    BPRConfig,
    EASEConfig,
    IALSConfig,
    IdMapping,
    InvalidInputError,
    ModelFileError,
    NotFittedError,
    Popularity,
    Recommender,
    UnknownIdError,
    load_model,
)


class ModelContract:
    """Behaviour every :class:`Recommender` must show; subclasses say how to build one.

    Factor models get as many factors as the case has blocks, so the best fit is the block
    structure itself and the one unseen item of a user's block must come first.
    """

    personalised: ClassVar[bool] = True

    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, block_case: BlockCase) -> Recommender[Any]:
        return cls.make().fit(block_case.matrix)

    def test_recommend_ranks_held_out_item_first(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        users = np.arange(block_case.matrix.shape[0])
        recs = fitted.recommend(users, block_case.matrix, n=1)
        if self.personalised:
            np.testing.assert_array_equal(recs.items[:, 0], block_case.held_out)
        else:
            unseen = block_case.matrix.toarray() == 0
            best = np.where(unseen, fitted.item_popularity.numpy(), -1).max(1)
            np.testing.assert_allclose(recs.scores[:, 0], best)

    def test_recommend_filters_seen_items(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        recs = fitted.recommend(0, block_case.matrix, n=block_case.matrix.shape[1])
        seen = set(block_case.matrix[0].indices.tolist())
        returned = {item for item, _ in recs.row(0)}
        assert returned.isdisjoint(seen)
        assert len(returned) == block_case.matrix.shape[1] - len(seen)

    def test_recommend_keeps_seen_items_without_filter(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        n_items = block_case.matrix.shape[1]
        recs = fitted.recommend(0, block_case.matrix, n=n_items, filter_already_liked=False)
        assert sorted(recs.items[0].tolist()) == list(range(n_items))

    def test_recommend_honours_exclusions_and_candidates(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        held = int(block_case.held_out[0])
        candidates = [held, 17, 16, 15]
        recs = fitted.recommend(
            0, block_case.matrix, n=10, exclude_items=[held], candidate_items=candidates
        )
        assert {item for item, _ in recs.row(0)} == {15, 16, 17}
        assert recs.items.shape == (1, len(candidates))
        assert recs.items[0, 3] == -1 and np.isneginf(recs.scores[0, 3])

    def test_recommend_scores_are_sorted(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        recs = fitted.recommend([0, 1, 2], block_case.matrix, n=5)
        assert (np.diff(recs.scores, axis=1) <= 1e-6).all()

    def test_cold_user_gets_popular_items(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        cold = block_case.matrix.shape[0] + 5
        recs = fitted.recommend(cold, block_case.matrix, n=3, exclude_items=[17])
        popularity = fitted.item_popularity.numpy().copy()
        popularity[17] = -1
        np.testing.assert_allclose(recs.scores[0], np.sort(popularity)[::-1][:3])

    def test_similar_items_excludes_the_item(self, fitted: Recommender[Any]) -> None:
        recs = fitted.similar_items(3, n=4)
        assert recs.items.shape == (1, 4)
        assert 3 not in recs.items[0]
        if self.personalised:
            assert set(recs.items[0].tolist()) <= set(range(6))

    def test_save_load_round_trip(
        self, fitted: Recommender[Any], block_case: BlockCase, tmp_path: Path
    ) -> None:
        users = IdMapping("opaque")
        users.extend(f"user-{u}" for u in range(block_case.matrix.shape[0]))
        fitted.save(tmp_path / "model", users=users)
        loaded = load_model(tmp_path / "model")
        assert type(loaded.model) is type(fitted) and loaded.model.config == fitted.config
        assert loaded.users is not None and loaded.users.ids == users.ids
        assert loaded.items is None
        before = fitted.recommend([0, 9], block_case.matrix, n=5)
        after = loaded.model.recommend([0, 9], block_case.matrix, n=5)
        np.testing.assert_array_equal(before.items, after.items)
        np.testing.assert_allclose(before.scores, after.scores, rtol=1e-6)
        assert type(fitted).load(tmp_path / "model").n_items == fitted.n_items

    def test_fit_is_reproducible_with_a_seed(self, block_case: BlockCase) -> None:
        first = self.make(seed=3).fit(block_case.matrix)
        second = self.make(seed=3).fit(block_case.matrix)
        for name, tensor in first.tensors().items():
            torch.testing.assert_close(tensor, second.tensors()[name])

    @pytest.mark.parametrize(
        "matrix",
        [
            sp.csr_matrix((0, 4), dtype=np.float32),
            sp.csr_matrix((3, 4), dtype=np.float32),
            sp.csr_matrix(np.array([[1.0, np.nan], [0.0, 1.0]], dtype=np.float32)),
            sp.csr_matrix(np.array([[1.0, -1.0], [0.0, 1.0]], dtype=np.float32)),
            np.ones((3, 3), dtype=np.float32),
        ],
        ids=["no-rows", "no-nonzeros", "nan", "negative", "dense"],
    )
    def test_fit_rejects_bad_matrices(self, matrix: Any) -> None:
        with pytest.raises(InvalidInputError):
            self.make().fit(matrix)

    def test_recommend_rejects_bad_input(
        self, fitted: Recommender[Any], block_case: BlockCase
    ) -> None:
        with pytest.raises(UnknownIdError):
            fitted.recommend(-1, block_case.matrix)
        with pytest.raises(UnknownIdError):
            fitted.recommend(0, block_case.matrix, candidate_items=[999])
        with pytest.raises(UnknownIdError):
            fitted.similar_items(999)
        with pytest.raises(InvalidInputError):
            fitted.recommend(0, block_case.matrix[:, :5])
        with pytest.raises(InvalidInputError):
            fitted.recommend([[0, 1]], block_case.matrix)
        with pytest.raises(InvalidInputError):
            fitted.recommend(0, block_case.matrix, n=0)

    def test_unfitted_model_raises(self, tmp_path: Path) -> None:
        with pytest.raises(NotFittedError):
            self.make().recommend(0)
        with pytest.raises(ModelFileError):
            type(self.make()).load(tmp_path / "missing")


class TestIALSConjugateGradient(ModelContract):
    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        return IALS(IALSConfig(factors=3, regularization=1.0, alpha=10.0, iterations=8, seed=seed))


class TestIALSCholesky(ModelContract):
    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        return IALS(
            IALSConfig(
                factors=3,
                regularization=1.0,
                alpha=10.0,
                iterations=8,
                solver="cholesky",
                seed=seed,
            )
        )


class TestBPR(ModelContract):
    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        return BPR(
            BPRConfig(
                factors=3,
                epochs=300,
                batch_size=64,
                learning_rate=0.05,
                regularization=0.01,
                seed=seed,
            )
        )


class TestEASE(ModelContract):
    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        return EASE(EASEConfig(regularization=1.0, seed=seed))

    def test_rejects_catalogue_too_large(self, block_case: BlockCase) -> None:
        with pytest.raises(InvalidInputError, match="max_items"):
            EASE(EASEConfig(max_items=5)).fit(block_case.matrix)


class TestPopularity(ModelContract):
    personalised = False

    @classmethod
    def make(cls, seed: int = 0) -> Recommender[Any]:
        return Popularity()
