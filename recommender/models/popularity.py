"""Most-popular baseline: every user gets the items most users interacted with."""

from __future__ import annotations

from dataclasses import dataclass

import scipy.sparse as sp
import torch

from recommender.base import Recommender
from recommender.config import ModelConfig


@dataclass(frozen=True)
class PopularityConfig(ModelConfig):
    """The popularity baseline has no options beyond the common ones."""


class Popularity(Recommender[PopularityConfig]):
    """Scores every item by its number of distinct users in the training matrix."""

    name = "popularity"
    config_class = PopularityConfig

    def _fit(self, matrix: sp.csr_matrix) -> None:
        """Nothing to learn: :meth:`Recommender.fit` already counted item popularity."""

    def _score(self, users: torch.Tensor, history: sp.csr_matrix) -> torch.Tensor:
        """Popularity broadcast to shape ``(B, n_items)``."""
        return self.item_popularity.expand(len(users), -1).clone()

    def _similarity(self, item: int) -> torch.Tensor:
        """Popularity: without co-occurrence the best guess is what everyone likes."""
        return self.item_popularity

    def tensors(self) -> dict[str, torch.Tensor]:
        """Only ``item_popularity``, which the base class saves itself."""
        return {}

    def _load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Nothing beyond ``item_popularity``."""
