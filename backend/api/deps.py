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
from backend.indexer.indexer import Indexer
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
    given = (authorization or "").removeprefix("Bearer ").encode()
    if not hmac.compare_digest(given, expected.get_secret_value().encode()):
        raise Unauthorized("a valid admin bearer token is required")


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
IndexerDep = Annotated[Indexer, Depends(get_indexer)]
AdminDep = Annotated[None, Depends(require_admin)]
WorkIdPath = Annotated[Hash32, Path(description="The work id: its SHA-256, 0x-hex")]
