"""Liveness, readiness and the chain facts clients need to sign."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from backend.api.deps import RegistryDep, RuntimeDep, SettingsDep
from backend.api.errors import error_body
from backend.chain.typed_data import DOMAIN_NAME, DOMAIN_VERSION
from backend.core.errors import RegistryError

router = APIRouter(tags=["health"])


class ChainInfo(BaseModel):
    chain_id: int
    registry_address: str
    deployment_block: int
    relayer: str
    eip712_domain: dict[str, object]
    dev_mode: bool


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(runtime: RuntimeDep) -> dict[str, object] | JSONResponse:
    """The database and the chain answer, and the registry is deployed."""
    checks: dict[str, object] = {}
    try:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        registry = runtime.registry()
        checks["chain_head"] = registry.head()
        checks["registry"] = registry.address
    except RegistryError as exc:
        return JSONResponse(error_body(exc.code, exc.message, checks), status_code=503)
    except Exception as exc:  # the database is down: report, never a stack trace
        body = error_body("database_unavailable", type(exc).__name__, checks)
        return JSONResponse(body, status_code=503)
    return {"status": "ready", **checks}


@router.get("/v1/chain", response_model=ChainInfo)
def chain_info(registry: RegistryDep, settings: SettingsDep) -> ChainInfo:
    """The chain and contract that signatures must be bound to."""
    return ChainInfo(
        chain_id=registry.chain_id,
        registry_address=registry.address,
        deployment_block=registry.deployment.block_number,
        relayer=registry.relayer.address,
        eip712_domain={
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": registry.chain_id,
            "verifyingContract": registry.address,
        },
        dev_mode=settings.dev_mode,
    )
