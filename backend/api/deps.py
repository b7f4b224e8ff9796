"""Dependencies the routes declare; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session

from backend.chain.registry import RegistryClient
from backend.core.config import Settings
from backend.core.errors import Forbidden, Unauthorized
from backend.core.runtime import Runtime
from backend.db.models import ApiKey
from backend.indexer.indexer import Indexer
from backend.services.api_keys import resolve_api_key
from backend.services.outbox import Outbox
from backend.services.schemas import Hash32


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


def get_registry(runtime: RuntimeDep) -> RegistryClient:
    return runtime.registry()


def get_indexer(runtime: RuntimeDep) -> Indexer:
    return runtime.indexer()


def get_outbox(runtime: RuntimeDep) -> Outbox:
    return runtime.outbox


def require_admin(
    settings: Annotated[Settings, Depends(get_settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Admin endpoints need `Authorization: Bearer <ADMIN_TOKEN>`; with no token configured
    they are open in dev mode only."""
    expected = settings.admin_token
    if expected is None:
        if not settings.dev_mode:
            raise Forbidden("admin endpoints need ADMIN_TOKEN to be configured")
        return
    scheme, _, given = (authorization or "").partition(" ")
    valid = hmac.compare_digest(given.encode(), expected.get_secret_value().encode())
    if scheme.lower() != "bearer" or not valid:
        raise Unauthorized("a valid admin bearer token is required")


def _api_key(request: Request, key: str | None) -> ApiKey | None:
    """The active key record for the request's `X-API-Key` ``key`` (None without one);
    Unauthorized for an unknown or revoked key. Looked up once per request."""
    if not hasattr(request.state, "api_key"):
        row = None
        if key is not None:
            with get_runtime(request).sessions() as session:
                row = resolve_api_key(session, key=key)
        request.state.api_key = row
    cached: ApiKey | None = request.state.api_key
    return cached


def client_identity(request: Request) -> str:
    """Who is calling, for rate limits: `key:<id>` for a valid API key, else `ip:<address>`."""
    try:
        row = _api_key(request, request.headers.get("x-api-key"))
    except Unauthorized:
        row = None
    if row is not None:
        return f"key:{row.id}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


def require_api_key(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header(description="A key from the admin")] = None,
) -> ApiKey | None:
    """Relayed writes: the caller's key, required when `require_api_key` is set; 401 for an
    unknown or revoked key."""
    row = _api_key(request, x_api_key)
    if row is None and settings.require_api_key:
        raise Unauthorized("this endpoint needs an X-API-Key header")
    return row


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
IndexerDep = Annotated[Indexer, Depends(get_indexer)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern="^[\\x21-\\x7e]+$",
        description="A retry with the same key gets the first result; nothing registers twice",
    ),
]
AdminDep = Annotated[None, Depends(require_admin)]
WorkIdPath = Annotated[Hash32, Path(description="The work id: its SHA-256, 0x-hex")]
