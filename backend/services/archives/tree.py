"""An archive's works as a Merkle tree, in the leaf order the tree gives them."""

from __future__ import annotations

from dataclasses import dataclass

from eth_typing import ChecksumAddress

from backend.chain.merkle import MerkleTree, archive_leaf
from backend.services.metadata import canonical_document, document_hash
from backend.services.schemas import WorkIn


@dataclass(frozen=True)
class BuiltArchive:
    """The tree, and each work with its canonical metadata document, in leaf order."""

    archivist: ChecksumAddress
    tree: MerkleTree
    works: list[WorkIn]
    documents: list[bytes]
    metadata_hashes: list[str]

    @property
    def root(self) -> str:
        return "0x" + self.tree.root.hex()


def build_archive(archivist: ChecksumAddress, works: list[WorkIn]) -> BuiltArchive:
    """The tree over ``works`` (distinct content hashes); the same works give the same root
    in any order."""
    by_leaf: dict[bytes, tuple[WorkIn, bytes, str]] = {}
    for work in works:
        document = canonical_document(work.content_hash, work.metadata)
        digest = document_hash(document)
        leaf = archive_leaf(
            archivist, bytes.fromhex(work.content_hash[2:]), bytes.fromhex(digest[2:])
        )
        by_leaf[leaf] = (work, document, digest)
    tree = MerkleTree(list(by_leaf))
    ordered = [by_leaf[leaf] for leaf in tree.leaves]
    return BuiltArchive(
        archivist=archivist,
        tree=tree,
        works=[w for w, _, _ in ordered],
        documents=[d for _, d, _ in ordered],
        metadata_hashes=[m for _, _, m in ordered],
    )
