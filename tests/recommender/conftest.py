"""Shared synthetic cases for the recommender tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
import torch

ITEMS_PER_BLOCK = 6
USERS_PER_BLOCK = (8, 12, 16)


@dataclass(frozen=True)
class BlockCase:
    """Users of block g saw every item of block g but one: the held-out item.

    ``matrix`` is the (n_users, n_items) training matrix, ``held_out[u]`` the missing item.
    """

    matrix: sp.csr_matrix
    held_out: np.ndarray
    block_of_user: np.ndarray


def make_block_case() -> BlockCase:
    rows, cols, held, blocks = [], [], [], []
    user = 0
    for block, n_users in enumerate(USERS_PER_BLOCK):
        items = np.arange(ITEMS_PER_BLOCK) + block * ITEMS_PER_BLOCK
        for local in range(n_users):
            missing = items[local % ITEMS_PER_BLOCK]
            seen = items[items != missing]
            rows += [user] * len(seen)
            cols += seen.tolist()
            held.append(missing)
            blocks.append(block)
            user += 1
    n_items = ITEMS_PER_BLOCK * len(USERS_PER_BLOCK)
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(user, n_items))
    return BlockCase(matrix, np.array(held), np.array(blocks))


@pytest.fixture(scope="session")
def block_case() -> BlockCase:
    return make_block_case()


@pytest.fixture(autouse=True, scope="session")
def _two_threads() -> None:
    torch.set_num_threads(2)
