"""Reading the index: one work, the paginated list, metadata documents, chain facts, health."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from backend.chain.accounts import dev_account
from backend.chain.deployment import Deployment
from tests.backend.helpers import register_dev, register_signed, sha256_hex, work_in


def _walk(client: TestClient, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a listing, page by page; and the number of pages."""
    items: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/works", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert len(page["items"]) <= params["limit"]
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 50, "pagination does not end"


def _chain_order(items: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(w["block_number"], w["log_index"]) for w in items]


def test_get_work_returns_registration(client: TestClient, creator: LocalAccount) -> None:
    registered = register_signed(client, creator)
    response = client.get(f"/v1/works/{registered['work_id']}")
    assert response.status_code == 200
    assert response.json() == registered
    upper = "0x" + registered["work_id"][2:].upper()
    assert client.get(f"/v1/works/{upper}").json() == registered


def test_list_works_pages_cover_all_newest_first(client: TestClient) -> None:
    batch = register_dev(client, 1, [work_in(title=f"Sunset {n}") for n in range(4)])
    singles = [register_dev(client, 2, [work_in(title=f"Dawn {n}")])[0] for n in range(3)]
    singles.append(register_dev(client, 2, [work_in(title="Late SUNSET")])[0])
    everything = batch + singles

    items, pages = _walk(client, limit=3)
    assert pages == 3
    ids = [w["work_id"] for w in items]
    assert len(ids) == len(set(ids)) == len(everything)
    assert set(ids) == {w["work_id"] for w in everything}
    assert _chain_order(items) == sorted(_chain_order(items), reverse=True)
    assert items[0]["work_id"] == singles[-1]["work_id"]

    by_creator, _ = _walk(client, limit=2, creator=dev_account(2).address.lower())
    assert [w["work_id"] for w in by_creator] == [w["work_id"] for w in reversed(singles)]

    sunsets, _ = _walk(client, limit=2, q="sunset")
    expected = [singles[-1]] + list(reversed(batch))
    assert [w["work_id"] for w in sunsets] == [w["work_id"] for w in expected]

    both, _ = _walk(client, limit=1, q="Sunset", creator=dev_account(1).address)
    assert [w["work_id"] for w in both] == [w["work_id"] for w in reversed(batch)]


def test_list_works_unknown_creator_empty(client: TestClient, stranger: LocalAccount) -> None:
    register_dev(client, 1, [work_in()])
    page = client.get("/v1/works", params={"creator": stranger.address}).json()
    assert page == {"items": [], "next_cursor": None}


def test_list_works_title_with_underscore_found(client: TestClient) -> None:
    work = register_dev(client, 1, [work_in(title="stem_mix_v2")])[0]
    page = client.get("/v1/works", params={"q": "stem_mix"}).json()
    assert [w["work_id"] for w in page["items"]] == [work["work_id"]]


def test_get_metadata_hash_matches_chain(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount
) -> None:
    work = register_signed(client, creator, work_in(title="Été", description="naïve ✓"))
    response = client.get(f"/v1/works/{work['work_id']}/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    receipt = w3.eth.get_transaction_receipt(work["tx_hash"])
    (event,) = registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
    assert sha256_hex(response.content) == "0x" + event["args"]["metadataHash"].hex()
    assert sha256_hex(response.content) == work["metadata_hash"]
    token_uri = registry.functions.tokenURI(int(work["work_id"], 16)).call()
    assert token_uri == work["metadata_url"]


def test_chain_info_matches_deployment(
    client: TestClient, deployment: Deployment, admin: LocalAccount
) -> None:
    response = client.get("/v1/chain")
    assert response.status_code == 200
    assert response.json() == {
        "chain_id": deployment.chain_id,
        "registry_address": deployment.registry_address,
        "deployment_block": deployment.block_number,
        "relayer": admin.address,
        "eip712_domain": {
            "name": "WorkRegistry",
            "version": "1",
            "chainId": deployment.chain_id,
            "verifyingContract": deployment.registry_address,
        },
        "dev_mode": True,
    }


def test_health_and_readiness_ok(client: TestClient, deployment: Deployment) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["registry"] == deployment.registry_address
    assert body["chain_head"] >= deployment.block_number
