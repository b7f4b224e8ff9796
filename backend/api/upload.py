"""Stream a multipart upload: the file part is hashed as it arrives and never held whole.

The size limit is enforced on the bytes actually received (and up front from Content-Length),
so an oversized upload is refused with 413 without being buffered in memory or on disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from backend.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 64
FILE_FIELD = "file"


@dataclass
class Upload:
    """The form's text fields and, if a `file` part came, its SHA-256, size and type."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    content_hash: str | None = None
    size: int = 0
    filename: str | None = None
    content_type: str | None = None

    def value(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


async def read_upload(request: Request, *, max_bytes: int) -> Upload:
    """Parse a `multipart/form-data` request whose file part is named `file`."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise UnsupportedMediaType("expected multipart/form-data with a boundary")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + MAX_FIELD_BYTES:
        raise PayloadTooLarge(f"uploads are limited to {max_bytes} bytes", limit=max_bytes)
    state = _PartState(max_bytes)
    parser = MultipartParser(params[b"boundary"], cast("MultipartCallbacks", state.callbacks()))
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ParseError as exc:
        raise InvalidInput("the multipart body is malformed", reason=str(exc)) from exc
    if not state.finished:
        raise InvalidInput("the multipart body is truncated")
    return state.upload


class _PartState:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.upload = Upload()
        self.finished = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._is_file = False
        self._digest = hashlib.sha256()
        self._buffer = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._buffer = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = self._name == FILE_FIELD
        if self._is_file:
            if self.upload.content_hash is not None:
                raise InvalidInput("only one file may be uploaded per request")
            self.upload.filename = params.get(b"filename", b"").decode("utf-8", "replace") or None
            part_type = self._headers.get(b"content-type")
            self.upload.content_type = part_type.decode("latin-1") if part_type else None
        elif sum(len(v) for v in self.upload.fields.values()) >= MAX_FIELDS:
            raise InvalidInput(f"at most {MAX_FIELDS} form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise PayloadTooLarge(
                    f"uploads are limited to {self.max_bytes} bytes", limit=self.max_bytes
                )
            self._digest.update(data[start:end])
            return
        self._buffer += data[start:end]
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise PayloadTooLarge(f"form field {self._name!r} exceeds {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if self._is_file:
            self.upload.content_hash = "0x" + self._digest.hexdigest()
            return
        try:
            text = bytes(self._buffer).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"form field {self._name!r} is not UTF-8") from exc
        self.upload.fields.setdefault(self._name, []).append(text)

    def _end(self) -> None:
        self.finished = True
