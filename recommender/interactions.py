"""User–item events, their weights, and the sparse matrix the models are fitted on."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.errors import InvalidInputError
from recommender.ids import IdMapping


class EventKind(StrEnum):
    """What a user did with a work; each kind has a configurable weight."""

    PURCHASE = "purchase"
    LIKE = "like"
    PLAY = "play"
    VIEW = "view"
    RATING = "rating"


@dataclass(frozen=True)
class EventWeights:
    """Weight of one event of each kind; a licence purchase is the strongest signal.

    ``rating`` is a weight per rating point (a 5-star rating weighs ``5 * rating``).
    """

    purchase: float = 10.0
    like: float = 3.0
    play: float = 2.0
    view: float = 1.0
    rating: float = 0.5

    def __post_init__(self) -> None:
        for kind in EventKind:
            value = getattr(self, kind.value)
            if not math.isfinite(value) or value <= 0:
                raise InvalidInputError(f"weight of {kind.value!r} must be > 0, got {value}")

    def weight_of(self, kind: EventKind, value: float | None) -> float:
        """Weight of one event: the kind's weight times ``value`` (a rating, a play count)."""
        if kind is EventKind.RATING and value is None:
            raise InvalidInputError("a rating event needs its rating as `weight`")
        factor = 1.0 if value is None else float(value)
        if not math.isfinite(factor) or factor <= 0:
            raise InvalidInputError(f"event weight must be finite and > 0, got {value!r}")
        return float(getattr(self, kind.value)) * factor


@dataclass(frozen=True)
class Event:
    """One interaction as the backend records it; ``weight`` scales the kind's weight."""

    user_id: str
    item_id: str
    kind: EventKind | str
    weight: float | None = None
    timestamp: float = 0.0


@dataclass(frozen=True)
class Interactions:
    """Aggregated (user, item) pairs: one entry per pair, weights summed, last timestamp kept.

    All arrays have shape ``(nnz,)``; ``users < n_users`` and ``items < n_items``.
    """

    users: npt.NDArray[np.int64]
    items: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    timestamps: npt.NDArray[np.float64]
    n_users: int
    n_items: int

    def __len__(self) -> int:
        return int(self.users.shape[0])

    def to_csr(self) -> sp.csr_matrix:
        """User × item CSR matrix of shape ``(n_users, n_items)`` holding the weights."""
        matrix = sp.csr_matrix(
            (self.weights, (self.users, self.items)),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        matrix.sum_duplicates()
        matrix.sort_indices()
        return matrix

    def subset(self, mask: npt.NDArray[np.bool_]) -> Interactions:
        """Entries where ``mask`` (shape ``(nnz,)``) is true, same matrix shape."""
        return Interactions(
            self.users[mask],
            self.items[mask],
            self.weights[mask],
            self.timestamps[mask],
            self.n_users,
            self.n_items,
        )

    @classmethod
    def from_arrays(
        cls,
        users: npt.ArrayLike,
        items: npt.ArrayLike,
        weights: npt.ArrayLike,
        timestamps: npt.ArrayLike | None = None,
        *,
        n_users: int | None = None,
        n_items: int | None = None,
    ) -> Interactions:
        """Aggregate raw index arrays (duplicates summed) after validating them."""
        u = np.asarray(users, dtype=np.int64)
        i = np.asarray(items, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float32)
        t = np.zeros(u.shape, np.float64) if timestamps is None else np.asarray(timestamps, "f8")
        if {a.ndim for a in (u, i, w, t)} != {1} or len({len(a) for a in (u, i, w, t)}) != 1:
            raise InvalidInputError("users, items, weights, timestamps must be 1-D, equal length")
        if not np.isfinite(w).all() or (w <= 0).any():
            raise InvalidInputError("weights must be finite and > 0")
        if (u < 0).any() or (i < 0).any():
            raise InvalidInputError("user and item indices must be >= 0")
        n_u = int(u.max(initial=-1)) + 1 if n_users is None else n_users
        n_i = int(i.max(initial=-1)) + 1 if n_items is None else n_items
        if (u >= n_u).any() or (i >= n_i).any():
            raise InvalidInputError("an index is out of range for n_users/n_items")
        key = u * n_i + i
        uniq, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=w, minlength=len(uniq)).astype(np.float32)
        last = np.full(len(uniq), -np.inf)
        np.maximum.at(last, inverse, t)
        return cls(uniq // n_i, uniq % n_i, summed, last, n_u, n_i)


@dataclass
class InteractionBuilder:
    """Turns :class:`Event` records into :class:`Interactions` with stable id mappings.

    Pass the mappings saved with a model to keep its indices: new ids are appended.
    """

    users: IdMapping = field(default_factory=lambda: IdMapping("address"))
    items: IdMapping = field(default_factory=lambda: IdMapping("work_id"))
    weights: EventWeights = field(default_factory=EventWeights)
    _rows: list[tuple[int, int, float, float]] = field(default_factory=list)

    def add(self, event: Event) -> None:
        """Record one event; raise :class:`InvalidInputError` on a bad kind or weight."""
        try:
            kind = EventKind(event.kind)
        except ValueError:
            raise InvalidInputError(f"unknown event kind {event.kind!r}") from None
        weight = self.weights.weight_of(kind, event.weight)
        if not math.isfinite(event.timestamp):
            raise InvalidInputError(f"timestamp must be finite, got {event.timestamp!r}")
        user, item = self.users.add(event.user_id), self.items.add(event.item_id)
        self._rows.append((user, item, weight, float(event.timestamp)))

    def add_many(self, events: Iterable[Event]) -> None:
        """Record every event of ``events``."""
        for event in events:
            self.add(event)

    def build(self) -> Interactions:
        """Aggregate the recorded events; the shape covers every id seen so far."""
        columns = list(zip(*self._rows, strict=True)) if self._rows else [(), (), (), ()]
        return Interactions.from_arrays(*columns, n_users=len(self.users), n_items=len(self.items))
