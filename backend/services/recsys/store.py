"""The served model: the newest version on disk, swapped in without a restart."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scipy.sparse as sp

from backend.services.recsys.training import MATRIX_FILE, TRAINING_FILE, version_of
from recommender import IdMapping, Recommender, load_model


@dataclass(frozen=True)
class ServedModel:
    version: int
    model: Recommender[Any]
    users: IdMapping
    items: IdMapping
    user_items: sp.csr_matrix
    meta: dict[str, Any]


class ModelStore:
    """Looks for a newer version at most once per request (a directory listing) and loads it
    before swapping; requests in flight keep the model they started with."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._served: ServedModel | None = None
        self._lock = threading.Lock()

    def current(self) -> ServedModel | None:
        newest = self._newest()
        served = self._served
        if newest is None or (served is not None and version_of(newest) <= served.version):
            return served
        with self._lock:
            if self._served is None or version_of(newest) > self._served.version:
                self._served = _load(newest)
            return self._served

    def _newest(self) -> Path | None:
        if not self.models_dir.is_dir():
            return None
        versions = [p for p in self.models_dir.glob("v*") if version_of(p) > 0]
        return max(versions, key=version_of, default=None)


def _load(directory: Path) -> ServedModel:
    loaded = load_model(directory)
    assert loaded.users is not None and loaded.items is not None, "saved without id mappings"
    return ServedModel(
        version=version_of(directory),
        model=loaded.model,
        users=loaded.users,
        items=loaded.items,
        user_items=sp.load_npz(directory / MATRIX_FILE).tocsr(),
        meta=json.loads((directory / TRAINING_FILE).read_text()),
    )
