"""EASE: a closed-form item-item linear autoencoder (Steck 2019)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from recommender.base import Recommender
from recommender.config import ModelConfig
from recommender.errors import InvalidInputError, ModelFileError


@dataclass(frozen=True)
class EASEConfig(ModelConfig):
    """Options of :class:`EASE`.

    ``regularization`` is λ on the item Gram matrix; ``max_items`` refuses catalogues whose
    dense ``(n_items, n_items)`` weights would not fit (20k items use 1.6 GB in float32).
    ``binarize`` fits on 0/1 presence instead of event weights.
    """

    regularization: float = 500.0
    max_items: int = 20_000
    binarize: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self._positive("regularization", self.regularization)
        self._positive("max_items", self.max_items)


class EASE(Recommender[EASEConfig]):
    """Scores ``history @ B`` with ``B`` (shape ``(n_items, n_items)``, zero diagonal).

    Being item-based, it scores from the ``user_items`` passed to ``recommend``; a user
    without rows there gets popularity instead.
    """

    name = "ease"
    config_class = EASEConfig
    weights: torch.Tensor

    def _fit(self, matrix: sp.csr_matrix) -> None:
        """``B = I - P / diag(P)`` with ``P = (XᵀX + λI)⁻¹``, computed in float64."""
        if matrix.shape[1] > self.config.max_items:
            raise InvalidInputError(
                f"EASE needs a dense {matrix.shape[1]}² matrix; max_items is "
                f"{self.config.max_items}"
            )
        x = self._prepare(matrix)
        gram = torch.from_numpy((x.T @ x).toarray().astype(np.float64))
        gram.diagonal().add_(self.config.regularization)
        inverse = torch.linalg.inv(gram)
        weights = -inverse / inverse.diagonal()
        weights.diagonal().zero_()
        self.weights = weights.float()

    def _prepare(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        if not self.config.binarize:
            return matrix
        binary = matrix.copy()
        binary.data[:] = 1.0
        return binary

    def _score(self, users: torch.Tensor, history: sp.csr_matrix) -> torch.Tensor:
        """``history`` (B, n_items) times ``B``: shape ``(B, n_items)``."""
        rows = self._prepare(sp.csr_matrix(history))
        dense = torch.from_numpy(rows.toarray())
        scores = dense @ self.weights
        empty = torch.from_numpy(np.diff(rows.indptr) == 0)
        if bool(empty.any()):
            scores[empty] = self.item_popularity
        return scores

    def _similarity(self, item: int) -> torch.Tensor:
        """Row ``item`` of ``B``: how strongly ``item`` predicts each item; shape (n_items,)."""
        return self.weights[item]

    def tensors(self) -> dict[str, torch.Tensor]:
        """The item-item weights ``B``."""
        return {"weights": self.weights}

    def _load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        weights = tensors.get("weights")
        if weights is None or tuple(weights.shape) != (self.n_items, self.n_items):
            raise ModelFileError(f"EASE weights must have shape ({self.n_items}, {self.n_items})")
        self.weights = weights.float()
