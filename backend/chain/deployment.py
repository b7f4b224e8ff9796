"""Deploy the contracts once per chain and remember where they are."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain.compiler import Artifact


@dataclass(frozen=True)
class Deployment:
    """Where the registry lives on a chain, as recorded in the data folder."""

    chain_id: int
    registry_address: str
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
        return cls(**json.loads(path.read_text()))

    def is_live(self, w3: Web3) -> bool:
        """The chain is the one recorded and still has the registry's code."""
        address = Web3.to_checksum_address(self.registry_address)
        return w3.eth.chain_id == self.chain_id and len(w3.eth.get_code(address)) > 0


def ensure_deployed(
    w3: Web3,
    *,
    artifact: Artifact,
    deployer: LocalAccount,
    record: Path,
    base_uri: str,
    royalty_bps: int,
) -> tuple[Deployment, bool]:
    """Reuse the recorded deployment when the chain still has it, else deploy and record.

    Returns the deployment and whether it was made now.
    """
    existing = Deployment.load(record)
    if existing is not None and existing.is_live(w3):
        return existing, False
    deployment = deploy_registry(
        w3, artifact=artifact, deployer=deployer, base_uri=base_uri, royalty_bps=royalty_bps
    )
    deployment.save(record)
    return deployment, True


def deploy_registry(
    w3: Web3, *, artifact: Artifact, deployer: LocalAccount, base_uri: str, royalty_bps: int
) -> Deployment:
    """Deploy a fresh `WorkRegistry` owned by ``deployer``."""
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(base_uri, royalty_bps, deployer.address).build_transaction(
        {"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address)}
    )
    tx_hash = w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.05)
    if receipt["status"] != 1 or receipt["contractAddress"] is None:
        raise RuntimeError(f"registry deployment failed in tx {tx_hash.to_0x_hex()}")
    return Deployment(
        chain_id=w3.eth.chain_id,
        registry_address=receipt["contractAddress"],
        block_number=receipt["blockNumber"],
        block_hash=receipt["blockHash"].to_0x_hex(),
        tx_hash=tx_hash.to_0x_hex(),
        deployer=deployer.address,
    )
