"""Reading works from the index."""

from __future__ import annotations

import base64
import json

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput, NotFound
from backend.db.models import MetadataDocument, Work
from backend.services.schemas import WorkOut


def work_out(work: Work, *, public_url: str) -> WorkOut:
    return WorkOut(
        work_id=work.work_id,
        content_hash=work.work_id,
        creator=work.creator,
        owner=work.owner,
        metadata_hash=work.metadata_hash,
        tx_hash=work.tx_hash,
        block_number=work.block_number,
        block_hash=work.block_hash,
        log_index=work.log_index,
        registered_at=work.registered_at,
        metadata_url=metadata_url(work.work_id, public_url=public_url),
    )


def metadata_url(work_id: str, *, public_url: str) -> str:
    return f"{public_url}/v1/works/{work_id}/metadata"


def get_work(session: Session, work_id: str) -> Work:
    work = session.get(Work, work_id)
    if work is None:
        raise NotFound(f"no registered work {work_id}", work_id=work_id)
    return work


def get_metadata_document(session: Session, work_id: str) -> bytes:
    """The stored document whose hash the work's registration put on chain."""
    work = get_work(session, work_id)
    document = session.get(MetadataDocument, work.metadata_hash)
    if document is None:
        raise NotFound("the service holds no metadata document for this work", work_id=work_id)
    return document.document.encode()


def list_works(
    session: Session, *, creator: str | None, q: str | None, limit: int, cursor: str | None
) -> tuple[list[Work], str | None]:
    """Newest first, keyset-paginated on chain order (block number, log index)."""
    query = select(Work).order_by(Work.block_number.desc(), Work.log_index.desc()).limit(limit + 1)
    if creator is not None:
        query = query.where(Work.creator == creator)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        # Only the document whose hash is on chain describes the work.
        query = query.join(
            MetadataDocument, MetadataDocument.metadata_hash == Work.metadata_hash
        ).where(
            or_(
                MetadataDocument.title.ilike(pattern, escape="\\"),
                MetadataDocument.creator_name.ilike(pattern, escape="\\"),
            )
        )
    if cursor is not None:
        block, index = _decode_cursor(cursor)
        query = query.where(tuple_(Work.block_number, Work.log_index) < (block, index))
    works = list(session.scalars(query))
    if len(works) <= limit:
        return works, None
    last = works[limit - 1]
    return works[:limit], _encode_cursor(last.block_number, last.log_index)


def _encode_cursor(block: int, index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([block, index]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        block, index = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(block), int(index)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("malformed pagination cursor", cursor=cursor) from exc
