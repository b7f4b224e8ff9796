"""Measure registration gas from real receipts on a fresh anvil and record it.

Writes benchmarks/gas.json and benchmarks/gas.md (quoted in the README). The figures are
deterministic for a given contract, compiler and EVM version; `tests/contracts/test_gas.py`
asserts the budgets.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil
from backend.chain.compiler import COMPILER_SETTINGS, compile_contracts
from backend.chain.deployment import DeployConfig, deploy
from backend.chain.registry import connect
from backend.chain.typed_data import register_batch_message, register_message, sign_typed_data

OUT = Path(__file__).resolve().parents[1] / "benchmarks"
BATCH = 100
BUDGETS = {
    "direct": 56_000,
    "relayed": 64_000,
    "batch_per_work": 29_000,
    "buy_two_payees": 85_000,
    "withdraw": 35_000,
}


def _h() -> bytes:
    return os.urandom(32)


def measure(w3: Web3) -> dict[str, float]:
    artifacts = compile_contracts()
    admin, creator, newcomer = dev_account(0), dev_account(1), dev_account(2)
    deployment = deploy(
        w3, artifacts=artifacts, deployer=admin, config=DeployConfig(base_uri="http://x/v1/works/")
    )
    address = Web3.to_checksum_address(deployment.registry_address)
    registry = w3.eth.contract(address=address, abi=artifacts["WorkRegistry"].abi)

    def gas(fn: Any, sender: LocalAccount) -> int:
        nonce = w3.eth.get_transaction_count(sender.address)
        tx = fn.build_transaction({"from": sender.address, "nonce": nonce})
        tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        return int(w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)["gasUsed"])

    def signed(message: dict[str, Any]) -> str:
        return sign_typed_data(message, creator.key)

    until = int(time.time()) + 3600
    domain = {"chain_id": w3.eth.chain_id, "contract": address, "creator": creator.address}
    content, meta = _h(), _h()
    contents, metas = [_h() for _ in range(BATCH)], [_h() for _ in range(BATCH)]
    single = signed(
        register_message(content_hash=content, metadata_hash=meta, deadline=until, **domain)
    )
    batch = signed(
        register_batch_message(
            content_hashes=contents, metadata_hashes=metas, deadline=until, **domain
        )
    )
    first = gas(registry.functions.register(_h(), _h()), newcomer)
    gas(registry.functions.register(_h(), _h()), creator)  # from here on the creator owns a work
    direct_batch = registry.functions.registerBatch(
        [_h() for _ in range(BATCH)], [_h() for _ in range(BATCH)]
    )
    relayed_batch = registry.functions.registerBatchFor(
        creator.address, contents, metas, until, batch
    )
    figures: dict[str, float] = {
        "first_work_of_a_new_creator": first,
        "direct": gas(registry.functions.register(_h(), _h()), creator),
        "relayed": gas(
            registry.functions.registerFor(creator.address, content, meta, until, single), admin
        ),
        "batch_per_work": gas(direct_batch, creator) / BATCH,
        "relayed_batch_per_work": gas(relayed_batch, admin) / BATCH,
    }
    market = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.market_address),
        abi=artifacts["LicenseMarket"].abi,
    )
    return figures | _market_gas(w3, registry, market, gas)


def _market_gas(w3: Web3, registry: Any, market: Any, gas: Any) -> dict[str, float]:
    """A purchase on a work with two payees who already hold a balance (with a fee: the
    treasury too), and a withdrawal."""
    admin, creator, collaborator, buyer = (dev_account(i) for i in (0, 1, 3, 4))
    price = 10**17

    def work_on_sale(max_supply: int) -> int:
        content = _h()
        gas(registry.functions.register(content, _h()), creator)
        work_id = int.from_bytes(content, "big")
        split = [creator.address, collaborator.address], [7_000, 3_000]
        gas(market.functions.setPayees(work_id, *split), creator)
        gas(
            market.functions.createOffer(work_id, 1, price, 0, max_supply, False, "", _h()), creator
        )
        return work_id

    def buy(work_id: int, sender: Any) -> int:
        nonce = w3.eth.get_transaction_count(sender.address)
        tx = market.functions.buy(work_id, 1).build_transaction(
            {"from": sender.address, "nonce": nonce, "value": price}
        )
        tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        return int(w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)["gasUsed"])

    buy(work_on_sale(0), buyer)  # both payees now hold a balance
    plain = buy(work_on_sale(0), buyer)
    gas(market.functions.setFee(admin.address, 250), admin)
    buy(work_on_sale(100), buyer)  # the treasury now holds a balance too
    with_fee = buy(work_on_sale(100), buyer)
    return {
        "buy_two_payees": plain,
        "buy_two_payees_with_fee_and_cap": with_fee,
        "withdraw": gas(market.functions.withdraw(), collaborator),
    }


def main() -> None:
    with Anvil() as node:
        figures = measure(connect(node.rpc_url))
    OUT.mkdir(exist_ok=True)
    record = {
        "compiler": COMPILER_SETTINGS,
        "batch_size": BATCH,
        "gas": figures,
        "budgets": BUDGETS,
    }
    (OUT / "gas.json").write_text(json.dumps(record, indent=2) + "\n")
    rows = ["| operation | gas | budget |", "|---|---:|---:|"]
    for name, value in figures.items():
        budget = BUDGETS.get(name.removeprefix("relayed_").removesuffix("_with_fee_and_cap"))
        rows.append(
            f"| {name.replace('_', ' ')} | {value:,.0f} | {f'{budget:,}' if budget else '—'} |"
        )
    (OUT / "gas.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
