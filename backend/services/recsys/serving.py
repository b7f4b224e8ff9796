"""Recommendations of works an account may license now, with a reason for each."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from backend.db.models import Interaction, LicenseEvent, MetadataDocument, Offer, Work
from backend.services.market import current_licenses
from backend.services.market_schemas import LicenseKind
from backend.services.recsys.store import ServedModel

MIN_HISTORY = 1


class WorkRef(BaseModel):
    work_id: str
    title: str | None = None


class Reason(BaseModel):
    because: list[WorkRef] = Field(description="works in the account's history that led here")
    text: str


class RecommendedWork(BaseModel):
    work_id: str
    title: str | None
    score: float
    reason: Reason


class RecommendationsOut(BaseModel):
    account: str
    strategy: Literal["personalized", "popular"] = Field(
        description="popular: cold start (unknown account, little history, or no model yet)"
    )
    model_version: int | None
    items: list[RecommendedWork]


def licensable_works(
    session: Session, *, kind: LicenseKind | None, account: str, now: int
) -> list[str]:
    """Registered, unflagged works with an active, not sold-out offer (of ``kind``), minus
    those the account owns or holds a valid licence on; newest first, on every database."""
    offered = select(Offer.work_id).where(
        Offer.active.is_(True), (Offer.max_supply == 0) | (Offer.sold < Offer.max_supply)
    )
    if kind is not None:
        offered = offered.where(Offer.kind == kind)
    query = (
        select(Work.work_id)
        .where(Work.flagged.is_(False), Work.work_id.in_(offered))
        .order_by(Work.block_number.desc(), Work.log_index.desc())
    )
    held = {
        lic.work_id
        for lic in current_licenses(session, holder=account, work_id=None, now=now)
        if lic.valid_now
    }
    owned = set(session.scalars(select(Work.work_id).where(Work.owner == account)))
    return [work for work in session.scalars(query) if work not in held | owned]


def recommend(
    *,
    session: Session,
    served: ServedModel | None,
    account: str,
    k: int,
    kind: LicenseKind | None,
    now: int,
) -> RecommendationsOut:
    candidates = licensable_works(session, kind=kind, account=account, now=now)
    items: list[RecommendedWork] = []
    if served is not None and _history_size(served, account) >= MIN_HISTORY:
        items = _personalized(served, account, candidates, k)
    strategy: Literal["personalized", "popular"] = "personalized" if items else "popular"
    if len(items) < k:
        chosen = {i.work_id for i in items}
        rest = [c for c in candidates if c not in chosen]
        items += _popular(session, rest, k - len(items))
    _add_titles(session, items)
    return RecommendationsOut(
        account=account,
        strategy=strategy,
        model_version=served.version if served is not None and strategy == "personalized" else None,
        items=items,
    )


def _history_size(served: ServedModel, account: str) -> int:
    if account not in served.users:
        return 0
    row = served.users.index_of(account)
    return int(served.user_items[row].nnz) if row < served.user_items.shape[0] else 0


def _personalized(
    served: ServedModel, account: str, candidates: list[str], k: int
) -> list[RecommendedWork]:
    known = np.array([served.items.index_of(c) for c in candidates if c in served.items], "i8")
    if known.size == 0:
        return []
    user = served.users.index_of(account)
    ranked = served.model.recommend(user, served.user_items, n=k, candidate_items=known).row(0)
    history = served.user_items[user].indices.astype(np.int64)
    return [
        RecommendedWork(
            work_id=_work_id(served, item),
            title=None,
            score=round(float(score), 6),
            reason=_reason(served, item, history),
        )
        for item, score in ranked
    ]


def _reason(served: ServedModel, item: int, history: np.ndarray) -> Reason:
    """The history works most similar to the recommended one."""
    if history.size == 0:
        return Reason(because=[], text="similar accounts licensed it")
    similar = served.model.similar_items(item, n=2, candidate_items=history).row(0)
    because = [WorkRef(work_id=_work_id(served, i)) for i, _ in similar]
    return Reason(because=because, text="close to works you licensed, played or liked")


def _work_id(served: ServedModel, item: int) -> str:
    return served.items.id_of(item)  # canonical: 0x + 64 lower-case hex, as in the index


def _popular(session: Session, candidates: list[str], k: int) -> list[RecommendedWork]:
    """Most licensed and interacted-with first, then newest registrations."""
    if not candidates or k <= 0:
        return []
    activity = union_all(
        select(LicenseEvent.work_id.label("work_id")).where(LicenseEvent.event == "purchase"),
        select(Interaction.work_id.label("work_id")),
    ).subquery()
    rows = session.execute(
        select(activity.c.work_id, func.count())
        .where(activity.c.work_id.in_(candidates))
        .group_by(activity.c.work_id)
    )
    counts: dict[str, int] = {row[0]: row[1] for row in rows}
    ranked = sorted(candidates, key=lambda w: counts.get(w, 0), reverse=True)[:k]
    return [
        RecommendedWork(
            work_id=w,
            title=None,
            score=float(counts.get(w, 0)),
            reason=Reason(because=[], text=f"popular: {counts.get(w, 0)} licences and plays"),
        )
        for w in ranked
    ]


def _add_titles(session: Session, items: list[RecommendedWork]) -> None:
    refs: list[RecommendedWork | WorkRef] = [*items, *(r for i in items for r in i.reason.because)]
    ids = {ref.work_id for ref in refs}
    rows = session.execute(
        select(Work.work_id, MetadataDocument.title)
        .join(MetadataDocument, MetadataDocument.metadata_hash == Work.metadata_hash)
        .where(Work.work_id.in_(ids))
    )
    titles: dict[str, str] = {row[0]: row[1] for row in rows}
    for ref in refs:
        ref.title = titles.get(ref.work_id)
