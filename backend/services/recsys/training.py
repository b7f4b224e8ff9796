"""Train a model on licence purchases (from the chain index) and signed interactions, evaluate
it on a temporal hold-out, and save it as a new numbered version."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.db.models import IndexerCursor, Interaction, LicenseEvent
from recommender import IALS, Event, IALSConfig, InteractionBuilder
from recommender.evaluation.harness import ModelRanker, evaluate
from recommender.evaluation.splits import temporal_holdout

TRAINING_FILE = "training.json"
MATRIX_FILE = "user_items.npz"
MIN_USERS = 2
MIN_ITEMS = 2


@dataclass(frozen=True)
class TrainingData:
    events: list[Event]
    data_block: int
    n_interactions: int


def collect(session: Session) -> TrainingData:
    """Every licence purchase and signed interaction, and the last block the index has seen."""
    purchases = session.execute(
        select(LicenseEvent.holder, LicenseEvent.work_id, LicenseEvent.timestamp).where(
            LicenseEvent.event == "purchase"
        )
    )
    events = [Event(user, work, "purchase", None, float(ts)) for user, work, ts in purchases]
    rows = session.execute(
        select(
            Interaction.account,
            Interaction.work_id,
            Interaction.kind,
            Interaction.value,
            Interaction.timestamp,
        )
    )
    events += [Event(user, work, kind, value, float(ts)) for user, work, kind, value, ts in rows]
    data_block = session.scalar(select(func.max(IndexerCursor.block_number))) or 0
    return TrainingData(events=events, data_block=int(data_block), n_interactions=len(events))


def train(*, session: Session, models_dir: Path, config: IALSConfig | None = None) -> Path:
    """Fit iALS on everything, after measuring it on a temporal hold-out; returns the new
    version's directory (written whole, then renamed into place, so a reader never sees half)."""
    data = collect(session)
    builder = InteractionBuilder()
    builder.add_many(data.events)
    interactions = builder.build()
    if interactions.n_users < MIN_USERS or interactions.n_items < MIN_ITEMS:
        raise InvalidInput(
            "not enough interactions to train",
            users=interactions.n_users,
            works=interactions.n_items,
        )
    config = config or IALSConfig(factors=32, iterations=15, seed=0)
    split = temporal_holdout(interactions, test_fraction=0.2, seed=0)
    probe = IALS(config).fit(split.train.to_csr())
    metrics = evaluate(ModelRanker(probe), split.train.to_csr(), split.test.to_csr(), ks=(10,))
    matrix = interactions.to_csr()
    started = time.perf_counter()
    model = IALS(config).fit(matrix)
    meta: dict[str, Any] = {
        "model": model.name,
        "trained_at": int(time.time()),
        "train_seconds": round(time.perf_counter() - started, 3),
        "data_block": data.data_block,
        "events": data.n_interactions,
        "users": interactions.n_users,
        "works": interactions.n_items,
        "holdout": "temporal, last 20% of each user's interactions",
        "metrics": metrics,
    }
    return _publish(models_dir, model, builder, matrix, meta)


def _publish(
    models_dir: Path,
    model: IALS,
    builder: InteractionBuilder,
    matrix: sp.csr_matrix,
    meta: dict[str, Any],
) -> Path:
    models_dir.mkdir(parents=True, exist_ok=True)
    version = 1 + max((version_of(p) for p in models_dir.glob("v*")), default=0)
    staging = models_dir / f".staging-{version:04d}"
    shutil.rmtree(staging, ignore_errors=True)
    model.save(staging, users=builder.users, items=builder.items)
    sp.save_npz(staging / MATRIX_FILE, matrix)
    (staging / TRAINING_FILE).write_text(json.dumps({"version": version, **meta}, indent=1))
    final = models_dir / f"v{version:04d}"
    staging.rename(final)
    return final


def version_of(directory: Path) -> int:
    try:
        return int(directory.name.removeprefix("v"))
    except ValueError:
        return 0
