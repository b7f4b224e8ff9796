"""Where an anchored work's inclusion proof comes from: its leaf, the stored tree, the index's
record of the anchoring, and the chain's own `anchorOf`."""

from __future__ import annotations

from dataclasses import dataclass

from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain.merkle import MerkleTree
from backend.chain.registry import RegistryClient
from backend.db.models import Archive, ArchiveAnchor, ArchiveLeaf, Work
from backend.services.archives.schemas import InclusionProof


@dataclass(frozen=True)
class Located:
    leaf: ArchiveLeaf
    archive: Archive
    anchor: ArchiveAnchor | None


def locate(session: Session, content_hash: str, *, root: str | None = None) -> Located | None:
    """The work's leaf in archive ``root``; without a root, in the earliest anchored archive
    that holds it."""
    query = (
        select(ArchiveLeaf, Archive, ArchiveAnchor)
        .join(Archive, Archive.id == ArchiveLeaf.archive_id)
        .join(
            ArchiveAnchor,
            (ArchiveAnchor.root == Archive.root) & (ArchiveAnchor.archivist == Archive.archivist),
            isouter=root is not None,
        )
        .where(ArchiveLeaf.content_hash == content_hash)
    )
    if root is not None:
        query = query.where(Archive.root == root)
    else:
        query = query.order_by(ArchiveAnchor.block_number, ArchiveAnchor.log_index)
    row = session.execute(query.limit(1)).first()
    return None if row is None else Located(leaf=row[0], archive=row[1], anchor=row[2])


def proof_path(located: Located) -> tuple[bytes, list[bytes]]:
    """The leaf and its sibling hashes up to the root, from the stored tree."""
    tree = MerkleTree.from_bytes(located.archive.tree)
    index = located.leaf.leaf_index
    return tree.leaf(index), tree.proof(index)


def inclusion_proof(
    *, session: Session, registry: RegistryClient, content_hash: str
) -> InclusionProof | None:
    """The proof that ``content_hash`` is in an anchored archive, or None if it is in none."""
    located = locate(session, content_hash)
    if located is None or located.anchor is None:
        return None
    anchor, archive = located.anchor, located.archive
    leaf, path = proof_path(located)
    on_chain, _ = registry.call(
        registry.contract.functions.anchorOf(archive.archivist, bytes(HexBytes(archive.root)))
    )
    return InclusionProof(
        content_hash=content_hash,
        metadata_hash=located.leaf.metadata_hash,
        archivist=archive.archivist,
        leaf="0x" + leaf.hex(),
        proof=["0x" + node.hex() for node in path],
        root=archive.root,
        count=anchor.count,
        chain_id=registry.chain_id,
        contract_address=registry.address,
        tx_hash=anchor.tx_hash,
        block_number=anchor.block_number,
        block_hash=anchor.block_hash,
        log_index=anchor.log_index,
        anchored_at=anchor.timestamp,
        anchor_matches=on_chain == anchor.timestamp,
        claimed=_claimed(session.get(Work, content_hash), anchor),
    )


def _claimed(work: Work | None, anchor: ArchiveAnchor) -> bool:
    """The token is the anchor's claim, not the same content registered apart from it (the
    index dates a claimed work at its anchor)."""
    return (
        work is not None
        and work.creator == anchor.archivist
        and work.registered_at == anchor.timestamp
    )
