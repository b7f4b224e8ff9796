"""Bayesian personalised ranking (Rendle et al. 2009) with a torch matrix factorisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import torch
from torch import nn

from recommender.config import ModelConfig
from recommender.models.factors import FactorModel
from recommender.threads import torch_threads
from recommender.validation import check_finite


@dataclass(frozen=True)
class BPRConfig(ModelConfig):
    """Options of :class:`BPR`.

    Each epoch draws ``nnz`` (user, positive, negative) triples, negatives uniformly among
    the user's unseen items, and takes Adam steps of ``batch_size`` triples on
    ``-log σ(s_up - s_un)`` plus ``regularization`` × the squared norms of the batch rows.
    """

    factors: int = 64
    learning_rate: float = 0.01
    regularization: float = 1e-4
    epochs: int = 30
    batch_size: int = 4096
    init_scale: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("factors", "learning_rate", "epochs", "batch_size", "init_scale"):
            self._positive(name, getattr(self, name))
        self._non_negative("regularization", self.regularization)


class BPRModule(nn.Module):
    """User and item embeddings plus an item bias.

    ``forward(users (N,), items (N,))`` returns scores of shape ``(N,)``.
    """

    def __init__(
        self, n_users: int, n_items: int, factors: int, scale: float, generator: torch.Generator
    ) -> None:
        super().__init__()
        self.users = nn.Parameter(torch.randn(n_users, factors, generator=generator) * scale)
        self.items = nn.Parameter(torch.randn(n_items, factors, generator=generator) * scale)
        self.bias = nn.Parameter(torch.zeros(n_items))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        # index_select's backward (index_add) is far faster on CPU than advanced indexing's.
        chosen_users = self.users.index_select(0, users)
        chosen_items = self.items.index_select(0, items)
        return (chosen_users * chosen_items).sum(1) + self.bias.index_select(0, items)


class BPR(FactorModel[BPRConfig]):
    """BPR matrix factorisation; the item bias is folded into the factors for serving.

    ``user_factors`` is ``[U, 1]`` and ``item_factors`` ``[V, b]``, shape ``(·, factors + 1)``.
    """

    name = "bpr"
    config_class = BPRConfig

    def _fit(self, matrix: sp.csr_matrix) -> None:
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        n_users, n_items = matrix.shape
        generator = torch.Generator().manual_seed(cfg.seed)
        module = BPRModule(n_users, n_items, cfg.factors, cfg.init_scale, generator)
        optimizer = torch.optim.Adam(module.parameters(), lr=cfg.learning_rate)
        users = np.repeat(np.arange(n_users), np.diff(matrix.indptr))
        positives = matrix.indices.astype(np.int64)
        known = np.sort(users * n_items + positives)
        with torch_threads(1):
            for _ in range(cfg.epochs):
                order = rng.permutation(len(users))
                for start in range(0, len(order), cfg.batch_size):
                    batch = order[start : start + cfg.batch_size]
                    negatives = _negatives(rng, users[batch], known, n_items)
                    self._step(module, optimizer, users[batch], positives[batch], negatives)
        with torch.no_grad():
            ones = torch.ones(n_users, 1)
            self.user_factors = torch.cat([module.users, ones], 1).contiguous()
            self.item_factors = torch.cat([module.items, module.bias[:, None]], 1).contiguous()
        check_finite("user_factors", self.user_factors)
        check_finite("item_factors", self.item_factors)

    def _step(
        self,
        module: BPRModule,
        optimizer: torch.optim.Optimizer,
        users: npt.NDArray[np.int64],
        positives: npt.NDArray[np.int64],
        negatives: npt.NDArray[np.int64],
    ) -> None:
        u, p, n = (torch.from_numpy(a) for a in (users, positives, negatives))
        difference = module(u, p) - module(u, n)
        penalty = (
            module.users.index_select(0, u).pow(2).sum()
            + module.items.index_select(0, p).pow(2).sum()
            + module.items.index_select(0, n).pow(2).sum()
        )
        loss = -nn.functional.logsigmoid(difference).sum() + self.config.regularization * penalty
        optimizer.zero_grad(set_to_none=True)
        (loss / len(users)).backward()  # type: ignore[no-untyped-call]
        optimizer.step()


def _negatives(
    rng: np.random.Generator,
    users: npt.NDArray[np.int64],
    known: npt.NDArray[np.int64],
    n_items: int,
    rounds: int = 5,
) -> npt.NDArray[np.int64]:
    """Uniform items per user, redrawn (a few times) where the pair is a known positive."""
    negatives = rng.integers(0, n_items, size=len(users))
    for _ in range(rounds):
        keys = users * n_items + negatives
        position = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        clash = known[position] == keys
        if not clash.any():
            break
        negatives[clash] = rng.integers(0, n_items, size=int(clash.sum()))
    return negatives
