"""`rights admin api-key create/list/revoke` against a real server that requires API keys."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from backend.client.api import RightsClient
from backend.client.errors import ApiError
from backend.core.config import Settings
from tests.client.conftest import Cli, one_error_line

TOKEN = "cli-admin-token"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_token": SecretStr(TOKEN), "require_api_key": True})


def test_api_key_create_list_revoke(cli: Cli, api_url: str) -> None:
    cli.env["RIGHTS_ADMIN_TOKEN"] = TOKEN
    created = cli.json("admin", "api-key", "create", "uploader")
    key = created["key"]
    listed = cli.json("admin", "api-key", "list")
    assert [(k["id"], k["name"], k["revoked_at"]) for k in listed] == [
        (created["id"], "uploader", None)
    ]
    assert "key" not in listed[0]
    table = cli("admin", "api-key", "list")
    assert table.exit_code == 0 and created["prefix"] in table.stdout and key not in table.stdout

    sender = {"sender": "0x" + "33" * 20}
    with RightsClient(api_url) as anonymous, pytest.raises(ApiError) as refused:
        anonymous.request("POST", "/v1/withdrawals", json=sender)
    assert refused.value.code == "unauthorized"
    with RightsClient(api_url, api_key=key) as keyed, pytest.raises(ApiError) as past:
        keyed.request("POST", "/v1/withdrawals", json=sender)
    assert past.value.code == "nothing_to_withdraw"  # the key let it through to the chain

    revoked = cli.json("admin", "api-key", "revoke", str(created["id"]))
    assert revoked["revoked_at"] is not None
    with RightsClient(api_url, api_key=key) as keyed, pytest.raises(ApiError) as after:
        keyed.request("POST", "/v1/withdrawals", json=sender)
    assert after.value.code == "unauthorized"


def test_api_key_create_without_token_one_error_line(cli: Cli) -> None:
    line = one_error_line(cli("admin", "api-key", "create", "x"))
    assert line.startswith("error: unauthorized")
