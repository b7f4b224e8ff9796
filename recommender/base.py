"""The interface every model implements: fit, recommend, similar_items, save and load."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Generic, Self, TypeVar

import numpy as np
import scipy.sparse as sp
import torch

from recommender.config import ModelConfig
from recommender.errors import InvalidInputError, ModelFileError, NotFittedError
from recommender.ids import IdMapping
from recommender.ranking import Recommendations, mask_items, top_k
from recommender.threads import torch_threads
from recommender.validation import IndexLike, as_indices, check_user_items

ConfigT = TypeVar("ConfigT", bound=ModelConfig)


class Recommender(ABC, Generic[ConfigT]):
    """Implicit-feedback recommender over a user × item matrix.

    Users and items are matrix indices (see :class:`~recommender.ids.IdMapping`). A user
    index ``>= n_users`` (someone who arrived after the fit) is *cold*: they are served the
    most popular items of the training matrix, still subject to every filter.
    """

    name: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]

    def __init__(self, config: ConfigT | None = None) -> None:
        self.config: ConfigT = config if config is not None else self._default_config()
        self.n_users = 0
        self.n_items = 0
        self.item_popularity = torch.zeros(0)

    @classmethod
    def _default_config(cls) -> ConfigT:
        return cls.config_class()  # type: ignore[return-value]

    # -- fitting -------------------------------------------------------------------------
    def fit(self, user_items: sp.csr_matrix) -> Self:
        """Fit on ``user_items`` (shape ``(n_users, n_items)``, weights > 0)."""
        matrix = check_user_items(user_items)
        self.n_users, self.n_items = matrix.shape
        counts = np.bincount(matrix.indices, minlength=self.n_items).astype(np.float32)
        self.item_popularity = torch.from_numpy(counts)
        with torch_threads(self.config.num_threads):
            self._fit(matrix)
        return self

    @abstractmethod
    def _fit(self, matrix: sp.csr_matrix) -> None:
        """Learn the model's tensors from a validated float32 CSR matrix."""

    @abstractmethod
    def _score(self, users: torch.Tensor, history: sp.csr_matrix) -> torch.Tensor:
        """Scores of shape ``(B, n_items)`` for warm ``users`` (shape ``(B,)``).

        ``history`` (shape ``(B, n_items)``) holds those users' interactions. The result must
        be a fresh tensor: filters are then applied to it in place.
        """

    @abstractmethod
    def _similarity(self, item: int) -> torch.Tensor:
        """Similarity of shape ``(n_items,)`` between ``item`` and every item."""

    @abstractmethod
    def tensors(self) -> dict[str, torch.Tensor]:
        """The fitted tensors, saved with safetensors."""

    @abstractmethod
    def _load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore the tensors returned by :meth:`tensors`."""

    # -- serving -------------------------------------------------------------------------
    def recommend(
        self,
        user_indices: IndexLike,
        user_items: sp.csr_matrix | None = None,
        n: int = 10,
        *,
        filter_already_liked: bool = True,
        exclude_items: IndexLike | None = None,
        candidate_items: IndexLike | None = None,
    ) -> Recommendations:
        """Top-``n`` items for each user of ``user_indices`` (an int or shape ``(B,)``).

        ``user_items`` is the full interaction matrix, rows indexed by user index (rows past
        its end count as empty); it provides the already-seen items to filter out and, for
        item-based models such as EASE, the history scored from. ``exclude_items`` are never
        returned; when ``candidate_items`` is given only those items may be returned.
        Returns :class:`Recommendations` with arrays of shape ``(B, min(n, C))``, ``C`` being
        the number of candidates (all items by default).
        """
        self._require_fitted()
        if n <= 0:
            raise InvalidInputError(f"n must be > 0, got {n}")
        users = as_indices(user_indices, upper=None, what="user")
        history = self._history(users, user_items)
        excluded = self._items_or_none(exclude_items, "excluded item")
        candidates = self._items_or_none(candidate_items, "candidate item")
        with torch.inference_mode():
            scores = self._scores_with_cold_start(users, history)
            mask_items(
                scores, seen=history if filter_already_liked else None, exclude_items=excluded
            )
            return top_k(scores, n, candidates)

    def similar_items(
        self, item: int, n: int = 10, *, candidate_items: IndexLike | None = None
    ) -> Recommendations:
        """The ``n`` items most similar to ``item`` (itself excluded), as one row."""
        self._require_fitted()
        (index,) = as_indices(item, upper=self.n_items, what="item")
        candidates = self._items_or_none(candidate_items, "candidate item")
        with torch.inference_mode():
            scores = self._similarity(int(index)).reshape(1, -1).clone()
            mask_items(scores, seen=None, exclude_items=np.array([index]))
            return top_k(scores, n, candidates)

    def _scores_with_cold_start(self, users: np.ndarray, history: sp.csr_matrix) -> torch.Tensor:
        warm = users < self.n_users
        if warm.all():
            return self._score(torch.from_numpy(users), history)
        scores = self.item_popularity.expand(len(users), -1).clone()
        if warm.any():
            rows = np.flatnonzero(warm)
            scores[torch.from_numpy(rows)] = self._score(
                torch.from_numpy(users[rows]), history[rows]
            )
        return scores

    def _history(self, users: np.ndarray, user_items: sp.csr_matrix | None) -> sp.csr_matrix:
        """Rows of ``user_items`` for ``users``, shape ``(B, n_items)``; missing rows empty."""
        if user_items is None:
            return sp.csr_matrix((len(users), self.n_items), dtype=np.float32)
        if not sp.issparse(user_items) or user_items.ndim != 2 or user_items.shape[0] == 0:
            raise InvalidInputError("user_items must be a non-empty 2-D scipy.sparse matrix")
        if user_items.shape[1] < self.n_items:
            raise InvalidInputError(
                f"user_items has {user_items.shape[1]} columns, the model {self.n_items}"
            )
        matrix = sp.csr_matrix(user_items)
        rows = matrix[np.minimum(users, matrix.shape[0] - 1)]
        beyond = users >= matrix.shape[0]
        if beyond.any():
            rows = sp.diags((~beyond).astype(np.float32)) @ rows
        rows = sp.csr_matrix(rows[:, : self.n_items], dtype=np.float32)
        rows.eliminate_zeros()
        return rows

    def _items_or_none(self, items: IndexLike | None, what: str) -> np.ndarray | None:
        return None if items is None else as_indices(items, upper=self.n_items, what=what)

    def _require_fitted(self) -> None:
        if self.n_items == 0:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or load()")

    # -- persistence ---------------------------------------------------------------------
    def save(
        self,
        directory: str | Path,
        *,
        users: IdMapping | None = None,
        items: IdMapping | None = None,
    ) -> Path:
        """Write weights (safetensors) and config + id mappings (JSON) into ``directory``."""
        from recommender.persistence import save_model

        self._require_fitted()
        return save_model(self, Path(directory), users=users, items=items)

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Load a model saved by :meth:`save`; raises if it is of another class."""
        from recommender.persistence import load_model

        model = load_model(Path(directory)).model
        if not isinstance(model, cls):
            raise ModelFileError(f"{directory} holds a {type(model).__name__}, not {cls.__name__}")
        return model
