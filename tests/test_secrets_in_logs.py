"""The relayer key and its keystore password never reach a log or a response.

The launcher (`make run`) serves with the relayer key from an encrypted keystore and logging at
DEBUG; a client registers, offers, buys and walks into error paths; then every log (the
launcher's stdout and stderr, which carry the app's and uvicorn's logs; the chain node's log),
every file the service wrote and every response are searched for the key, with and without
0x and in either case, and for the password.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain.anvil import Anvil, free_port
from backend.client.api import RightsClient
from backend.client.errors import ApiError
from backend.services.metadata import WorkMetadata
from tests.test_launcher import REPO, _wait_ready

ADMIN_TOKEN = "admin-" + secrets.token_hex(8)


@contextmanager
def launched(env: dict[str, str], log_file: Path) -> Iterator[None]:
    """`scripts/run.py` as `make run` starts it, stopped with Ctrl-C's SIGINT."""
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/run.py"], cwd=REPO, env=env, stdout=log, stderr=log
        )
        try:
            _wait_ready(f"http://127.0.0.1:{env['API_PORT']}", process)
            yield
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def needles(relayer: LocalAccount, password: str) -> list[str]:
    key = bytes(relayer.key).hex()
    return [key, key.upper(), "0x" + key, password]


def leaks(text: str, secrets_: list[str]) -> list[str]:
    folded = text.lower()
    return [s for s in secrets_ if s in text or s.lower() in folded]


def _error_paths(
    client: RightsClient, creator: LocalAccount, buyer: LocalAccount, work_id: str
) -> None:
    """Refusals from the service, the chain and the guards, each with its error code."""
    calls: list[tuple[Callable[[], object], str | None]] = [
        (
            lambda: client.register(creator, work_id, WorkMetadata(title="Again")),
            "work_already_registered",
        ),
        (lambda: client.work("0x" + "00" * 32), "not_found"),
        (
            lambda: client.request("POST", "/v1/works", json={"content_hash": "0x12"}),
            "invalid_input",
        ),
        (lambda: client.request("POST", "/v1/recommender/train"), "unauthorized"),
        (lambda: client.buy_license(buyer, work_id, 99), None),
        (
            lambda: client.request(
                "POST", "/v1/withdrawals", json={"dev_account": 0}, headers={"X-API-Key": "x"}
            ),
            "unauthorized",
        ),
        (
            lambda: client.request("POST", "/v1/withdrawals", json={"dev_account": 0}),
            "dev_mode_disabled",
        ),
    ]
    for call, code in calls:
        with pytest.raises(ApiError) as refused:
            call()
        assert code is None or refused.value.code == code, refused.value


@pytest.fixture
def relayer(w3: Web3, admin: LocalAccount) -> LocalAccount:
    """A fresh key, funded, that exists nowhere but in the keystore."""
    account: LocalAccount = Account.create()
    w3.provider.make_request("anvil_setBalance", [account.address, hex(100 * 10**18)])  # type: ignore[arg-type]
    return account


def test_full_run_never_logs_or_returns_relayer_key(
    tmp_path: Path, database_url: str, anvil: Anvil, w3: Web3, relayer: LocalAccount
) -> None:
    password = "pw-" + secrets.token_hex(12)
    keystore = tmp_path / "secrets" / "relayer.json"
    keystore.parent.mkdir()
    keystore.write_text(json.dumps(Account.encrypt(relayer.key, password, iterations=2**12)))
    password_file = keystore.parent / "password"
    password_file.write_text(password + "\n")
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RELAYER_PRIVATE_KEY", "PUBLIC_URL")},
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "API_PORT": str(port),
        "RPC_URL": anvil.rpc_url,
        "DEV_MODE": "false",
        "LOG_LEVEL": "DEBUG",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "RELAYER_KEYSTORE": str(keystore),
        "RELAYER_KEYSTORE_PASSWORD_FILE": str(password_file),
    }
    responses: list[str] = []

    def record(response: httpx.Response) -> None:
        response.read()
        responses.append(f"{response.status_code} {dict(response.headers)} {response.text}")

    creator, buyer = Account.create(), Account.create()
    for account in (creator, buyer):
        w3.provider.make_request("anvil_setBalance", [account.address, hex(10**18)])  # type: ignore[arg-type]
    launcher_log = tmp_path / "launcher.log"
    with (
        launched(env, launcher_log),
        RightsClient(f"http://127.0.0.1:{port}", event_hooks={"response": [record]}) as client,
    ):
        assert client.chain().relayer == relayer.address  # the keystore's key relays
        work = client.register(creator, "0x" + os.urandom(32).hex(), WorkMetadata(title="Song"))
        offer = client.create_offer(creator, work.work_id, kind="commercial", price_wei=10**15)
        assert offer.offer is not None
        bought = client.buy_license(buyer, work.work_id, offer.offer.offer_id)
        assert bought.status == "confirmed"

        _error_paths(client, creator, buyer, work.work_id)
        for path in ("/readyz", "/v1/chain", "/openapi.json", "/v1/admin/api-keys"):
            client.request("GET", path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})

    log_text = launcher_log.read_text(errors="replace")
    assert " DEBUG " in log_text and "POST /v1/licenses" in log_text, "logs were not captured"
    assert anvil.log_file is not None
    searched = {
        "launcher log (app + uvicorn)": log_text,
        "anvil log": anvil.log_file.read_text(errors="replace"),
        "responses": "\n".join(responses),
    }
    for written in data_dir.rglob("*"):
        if written.is_file():
            searched[str(written)] = written.read_bytes().decode("latin-1")
    assert len(responses) >= 15
    found = {where: leaks(text, needles(relayer, password)) for where, text in searched.items()}
    assert not any(found.values()), f"secret material found: {found}"
