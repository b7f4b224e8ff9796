"""Gas budgets from real receipts, for a creator who already owns a work.

Deterministic for a given contract and EVM version, so asserted here; the figures are recorded
in the README. Budgets: direct <= 56,000; relayed <= 64,000; per work in a batch of 100 <= 29,000.
"""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from backend.chain.typed_data import register_batch_message, register_message, sign_typed_data
from tests.conftest import random_hash
from tests.contracts.conftest import Send, deadline

DIRECT_BUDGET = 56_000
RELAYED_BUDGET = 64_000
BATCH_PER_WORK_BUDGET = 29_000
BATCH_SIZE = 100


@pytest.fixture
def owning_creator(registry: Contract, creator: LocalAccount, send: Send) -> LocalAccount:
    send(registry.functions.register(random_hash(), random_hash()), creator)
    return creator


def test_gas_direct_registration_within_budget(
    registry: Contract, owning_creator: LocalAccount, send: Send
) -> None:
    receipt = send(registry.functions.register(random_hash(), random_hash()), owning_creator)
    assert receipt["gasUsed"] <= DIRECT_BUDGET, receipt["gasUsed"]


def test_gas_relayed_registration_within_budget(
    registry: Contract, owning_creator: LocalAccount, admin: LocalAccount, send: Send
) -> None:
    content, meta, until = random_hash(), random_hash(), deadline()
    message = register_message(
        chain_id=31337,
        contract=registry.address,
        creator=owning_creator.address,
        content_hash=content,
        metadata_hash=meta,
        deadline=until,
    )
    signature = sign_typed_data(message, owning_creator.key)
    fn = registry.functions.registerFor(owning_creator.address, content, meta, until, signature)
    receipt = send(fn, admin)
    assert receipt["gasUsed"] <= RELAYED_BUDGET, receipt["gasUsed"]


def test_gas_batch_registration_per_work_within_budget(
    registry: Contract, owning_creator: LocalAccount, admin: LocalAccount, send: Send
) -> None:
    contents = [random_hash() for _ in range(BATCH_SIZE)]
    metas = [random_hash() for _ in range(BATCH_SIZE)]
    direct = send(registry.functions.registerBatch(contents, metas), owning_creator)
    assert direct["gasUsed"] / BATCH_SIZE <= BATCH_PER_WORK_BUDGET, direct["gasUsed"]

    contents = [random_hash() for _ in range(BATCH_SIZE)]
    until = deadline()
    message = register_batch_message(
        chain_id=31337,
        contract=registry.address,
        creator=owning_creator.address,
        content_hashes=contents,
        metadata_hashes=metas,
        deadline=until,
    )
    signature = sign_typed_data(message, owning_creator.key)
    fn = registry.functions.registerBatchFor(
        owning_creator.address, contents, metas, until, signature
    )
    relayed = send(fn, admin)
    assert relayed["gasUsed"] / BATCH_SIZE <= BATCH_PER_WORK_BUDGET, relayed["gasUsed"]
