"""The path a backend takes: events by address and work id -> model -> ranked work ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recommender import IALS, Event, IALSConfig, InteractionBuilder, load_model

USERS = [f"0x{u:040x}" for u in range(1, 13)]
WORKS = [f"0x{w:064x}" for w in range(1, 9)]


def _builder() -> InteractionBuilder:
    builder = InteractionBuilder()
    for position, user in enumerate(USERS):
        # Two taste groups: even users buy works 0-3, odd users works 4-7, each but one.
        block = WORKS[:4] if position % 2 == 0 else WORKS[4:]
        missing = block[(position // 2) % 4]
        for work in block:
            if work != missing:
                builder.add(Event(user.upper().replace("0X", "0x"), work, "purchase"))
    return builder


def test_fit_recommend_save_load_and_cold_start(tmp_path: Path) -> None:
    builder = _builder()
    matrix = builder.build().to_csr()
    model = IALS(IALSConfig(factors=2, regularization=1.0, alpha=10.0, iterations=10))
    model.fit(matrix)
    licensable = [builder.items.index_of(w) for w in WORKS if w != WORKS[5]]
    recs = model.recommend(
        builder.users.index_of(USERS[0]), matrix, n=2, candidate_items=licensable
    )
    assert builder.items.id_of(recs.row(0)[0][0]) == WORKS[0]

    model.save(tmp_path, users=builder.users, items=builder.items)
    loaded = load_model(tmp_path)
    assert loaded.users is not None and loaded.items is not None
    newcomer = loaded.users.add("0x" + "ab" * 20)
    cold = loaded.model.recommend(newcomer, matrix, n=3)
    popularity = np.bincount(matrix.indices, minlength=len(WORKS))
    assert cold.scores[0].tolist() == sorted(popularity.tolist(), reverse=True)[:3]
