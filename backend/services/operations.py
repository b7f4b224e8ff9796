"""Reading the write outbox: what became of a relayed registration."""

from __future__ import annotations

import json

from backend.db.models import Operation
from backend.services.outbox_calls import RegistrationCall
from backend.services.schemas import OperationOut


def operation_url(op_id: str, *, public_url: str) -> str:
    return f"{public_url}/v1/operations/{op_id}"


def operation_out(op: Operation, *, public_url: str) -> OperationOut:
    error = None
    if op.error_code is not None:
        error = {
            "code": op.error_code,
            "message": op.error_message,
            "details": json.loads(op.error_details or "{}"),
        }
    return OperationOut(
        operation_id=op.id,
        status=op.status,
        kind=op.kind,
        creator=op.creator,
        content_hashes=RegistrationCall.from_json(op.payload).content_hashes,
        tx_hash=op.tx_hash,
        block_number=op.block_number,
        attempts=op.attempts,
        error=error,
        status_url=operation_url(op.id, public_url=public_url),
    )
