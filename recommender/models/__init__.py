"""Every model implementing :class:`recommender.base.Recommender`, by saved name."""

from __future__ import annotations

from typing import Any

from recommender.base import Recommender
from recommender.models.bpr import BPR, BPRConfig
from recommender.models.ease import EASE, EASEConfig
from recommender.models.ials import IALS, IALSConfig
from recommender.models.popularity import Popularity, PopularityConfig

MODELS: dict[str, type[Recommender[Any]]] = {
    model.name: model for model in (IALS, BPR, EASE, Popularity)
}

__all__ = [
    "BPR",
    "EASE",
    "IALS",
    "MODELS",
    "BPRConfig",
    "EASEConfig",
    "IALSConfig",
    "Popularity",
    "PopularityConfig",
]
