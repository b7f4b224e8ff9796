"""Following a relayed write that was answered 202 Accepted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from backend.api.deps import OutboxDep, SettingsDep
from backend.services.operations import operation_out
from backend.services.schemas import OperationOut

router = APIRouter(prefix="/v1/operations", tags=["operations"])

OperationId = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="From the 202 answer")]


@router.get("/{operation_id}", response_model=OperationOut)
def get_operation(
    operation_id: OperationId, outbox: OutboxDep, settings: SettingsDep
) -> OperationOut:
    """Where a relayed registration stands: accepted, sent, confirmed or failed."""
    return operation_out(outbox.get(operation_id), public_url=settings.effective_public_url)
