"""Archives through the API: anchor a catalogue as one Merkle root, verify a work by its
inclusion proof (checked with web3 alone, as any verifier would), claim it as a token."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3

from backend.api.deps import get_settings
from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil
from backend.client.proof_check import Check, check_inclusion
from backend.core.config import Settings
from backend.db.models import ArchiveAnchor, Work
from backend.db.session import make_engine, make_sessionmaker
from backend.indexer.apply import apply_events
from backend.indexer.events import EventDecoder
from backend.indexer.rebuild import rebuild_index
from backend.services.archives.anchoring import anchor_archive
from backend.services.archives.schemas import ArchiveAuth, ArchiveOut
from backend.services.metadata import WorkMetadata
from backend.services.schemas import WorkIn
from tests.backend.helpers import (
    assert_error,
    register_dev,
    runtime_of,
    sha256_hex,
    sign,
    transact,
    verify_proof_script,
    work_in,
)
from tests.conftest import random_hash

DIRECT_ANCHOR_GAS = 50_000  # per root of 1,000 works: 50 gas a work
METADATA = WorkMetadata(title="Catalogue track")


def _typed_data(client: TestClient, archivist: str, works: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"archivist": archivist, "deadline": int(time.time()) + 3600, "works": works}
    response = client.post("/v1/archives/typed-data", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _signed(
    client: TestClient,
    archivist: LocalAccount,
    works: list[dict[str, Any]],
    signer: LocalAccount | None = None,
) -> dict[str, Any]:
    """A `POST /v1/archives` body whose typed data ``signer`` (the archivist) signed."""
    typed = _typed_data(client, archivist.address, works)["typed_data"]
    return {
        "archivist": archivist.address,
        "deadline": typed["message"]["deadline"],
        "signature": sign(typed, signer or archivist),
        "works": works,
    }


def _anchor_dev(client: TestClient, dev: int, works: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/v1/archives", json={"works": works, "dev_account": dev})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _verify(client: TestClient, content_hash: str) -> dict[str, Any]:
    response = client.post("/v1/verify", json={"content_hash": content_hash})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _failed(checks: list[Check]) -> set[str]:
    return {c.name for c in checks if not c.ok}


def test_anchor_signed_archive_and_verify_proof_independently(
    client: TestClient, w3: Web3, creator: LocalAccount
) -> None:
    files = [f"track {i}".encode() for i in range(5)]
    works = [work_in(sha256_hex(f), title=f"Track {i}") for i, f in enumerate(files)]
    typed = _typed_data(client, creator.address, works)
    response = client.post("/v1/archives", json=_signed(client, creator, works))
    assert response.status_code == 201, response.text
    archive = response.json()
    assert archive["root"] == typed["root"]
    assert archive["status"] == "anchored"
    assert (archive["archivist"], archive["count"]) == (creator.address, 5)
    assert archive["anchored_at"] == w3.eth.get_block(archive["block_number"])["timestamp"]
    assert client.get(f"/v1/archives/{archive['root']}").json() == archive

    answer = _verify(client, works[2]["content_hash"])
    assert answer["registered"] is False  # not a token until claimed
    assert answer["work"] is None
    proof = answer["anchor"]
    assert proof["root"] == archive["root"]
    assert proof["metadata_hash"] == typed["metadata_hashes"][2]
    assert (proof["tx_hash"], proof["anchored_at"]) == (archive["tx_hash"], archive["anchored_at"])
    assert proof["anchor_matches"] is True and proof["claimed"] is False
    assert answer["metadata"]["matches"] is True
    assert answer["metadata"]["document"]["title"] == "Track 2"
    assert _failed(check_inclusion(proof, files[2], w3)) == set()
    assert _failed(check_inclusion(proof, b"another file", w3)) == {"file_hash"}

    assert _verify(client, random_hash())["anchor"] is None


def test_verify_proof_script_checks_an_inclusion_proof(
    client: TestClient, anvil: Anvil, tmp_path: Path
) -> None:
    files = [f"side {i}".encode() for i in range(3)]
    _anchor_dev(client, 1, [work_in(sha256_hex(f)) for f in files])
    proof = _verify(client, sha256_hex(files[1]))["anchor"]
    passed = verify_proof_script(proof, files[1], anvil.rpc_url, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "FAIL" not in passed.stdout and "PASS  merkle_path" in passed.stdout
    failed = verify_proof_script(proof, files[0], anvil.rpc_url, tmp_path)
    assert failed.returncode == 1 and "FAIL  file_hash" in failed.stdout


def test_tampered_inclusion_proof_fails_its_checks(client: TestClient, w3: Web3) -> None:
    works = [work_in() for _ in range(4)]
    _anchor_dev(client, 3, works)
    proof = _verify(client, works[0]["content_hash"])["anchor"]
    assert _failed(check_inclusion(proof, None, w3)) == set()
    sibling = random_hash()
    tampered: dict[str, tuple[dict[str, Any], set[str]]] = {
        "proof": ({"proof": [sibling, *proof["proof"][1:]]}, {"merkle_path"}),
        "metadata": ({"metadata_hash": random_hash()}, {"leaf", "merkle_path"}),
        "archivist": (
            {"archivist": dev_account(4).address},
            {"leaf", "merkle_path", "anchor_on_chain", "anchor_log"},
        ),
        "time": ({"anchored_at": proof["anchored_at"] - 1}, {"anchor_on_chain", "anchor_log"}),
        "count": ({"count": 5}, {"anchor_on_chain", "anchor_log"}),
    }
    for name, (change, failing) in tampered.items():
        assert _failed(check_inclusion({**proof, **change}, None, w3)) == failing, name
    other = random_hash()
    forged = {**proof, "content_hash": other, "leaf": random_hash()}
    assert {"leaf", "merkle_path"} <= _failed(check_inclusion(forged, None, w3))


def test_claim_keeps_anchor_time_and_becomes_a_token(
    client: TestClient, w3: Web3, registry: Any
) -> None:
    works = [work_in() for _ in range(3)]
    archive = _anchor_dev(client, 2, works)
    w3.provider.make_request("evm_increaseTime", [30])  # type: ignore[arg-type]
    target = works[1]["content_hash"]

    response = client.post(f"/v1/archives/{archive['root']}/claims", json={"content_hash": target})
    assert response.status_code == 201, response.text
    work = response.json()
    assert work["registered_at"] == archive["anchored_at"]
    assert w3.eth.get_block(work["block_number"])["timestamp"] >= archive["anchored_at"] + 30
    assert work["creator"] == work["owner"] == dev_account(2).address
    assert registry.functions.ownerOf(int(target, 16)).call() == dev_account(2).address

    answer = _verify(client, target)
    assert answer["registered"] is True
    assert answer["work"]["registered_at"] == archive["anchored_at"]
    assert answer["chain_check"]["consistent"] is True
    assert answer["anchor"]["claimed"] is True
    assert _failed(check_inclusion(answer["anchor"], None, w3)) == set()

    again = client.post(f"/v1/archives/{archive['root']}/claims", json={"content_hash": target})
    assert_error(again, 409, "work_already_registered")
    stray = client.post(
        f"/v1/archives/{archive['root']}/claims", json={"content_hash": random_hash()}
    )
    assert_error(stray, 404, "not_found")


def test_registration_apart_from_the_anchor_shows_the_earlier_anchor(
    client: TestClient, w3: Web3, registry: Any, creator: LocalAccount
) -> None:
    """Anchoring reserves no token id: someone may register an anchored work directly later,
    and verify then shows both, the anchor dated first."""
    works = [work_in() for _ in range(2)]
    archive = _anchor_dev(client, 7, works)
    w3.provider.make_request("evm_increaseTime", [30])  # type: ignore[arg-type]
    target = works[0]["content_hash"]
    transact(w3, creator, registry.functions.register(target, random_hash()))
    runtime_of(client).indexer().sync()

    answer = _verify(client, target)
    assert answer["work"]["creator"] == creator.address
    assert answer["anchor"]["archivist"] == dev_account(7).address
    assert answer["anchor"]["claimed"] is False
    assert answer["anchor"]["anchored_at"] < answer["work"]["registered_at"]
    claim = client.post(f"/v1/archives/{archive['root']}/claims", json={"content_hash": target})
    assert_error(claim, 409, "work_already_registered")


def test_archive_requests_refused_with_structured_errors(
    client: TestClient,
    production_client: TestClient,
    creator: LocalAccount,
    stranger: LocalAccount,
    settings: Settings,
) -> None:
    works = [work_in() for _ in range(3)]
    assert_error(
        client.post("/v1/archives", json={"works": [works[0], works[0]], "dev_account": 1}),
        422,
        "invalid_input",
    )
    derivative = work_in(parent_id=random_hash())
    assert_error(
        client.post("/v1/archives", json={"works": [derivative], "dev_account": 1}),
        422,
        "invalid_input",
    )
    forged = client.post("/v1/archives", json=_signed(client, creator, works, signer=stranger))
    assert_error(forged, 401, "invalid_signature")
    assert_error(client.post("/v1/archives", json={"works": works}), 422, "invalid_input")
    prod = production_client.post("/v1/archives", json={"works": works, "dev_account": 1})
    assert_error(prod, 403, "dev_mode_disabled")
    assert_error(client.get(f"/v1/archives/{random_hash()}"), 404, "not_found")

    registered = register_dev(client, 1, [work_in()])[0]["work_id"]
    mixed = [works[0], work_in(registered)]
    assert_error(
        client.post("/v1/archives", json={"works": mixed, "dev_account": 1}),
        409,
        "work_already_registered",
    )

    archive = _anchor_dev(client, 1, works)
    again = client.post("/v1/archives", json={"works": works[:2], "dev_account": 1})
    details = assert_error(again, 409, "conflict")
    assert details["root"] == archive["root"]

    app: FastAPI = client.app  # type: ignore[assignment]
    app.dependency_overrides[get_settings] = lambda: settings.model_copy(
        update={"max_archive_size": 2}
    )
    try:
        too_many = client.post(
            "/v1/archives", json={"works": [work_in() for _ in range(3)], "dev_account": 1}
        )
        assert_error(too_many, 422, "invalid_input")
    finally:
        app.dependency_overrides.clear()


def _indexed(session: Session) -> list[tuple[Any, ...]]:
    anchors = session.execute(select(ArchiveAnchor).order_by(ArchiveAnchor.root)).scalars()
    works = session.execute(select(Work.work_id, Work.registered_at).order_by(Work.work_id))
    return [
        *((a.archivist, a.root, a.count, a.tx_hash, a.log_index, a.timestamp) for a in anchors),
        *(tuple(row) for row in works),
    ]


def test_index_replay_and_rebuild_keep_anchors_and_claim_time(
    client: TestClient,
    settings: Settings,
    new_database: Callable[..., str],
    w3: Web3,
    registry: Any,
) -> None:
    works = [work_in() for _ in range(2)]
    archive = _anchor_dev(client, 6, works)
    w3.provider.make_request("evm_increaseTime", [30])  # type: ignore[arg-type]
    claim = {"content_hash": works[0]["content_hash"]}
    work = client.post(f"/v1/archives/{archive['root']}/claims", json=claim).json()
    runtime = runtime_of(client)
    with runtime.sessions() as session:
        live = _indexed(session)
    assert (works[0]["content_hash"], archive["anchored_at"]) in live

    decoder = EventDecoder(registry, runtime.registry().market)
    logs = [
        log
        for tx in (archive["tx_hash"], work["tx_hash"])
        for log in w3.eth.get_transaction_receipt(tx)["logs"]
    ]
    events = [e for e in map(decoder.decode, logs) if e is not None]
    assert {type(e).__name__ for e in events} >= {"ContractEvent", "WorkRegisteredEvent"}
    times = {
        e.position.block_number: int(w3.eth.get_block(e.position.block_number)["timestamp"])
        for e in events
    }
    with runtime.sessions.begin() as session:
        assert apply_events(session, events, times) == 0
    with runtime.sessions() as session:
        assert _indexed(session) == live

    other = new_database(empty=True)
    rebuild_index(settings.model_copy(update={"database_url": other}))
    engine = make_engine(other)
    try:
        with make_sessionmaker(engine)() as session:
            assert _indexed(session) == live
    finally:
        engine.dispose()


def test_100k_works_anchored_in_100_transactions(client: TestClient, w3: Web3) -> None:
    """100 roots of 1,000 works, the dev accounts anchoring directly: the first root through
    `POST /v1/archives`, the other 99 through the service the route calls (HTTP is left out
    there to keep the test under a minute on this busy machine: 28-45 s at load 8-10). One
    transaction a root, each within 50 gas a work; proofs from the first and the last root
    check out against the chain."""
    runtime = runtime_of(client)
    archivists = [dev_account(n).address for n in range(1, 10)]
    nonces = {a: w3.eth.get_transaction_count(a) for a in [*archivists, dev_account(0).address]}
    first = [work_in(title="Catalogue track") for _ in range(1_000)]
    archives = [ArchiveOut.model_validate(_anchor_dev(client, 1, first))]
    samples = [first[0]["content_hash"]]
    for i in range(1, 100):
        works = [WorkIn(content_hash=random_hash(), metadata=METADATA) for _ in range(1_000)]
        with runtime.sessions() as session:
            archive = anchor_archive(
                settings=runtime.settings,
                session=session,
                registry=runtime.registry(),
                indexer=runtime.indexer(),
                auth=ArchiveAuth(dev_account=1 + i % 9),
                works=works,
            )
        archives.append(archive)
        samples.append(works[i * 7 % 1_000].content_hash)

    assert sum(a.count for a in archives) == 100_000
    assert all(a.status == "anchored" for a in archives)
    assert len({a.tx_hash for a in archives}) == 100
    sent = sum(w3.eth.get_transaction_count(a) - n for a, n in nonces.items())
    assert sent == 100  # nothing else was sent, by the archivists or the relayer
    for archive in archives:
        assert archive.tx_hash is not None
        receipt = w3.eth.get_transaction_receipt(HexStr(archive.tx_hash))
        assert receipt["gasUsed"] <= DIRECT_ANCHOR_GAS
    for content_hash in (samples[0], samples[-1]):
        proof = _verify(client, content_hash)["anchor"]
        assert _failed(check_inclusion(proof, None, w3)) == set()
