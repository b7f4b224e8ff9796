"""Claiming an anchored work as a full registry token, by its inclusion proof. The claim is
open to anyone (here: relayed by the service): the token goes to the archivist and carries the
metadata hash the archivist anchored, so the caller decides nothing but when."""

from __future__ import annotations

from hexbytes import HexBytes
from sqlalchemy.orm import Session

from backend.chain.registry import RegistryClient
from backend.core import errors
from backend.core.config import Settings
from backend.db.models import Work
from backend.indexer.indexer import Indexer
from backend.services.archives.inclusion import locate, proof_path
from backend.services.schemas import WorkOut
from backend.services.works import get_work, work_out


def claim_work(
    *,
    settings: Settings,
    session: Session,
    registry: RegistryClient,
    indexer: Indexer,
    root: str,
    content_hash: str,
) -> WorkOut:
    """`claimAnchored` for one work of archive ``root``; its registration time stays the
    anchor's."""
    located = locate(session, content_hash, root=root)
    if located is None:
        raise errors.NotFound(
            f"archive {root} holds no work {content_hash}", root=root, content_hash=content_hash
        )
    if located.anchor is None:
        raise errors.Conflict(f"archive {root} is not anchored (yet)", root=root)
    existing = session.get(Work, content_hash)
    if existing is not None:
        raise errors.WorkAlreadyRegistered(
            f"work {content_hash} is registered already, owned by {existing.owner}",
            content_hash=content_hash,
            owner=existing.owner,
        )
    _, path = proof_path(located)
    fn = registry.contract.functions.claimAnchored(
        located.archive.archivist,
        bytes(HexBytes(root)),
        bytes(HexBytes(content_hash)),
        bytes(HexBytes(located.leaf.metadata_hash)),
        path,
    )
    registry.transact(fn)
    indexer.sync()
    session.commit()  # end this session's read snapshot: the indexer has written since
    return work_out(get_work(session, content_hash), public_url=settings.effective_public_url)
