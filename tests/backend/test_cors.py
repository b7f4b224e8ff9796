"""CORS is closed by default: a browser on another origin gets no allow-origin header unless
that origin is configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.core.config import Settings
from backend.main import create_app

ORIGIN = "https://app.example"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-api-key",
}


def test_preflight_default_no_allow_origin(client: TestClient) -> None:
    preflight = client.options("/v1/works", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get("/v1/works", headers={"Origin": ORIGIN})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


def test_preflight_configured_origin_allowed(settings: Settings) -> None:
    configured = settings.model_copy(update={"cors_origins": [ORIGIN]})
    with TestClient(create_app(configured, follow_chain=False)) as client:
        preflight = client.options("/v1/works", headers=PREFLIGHT)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        simple = client.get("/v1/works", headers={"Origin": ORIGIN})
        assert simple.headers["access-control-allow-origin"] == ORIGIN

        foreign = client.options(
            "/v1/works", headers={**PREFLIGHT, "Origin": "https://evil.example"}
        )
        assert foreign.status_code == 400
        assert "access-control-allow-origin" not in foreign.headers


def test_cors_origins_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", f'["{ORIGIN}"]')
    assert Settings(_env_file=None).cors_origins == [ORIGIN]
    monkeypatch.delenv("CORS_ORIGINS")
    assert Settings(_env_file=None).cors_origins == []
