"""Saved models are safetensors + JSON, and broken files raise clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BlockCase

from recommender import EASE, IALS, IALSConfig, IdMapping, ModelFileError, Popularity, load_model
from recommender.persistence import META_FILE, WEIGHTS_FILE


@pytest.fixture
def saved(tmp_path: Path, block_case: BlockCase) -> Path:
    items = IdMapping("work_id")
    items.extend("0x" + f"{i:064x}" for i in range(block_case.matrix.shape[1]))
    IALS(IALSConfig(factors=3, iterations=2)).fit(block_case.matrix).save(tmp_path, items=items)
    return tmp_path


def test_files_are_safetensors_and_json(saved: Path) -> None:
    assert sorted(p.name for p in saved.iterdir()) == [META_FILE, WEIGHTS_FILE]
    meta = json.loads((saved / META_FILE).read_text())
    assert meta["model"] == "ials" and meta["config"]["factors"] == 3
    loaded = load_model(saved)
    assert loaded.items is not None and loaded.items.index_of("0x" + f"{5:064x}") == 5


def test_loading_as_another_class_fails(saved: Path) -> None:
    with pytest.raises(ModelFileError, match="not EASE"):
        EASE.load(saved)
    assert isinstance(IALS.load(saved), IALS)


def test_corrupt_files_raise(saved: Path) -> None:
    (saved / WEIGHTS_FILE).write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(ModelFileError):
        load_model(saved)
    (saved / META_FILE).write_text("{}")
    with pytest.raises(ModelFileError):
        load_model(saved)


def test_shape_mismatch_raises(saved: Path) -> None:
    meta = json.loads((saved / META_FILE).read_text())
    meta["n_items"] += 1
    (saved / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="do not match"):
        load_model(saved)


def test_unknown_model_name_raises(saved: Path) -> None:
    meta = json.loads((saved / META_FILE).read_text())
    meta["model"] = "pickle"
    (saved / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="unknown model"):
        Popularity.load(saved)
