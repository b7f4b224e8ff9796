"""Proof bundles pass the standalone checker; any tampered field fails on the right check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from backend.chain.anvil import Anvil
from scripts.verify_proof import check_bundle
from tests.backend.helpers import verify_proof_script
from tests.conftest import random_hash


def _registered(client: TestClient) -> tuple[bytes, dict[str, Any]]:
    data = os.urandom(512)
    created = client.post(
        "/v1/works",
        files={"file": ("clip.wav", data, "audio/wav")},
        data={"title": "Clip", "dev_account": "1"},
    )
    assert created.status_code == 201, created.text
    bundle = client.get(f"/v1/works/{created.json()['work_id']}/proof")
    assert bundle.status_code == 200, bundle.text
    return data, bundle.json()


def _failed(bundle: dict[str, Any], data: bytes, w3: Web3) -> list[str]:
    return [c.name for c in check_bundle(bundle, data, w3) if not c.ok]


def test_proof_bundle_passes_every_check(client: TestClient, w3: Web3) -> None:
    data, bundle = _registered(client)
    checks = check_bundle(bundle, data, w3)
    assert [c.name for c in checks] == [
        "file_hash",
        "metadata_hash",
        "metadata_names_content",
        "chain_id",
        "block",
        "receipt",
        "registration_log",
    ]
    assert all(c.ok for c in checks)


@pytest.mark.parametrize(
    ("field", "value", "failing"),
    [
        (
            "content_hash",
            random_hash(),
            {"file_hash", "metadata_names_content", "registration_log"},
        ),
        ("metadata_hash", random_hash(), {"metadata_hash", "registration_log"}),
        ("chain_id", 1, {"chain_id"}),
        ("block_hash", random_hash(), {"block", "receipt"}),
        ("creator", "0x" + "12" * 20, {"registration_log"}),
        ("contract_address", "0x" + "34" * 20, {"registration_log"}),
        ("log_index", 7, {"registration_log"}),
    ],
)
def test_proof_bundle_tampered_fails_right_check(
    client: TestClient, w3: Web3, field: str, value: Any, failing: set[str]
) -> None:
    data, bundle = _registered(client)
    assert set(_failed({**bundle, field: value}, data, w3)) == failing


def test_proof_other_file_or_document_fails(client: TestClient, w3: Web3) -> None:
    data, bundle = _registered(client)
    assert _failed(bundle, data + b"!", w3) == ["file_hash"]
    edited = bundle["metadata_document"].replace('"Clip"', '"Clap"')
    assert _failed({**bundle, "metadata_document": edited}, data, w3) == ["metadata_hash"]


def test_verify_proof_script_standalone(client: TestClient, anvil: Anvil, tmp_path: Path) -> None:
    data, bundle = _registered(client)
    passed = verify_proof_script(bundle, data, anvil.rpc_url, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count("PASS") == 7
    failed = verify_proof_script(bundle, data[:-1], anvil.rpc_url, tmp_path)
    assert failed.returncode == 1 and "FAIL  file_hash" in failed.stdout
