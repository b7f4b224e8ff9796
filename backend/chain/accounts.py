"""Keys the service signs with: the relayer's and, in dev mode, anvil's prefunded accounts."""

from __future__ import annotations

from functools import cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.chain.anvil import DEV_MNEMONIC

DEV_ACCOUNT_COUNT = 10

Account.enable_unaudited_hdwallet_features()


@cache
def dev_account(index: int) -> LocalAccount:
    """anvil's dev account ``index`` (0 is the relayer in dev runs)."""
    if not 0 <= index < DEV_ACCOUNT_COUNT:
        raise ValueError(f"dev account index must be in 0..{DEV_ACCOUNT_COUNT - 1}, got {index}")
    account: LocalAccount = Account.from_mnemonic(
        DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}"
    )
    return account
