"""The benchmark's pieces that its figures rest on: the floor contract costs exactly what the gas
schedule says, peers stay out of the service's artifacts, and the README quotes the tables."""

from __future__ import annotations

import os
from pathlib import Path

from web3 import Web3

from backend.bench.gas import (
    COLD_SSTORE_NEW_SLOT,
    FLOOR_EVENT_RUNTIME,
    FLOOR_RUNTIME,
    INTRINSIC,
    LOG2,
    PEERS_DIR,
    Meter,
    calldata_gas,
)
from backend.bench.report import update_readme
from backend.chain.accounts import dev_account
from backend.chain.compiler import compile_contracts


def _nonzero_hash() -> bytes:
    while 0 in (value := os.urandom(32)):
        pass
    return value


def test_floor_gas_equals_gas_schedule(w3: Web3) -> None:
    meter, holder = Meter(w3), dev_account(7)
    content = _nonzero_hash()
    store = meter.deploy_runtime(FLOOR_RUNTIME)
    with_event = meter.deploy_runtime(FLOOR_EVENT_RUNTIME)

    base = INTRINSIC + calldata_gas(content) + COLD_SSTORE_NEW_SLOT
    assert meter.send(holder, {"to": store, "data": content}) == base + 7
    assert meter.send(holder, {"to": with_event, "data": _nonzero_hash()}) == base + 19 + LOG2
    stored = w3.eth.get_storage_at(Web3.to_checksum_address(store), int.from_bytes(content))
    assert stored[-20:] == bytes.fromhex(holder.address[2:])


def test_peers_compile_apart_from_service_artifacts() -> None:
    peers = compile_contracts(source_dir=PEERS_DIR)
    assert {"PlainERC721", "NaiveRegistry"} <= peers.keys()
    assert not {"PlainERC721", "NaiveRegistry"} & compile_contracts().keys()


def test_update_readme_replaces_only_quoted_tables(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks"
    out.mkdir()
    (out / "verify.md").write_text("| new | table |\n")
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- verify table: benchmarks/verify.md -->\n| old |\n<!-- end verify table -->\n"
        "middle\n<!-- gas table: benchmarks/gas.md -->\n| gas |\n<!-- end gas table -->\nend\n"
    )

    assert update_readme(readme, out) == ["verify"]
    assert readme.read_text() == (
        "intro\n<!-- verify table: benchmarks/verify.md -->\n| new | table |\n"
        "<!-- end verify table -->\n"
        "middle\n<!-- gas table: benchmarks/gas.md -->\n| gas |\n<!-- end gas table -->\nend\n"
    )
