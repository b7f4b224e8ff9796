"""Encrypted keystore files (Web3 Secret Storage, via eth-account) in a keys folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from rich.table import Table

from backend.cli.context import Password, PasswordFile, console, emit_json, fail, handled, state

app = typer.Typer(help="Create, import and list encrypted keys.", no_args_is_help=True)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class KeyFile:
    name: str
    address: str
    path: Path


def key_path(keys_dir: Path, name: str) -> Path:
    if not _NAME.match(name):
        fail(f"bad key name {name!r}: letters, digits, '.', '_' or '-'")
    return keys_dir / f"{name}.json"


def list_keys(keys_dir: Path) -> list[KeyFile]:
    keys = []
    for path in sorted(keys_dir.glob("*.json")) if keys_dir.is_dir() else []:
        address = json.loads(path.read_text()).get("address", "")
        keys.append(
            KeyFile(path.stem, to_checksum_address("0x" + address.removeprefix("0x")), path)
        )
    return keys


def key_address(keys_dir: Path, name: str) -> str:
    """The address of a stored key, read without its password."""
    path = key_path(keys_dir, name)
    if not path.is_file():
        fail(f"no key named {name!r} in {keys_dir}")
    address = str(json.loads(path.read_text())["address"])
    return to_checksum_address("0x" + address.removeprefix("0x"))


def read_password(password: str | None, password_file: Path | None, *, confirm: bool) -> str:
    """From --password-file, else RIGHTS_PASSWORD, else a prompt."""
    if password_file is not None:
        return password_file.read_text().rstrip("\r\n")
    if password is not None:
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


def load_account(keys_dir: Path, name: str, password: str) -> LocalAccount:
    path = key_path(keys_dir, name)
    if not path.is_file():
        fail(f"no key named {name!r} in {keys_dir}")
    try:
        private_key = Account.decrypt(json.loads(path.read_text()), password)
    except ValueError:
        fail(f"wrong password for key {name!r}")
    account: LocalAccount = Account.from_key(private_key)
    return account


def _save(keys_dir: Path, name: str, account: LocalAccount, password: str) -> KeyFile:
    path = key_path(keys_dir, name)
    if path.exists():
        fail(f"a key named {name!r} exists already: {path}")
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    keystore = Account.encrypt(account.key, password)
    path.touch(mode=0o600)
    path.write_text(json.dumps(keystore))
    return KeyFile(name, account.address, path)


def _show(ctx: typer.Context, key: KeyFile, verb: str) -> None:
    if state(ctx).json:
        emit_json({"name": key.name, "address": key.address, "path": str(key.path)})
    else:
        console.print(f"{verb} key [bold]{key.name}[/bold]: {key.address} ({key.path})")


@app.command("create")
@handled
def create(
    ctx: typer.Context,
    name: str,
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Create a new key, encrypted with a password."""
    keys_dir = state(ctx).keys_dir
    key_path(keys_dir, name)
    secret = read_password(password, password_file, confirm=True)
    _show(ctx, _save(keys_dir, name, Account.create(), secret), "Created")


@app.command("import")
@handled
def import_key(
    ctx: typer.Context,
    name: str,
    source: Annotated[Path, typer.Argument(help="a file holding a 0x-hex private key")],
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Import a private key from a file and store it encrypted."""
    keys_dir = state(ctx).keys_dir
    key_path(keys_dir, name)
    try:
        account: LocalAccount = Account.from_key(source.read_text().strip())
    except (ValueError, TypeError):
        fail(f"{source} does not hold a private key as hex")
    secret = read_password(password, password_file, confirm=True)
    _show(ctx, _save(keys_dir, name, account, secret), "Imported")


@app.command("list")
@handled
def list_command(ctx: typer.Context) -> None:
    """The stored keys and their addresses."""
    st = state(ctx)
    keys = list_keys(st.keys_dir)
    if st.json:
        emit_json([{"name": k.name, "address": k.address, "path": str(k.path)} for k in keys])
        return
    if not keys:
        console.print(f"no keys in {st.keys_dir}")
        return
    table = Table("name", "address")
    for key in keys:
        table.add_row(key.name, key.address)
    console.print(table)
