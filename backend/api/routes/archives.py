"""Archives: many works registered by anchoring one Merkle root, claimed as tokens later."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from backend.api.deps import IndexerDep, RegistryDep, SessionDep, SettingsDep, require_api_key
from backend.api.limits import limit_writes
from backend.services.archives import anchoring, claims
from backend.services.archives.schemas import (
    ArchiveIn,
    ArchiveOut,
    ArchiveTypedDataOut,
    ArchiveTypedDataRequest,
    ClaimIn,
)
from backend.services.archives.store import get_archive
from backend.services.schemas import Hash32, WorkOut

router = APIRouter(prefix="/v1/archives", tags=["archives"])

RootPath = Annotated[Hash32, Path(description="The archive's Merkle root, 0x-hex")]


@router.post(
    "",
    status_code=201,
    response_model=ArchiveOut,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def anchor_archive(
    body: ArchiveIn,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> ArchiveOut:
    """Register an archivist's works by anchoring their Merkle root in one transaction."""
    return anchoring.anchor_archive(
        settings=settings,
        session=session,
        registry=registry,
        indexer=indexer,
        auth=body,
        works=body.works,
    )


@router.post("/typed-data", response_model=ArchiveTypedDataOut)
def typed_data(
    body: ArchiveTypedDataRequest, settings: SettingsDep, registry: RegistryDep
) -> ArchiveTypedDataOut:
    """The EIP-712 `Anchor` message the archivist signs, with the root it names."""
    return anchoring.prepare_typed_data(settings=settings, registry=registry, request=body)


@router.get("/{root}", response_model=ArchiveOut)
def read_archive(root: RootPath, session: SessionDep) -> ArchiveOut:
    """An archive the service keeps the tree of, and its anchoring."""
    return get_archive(session, root)


@router.post(
    "/{root}/claims",
    status_code=201,
    response_model=WorkOut,
    dependencies=[Depends(require_api_key), Depends(limit_writes)],
)
def claim_work(
    root: RootPath,
    body: ClaimIn,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
) -> WorkOut:
    """Turn an anchored work into a registry token owned by the archivist, by its proof."""
    return claims.claim_work(
        settings=settings,
        session=session,
        registry=registry,
        indexer=indexer,
        root=root,
        content_hash=body.content_hash,
    )
