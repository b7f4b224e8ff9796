"""Stable, serialisable mappings between external string ids and matrix indices."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from recommender.errors import InvalidInputError, UnknownIdError

IdKind = Literal["address", "work_id", "opaque"]

_PATTERNS: dict[IdKind, re.Pattern[str]] = {
    "address": re.compile(r"0x[0-9a-f]{40}"),
    "work_id": re.compile(r"0x[0-9a-f]{64}"),
}


def normalise_id(raw: str, kind: IdKind) -> str:
    """Return the canonical form of ``raw``.

    Hex ids (Ethereum addresses, 32-byte work ids) are lower-cased, so a checksummed and a
    lower-case address map to the same row; the EIP-55 checksum itself is not verified.
    Opaque ids are only stripped of surrounding whitespace.
    """
    if not isinstance(raw, str):
        raise InvalidInputError(f"{kind} id must be a str, got {type(raw).__name__}: {raw!r}")
    value = raw.strip()
    if kind == "opaque":
        if not value:
            raise InvalidInputError("opaque id must not be empty")
        return value
    value = value.lower()
    if not _PATTERNS[kind].fullmatch(value):
        raise InvalidInputError(f"not a valid {kind}: {raw!r}")
    return value


@dataclass
class IdMapping:
    """Bijection between external ids and contiguous indices ``0..len-1``.

    Indices are assigned in order of first appearance and never change: refitting on new data
    only appends ids, so a row or column index saved with a model stays valid.
    """

    kind: IdKind = "opaque"
    _ids: list[str] = field(default_factory=list, init=False, repr=False)
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, raw: object) -> bool:
        if not isinstance(raw, str):
            return False
        try:
            return normalise_id(raw, self.kind) in self._index
        except InvalidInputError:
            return False

    def add(self, raw: str) -> int:
        """Return the index of ``raw``, appending it if unseen."""
        key = normalise_id(raw, self.kind)
        index = self._index.get(key)
        if index is None:
            index = len(self._ids)
            self._ids.append(key)
            self._index[key] = index
        return index

    def extend(self, raws: Iterable[str]) -> list[int]:
        """Add every id of ``raws`` and return their indices in order."""
        return [self.add(raw) for raw in raws]

    def index_of(self, raw: str) -> int:
        """Return the index of a known id; raise :class:`UnknownIdError` otherwise."""
        key = normalise_id(raw, self.kind)
        try:
            return self._index[key]
        except KeyError:
            raise UnknownIdError(f"unknown {self.kind} {raw!r}") from None

    def id_of(self, index: int) -> str:
        """Return the canonical id stored at ``index``."""
        if not 0 <= index < len(self._ids):
            raise UnknownIdError(f"index {index} out of range for {len(self._ids)} {self.kind}s")
        return self._ids[index]

    @property
    def ids(self) -> tuple[str, ...]:
        """All canonical ids, position ``i`` holding the id of index ``i``."""
        return tuple(self._ids)

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form, read back by :meth:`from_json`."""
        return {"kind": self.kind, "ids": list(self._ids)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IdMapping:
        """Rebuild a mapping written by :meth:`to_json`, rejecting duplicates."""
        kind = data.get("kind")
        if kind not in ("address", "work_id", "opaque"):
            raise InvalidInputError(f"unknown id kind {kind!r}")
        mapping = cls(kind=kind)
        ids = data.get("ids")
        if not isinstance(ids, list):
            raise InvalidInputError("mapping 'ids' must be a list")
        for position, raw in enumerate(ids):
            if mapping.add(raw) != position:
                raise InvalidInputError(f"duplicate id {raw!r} in serialised mapping")
        return mapping
