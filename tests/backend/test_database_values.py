"""Values that one database stores and another refuses: PostgreSQL text cannot hold NUL.
A NUL put on chain must not stall the index; one sent to the API is invalid input, not a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.backend.helpers import assert_error, create_offer, register_work, work_in
from tests.databases import SERVER_URL


def test_chain_string_with_nul_indexed_and_index_goes_on(client: TestClient) -> None:
    work_id = register_work(client, 1)
    created = create_offer(client, work_id, 1, terms_uri="https://terms.example/\x00x")
    assert created["status"] == "confirmed"
    offers = client.get(f"/v1/works/{work_id}/offers").json()
    assert [offer["terms_uri"] for offer in offers] == ["https://terms.example/\ufffdx"]

    later = register_work(client, 1)
    assert client.get(f"/v1/works/{later}").status_code == 200


@pytest.mark.skipif(SERVER_URL is None, reason="SQLite stores NUL characters")
def test_request_text_with_nul_invalid_input(server: TestClient) -> None:
    work = work_in(title="a\x00b")
    response = server.post("/v1/works", json={**work, "dev_account": 1})
    details = assert_error(response, 422, "invalid_input")
    assert "NUL" in details["reason"]
    verified = server.post("/v1/verify", json={"content_hash": work["content_hash"]}).json()
    assert verified["registered"] is False
