"""Typed configuration shared by every model."""

from __future__ import annotations

from dataclasses import dataclass

from recommender.errors import InvalidInputError


@dataclass(frozen=True)
class ModelConfig:
    """Options common to every model.

    ``seed`` makes fitting reproducible; ``num_threads`` > 0 sets torch's intra-op threads
    while fitting (0 leaves torch's default).
    """

    seed: int = 0
    num_threads: int = 0

    def __post_init__(self) -> None:
        if self.num_threads < 0:
            raise InvalidInputError(f"num_threads must be >= 0, got {self.num_threads}")

    @staticmethod
    def _positive(name: str, value: float) -> None:
        if not value > 0:
            raise InvalidInputError(f"{name} must be > 0, got {value}")

    @staticmethod
    def _non_negative(name: str, value: float) -> None:
        if not value >= 0:
            raise InvalidInputError(f"{name} must be >= 0, got {value}")
