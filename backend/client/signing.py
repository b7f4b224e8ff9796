"""Everything the client signs, done locally with eth-account."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from backend.chain.typed_data import sign_typed_data
from backend.services.interactions import InteractionIn, signed_message

__all__ = ["sha256_file", "sign_interactions", "sign_transaction", "sign_typed_data"]

_INT_FIELDS = ("value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice", "gas", "nonce")


def sha256_file(path: Path, *, chunk_size: int = 1 << 20) -> str:
    """The content hash of a file: `0x` + SHA-256, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return "0x" + digest.hexdigest()


def sign_transaction(account: LocalAccount, transaction: dict[str, Any]) -> str:
    """Sign an unsigned transaction as the API returns it (quantities may be strings)."""
    tx = {k: v for k, v in transaction.items() if k != "from"}
    for key in _INT_FIELDS:
        if key in tx:
            tx[key] = int(tx[key])
    signed = account.sign_transaction(tx)
    return "0x" + bytes(signed.raw_transaction).hex()


def sign_interactions(
    account: LocalAccount,
    *,
    chain_id: int,
    contract: str,
    events: list[InteractionIn],
    timestamp: int,
) -> str:
    """EIP-191 `personal_sign` over the canonical JSON the API checks."""
    message = signed_message(
        account=account.address,
        chain_id=chain_id,
        contract=contract,
        events=events,
        timestamp=timestamp,
    )
    signed = account.sign_message(encode_defunct(text=message))
    return "0x" + bytes(signed.signature).hex()
