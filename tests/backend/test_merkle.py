"""The archive Merkle tree: the same root and proofs as OpenZeppelin's `StandardMerkleTree`
(the contract's own checks are in tests/contracts/test_archive.py)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.chain.merkle import MerkleTree, archive_leaf, process_proof

ARCHIVIST = "0x" + "11" * 20


def _sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def test_tree_matches_openzeppelin_standard_merkle_tree() -> None:
    """Root and first proof as `@openzeppelin/merkle-tree` 1.x computes them for
    `StandardMerkleTree.of(values, ["address", "bytes32", "bytes32"])`."""
    works = [(_sha(f"work {i}"), _sha(f"meta {i}")) for i in range(5)]
    leaves = [archive_leaf(ARCHIVIST, c, m) for c, m in works]
    tree = MerkleTree(leaves)
    assert tree.root.hex() == "c82d48108d7862e4663b61996394f6626a1f251640764e22612597bfe865518d"
    assert [p.hex() for p in tree.proof(tree.leaves.index(leaves[0]))] == [
        "58560f38459bd7f12de0d6872a24cb8595ade7120d7643b0ced34edc0f976a07",
        "74350f464585e0353d02c7c473c9ae860e708a02066653c3bb022adeb77272e9",
    ]


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True))
def test_every_proof_leads_to_the_root_and_storage_round_trips(leaves: list[bytes]) -> None:
    tree = MerkleTree(leaves)
    assert sorted(leaves) == tree.leaves
    assert MerkleTree(list(reversed(leaves))).root == tree.root
    stored = MerkleTree.from_bytes(tree.to_bytes())
    for i, leaf in enumerate(tree.leaves):
        assert stored.leaf(i) == leaf
        assert process_proof(leaf, stored.proof(i)) == tree.root
        assert len(stored.proof(i)) <= len(leaves).bit_length()


def test_tree_refuses_duplicates_empty_and_bad_storage() -> None:
    leaf = _sha("x")
    with pytest.raises(ValueError, match="twice"):
        MerkleTree([leaf, leaf])
    with pytest.raises(ValueError, match="at least one"):
        MerkleTree([])
    with pytest.raises(ValueError, match="stored"):
        MerkleTree.from_bytes(leaf * 2)
    with pytest.raises(IndexError):
        MerkleTree([leaf]).proof(1)
