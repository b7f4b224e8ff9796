"""Adapters giving ``implicit``'s models the same fit/top-k interface as ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recommender.base import Recommender
from recommender.evaluation.harness import ModelRanker


@dataclass
class ImplicitRanker:
    """An ``implicit`` model (``kind`` "als" or "bpr") built from ``params``.

    BLAS is limited to one thread while fitting, as ``implicit`` itself recommends; its own
    ``num_threads`` workers do the parallel work.
    """

    kind: str
    params: dict[str, Any]
    seed: int = 0
    threads: int = 2
    model: Any = field(default=None, init=False)

    def fit(self, train: sp.csr_matrix) -> ImplicitRanker:
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        model_class = AlternatingLeastSquares if self.kind == "als" else BayesianPersonalizedRanking
        self.model = model_class(**self.params, num_threads=self.threads, random_state=self.seed)
        with threadpool_limits(1, "blas"):
            self.model.fit(train, show_progress=False)
        return self

    def top_k(
        self, users: npt.NDArray[np.int64], train: sp.csr_matrix, k: int
    ) -> npt.NDArray[np.int64]:
        items, _ = self.model.recommend(users, train[users], N=k, filter_already_liked_items=True)
        return np.asarray(items, dtype=np.int64)


@dataclass
class OursRanker:
    """One of our :class:`Recommender` models behind the same interface as the peers."""

    model: Recommender[Any]

    def fit(self, train: sp.csr_matrix) -> OursRanker:
        self.model.fit(train)
        return self

    def top_k(
        self, users: npt.NDArray[np.int64], train: sp.csr_matrix, k: int
    ) -> npt.NDArray[np.int64]:
        return ModelRanker(self.model).top_k(users, train, k)
