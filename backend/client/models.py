"""Answers whose server-side models live in route modules that load the whole service (torch,
FastAPI); mirrored here so that the client stays light. Everything else reuses
`backend/services/*schemas.py`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ChainInfo(BaseModel):
    chain_id: int
    registry_address: str
    deployment_block: int
    relayer: str
    eip712_domain: dict[str, object]
    dev_mode: bool


class WorkRef(BaseModel):
    work_id: str
    title: str | None = None


class Reason(BaseModel):
    because: list[WorkRef]
    text: str


class RecommendedWork(BaseModel):
    work_id: str
    title: str | None
    score: float
    reason: Reason


class Recommendations(BaseModel):
    account: str
    strategy: Literal["personalized", "popular"]
    model_version: int | None
    items: list[RecommendedWork]


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
