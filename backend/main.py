"""Build the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.api.errors import ERROR_RESPONSES, install_error_handlers
from backend.api.routes import (
    admin,
    archives,
    disputes,
    health,
    interactions,
    licenses,
    offers,
    operations,
    recommendations,
    verify,
    works,
)
from backend.core.config import Settings
from backend.core.runtime import Runtime
from backend.web import routes as web


def create_app(settings: Settings | None = None, *, follow_chain: bool = True) -> FastAPI:
    """The app; with ``follow_chain`` a background thread keeps the index up to date."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # writes wait in threads for their blocks: anyio's default of 40 would cap concurrency
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        runtime = Runtime(settings)
        app.state.runtime = runtime
        if follow_chain:
            runtime.start_indexer()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="Rights Registry",
        version="0.1.0",
        summary="Register creative works on chain, verify provenance, license and recommend.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-API-Key"],
        )
    for router in (
        health.router,
        works.router,
        operations.router,
        verify.router,
        offers.router,
        licenses.router,
        disputes.router,
        interactions.router,
        recommendations.router,
        web.router,
        admin.router,
        archives.router,
    ):
        app.include_router(router)
    return app
