"""Recommendations of licensable works; the model's status and training."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.api.deps import AdminDep, RuntimeDep, SessionDep
from backend.core.runtime import Runtime
from backend.db.models import IndexerCursor
from backend.services.market_schemas import LicenseKind
from backend.services.recsys import serving, training
from backend.services.schemas import Address

router = APIRouter(prefix="/v1", tags=["recommendations"])


class RecommenderStatus(BaseModel):
    version: int | None
    model: str | None
    trained_at: int | None
    metrics: dict[str, float]
    data_block: int | None
    index_block: int | None
    blocks_behind: int | None
    events: int | None
    users: int | None
    works: int | None


@router.get("/recommendations/{account}", response_model=serving.RecommendationsOut)
def recommendations(
    account: Address,
    session: SessionDep,
    runtime: RuntimeDep,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[LicenseKind | None, Query()] = None,
) -> serving.RecommendationsOut:
    """Works ``account`` may license now, best first, each with its reason."""
    return serving.recommend(
        session=session,
        served=runtime.models.current(),
        account=account,
        k=k,
        kind=kind,
        now=int(time.time()),
    )


@router.get("/recommender/status", response_model=RecommenderStatus)
def status(session: SessionDep, runtime: RuntimeDep) -> RecommenderStatus:
    """The served model's version, hold-out metrics and how fresh its data is."""
    return _status(session, runtime)


@router.post("/recommender/train", response_model=RecommenderStatus)
async def train(_: AdminDep, session: SessionDep, runtime: RuntimeDep) -> RecommenderStatus:
    """Train on everything indexed and recorded so far and serve the result (admin only)."""

    def run() -> None:
        with runtime.training_lock:
            training.train(session=session, models_dir=runtime.settings.models_dir)

    await run_in_threadpool(run)
    return _status(session, runtime)


def _status(session: Session, runtime: Runtime) -> RecommenderStatus:
    served = runtime.models.current()
    index_block = session.scalar(select(func.max(IndexerCursor.block_number)))
    meta: dict[str, Any] = served.meta if served is not None else {}
    data_block = meta.get("data_block")
    return RecommenderStatus(
        version=served.version if served is not None else None,
        model=meta.get("model"),
        trained_at=meta.get("trained_at"),
        metrics=meta.get("metrics", {}),
        data_block=data_block,
        index_block=index_block,
        blocks_behind=(
            index_block - data_block if index_block is not None and data_block is not None else None
        ),
        events=meta.get("events"),
        users=meta.get("users"),
        works=meta.get("works"),
    )
