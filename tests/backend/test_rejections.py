"""Refused requests: each answers `{"error": {"code", "message", "details"}}` with its status."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3
from web3.contract import Contract

from backend.chain.accounts import dev_account
from tests.backend.helpers import (
    assert_error,
    register_dev,
    register_on_chain,
    runtime_of,
    sign,
    signed_auth,
    typed_data,
    work_in,
)
from tests.conftest import random_hash

MIB = 1024 * 1024


def _post(client: TestClient, work: dict[str, Any], auth: dict[str, Any]) -> Any:
    return client.post("/v1/works", json={**work, **auth})


def _relayer_nonce(w3: Web3, admin: LocalAccount) -> int:
    return w3.eth.get_transaction_count(admin.address, "pending")


def test_register_duplicate_indexed_conflict(client: TestClient, creator: LocalAccount) -> None:
    work = work_in()
    existing = register_dev(client, 1, [work])[0]
    response = _post(client, work, signed_auth(client, creator, [work]))
    details = assert_error(response, 409, "work_already_registered")
    assert details["owner"] == dev_account(1).address
    assert details["content_hash"] == work["content_hash"]
    assert details["tx_hash"] == existing["tx_hash"]


def test_register_duplicate_on_chain_not_indexed_conflict(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount, stranger: LocalAccount
) -> None:
    content_hash = random_hash()
    register_on_chain(w3, registry, creator, [content_hash])
    work = work_in(content_hash)
    response = _post(client, work, signed_auth(client, stranger, [work]))
    details = assert_error(response, 409, "work_already_registered")
    assert details["owner"] == creator.address


def test_register_refused_on_chain_title_not_searchable(
    client: TestClient, w3: Web3, registry: Contract, creator: LocalAccount, stranger: LocalAccount
) -> None:
    content_hash = random_hash()
    register_on_chain(w3, registry, creator, [content_hash])
    work = work_in(content_hash, title="Claimed by a stranger")
    assert _post(client, work, signed_auth(client, stranger, [work])).status_code == 409
    runtime_of(client).indexer().sync()
    assert client.get("/v1/works", params={"q": "stranger"}).json()["items"] == []


def test_register_batch_repeated_hash_invalid_input(
    client: TestClient, creator: LocalAccount
) -> None:
    content_hash = random_hash()
    works = [work_in(content_hash, title="A"), work_in(content_hash, title="B")]
    response = client.post("/v1/works/batch", json={"works": works, "dev_account": 1})
    assert_error(response, 422, "invalid_input")


def test_register_batch_with_indexed_hash_conflict(
    client: TestClient, creator: LocalAccount
) -> None:
    taken = register_dev(client, 1, [work_in()])[0]
    works = [work_in(), work_in(taken["content_hash"])]
    response = client.post(
        "/v1/works/batch", json={"works": works, **signed_auth(client, creator, works)}
    )
    details = assert_error(response, 409, "work_already_registered")
    assert details["owner"] == dev_account(1).address
    assert client.get(f"/v1/works/{works[0]['content_hash']}").status_code == 404


def test_register_forged_signature_unauthorized(
    client: TestClient, w3: Web3, admin: LocalAccount, creator: LocalAccount, stranger: LocalAccount
) -> None:
    work = work_in()
    nonce = _relayer_nonce(w3, admin)
    response = _post(client, work, signed_auth(client, creator, [work], signer=stranger))
    details = assert_error(response, 401, "invalid_signature")
    assert details["signer"] == stranger.address
    assert _relayer_nonce(w3, admin) == nonce  # refused before any gas was spent
    assert client.get(f"/v1/works/{work['content_hash']}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("chainId", 1), ("verifyingContract", "0x" + "42" * 20)],
    ids=["other_chain", "other_contract"],
)
def test_register_signature_other_domain_unauthorized(
    client: TestClient, creator: LocalAccount, field: str, value: object
) -> None:
    work = work_in()
    message = typed_data(client, creator.address, [work])["typed_data"]
    message["domain"][field] = value
    auth = {
        "creator": creator.address,
        "deadline": message["message"]["deadline"],
        "signature": sign(message, creator),
    }
    assert_error(_post(client, work, auth), 401, "invalid_signature")


def test_register_expired_deadline_signature_expired(
    client: TestClient, creator: LocalAccount
) -> None:
    work = work_in()
    auth = signed_auth(client, creator, [work], deadline=int(time.time()) - 60)
    details = assert_error(_post(client, work, auth), 401, "signature_expired")
    assert details["deadline"] == auth["deadline"]


def test_register_replayed_signature_conflict(client: TestClient, creator: LocalAccount) -> None:
    work = work_in()
    auth = signed_auth(client, creator, [work])
    assert _post(client, work, auth).status_code == 201
    details = assert_error(_post(client, work, auth), 409, "work_already_registered")
    assert details["owner"] == creator.address


def test_register_tampered_metadata_unauthorized(client: TestClient, creator: LocalAccount) -> None:
    work = work_in(title="Signed title")
    auth = signed_auth(client, creator, [work])
    tampered = {**work, "metadata": {"title": "Changed after signing"}}
    assert_error(_post(client, tampered, auth), 401, "invalid_signature")


def test_register_batch_reordered_after_signing_unauthorized(
    client: TestClient, creator: LocalAccount
) -> None:
    works = [work_in(title="First"), work_in(title="Second")]
    auth = signed_auth(client, creator, works)
    response = client.post("/v1/works/batch", json={"works": works[::-1], **auth})
    assert_error(response, 401, "invalid_signature")


def test_register_unrecoverable_signature_unauthorized(
    server: TestClient, creator: LocalAccount
) -> None:
    work = work_in()
    auth = {"creator": creator.address, "deadline": int(time.time()) + 600}
    response = _post(server, work, {**auth, "signature": "0x" + "00" * 65})
    assert_error(response, 401, "invalid_signature")


def test_register_dev_account_without_dev_mode_forbidden(
    production_client: TestClient,
) -> None:
    work = work_in()
    response = production_client.post("/v1/works", json={**work, "dev_account": 1})
    assert_error(response, 403, "dev_mode_disabled")
    response = production_client.post("/v1/works/batch", json={"works": [work], "dev_account": 1})
    assert_error(response, 403, "dev_mode_disabled")
    upload = production_client.post(
        "/v1/works", files={"file": ("a", b"a")}, data={"title": "A", "dev_account": "1"}
    )
    assert_error(upload, 403, "dev_mode_disabled")


def test_register_signature_and_dev_account_invalid_input(
    client: TestClient, creator: LocalAccount
) -> None:
    work = work_in()
    auth = signed_auth(client, creator, [work])
    assert_error(_post(client, work, {**auth, "dev_account": 1}), 422, "invalid_input")


@pytest.mark.parametrize("size", [MIB + 1, 2 * MIB], ids=["streamed", "declared_length"])
def test_upload_over_limit_payload_too_large(client: TestClient, size: int) -> None:
    files = {"file": ("big.bin", os.urandom(size), "application/octet-stream")}
    response = client.post("/v1/works", files=files, data={"title": "Big", "dev_account": "1"})
    details = assert_error(response, 413, "payload_too_large")
    assert details.get("limit") == MIB
    assert_error(client.post("/v1/verify", files=files), 413, "payload_too_large")


def test_verify_json_over_limit_payload_too_large(client: TestClient) -> None:
    body = b'{"content_hash": "' + b"a" * (4 * MIB + 1) + b'"}'
    response = client.post("/v1/verify", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_upload_at_limit_created(client: TestClient) -> None:
    files = {"file": ("edge.bin", os.urandom(MIB), "application/octet-stream")}
    response = client.post("/v1/works", files=files, data={"title": "Edge", "dev_account": "1"})
    assert response.status_code == 201, response.text


def test_register_malformed_fields_invalid_input(
    client: TestClient, creator: LocalAccount, subtests: Any
) -> None:
    good = {
        **work_in(),
        "creator": creator.address,
        "deadline": int(time.time()) + 600,
        "signature": "0x" + "11" * 65,
    }
    cases: dict[str, dict[str, Any]] = {
        "short_hash": {"content_hash": "0x1234"},
        "non_hex_hash": {"content_hash": "0x" + "zz" * 32},
        "bad_address": {"creator": "0xnot-an-address"},
        "short_address": {"creator": "0x1234"},
        "short_signature": {"signature": "0x1234"},
        "non_hex_signature": {"signature": "0x" + "zz" * 65},
        "negative_deadline": {"deadline": -1},
        "relayer_dev_account": {"dev_account": 0, "signature": None},
        "empty_title": {"metadata": {"title": ""}},
        "unknown_metadata_field": {"metadata": {"title": "T", "colour": "red"}},
        "bad_media_type": {"metadata": {"title": "T", "media_type": "not a type"}},
        "unknown_field": {"signatur": "0x" + "11" * 65},
    }
    for name, change in cases.items():
        with subtests.test(name):
            body = {k: v for k, v in {**good, **change}.items() if v is not None}
            details = assert_error(client.post("/v1/works", json=body), 422, "invalid_input")
            assert details["errors"], details
    with subtests.test("not_json"):
        response = client.post(
            "/v1/works", content=b"{oops", headers={"content-type": "application/json"}
        )
        assert_error(response, 422, "invalid_input")
    with subtests.test("malformed_upload_dev_account"):
        response = client.post(
            "/v1/works", files={"file": ("a", b"a")}, data={"title": "A", "dev_account": "one"}
        )
        assert_error(response, 422, "invalid_input")
    with subtests.test("verify_bad_hash"):
        response = client.post("/v1/verify", json={"content_hash": "0x12"})
        assert_error(response, 422, "invalid_input")
    with subtests.test("typed_data_bad_creator"):
        response = client.post(
            "/v1/works/typed-data",
            json={"creator": "0x12", "deadline": 1, "works": [work_in()]},
        )
        assert_error(response, 422, "invalid_input")


def test_register_missing_auth_invalid_input(
    client: TestClient, creator: LocalAccount, subtests: Any
) -> None:
    work = work_in()
    full = {"creator": creator.address, "deadline": int(time.time()) + 600, "signature": None}
    full["signature"] = signed_auth(client, creator, [work])["signature"]
    for missing in ["all", "creator", "deadline", "signature"]:
        with subtests.test(missing):
            auth = {} if missing == "all" else {k: v for k, v in full.items() if k != missing}
            assert_error(_post(client, work, auth), 422, "invalid_input")
    with subtests.test("upload_without_auth"):
        response = client.post("/v1/works", files={"file": ("a", b"a")}, data={"title": "A"})
        assert_error(response, 422, "invalid_input")
    with subtests.test("upload_without_file"):
        response = client.post("/v1/works", files={"title": (None, "A")}, data={"dev_account": "1"})
        assert_error(response, 422, "invalid_input")
    with subtests.test("batch_without_works"):
        response = client.post("/v1/works/batch", json={"works": [], "dev_account": 1})
        assert_error(response, 422, "invalid_input")


def test_register_text_body_unsupported_media_type(client: TestClient) -> None:
    headers = {"content-type": "text/plain"}
    assert_error(
        client.post("/v1/works", content=b"hello", headers=headers), 415, "unsupported_media_type"
    )
    assert_error(
        client.post("/v1/verify", content=b"hello", headers=headers), 415, "unsupported_media_type"
    )


def test_unknown_route_not_found(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.delete("/v1/works"), 405, "method_not_allowed")


def test_get_unknown_work_not_found(client: TestClient) -> None:
    content_hash = random_hash()
    details = assert_error(client.get(f"/v1/works/{content_hash}"), 404, "not_found")
    assert details["work_id"] == content_hash
    assert_error(client.get(f"/v1/works/{content_hash}/metadata"), 404, "not_found")
    assert_error(client.get("/v1/works/not-a-hash"), 422, "invalid_input")


def test_list_works_malformed_cursor_invalid_input(client: TestClient) -> None:
    assert_error(client.get("/v1/works", params={"cursor": "%%%"}), 422, "invalid_input")
    assert_error(client.get("/v1/works", params={"limit": 0}), 422, "invalid_input")
    assert_error(client.get("/v1/works", params={"creator": "0x12"}), 422, "invalid_input")
