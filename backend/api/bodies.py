"""Request bodies that may come as JSON or as a multipart upload."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from backend.api.limits import MAX_JSON_BYTES, admit_registration_body
from backend.api.upload import Upload, read_upload
from backend.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from backend.services.schemas import RegisterWork, VerifyRequest

Model = TypeVar("Model", bound=BaseModel)
METADATA_FIELDS = ("title", "creator_name", "media_type", "description")
AUTH_FIELDS = ("creator", "deadline", "signature", "dev_account")


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


async def json_body(request: Request, model: type[Model]) -> Model:
    """Validate a JSON body against ``model``; a validation failure is a 422 like FastAPI's."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType("expected application/json", content_type=content_type)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
    return _validate(model, bytes(body))


async def upload_registration(request: Request, *, max_bytes: int) -> RegisterWork:
    """A multipart registration: the `file` part's SHA-256 becomes `content_hash`, metadata
    comes as flat fields (`tags` repeated or comma-separated), then the signing fields."""
    upload = await read_upload(request, max_bytes=max_bytes)
    metadata: dict[str, Any] = {
        name: value for name in METADATA_FIELDS if (value := upload.value(name)) is not None
    }
    if "media_type" not in metadata and upload.content_type:
        metadata["media_type"] = upload.content_type.split(";")[0].strip().lower()
    tags = [t.strip() for v in upload.fields.get("tags", []) for t in v.split(",") if t.strip()]
    if tags:
        metadata["tags"] = tags
    data: dict[str, Any] = {"content_hash": _content_hash(upload), "metadata": metadata}
    if (parent_id := upload.value("parent_id")) is not None:
        data["parent_id"] = parent_id
    data.update({k: v for k in AUTH_FIELDS if (v := upload.value(k)) not in (None, "")})
    body = _validate(RegisterWork, data)
    admit_registration_body(request, body)
    return body


async def upload_content_hash(request: Request, *, max_bytes: int) -> VerifyRequest:
    """A multipart verification: the SHA-256 of the `file` part (or a `content_hash` field)."""
    upload = await read_upload(request, max_bytes=max_bytes)
    return _validate(VerifyRequest, {"content_hash": _content_hash(upload)})


def _content_hash(upload: Upload) -> str:
    content_hash = upload.content_hash or upload.value("content_hash")
    if content_hash is None:
        raise InvalidInput("send the work as a `file` part or give its `content_hash`")
    return content_hash


def _validate(model: type[Model], data: dict[str, Any] | bytes) -> Model:
    """Validate like FastAPI does for declared bodies, so that failures read the same (422)."""
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
