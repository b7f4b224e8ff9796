"""What an outbox operation sends: a relayed registration, stored as plain JSON so that it can be
signed and sent again after a crash or a chain that lost it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from hexbytes import HexBytes
from web3.contract.contract import ContractFunction

from backend.chain.registry import RegistryClient


@dataclass(frozen=True)
class RegistrationCall:
    """`registerDerivativeFor` with a parent, `registerFor` for one work, else
    `registerBatchFor`: the cheapest call that carries the creator's signature."""

    creator: str
    content_hashes: list[str]
    metadata_hashes: list[str]
    deadline: int
    signature: str
    parent_id: str | None = None

    @property
    def kind(self) -> str:
        if self.parent_id is not None:
            return "derivative"
        return "register" if len(self.content_hashes) == 1 else "batch"

    def function(self, registry: RegistryClient) -> ContractFunction:
        functions = registry.contract.functions
        hashes = [bytes(HexBytes(h)) for h in self.content_hashes]
        metas = [bytes(HexBytes(h)) for h in self.metadata_hashes]
        proof = bytes(HexBytes(self.signature))
        if self.parent_id is not None:
            parent = int(self.parent_id, 16)
            return functions.registerDerivativeFor(
                self.creator, hashes[0], metas[0], parent, self.deadline, proof
            )
        if len(hashes) == 1:
            return functions.registerFor(self.creator, hashes[0], metas[0], self.deadline, proof)
        return functions.registerBatchFor(self.creator, hashes, metas, self.deadline, proof)

    def request_hash(self) -> str:
        """What an `Idempotency-Key` is bound to: the works and who registers them, not the
        signature or its deadline (a client may sign again before it retries)."""
        subject = {
            "creator": self.creator.lower(),
            "content_hashes": [h.lower() for h in self.content_hashes],
            "metadata_hashes": [h.lower() for h in self.metadata_hashes],
            "parent_id": self.parent_id.lower() if self.parent_id else None,
        }
        encoded = json.dumps(subject, sort_keys=True, separators=(",", ":")).encode()
        return "0x" + hashlib.sha256(encoded).hexdigest()

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RegistrationCall:
        return cls(**json.loads(text))
