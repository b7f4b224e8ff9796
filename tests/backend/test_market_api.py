"""The licensing market through the API, against the real chain and database."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from hexbytes import HexBytes
from web3 import Web3

from backend.chain.accounts import dev_account
from tests.backend.helpers import PRICE, buy_license, create_offer, register_work
from tests.conftest import random_hash


def test_offer_buy_check_and_balances_confirmed(client: TestClient) -> None:
    work_id = register_work(client, 1)
    split = {
        "accounts": [dev_account(1).address, dev_account(2).address],
        "shares_bps": [7000, 3000],
    }
    assert (
        client.put(f"/v1/works/{work_id}/payees", json={**split, "dev_account": 1}).status_code
        == 200
    )
    before = int(
        client.get(f"/v1/payees/{dev_account(2).address}/balance").json()["withdrawable_wei"]
    )
    created = create_offer(
        client, work_id, 1, duration_seconds=3600, terms_uri="https://terms.example/1"
    )
    assert created["status"] == "confirmed"
    assert created["offer"]["offer_id"] == 1 and created["offer"]["price_wei"] == str(PRICE)

    bought = buy_license(client, work_id, 1, dev_account=3)
    assert bought.status_code == 200, bought.text
    license_ = bought.json()["license"]
    assert license_["holder"] == dev_account(3).address and license_["valid_now"] is True

    check = client.get(
        "/v1/licenses/check",
        params={"work": work_id, "account": dev_account(3).address, "kind": "commercial"},
    ).json()
    assert check["valid"] is True
    assert check["proof"]["tx_hash"] == bought.json()["tx_hash"]
    other_kind = client.get(
        "/v1/licenses/check",
        params={"work": work_id, "account": dev_account(3).address, "kind": "derivative"},
    ).json()
    assert other_kind["valid"] is False and other_kind["proof"] is None

    after = int(
        client.get(f"/v1/payees/{dev_account(2).address}/balance").json()["withdrawable_wei"]
    )
    assert after - before == PRICE * 3000 // 10_000
    assert client.get(f"/v1/works/{work_id}/payees").json()["shares_bps"] == [7000, 3000]
    listed = client.get(
        "/v1/licenses", params={"licensee": dev_account(3).address, "work": work_id}
    )
    assert [lic["tx_hash"] for lic in listed.json()] == [bought.json()["tx_hash"]]


def test_buy_with_unsigned_then_signed_transaction_confirmed(
    client: TestClient, w3: Web3, stranger: LocalAccount
) -> None:
    work_id = register_work(client, 1)
    create_offer(client, work_id, 1)
    unsigned = buy_license(client, work_id, 1, sender=stranger.address)
    assert unsigned.status_code == 200 and unsigned.json()["status"] == "unsigned"
    tx = unsigned.json()["transaction"]
    assert int(tx["value"]) == PRICE and tx["from"] == stranger.address
    tx = {
        **tx,
        "value": int(tx["value"]),
        "maxFeePerGas": int(tx["maxFeePerGas"]),
        "maxPriorityFeePerGas": int(tx["maxPriorityFeePerGas"]),
    }
    tx.pop("from")
    signed = "0x" + bytes(stranger.sign_transaction(tx).raw_transaction).hex()

    relayed = buy_license(client, work_id, 1, signed_tx=signed)
    assert relayed.status_code == 200, relayed.text
    assert relayed.json()["license"]["holder"] == stranger.address

    tampered = buy_license(client, random_hash(), 1, signed_tx=signed)
    assert tampered.status_code in (409, 422)


def test_non_owner_offer_forbidden(client: TestClient) -> None:
    work_id = register_work(client, 1)
    response = client.post(
        f"/v1/works/{work_id}/offers",
        json={"kind": "personal", "price_wei": 1, "dev_account": 2},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_work_owner"


def test_inactive_offer_cannot_be_bought_conflict(client: TestClient) -> None:
    work_id = register_work(client, 1)
    create_offer(client, work_id, 1)
    assert buy_license(client, work_id, 1, dev_account=3).status_code == 200
    patched = client.patch(
        f"/v1/works/{work_id}/offers/1", json={"active": False, "dev_account": 1}
    )
    assert patched.status_code == 200, patched.text
    refused = buy_license(client, work_id, 1, dev_account=4)
    assert refused.status_code == 409
    offers = client.get(f"/v1/works/{work_id}/offers").json()
    assert offers[0]["active"] is False and offers[0]["sold"] == 1
    check = client.get(
        "/v1/licenses/check",
        params={"work": work_id, "account": dev_account(3).address, "kind": "commercial"},
    ).json()
    assert check["valid"] is True, "deactivating an offer never invalidates sold licences"


def test_wrong_auth_combinations_rejected(client: TestClient) -> None:
    work_id = register_work(client, 1)
    create_offer(client, work_id, 1)
    both = buy_license(client, work_id, 1, dev_account=3, sender=dev_account(3).address)
    assert both.status_code == 422
    neither = buy_license(client, work_id, 1)
    assert neither.status_code == 422
    garbage = buy_license(client, work_id, 1, signed_tx="0x02abcdef")
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "invalid_input"


def test_dispute_upheld_flags_work_everywhere(client: TestClient) -> None:
    work_id = register_work(client, 1)
    create_offer(client, work_id, 1)
    opened = client.post(
        "/v1/disputes",
        json={
            "work_id": work_id,
            "evidence_uri": "https://evidence.example/1",
            "bond_wei": 10**16,
            "dev_account": 4,
        },
    )
    assert opened.status_code == 200, opened.text
    dispute_id = opened.json()["dispute"]["dispute_id"]
    by_stranger = client.post(
        f"/v1/disputes/{dispute_id}/resolve", json={"upheld": True, "dev_account": 5}
    )
    assert by_stranger.status_code == 403
    assert by_stranger.json()["error"]["code"] == "access_control_unauthorized_account"
    resolved = client.post(
        f"/v1/disputes/{dispute_id}/resolve", json={"upheld": True, "dev_account": 0}
    )
    assert resolved.status_code == 200, resolved.text

    refused = buy_license(client, work_id, 1, dev_account=3)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "work_flagged"
    provenance = client.get(f"/v1/works/{work_id}/provenance").json()
    assert provenance["flagged"] is True
    assert provenance["disputes"][0]["status"] == "upheld"
    assert provenance["offers"][0]["offer_id"] == 1
    listed = client.get("/v1/disputes", params={"work": work_id, "status": "upheld"}).json()
    assert [d["dispute_id"] for d in listed] == [dispute_id]


def test_derivative_registration_needs_licence_and_shows_lineage(client: TestClient) -> None:
    parent = register_work(client, 1)
    refused = client.post(
        "/v1/works",
        json={
            "content_hash": random_hash(),
            "metadata": {"title": "remix"},
            "dev_account": 3,
            "parent_id": parent,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "derivative_license_required"

    create_offer(client, parent, 1, kind="derivative")
    assert buy_license(client, parent, 1, dev_account=3).status_code == 200
    child = register_work(client, 3, parent_id=parent)
    assert client.get(f"/v1/works/{child}/provenance").json()["lineage"]["parent"] == parent
    parent_view = client.post("/v1/verify", json={"content_hash": parent}).json()
    assert parent_view["lineage"]["derivatives"] == [child]
    assert [lic["holder"] for lic in parent_view["licenses"]] == [dev_account(3).address]


def test_withdraw_pays_out_balance(client: TestClient, w3: Web3) -> None:
    work_id = register_work(client, 6)
    create_offer(client, work_id, 6)
    buy_license(client, work_id, 1, dev_account=7)
    payee = dev_account(6).address
    balance = int(client.get(f"/v1/payees/{payee}/balance").json()["withdrawable_wei"])
    assert balance >= PRICE
    before = w3.eth.get_balance(payee)
    withdrawn = client.post("/v1/withdrawals", json={"dev_account": 6})
    assert withdrawn.status_code == 200, withdrawn.text
    receipt = w3.eth.get_transaction_receipt(HexBytes(withdrawn.json()["tx_hash"]))
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(payee) == before + balance - fee
    assert client.get(f"/v1/payees/{payee}/balance").json()["withdrawable_wei"] == "0"
