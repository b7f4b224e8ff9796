"""Licences bought with a locally signed transaction, the market calls of the client, proofs,
interactions and recommendations, against the real server and chain."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain.anvil import Anvil
from backend.cli.keys import load_account
from backend.client.api import RightsClient
from backend.client.errors import ApiError
from backend.services.interactions import InteractionIn
from tests.client.conftest import PASSWORD, Cli, one_error_line
from tests.conftest import _funded

PRICE = 10**15


def _registered(cli: Cli, tmp_path: Path, key: str) -> tuple[Path, str]:
    song = tmp_path / f"{key}.wav"
    song.write_bytes(os.urandom(256))
    work = cli.json("register", str(song), "--key", key, "--title", f"Song of {key}")
    return song, str(work["work_id"])


def test_buy_and_check_licence(
    cli: Cli, api: RightsClient, w3: Web3, admin: LocalAccount, tmp_path: Path
) -> None:
    creator, buyer = _funded(w3, admin), _funded(w3, admin)
    cli.add_key("creator", creator, tmp_path)
    cli.add_key("buyer", buyer, tmp_path)
    song, work_id = _registered(cli, tmp_path, "creator")
    created = cli.json("offers", "create", work_id, "--key", "creator", "--price-eth", "0.001")
    assert created["status"] == "confirmed" and created["offer"]["price_wei"] == str(PRICE)
    offer_id = created["offer"]["offer_id"]

    bought = cli.json("licenses", "buy", work_id, "--key", "buyer")
    assert bought["status"] == "confirmed" and bought["license"]["holder"] == buyer.address
    valid = cli("licenses", "check", work_id, "--account", "buyer")
    assert valid.exit_code == 0 and "valid commercial licence" in valid.stdout
    assert cli("licenses", "check", work_id, "--account", creator.address).exit_code == 1
    listed = cli.json("licenses", "list", "--licensee", "buyer")
    assert [(lic["work_id"], lic["kind"]) for lic in listed] == [(work_id, "commercial")]
    assert "licence purchase" in cli("verify", str(song)).stdout
    missing = one_error_line(cli("licenses", "buy", work_id, "--key", "buyer", "--offer", "9"))
    assert missing.startswith("error: conflict:")

    assert api.balance(creator.address).withdrawable_wei > 0
    assert api.withdraw(creator).status == "confirmed"
    assert api.balance(creator.address).withdrawable_wei == 0
    switched = cli("offers", "deactivate", work_id, str(offer_id), "--key", "creator")
    assert switched.exit_code == 0, switched.output
    assert [o["active"] for o in cli.json("offers", "list", work_id)] == [False]
    api.set_payees(creator, work_id, [creator.address, buyer.address], [6000, 4000])
    assert api.payees(work_id).shares_bps == [6000, 4000]
    opened = api.open_dispute(buyer, work_id, evidence_uri="https://e.org/x", bond_wei=10**16)
    assert opened.dispute is not None and api.disputes(work=work_id)[0].status == "open"


def test_proof_export_and_check(cli: Cli, anvil: Anvil, tmp_path: Path) -> None:
    cli.json("keys", "create", "ada")
    song, work_id = _registered(cli, tmp_path, "ada")
    bundle = tmp_path / "proof.json"
    cli.json("proof", "export", work_id, "-o", str(bundle))
    assert json.loads(bundle.read_text())["content_hash"] == work_id
    checks = cli.json("proof", "check", str(bundle), str(song), "--rpc", anvil.rpc_url)
    assert len(checks) == 7 and all(c["ok"] for c in checks)
    song.write_bytes(song.read_bytes() + b"!")
    tampered = cli("proof", "check", str(bundle), str(song), "--rpc", anvil.rpc_url)
    assert tampered.exit_code == 1 and "FAIL  file_hash" in tampered.stdout


def test_interactions_recommend_and_train(
    cli: Cli, api: RightsClient, w3: Web3, admin: LocalAccount, tmp_path: Path
) -> None:
    creator = _funded(w3, admin)
    address = cli.add_key("creator", creator, tmp_path)
    folder = tmp_path / "songs"
    folder.mkdir()
    for i in range(3):
        (folder / f"song{i}.txt").write_bytes(os.urandom(32))
    cli.json("register", str(folder), "--key", "creator")
    work_ids = [w.work_id for w in api.works(creator=address).items]
    for work_id in work_ids:
        api.create_offer(creator, work_id, kind="personal", price_wei=PRICE)
    fans = [cli.json("keys", "create", name)["address"] for name in ("fan1", "fan2")]
    for name in ("fan1", "fan2"):
        account = load_account(tmp_path / "keys", name, PASSWORD)
        events = [InteractionIn(work_id=w, kind="rating", value=4.5) for w in work_ids[:2]]
        assert api.record_interactions(account, events).recorded == 2
    try:
        api.record_interactions(account, [InteractionIn(work_id="0x" + "00" * 32, kind="like")])
    except ApiError as exc:
        assert (exc.status, exc.code) == (404, "not_found")
    else:
        raise AssertionError("an unknown work must be refused")

    status = cli.json("train")
    assert status["version"] == 1 and status["users"] == 2
    recommended = cli.json("recommend", "fan1", "--k", "5")
    assert recommended["account"] == fans[0]
    assert {item["work_id"] for item in recommended["items"]} <= set(work_ids)
    shown = cli("recommend", fans[1])
    assert shown.exit_code == 0 and "recommendations for" in shown.stdout
