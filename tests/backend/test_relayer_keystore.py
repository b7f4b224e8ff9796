"""The relayer key from an encrypted keystore: unlocked with a password or a password file;
a wrong or missing one is refused with an error that names neither the password nor the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr, ValidationError

from backend.core.config import Settings
from backend.core.errors import RelayerKeyUnavailable
from backend.core.runtime import relayer_account

PASSWORD = "keystore password 7f3a"
CHAIN_ID = 1  # not anvil: no fallback to a dev key could hide a failure


@pytest.fixture
def relayer() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account


@pytest.fixture
def keystore(tmp_path: Path, relayer: LocalAccount) -> Path:
    path = tmp_path / "relayer.json"
    path.write_text(json.dumps(Account.encrypt(relayer.key, PASSWORD, iterations=2**10)))
    return path


def settings_with(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_relayer_account_keystore_password_unlocks(keystore: Path, relayer: LocalAccount) -> None:
    settings = settings_with(relayer_keystore=keystore, relayer_keystore_password=PASSWORD)
    assert relayer_account(settings, CHAIN_ID).address == relayer.address
    assert PASSWORD not in repr(settings) and PASSWORD not in settings.model_dump_json()


def test_relayer_account_keystore_password_file_unlocks(
    tmp_path: Path, keystore: Path, relayer: LocalAccount
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    settings = settings_with(
        relayer_keystore=keystore, relayer_keystore_password_file=password_file
    )
    assert relayer_account(settings, CHAIN_ID).address == relayer.address


def test_relayer_account_wrong_password_refused(keystore: Path, relayer: LocalAccount) -> None:
    settings = settings_with(relayer_keystore=keystore, relayer_keystore_password="not it")
    with pytest.raises(RelayerKeyUnavailable, match="cannot unlock") as refused:
        relayer_account(settings, CHAIN_ID)
    assert "not it" not in str(refused.value) and refused.value.__cause__ is None
    assert refused.value.__suppress_context__
    assert bytes(relayer.key).hex() not in str(refused.value)
    assert refused.value.status_code == 503


@pytest.mark.parametrize(
    ("content", "match"), [(None, "cannot read"), ("{not json", "not JSON"), ("{}", "unlock")]
)
def test_relayer_account_bad_keystore_refused(
    tmp_path: Path, content: str | None, match: str
) -> None:
    path = tmp_path / "keystore.json"
    if content is not None:
        path.write_text(content)
    settings = settings_with(relayer_keystore=path, relayer_keystore_password=PASSWORD)
    with pytest.raises(RelayerKeyUnavailable, match=match):
        relayer_account(settings, CHAIN_ID)


def test_relayer_account_missing_password_file_refused(keystore: Path, tmp_path: Path) -> None:
    settings = settings_with(
        relayer_keystore=keystore, relayer_keystore_password_file=tmp_path / "absent"
    )
    with pytest.raises(RelayerKeyUnavailable, match="password file"):
        relayer_account(settings, CHAIN_ID)


def test_settings_keystore_and_raw_key_conflict(keystore: Path, relayer: LocalAccount) -> None:
    raw = "0x" + bytes(relayer.key).hex()
    with pytest.raises(ValidationError, match="not both") as conflict:
        settings_with(
            relayer_keystore=keystore,
            relayer_keystore_password=PASSWORD,
            relayer_private_key=SecretStr(raw),
        )
    assert raw[2:] not in str(conflict.value) and PASSWORD not in str(conflict.value)


def test_settings_keystore_needs_one_password(keystore: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs one of"):
        settings_with(relayer_keystore=keystore)
    with pytest.raises(ValidationError, match="needs one of"):
        settings_with(
            relayer_keystore=keystore,
            relayer_keystore_password=PASSWORD,
            relayer_keystore_password_file=tmp_path / "password",
        )
