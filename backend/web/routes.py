"""Serve the web page at `/` and its assets at `/static/...`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


@router.get("/", response_class=FileResponse)
def index() -> FileResponse:
    """The single page; it routes by URL hash and talks to the JSON API."""
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
