"""Keys, registration of a file and of a folder (resumable), and verification via the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account

from backend.cli.folder import STATE_FILE
from backend.cli.keys import load_account
from backend.client.api import RightsClient
from backend.client.signing import sha256_file
from backend.services.metadata import WorkMetadata
from tests.client.conftest import PASSWORD, Cli, one_error_line


def test_keys_create_import_list(cli: Cli, tmp_path: Path) -> None:
    created = cli.json("keys", "create", "alice")
    account = Account.create()
    imported = cli.add_key("bob", account, tmp_path)
    assert imported == account.address
    listed = cli.json("keys", "list")
    assert [(k["name"], k["address"]) for k in listed] == [
        ("alice", created["address"]),
        ("bob", account.address),
    ]
    keystore = json.loads((tmp_path / "keys" / "bob.json").read_text())
    assert bytes(account.key).hex() not in json.dumps(keystore)
    assert "already" in one_error_line(cli("keys", "create", "alice"))
    password_file = tmp_path / "pw"
    password_file.write_text("wrong\n")
    failed = cli(
        "register", str(password_file), "--key", "bob", "--password-file", str(password_file)
    )
    assert "wrong password" in one_error_line(failed)


def test_register_file_signed_locally_then_verify(cli: Cli, tmp_path: Path) -> None:
    address = cli.json("keys", "create", "ada")["address"]
    song = tmp_path / "song.txt"
    song.write_bytes(b"my first song " + os.urandom(16))
    work = cli.json(
        "register", str(song), "--key", "ada", "--title", "My first song", "--tags", "folk"
    )
    assert work["work_id"] == sha256_file(song)
    assert work["creator"] == work["owner"] == address

    shown = cli("verify", str(song))
    assert shown.exit_code == 0, shown.output
    for expected in ("My first song", "registered", address, "metadata integrity: ok", "lineage"):
        assert expected in shown.stdout
    provenance = cli.json("verify", work["work_id"])
    assert provenance["registered"] and provenance["metadata"]["matches"]

    again = one_error_line(cli("register", str(song), "--key", "ada", "--title", "Again"))
    assert "work_already_registered" in again


def test_failures_are_one_line(cli: Cli, tmp_path: Path) -> None:
    cli.json("keys", "create", "ada")
    assert "no such file" in one_error_line(cli("verify", str(tmp_path / "missing.wav")))
    assert "no such file" in one_error_line(
        cli("register", str(tmp_path / "missing.wav"), "--key", "ada")
    )
    unknown = "0x" + os.urandom(32).hex()
    assert "not_found" in one_error_line(cli("proof", "export", unknown, "-o", "p.json"))
    unregistered = tmp_path / "new.bin"
    unregistered.write_bytes(os.urandom(64))
    result = cli("verify", str(unregistered))
    assert result.exit_code == 1 and "not registered" in result.stdout
    assert "unreachable" in one_error_line(cli("--api", "http://127.0.0.1:1", "verify", unknown))


def _folder(tmp_path: Path, count: int, start: int = 0) -> Path:
    folder = tmp_path / "album"
    folder.mkdir(exist_ok=True)
    for i in range(start, start + count):
        (folder / f"track{i}.txt").write_bytes(f"track {i} ".encode() + os.urandom(8))
    return folder


def _counts(summary: dict[str, int]) -> tuple[int, int, int]:
    return summary["registered"], summary["already_registered"], summary["skipped_done"]


def test_register_folder_in_batches(cli: Cli, api: RightsClient, tmp_path: Path) -> None:
    address = cli.json("keys", "create", "band")["address"]
    folder = _folder(tmp_path, 5)
    args = ("register", str(folder), "--key", "band", "--title", "Album", "--batch-size", "2")
    assert _counts(cli.json(*args)) == (5, 0, 0)
    works = api.works(creator=address, limit=10).items
    assert {w.creator for w in works} == {address} and len(works) == 5
    document = json.loads(api.metadata(works[0].work_id))
    assert document["title"].startswith("Album: track") and document["media_type"] == "text/plain"
    shown = cli("register", str(folder), "--key", "band")
    assert "registered 0, already registered 0, done before (skipped) 5" in shown.stdout


def test_register_folder_interrupted_then_resumed(
    cli: Cli, api: RightsClient, tmp_path: Path
) -> None:
    address = cli.json("keys", "create", "band")["address"]
    folder = _folder(tmp_path, 2)
    too_long = folder / ("track2" + "x" * 200 + ".txt")  # a title over 200 characters
    too_long.write_bytes(os.urandom(8))
    _folder(tmp_path, 2, start=3)
    args = ("register", str(folder), "--key", "band", "--batch-size", "2")
    assert "title" in one_error_line(cli(*args))  # the second batch stops the run
    assert len(json.loads((folder / STATE_FILE).read_text())["done"]) == 2

    too_long.rename(folder / "track2.txt")
    account = load_account(tmp_path / "keys", "band", PASSWORD)
    api.register_file(account, folder / "track3.txt", WorkMetadata(title="registered elsewhere"))
    assert _counts(cli.json(*args)) == (2, 1, 2)
    assert _counts(cli.json(*args)) == (0, 0, 5)
    assert len(api.works(creator=address, limit=10).items) == 5
