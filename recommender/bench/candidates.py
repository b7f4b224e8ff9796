"""The models compared on MovieLens and the hyper-parameter grid each one searches."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.bench.peers import ImplicitRanker, OursRanker
from recommender.models import BPR, EASE, IALS, BPRConfig, EASEConfig, IALSConfig, Popularity


class FittableRanker(Protocol):
    def fit(self, train: sp.csr_matrix) -> FittableRanker: ...

    def top_k(
        self, users: npt.NDArray[np.int64], train: sp.csr_matrix, k: int
    ) -> npt.NDArray[np.int64]: ...


@dataclass(frozen=True)
class Candidate:
    """A model to compare: ``build(params, seed)`` makes an unfitted ranker."""

    name: str
    ours: bool
    grid: dict[str, list[Any]]
    build: Callable[[dict[str, Any], int], FittableRanker]

    def search_space(self, budget: int, seed: int = 0) -> list[dict[str, Any]]:
        """``budget`` distinct configurations drawn at random from the grid."""
        keys = sorted(self.grid)
        combos = [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*(self.grid[k] for k in keys))
        ]
        return random.Random(seed).sample(combos, min(budget, len(combos)))


Grid = dict[str, list[Any]]
ALS_GRID: Grid = {
    "factors": [64, 128],
    "regularization": [0.1, 1.0, 10.0],
    "alpha": [1.0, 5.0, 20.0],
}

BPR_GRID: Grid = {
    "factors": [64, 128],
    "learning_rate": [0.005, 0.01, 0.05],
    "regularization": [1e-5, 1e-4, 1e-3],
    "epochs": [30, 60],
}
IMPLICIT_BPR_GRID: Grid = {
    "factors": [64, 128],
    "learning_rate": [0.005, 0.01, 0.05],
    "regularization": [0.001, 0.01, 0.1],
    "iterations": [100, 300],
}
EASE_GRID: Grid = {"regularization": [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]}


def _ours(factory: Callable[..., Any], config: Callable[..., Any]) -> Callable[..., OursRanker]:
    def build(params: dict[str, Any], seed: int) -> OursRanker:
        return OursRanker(factory(config(**params, seed=seed, num_threads=2)))

    return build


def _peer(kind: str) -> Callable[[dict[str, Any], int], ImplicitRanker]:
    return lambda params, seed: ImplicitRanker(kind, params, seed=seed)


def candidates() -> list[Candidate]:
    """Ours first, then the peers; popularity counts as a peer (the floor to beat)."""
    return [
        Candidate("iALS (ours, CG)", True, ALS_GRID, _ours(IALS, IALSConfig)),
        Candidate("BPR (ours)", True, BPR_GRID, _ours(BPR, BPRConfig)),
        Candidate("EASE (ours)", True, EASE_GRID, _ours(EASE, EASEConfig)),
        Candidate("implicit ALS", False, ALS_GRID, _peer("als")),
        Candidate("implicit BPR", False, IMPLICIT_BPR_GRID, _peer("bpr")),
        Candidate(
            "popularity", False, {"-": [None]}, lambda params, seed: OursRanker(Popularity())
        ),
    ]


def exact_variant() -> Candidate:
    """iALS with exact Cholesky solves, run with the CG variant's best configuration."""

    def build(params: dict[str, Any], seed: int) -> OursRanker:
        return OursRanker(IALS(IALSConfig(**params, solver="cholesky", seed=seed, num_threads=2)))

    return Candidate("iALS (ours, exact)", True, ALS_GRID, build)
