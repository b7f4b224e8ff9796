"""One exception hierarchy for the service; the API turns each into the same JSON error shape.

`{"error": {"code": ..., "message": ..., "details": {...}}}` with the class's HTTP status.
"""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Root of every error the service reports to a client."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(RegistryError, ValueError):
    status_code = 422
    code = "invalid_input"


class NotFound(RegistryError, LookupError):
    status_code = 404
    code = "not_found"


class WorkAlreadyRegistered(RegistryError):
    status_code = 409
    code = "work_already_registered"


class Unauthorized(RegistryError, PermissionError):
    status_code = 401
    code = "unauthorized"


class Forbidden(RegistryError, PermissionError):
    """The caller may not do this (not the work's owner, not an arbiter, not the admin)."""

    status_code = 403
    code = "forbidden"


class Conflict(RegistryError):
    """The request conflicts with the current state (sold out, flagged, already decided)."""

    status_code = 409
    code = "conflict"


class InvalidSignature(RegistryError):
    status_code = 401
    code = "invalid_signature"


class SignatureExpired(InvalidSignature):
    code = "signature_expired"


class PayloadTooLarge(RegistryError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(RegistryError):
    status_code = 415
    code = "unsupported_media_type"


class DevModeDisabled(RegistryError, PermissionError):
    status_code = 403
    code = "dev_mode_disabled"


class ChainUnavailable(RegistryError, ConnectionError):
    status_code = 503
    code = "chain_unavailable"


class NotDeployed(ChainUnavailable):
    code = "contracts_not_deployed"


class TransactionReverted(RegistryError):
    """The chain refused a transaction with an error the service has no specific class for."""

    status_code = 422
    code = "transaction_reverted"


class TransactionFailed(RegistryError):
    """A transaction was sent but not confirmed (timeout, dropped, out of gas)."""

    status_code = 502
    code = "transaction_failed"
