"""Saving and loading models: safetensors for tensors, JSON for config and id mappings.

Nothing is ever unpickled, so a model file from an untrusted source cannot run code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from recommender.errors import InvalidInputError, ModelFileError
from recommender.ids import IdMapping
from recommender.validation import check_finite

if TYPE_CHECKING:
    from recommender.base import Recommender

FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.safetensors"
META_FILE = "model.json"


@dataclass(frozen=True)
class LoadedModel:
    """A model read back from disk, with the id mappings saved alongside it (if any)."""

    model: Recommender[Any]
    users: IdMapping | None
    items: IdMapping | None


def save_model(
    model: Recommender[Any],
    directory: Path,
    *,
    users: IdMapping | None,
    items: IdMapping | None,
) -> Path:
    """Write ``model`` into ``directory`` (created if needed) and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.detach().contiguous() for name, t in model.tensors().items()}
    tensors["item_popularity"] = model.item_popularity.contiguous()
    save_file(tensors, str(directory / WEIGHTS_FILE))
    meta = {
        "format_version": FORMAT_VERSION,
        "model": model.name,
        "config": asdict(model.config),
        "n_users": model.n_users,
        "n_items": model.n_items,
        "users": users.to_json() if users is not None else None,
        "items": items.to_json() if items is not None else None,
    }
    (directory / META_FILE).write_text(json.dumps(meta, indent=1))
    return directory


def load_model(directory: Path) -> LoadedModel:
    """Read a model written by :func:`save_model`, checking class, shapes and values."""
    from recommender.models import MODELS

    meta = _read_meta(directory)
    model_class = MODELS.get(meta.get("model", ""))
    if model_class is None:
        raise ModelFileError(f"{directory}: unknown model {meta.get('model')!r}")
    try:
        config = model_class.config_class(**meta["config"])
        tensors = load_file(str(directory / WEIGHTS_FILE))
    except (TypeError, KeyError, InvalidInputError) as error:
        raise ModelFileError(f"{directory}: bad config: {error}") from error
    except (OSError, SafetensorError) as error:
        raise ModelFileError(f"{directory}: cannot read weights: {error}") from error
    for name, tensor in tensors.items():
        check_finite(name, tensor)
    model = model_class(config)
    model.n_users, model.n_items = int(meta["n_users"]), int(meta["n_items"])
    model.item_popularity = tensors.pop("item_popularity")
    model._load_tensors(tensors)
    users = IdMapping.from_json(meta["users"]) if meta.get("users") else None
    items = IdMapping.from_json(meta["items"]) if meta.get("items") else None
    return LoadedModel(model, users, items)


def _read_meta(directory: Path) -> dict[str, Any]:
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError) as error:
        raise ModelFileError(f"{directory}: cannot read {META_FILE}: {error}") from error
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{directory}: unsupported model file format")
    return meta
