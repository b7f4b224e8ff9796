"""Verifying where a file comes from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from backend.api.bodies import is_multipart, json_body, upload_content_hash
from backend.api.deps import RegistryDep, SessionDep, SettingsDep
from backend.services.provenance import provenance
from backend.services.provenance_schemas import Provenance
from backend.services.schemas import VerifyRequest

router = APIRouter(prefix="/v1", tags=["verify"])

_VERIFY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": VerifyRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@router.post("/verify", response_model=Provenance, openapi_extra=_VERIFY_BODY)
async def verify(
    request: Request, session: SessionDep, registry: RegistryDep, settings: SettingsDep
) -> Provenance:
    """Whether a file (or its SHA-256) is registered, and its provenance if it is."""
    if is_multipart(request):
        body = await upload_content_hash(request, max_bytes=settings.max_upload_bytes)
    else:
        body = await json_body(request, VerifyRequest)
    return await run_in_threadpool(
        provenance,
        session=session,
        registry=registry,
        content_hash=body.content_hash,
        public_url=settings.effective_public_url,
    )
