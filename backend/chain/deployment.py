"""Deploy the contracts once per chain and remember where they are."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from backend.chain.compiler import Artifact


@dataclass(frozen=True)
class Deployment:
    """Where the registry and the licence market live on a chain, as recorded in the data
    folder. ``block_number`` is the registry's deployment block, where indexing starts."""

    chain_id: int
    registry_address: str
    market_address: str
    block_number: int
    block_hash: str
    tx_hash: str
    deployer: str

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment | None:
        if not path.exists():
            return None
        fields = json.loads(path.read_text())
        if set(fields) != set(cls.__dataclass_fields__):
            return None  # recorded by an older version: deploy anew
        return cls(**fields)

    def is_live(self, w3: Web3) -> bool:
        """The chain is the one recorded and still has both contracts' code."""
        return w3.eth.chain_id == self.chain_id and all(
            len(w3.eth.get_code(Web3.to_checksum_address(a))) > 0
            for a in (self.registry_address, self.market_address)
        )


@dataclass(frozen=True)
class DeployConfig:
    base_uri: str
    royalty_bps: int = 500
    min_dispute_bond_wei: int = 10**16


def ensure_deployed(
    w3: Web3,
    *,
    artifacts: dict[str, Artifact],
    deployer: LocalAccount,
    record: Path,
    config: DeployConfig,
) -> tuple[Deployment, bool]:
    """Reuse the recorded deployment when the chain still has it, else deploy and record.

    Returns the deployment and whether it was made now.
    """
    existing = Deployment.load(record)
    if existing is not None and existing.is_live(w3):
        return existing, False
    deployment = deploy(w3, artifacts=artifacts, deployer=deployer, config=config)
    deployment.save(record)
    return deployment, True


def deploy(
    w3: Web3, *, artifacts: dict[str, Artifact], deployer: LocalAccount, config: DeployConfig
) -> Deployment:
    """Deploy a `WorkRegistry` and its `LicenseMarket`, owned (admin, arbiter) by ``deployer``,
    and point the registry at the market for derivative licences."""
    registry = _send(
        w3,
        deployer,
        w3.eth.contract(
            abi=artifacts["WorkRegistry"].abi, bytecode=artifacts["WorkRegistry"].bytecode
        ).constructor(config.base_uri, config.royalty_bps, deployer.address),
    )
    market = _send(
        w3,
        deployer,
        w3.eth.contract(
            abi=artifacts["LicenseMarket"].abi, bytecode=artifacts["LicenseMarket"].bytecode
        ).constructor(
            registry["contractAddress"],
            deployer.address,
            deployer.address,
            config.min_dispute_bond_wei,
        ),
    )
    registry_contract = w3.eth.contract(
        address=registry["contractAddress"], abi=artifacts["WorkRegistry"].abi
    )
    _send(w3, deployer, registry_contract.functions.setLicenseChecker(market["contractAddress"]))
    return Deployment(
        chain_id=w3.eth.chain_id,
        registry_address=str(registry["contractAddress"]),
        market_address=str(market["contractAddress"]),
        block_number=registry["blockNumber"],
        block_hash=registry["blockHash"].to_0x_hex(),
        tx_hash=registry["transactionHash"].to_0x_hex(),
        deployer=deployer.address,
    )


def _send(w3: Web3, sender: LocalAccount, call: Any) -> TxReceipt:
    nonce = w3.eth.get_transaction_count(sender.address, "pending")
    tx = call.build_transaction({"from": sender.address, "nonce": nonce})
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
    if receipt["status"] != 1:
        raise RuntimeError(f"deployment transaction {tx_hash.to_0x_hex()} failed")
    return receipt
