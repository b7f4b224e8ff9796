"""Every 4xx/5xx leaves as `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from backend.core.errors import RegistryError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_input`")
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorDetail


# Declared on every operation, so that the schema tells clients (and the schema-driven tests)
# what a refusal looks like.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused: the error's code says why"},
    502: {"model": ErrorOut, "description": "A transaction was sent but not confirmed"},
    503: {"model": ErrorOut, "description": "The chain node or the database is unavailable"},
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


async def _registry_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    body = error_body("invalid_input", "the request is not valid", {"errors": problems})
    return JSONResponse(body, status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot store (on PostgreSQL: text with a NUL character, a number out
    of range) came from the request: refused as invalid input, not a server error."""
    assert isinstance(exc, DataError)
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
    log.info("database refused a value on %s %s: %s", request.method, request.url.path, reason)
    body = error_body(
        "invalid_input", "a value in the request cannot be stored", {"reason": reason}
    )
    return JSONResponse(body, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected_error)
