"""The service's records of archives: trees and leaves (its own), anchors (from the index)."""

from __future__ import annotations

import time

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import errors
from backend.db.models import Archive, ArchiveAnchor, ArchiveLeaf, MetadataDocument, Work
from backend.services.archives.schemas import ArchiveOut
from backend.services.archives.tree import BuiltArchive

LOOKUP_CHUNK = 900  # bound parameters per IN (...) query, under every backend's limit


def reject_known(session: Session, content_hashes: list[str]) -> None:
    """Refuse works that are registry tokens already, or in an anchored archive already."""
    for start in range(0, len(content_hashes), LOOKUP_CHUNK):
        chunk = content_hashes[start : start + LOOKUP_CHUNK]
        work = session.scalars(select(Work).where(Work.work_id.in_(chunk))).first()
        if work is not None:
            raise errors.WorkAlreadyRegistered(
                f"work {work.work_id} is registered already, owned by {work.owner}",
                content_hash=work.work_id,
                owner=work.owner,
            )
        anchored = session.execute(
            select(ArchiveLeaf.content_hash, Archive.root)
            .join(Archive, Archive.id == ArchiveLeaf.archive_id)
            .join(
                ArchiveAnchor,
                (ArchiveAnchor.root == Archive.root)
                & (ArchiveAnchor.archivist == Archive.archivist),
            )
            .where(ArchiveLeaf.content_hash.in_(chunk))
        ).first()
        if anchored is not None:
            raise errors.Conflict(
                f"work {anchored[0]} is in anchored archive {anchored[1]} already",
                content_hash=anchored[0],
                root=anchored[1],
            )


def store_archive(session: Session, built: BuiltArchive) -> None:
    """Keep the tree, its leaves and the metadata documents; a tree kept by an earlier attempt
    that never got anchored is reused as it is."""
    if session.scalar(select(Archive.id).where(Archive.root == built.root)) is None:
        archive = Archive(
            root=built.root,
            archivist=built.archivist,
            count=built.tree.size,
            tree=built.tree.to_bytes(),
            submitted_at=int(time.time()),
        )
        session.add(archive)
        session.flush()
        session.connection().execute(  # Core: no ORM bookkeeping per row
            insert(ArchiveLeaf),
            [
                {
                    "archive_id": archive.id,
                    "leaf_index": i,
                    "content_hash": work.content_hash,
                    "metadata_hash": digest,
                }
                for i, (work, digest) in enumerate(
                    zip(built.works, built.metadata_hashes, strict=True)
                )
            ],
        )
    _store_documents(session, built)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise errors.Conflict(
            "another request is anchoring this archive right now", root=built.root
        ) from exc


def _store_documents(session: Session, built: BuiltArchive) -> None:
    held: set[str] = set()
    for start in range(0, len(built.metadata_hashes), LOOKUP_CHUNK):
        chunk = built.metadata_hashes[start : start + LOOKUP_CHUNK]
        held.update(
            session.scalars(
                select(MetadataDocument.metadata_hash).where(
                    MetadataDocument.metadata_hash.in_(chunk)
                )
            )
        )
    rows = [
        {
            "metadata_hash": digest,
            "work_id": work.content_hash,
            "document": document.decode(),
            "title": work.metadata.title,
            "creator_name": work.metadata.creator_name,
        }
        for work, document, digest in zip(
            built.works, built.documents, built.metadata_hashes, strict=True
        )
        if digest not in held
    ]
    if rows:
        session.connection().execute(insert(MetadataDocument), rows)


def get_archive(session: Session, root: str) -> ArchiveOut:
    """An archive the service holds the tree of, anchored or not yet."""
    archive = session.scalar(select(Archive).where(Archive.root == root))
    if archive is None:
        raise errors.NotFound(f"no archive with root {root}", root=root)
    anchor = session.get(ArchiveAnchor, (archive.archivist, archive.root))
    out = ArchiveOut(
        root=archive.root, archivist=archive.archivist, count=archive.count, status="pending"
    )
    if anchor is None:
        return out
    return out.model_copy(
        update={
            "status": "anchored",
            "tx_hash": anchor.tx_hash,
            "block_number": anchor.block_number,
            "block_hash": anchor.block_hash,
            "log_index": anchor.log_index,
            "anchored_at": anchor.timestamp,
        }
    )
