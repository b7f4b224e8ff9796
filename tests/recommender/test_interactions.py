"""Event weighting, aggregation and stable id mappings."""

from __future__ import annotations

import numpy as np
import pytest

from recommender import (
    Event,
    EventKind,
    EventWeights,
    IdMapping,
    InteractionBuilder,
    Interactions,
    InvalidInputError,
    UnknownIdError,
    normalise_id,
)

ALICE = "0x52908400098527886E0F7030069857D2E4169EE7"
BOB = "0x8617e340b3d01fa5f11f306f4090fd50e238070d"
WORK_A = "0x" + "ab" * 32
WORK_B = "0x" + "CD" * 32


def test_addresses_are_lower_cased_and_validated() -> None:
    assert normalise_id(ALICE, "address") == ALICE.lower()
    assert normalise_id(WORK_B, "work_id") == WORK_B.lower()
    for bad, kind in [("0x1234", "address"), (ALICE, "work_id"), ("", "opaque")]:
        with pytest.raises(InvalidInputError):
            normalise_id(bad, kind)  # type: ignore[arg-type]


def test_mapping_is_stable_and_round_trips_through_json() -> None:
    mapping = IdMapping("address")
    assert mapping.extend([ALICE, BOB, ALICE.lower()]) == [0, 1, 0]
    restored = IdMapping.from_json(mapping.to_json())
    assert restored.index_of(BOB) == 1 and restored.id_of(0) == ALICE.lower()
    assert restored.add("0x" + "11" * 20) == 2
    assert ALICE in restored and "nonsense" not in restored
    with pytest.raises(UnknownIdError, match="unknown address"):
        restored.index_of("0x" + "22" * 20)
    with pytest.raises(UnknownIdError):
        restored.id_of(7)
    with pytest.raises(InvalidInputError, match="duplicate"):
        IdMapping.from_json({"kind": "address", "ids": [BOB, BOB]})


def test_builder_weights_and_aggregates_events() -> None:
    builder = InteractionBuilder(weights=EventWeights(purchase=10, view=1, rating=0.5))
    builder.add_many(
        [
            Event(ALICE, WORK_A, EventKind.VIEW, timestamp=1),
            Event(ALICE.lower(), WORK_A, "purchase", timestamp=5),
            Event(BOB, WORK_B, EventKind.RATING, weight=4, timestamp=3),
            Event(BOB, WORK_A, "view", weight=3, timestamp=2),
        ]
    )
    data = builder.build()
    matrix = data.to_csr()
    assert matrix.shape == (2, 2)
    np.testing.assert_allclose(matrix.toarray(), [[11.0, 0.0], [3.0, 2.0]])
    alice_a = (data.users == 0) & (data.items == 0)
    assert data.timestamps[alice_a] == [5.0]


def test_refit_appends_new_ids_after_old_ones() -> None:
    first = InteractionBuilder()
    first.add(Event(ALICE, WORK_A, "like"))
    second = InteractionBuilder(
        users=IdMapping.from_json(first.users.to_json()),
        items=IdMapping.from_json(first.items.to_json()),
    )
    second.add(Event(BOB, WORK_B, "like"))
    second.add(Event(ALICE, WORK_B, "play"))
    assert second.users.index_of(ALICE) == 0 and second.users.index_of(BOB) == 1
    assert second.items.index_of(WORK_A) == 0 and second.build().to_csr().shape == (2, 2)


@pytest.mark.parametrize(
    "event",
    [
        Event(ALICE, WORK_A, "stream"),
        Event(ALICE, WORK_A, "rating"),
        Event(ALICE, WORK_A, "view", weight=float("nan")),
        Event(ALICE, WORK_A, "view", weight=-1),
        Event(ALICE, WORK_A, "view", timestamp=float("inf")),
        Event("alice", WORK_A, "view"),
        Event(ALICE, "work-1", "view"),
    ],
)
def test_builder_rejects_bad_events(event: Event) -> None:
    with pytest.raises(InvalidInputError):
        InteractionBuilder().add(event)


def test_event_weights_must_be_positive() -> None:
    with pytest.raises(InvalidInputError):
        EventWeights(like=0)


def test_from_arrays_validates_input() -> None:
    with pytest.raises(InvalidInputError):
        Interactions.from_arrays([0, 1], [0], [1.0, 1.0])
    with pytest.raises(InvalidInputError):
        Interactions.from_arrays([0], [0], [np.nan])
    with pytest.raises(InvalidInputError):
        Interactions.from_arrays([0], [3], [1.0], n_items=2)
    empty = InteractionBuilder().build()
    assert len(empty) == 0 and empty.n_users == 0
