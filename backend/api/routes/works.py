"""Registering and reading works."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backend.api.bodies import is_multipart, json_body, upload_registration
from backend.api.deps import (
    IdempotencyKey,
    IndexerDep,
    OutboxDep,
    RegistryDep,
    SessionDep,
    SettingsDep,
    WorkIdPath,
    require_api_key,
)
from backend.api.limits import limit_registrations
from backend.services import proofs, registration, works
from backend.services import provenance as provenance_service
from backend.services.operations import operation_out
from backend.services.provenance_schemas import Provenance
from backend.services.schemas import (
    Address,
    BatchOut,
    OperationOut,
    RegisterBatch,
    RegisterWork,
    TypedDataOut,
    TypedDataRequest,
    WorkOut,
    WorkPage,
)

router = APIRouter(prefix="/v1/works", tags=["works"])

_REGISTER_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": RegisterWork.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "title"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "creator_name": {"type": "string"},
                        "media_type": {"type": "string"},
                        "description": {"type": "string"},
                        "tags": {"type": "string", "description": "comma-separated"},
                        "creator": {"type": "string"},
                        "deadline": {"type": "integer"},
                        "signature": {"type": "string"},
                        "dev_account": {"type": "integer"},
                        "parent_id": {"type": "string", "description": "derivative of"},
                    },
                }
            },
        },
    }
}


_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": OperationOut,
        "description": "Recorded and sent, not confirmed within the wait: follow `status_url`",
    }
}


@router.post(
    "",
    status_code=201,
    response_model=WorkOut,
    responses=_ACCEPTED,
    openapi_extra=_REGISTER_BODY,
    dependencies=[Depends(require_api_key), Depends(limit_registrations)],
)
async def register_work(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
    outbox: OutboxDep,
    idempotency_key: IdempotencyKey = None,
) -> WorkOut | JSONResponse:
    """Register one work (a file upload or its content hash) with the creator's signature:
    201 once confirmed, 202 with a status URL if the chain has not confirmed it in time."""
    if is_multipart(request):
        body = await upload_registration(request, max_bytes=settings.max_upload_bytes)
    else:
        body = await json_body(request, RegisterWork)
    result = await run_in_threadpool(
        registration.register_works,
        settings=settings,
        session=session,
        registry=registry,
        indexer=indexer,
        outbox=outbox,
        auth=body,
        works=[body],
        idempotency_key=idempotency_key,
    )
    if isinstance(result, registration.Pending):
        return _accepted(result, settings.effective_public_url)
    return result.works[0]


@router.post(
    "/batch",
    status_code=201,
    response_model=BatchOut,
    responses=_ACCEPTED,
    dependencies=[Depends(require_api_key), Depends(limit_registrations)],
)
def register_batch(
    body: RegisterBatch,
    settings: SettingsDep,
    session: SessionDep,
    registry: RegistryDep,
    indexer: IndexerDep,
    outbox: OutboxDep,
    idempotency_key: IdempotencyKey = None,
) -> BatchOut | JSONResponse:
    """Register many works of one creator in one transaction, with one signature."""
    result = registration.register_works(
        settings=settings,
        session=session,
        registry=registry,
        indexer=indexer,
        outbox=outbox,
        auth=body,
        works=body.works,
        idempotency_key=idempotency_key,
    )
    if isinstance(result, registration.Pending):
        return _accepted(result, settings.effective_public_url)
    return BatchOut(tx_hash=result.tx_hash, block_number=result.block_number, works=result.works)


def _accepted(pending: registration.Pending, public_url: str) -> JSONResponse:
    body = operation_out(pending.operation, public_url=public_url)
    return JSONResponse(
        body.model_dump(mode="json"), status_code=202, headers={"Location": body.status_url}
    )


@router.post("/typed-data", response_model=TypedDataOut)
def typed_data(body: TypedDataRequest, registry: RegistryDep) -> TypedDataOut:
    """The EIP-712 message a creator signs to register these works (eth_signTypedData_v4)."""
    return registration.prepare_typed_data(registry=registry, request=body)


@router.get("", response_model=WorkPage)
def list_works(
    session: SessionDep,
    settings: SettingsDep,
    creator: Annotated[Address | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Title or creator name")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> WorkPage:
    """Registered works, newest first, paginated with an opaque cursor."""
    items, next_cursor = works.list_works(session, creator=creator, q=q, limit=limit, cursor=cursor)
    public_url = settings.effective_public_url
    return WorkPage(
        items=[works.work_out(w, public_url=public_url) for w in items], next_cursor=next_cursor
    )


@router.get("/{work_id}", response_model=WorkOut)
def get_work(work_id: WorkIdPath, session: SessionDep, settings: SettingsDep) -> WorkOut:
    """One registered work."""
    work = works.get_work(session, work_id)
    return works.work_out(work, public_url=settings.effective_public_url)


@router.get(
    "/{work_id}/metadata",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def get_metadata(work_id: WorkIdPath, session: SessionDep) -> Response:
    """The metadata document, byte for byte as hashed on chain (the token's `tokenURI`)."""
    document = works.get_metadata_document(session, work_id)
    return Response(content=document, media_type="application/json")


@router.get("/{work_id}/proof", response_model=dict[str, Any])
def get_proof(work_id: WorkIdPath, session: SessionDep, registry: RegistryDep) -> dict[str, Any]:
    """A self-contained proof bundle, checkable with `scripts/verify_proof.py` against any
    Ethereum JSON-RPC endpoint, without this service."""
    return proofs.proof_bundle(session=session, registry=registry, work_id=work_id)


@router.get("/{work_id}/provenance", response_model=Provenance)
def get_provenance(
    work_id: WorkIdPath, session: SessionDep, registry: RegistryDep, settings: SettingsDep
) -> Provenance:
    """Where the work comes from, as `POST /v1/verify` answers it."""
    return provenance_service.provenance(
        session=session,
        registry=registry,
        content_hash=work_id,
        public_url=settings.effective_public_url,
    )
