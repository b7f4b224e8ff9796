"""Users' own transactions: returned unsigned, relayed once signed, or (dev mode) signed here."""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from backend.chain.accounts import dev_account
from backend.chain.registry import RegistryClient
from backend.core import errors
from backend.core.config import Settings
from backend.indexer.indexer import Indexer
from backend.services.market_schemas import TxAuth, TxOutcome


def submit(
    *,
    settings: Settings,
    registry: RegistryClient,
    indexer: Indexer,
    fn: ContractFunction,
    auth: TxAuth,
    value: int = 0,
) -> tuple[TxOutcome, TxReceipt | None]:
    """Carry out ``fn`` as ``auth`` says; a confirmed transaction is indexed before returning."""
    chosen = [x is not None for x in (auth.sender, auth.signed_tx, auth.dev_account)]
    if sum(chosen) != 1:
        raise errors.InvalidInput("give exactly one of sender, signed_tx or dev_account")
    if auth.sender is not None:
        tx = registry.unsigned(fn, sender=auth.sender, value=value)  # type: ignore[arg-type]
        return TxOutcome(status="unsigned", transaction=_jsonable(dict(tx))), None
    if auth.dev_account is not None:
        if not settings.dev_mode:
            raise errors.DevModeDisabled("dev_account signing is only available in dev mode")
        receipt = registry.transact(fn, sender=dev_account(auth.dev_account), value=value)
    else:
        assert auth.signed_tx is not None
        receipt = registry.relay_signed(bytes(HexBytes(auth.signed_tx)), expected=fn, value=value)
    indexer.sync()
    outcome = TxOutcome(
        status="confirmed",
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block_number=receipt["blockNumber"],
    )
    return outcome, receipt


def _jsonable(tx: dict[str, Any]) -> dict[str, Any]:
    """Quantities as decimal strings where they may exceed JSON's safe integers."""
    out: dict[str, Any] = {}
    for key, value in tx.items():
        if key in ("value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice"):
            out[key] = str(int(value))
        elif isinstance(value, bytes):
            out[key] = "0x" + value.hex()
        else:
            out[key] = value
    return out
