"""The work metadata document: its fields, its canonical bytes and the hash put on chain."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA = "rights-registry/work-metadata@1"
MediaType = Annotated[
    str,
    StringConstraints(
        max_length=127, pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$"
    ),
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class WorkMetadata(BaseModel):
    """What a creator says about a work; hashed with the content hash into the document."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    creator_name: str = Field("", max_length=200)
    media_type: MediaType = "application/octet-stream"
    description: str = Field("", max_length=5_000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


def canonical_document(content_hash: str, metadata: WorkMetadata) -> bytes:
    """The exact bytes whose SHA-256 is the on-chain metadata hash: UTF-8 JSON with sorted keys
    and no insignificant whitespace, so any client can rebuild and check them."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "content_hash": content_hash.lower(),
        **metadata.model_dump(),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def document_hash(document: bytes) -> str:
    return "0x" + hashlib.sha256(document).hexdigest()
