"""One exception hierarchy for the service; the API turns each into the same JSON error shape.

`{"error": {"code": ..., "message": ..., "details": {...}}}` with the class's HTTP status.
"""

from __future__ import annotations

import math
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

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body."""
        return {}


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


class LengthRequired(RegistryError):
    status_code = 411
    code = "length_required"


class RetryLater(RegistryError):
    """A refusal that lifts by itself; `Retry-After` (whole seconds) says when to try again."""

    def __init__(self, message: str, *, retry_after: float, **details: Any) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, retry_after=self.retry_after, **details)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class RateLimited(RetryLater):
    """Too many relayed writes from one client, or for one creator, in the window."""

    status_code = 429
    code = "rate_limited"


class GasBudgetExhausted(RetryLater):
    """The creator's share of the relayer's gas for the window is spent."""

    status_code = 429
    code = "gas_budget_exhausted"


class RelayerBudgetExhausted(RetryLater):
    """The relayer's gas budget for the window is spent, whoever asks."""

    status_code = 503
    code = "relayer_budget_exhausted"


class RelayerBalanceLow(RegistryError):
    """The relayer's balance is at its floor: it relays nothing until it is topped up."""

    status_code = 503
    code = "relayer_balance_low"


class DevModeDisabled(RegistryError, PermissionError):
    status_code = 403
    code = "dev_mode_disabled"


class ChainUnavailable(RegistryError, ConnectionError):
    status_code = 503
    code = "chain_unavailable"


class NotDeployed(ChainUnavailable):
    code = "contracts_not_deployed"


class RelayerKeyUnavailable(ChainUnavailable):
    """The relayer's keystore cannot be read or unlocked: nothing can be relayed."""

    code = "relayer_key_unavailable"


class TransactionReverted(RegistryError):
    """The chain refused a transaction with an error the service has no specific class for."""

    status_code = 422
    code = "transaction_reverted"


class InsufficientFunds(RegistryError):
    """The account that would send the transaction cannot pay for its gas and value."""

    status_code = 422
    code = "insufficient_funds"


class NodeError(RegistryError):
    """The chain node answered a request with an error (not a revert, not an outage)."""

    status_code = 502
    code = "node_error"


class TransactionFailed(RegistryError):
    """A transaction was sent but not confirmed (timeout, dropped, out of gas)."""

    status_code = 502
    code = "transaction_failed"


def rebuild(code: str, message: str, details: dict[str, Any]) -> RegistryError:
    """The error a stored ``code`` names, so that a recorded failure is reported again as it was
    first reported (an idempotent retry, an operation's status)."""
    classes: list[type[RegistryError]] = [RegistryError]
    for cls in classes:
        if cls.code == code:
            return cls(message, **details)
        classes.extend(cls.__subclasses__())
    error = RegistryError(message, **details)
    error.code = code
    return error
