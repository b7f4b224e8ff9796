"""MovieLens 100K, read from the installed ``recbole`` wheel (never copied into the repo)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from recommender.errors import RecommenderError
from recommender.ids import IdMapping
from recommender.interactions import Interactions

RELATIVE_PATH = Path("dataset_example/ml-100k/ml-100k.inter")


def movielens_path() -> Path:
    """Location of ``ml-100k.inter`` inside the installed recbole package."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or spec.origin is None:
        raise RecommenderError("MovieLens 100K needs `pip install --no-deps recbole==1.2.1`")
    path = Path(spec.origin).parent / RELATIVE_PATH
    if not path.exists():
        raise RecommenderError(f"{path} not found in the installed recbole package")
    return path


def load_movielens_100k(min_rating: float = 4.0) -> Interactions:
    """Ratings ``>= min_rating`` as implicit positives of weight 1, with timestamps.

    Users and items are re-indexed in order of appearance; users without a positive drop out.
    """
    table = np.loadtxt(movielens_path(), skiprows=1, dtype=np.float64)
    kept = table[table[:, 2] >= min_rating]
    users, items = IdMapping(), IdMapping()
    user_index = users.extend(str(int(u)) for u in kept[:, 0])
    item_index = items.extend(str(int(i)) for i in kept[:, 1])
    return Interactions.from_arrays(
        user_index, item_index, np.ones(len(kept), np.float32), kept[:, 3],
        n_users=len(users), n_items=len(items),
    )
