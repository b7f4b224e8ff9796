"""Merkle trees of archives, as OpenZeppelin's `StandardMerkleTree` builds them and its
`MerkleProof` (which `WorkRegistry.claimAnchored` uses) checks them.

A leaf is `keccak256(keccak256(abi.encode(archivist, contentHash, metadataHash)))`; leaves are
sorted, and each pair is hashed smaller first, so a proof is only the sibling hashes from the
leaf up. The tree is one array of ``2n - 1`` nodes: the root at 0, node ``i``'s children at
``2i + 1`` and ``2i + 2``, the sorted leaves at the end in reverse order.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_hash.auto import keccak

NODE_BYTES = 32


def archive_leaf(archivist: str, content_hash: bytes, metadata_hash: bytes) -> bytes:
    """The leaf of one work: it names the archivist, so that nobody else's anchor of the same
    root can prove it."""
    return keccak(keccak(address_word(archivist) + content_hash + metadata_hash))


def address_word(address: str) -> bytes:
    """``address`` ABI-encoded: 32 bytes, left-padded (unchecked: callers pass validated
    addresses, and a whole archive shares one)."""
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {address!r}")
    return bytes(12) + raw


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf``."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


class MerkleTree:
    """The tree over ``leaves`` (any order; duplicates refused), held as its stored bytes so
    that a proof read back from the database slices out only the nodes it needs."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        ordered = sorted(leaves)
        if any(a == b for a, b in zip(ordered, ordered[1:], strict=False)):
            raise ValueError("the same leaf appears twice")
        size = 2 * len(ordered) - 1
        nodes: list[bytes] = [b""] * size
        nodes[size - len(ordered) :] = reversed(ordered)
        for i in range(size - len(ordered) - 1, -1, -1):
            nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
        self._blob = b"".join(nodes)

    @classmethod
    def from_bytes(cls, blob: bytes) -> MerkleTree:
        """A tree stored with `to_bytes`."""
        if not blob or len(blob) % NODE_BYTES or (len(blob) // NODE_BYTES) % 2 == 0:
            raise ValueError("not a stored Merkle tree")
        tree = cls.__new__(cls)
        tree._blob = bytes(blob)
        return tree

    def to_bytes(self) -> bytes:
        """Every node, 32 bytes each, root first."""
        return self._blob

    @property
    def root(self) -> bytes:
        return self._node(0)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return (self._count + 1) // 2

    @property
    def leaves(self) -> list[bytes]:
        """The leaves in sorted order: a leaf's index in this list is its ``leaf_index``."""
        return [self.leaf(i) for i in range(self.size)]

    def leaf(self, leaf_index: int) -> bytes:
        """Leaf ``leaf_index`` in sorted order."""
        return self._node(self._position(leaf_index))

    def proof(self, leaf_index: int) -> list[bytes]:
        """The sibling hashes from leaf ``leaf_index`` (in sorted order) up to the root."""
        node = self._position(leaf_index)
        path = []
        while node > 0:
            path.append(self._node(node + 1 if node % 2 else node - 1))
            node = (node - 1) // 2
        return path

    @property
    def _count(self) -> int:
        return len(self._blob) // NODE_BYTES

    def _node(self, i: int) -> bytes:
        return self._blob[i * NODE_BYTES : (i + 1) * NODE_BYTES]

    def _position(self, leaf_index: int) -> int:
        if not 0 <= leaf_index < self.size:
            raise IndexError(f"leaf index {leaf_index} outside 0..{self.size - 1}")
        return self._count - 1 - leaf_index
