"""Shared scoring and storage for matrix-factorisation models."""

from __future__ import annotations

from typing import TypeVar

import scipy.sparse as sp
import torch

from recommender.base import Recommender
from recommender.config import ModelConfig
from recommender.errors import ModelFileError

ConfigT = TypeVar("ConfigT", bound=ModelConfig)


class FactorModel(Recommender[ConfigT]):
    """A model scoring ``user_factors[u] · item_factors[i]``.

    ``user_factors`` has shape ``(n_users, factors)``, ``item_factors`` ``(n_items, factors)``,
    both float32.
    """

    user_factors: torch.Tensor
    item_factors: torch.Tensor

    def _score(self, users: torch.Tensor, history: sp.csr_matrix) -> torch.Tensor:
        """Dot products, shape ``(B, n_items)``."""
        return self.user_factors[users] @ self.item_factors.T

    def _similarity(self, item: int) -> torch.Tensor:
        """Cosine similarity of item factors, shape ``(n_items,)``."""
        norms: torch.Tensor = self.item_factors.norm(dim=1).clamp_min(1e-12)
        similarity: torch.Tensor = self.item_factors @ self.item_factors[item]
        return similarity / (norms * norms[item])

    def tensors(self) -> dict[str, torch.Tensor]:
        """``user_factors`` and ``item_factors``."""
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        users, items = tensors.get("user_factors"), tensors.get("item_factors")
        if users is None or items is None:
            raise ModelFileError("weights lack user_factors or item_factors")
        if (
            users.shape[0] != self.n_users
            or items.shape[0] != self.n_items
            or (users.shape[1] != items.shape[1])
        ):
            raise ModelFileError(
                f"factor shapes {tuple(users.shape)}, {tuple(items.shape)} do not match "
                f"{self.n_users} users x {self.n_items} items"
            )
        self.user_factors, self.item_factors = users.float(), items.float()
