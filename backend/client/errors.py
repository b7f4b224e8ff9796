"""The client's one exception: the API's `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An API error answer (or a transport failure, code `unreachable`)."""

    def __init__(
        self, code: str, message: str, details: dict[str, Any] | None = None, status: int = 0
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status

    @classmethod
    def from_body(cls, status: int, body: Any) -> ApiError:
        """Build from a response body, whatever its shape."""
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            details = error.get("details")
            return cls(
                str(error.get("code", "error")),
                str(error.get("message", "")),
                details if isinstance(details, dict) else {},
                status,
            )
        return cls("http_error", f"HTTP {status}", {"body": body}, status)
