"""The relayer key from an encrypted keystore (the JSON that eth-account, geth and
`rights keys` write), unlocked with a password given directly or in a file.

Errors name the file and what went wrong, never the password or the key, and are raised
`from None` so that no chained exception carries secret material into a log.
"""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr

from backend.core.errors import RelayerKeyUnavailable


def account_from_keystore(
    path: Path, *, password: SecretStr | None, password_file: Path | None
) -> LocalAccount:
    """Decrypt the keystore at ``path`` with ``password`` or the one in ``password_file``."""
    secret = password.get_secret_value() if password is not None else _read_password(password_file)
    try:
        keystore = json.loads(path.read_text())
    except OSError as exc:
        raise RelayerKeyUnavailable(
            f"cannot read the relayer keystore {path}: {exc.strerror}"
        ) from None
    except ValueError:
        raise RelayerKeyUnavailable(f"the relayer keystore {path} is not JSON") from None
    try:
        private_key = Account.decrypt(keystore, secret)
    except (ValueError, TypeError, KeyError):
        raise RelayerKeyUnavailable(
            f"cannot unlock the relayer keystore {path}: wrong password or not a keystore"
        ) from None
    account: LocalAccount = Account.from_key(private_key)
    return account


def _read_password(path: Path | None) -> str:
    """The password in ``path``, without the line ending an editor adds."""
    if path is None:
        raise RelayerKeyUnavailable("the relayer keystore needs a password or a password file")
    try:
        return path.read_text().rstrip("\r\n")
    except OSError as exc:
        raise RelayerKeyUnavailable(
            f"cannot read the keystore password file {path}: {exc.strerror}"
        ) from None
