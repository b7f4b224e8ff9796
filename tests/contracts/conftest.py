"""Helpers for driving the contract directly through web3, as a creator or relayer would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError
from web3.types import TxReceipt

from backend.chain.compiler import Artifact
from backend.chain.deployment import Deployment
from backend.chain.reverts import RevertDecoder
from backend.core.errors import RegistryError

Send = Callable[..., TxReceipt]


@pytest.fixture
def registry(w3: Web3, deployment: Deployment, artifacts: dict[str, Artifact]) -> Contract:
    return w3.eth.contract(
        address=Web3.to_checksum_address(deployment.registry_address),
        abi=artifacts["WorkRegistry"].abi,
    )


@pytest.fixture
def market(w3: Web3, deployment: Deployment, artifacts: dict[str, Artifact]) -> Contract:
    return w3.eth.contract(
        address=Web3.to_checksum_address(deployment.market_address),
        abi=artifacts["LicenseMarket"].abi,
    )


@pytest.fixture
def send(w3: Web3) -> Send:
    """Send a contract call from ``sender`` and return the receipt (status checked)."""

    def _send(fn: Any, sender: LocalAccount, value: int = 0) -> TxReceipt:
        tx = fn.build_transaction(
            {
                "from": sender.address,
                "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
                "value": value,
            }
        )
        tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
        assert receipt["status"] == 1
        return receipt

    return _send


@pytest.fixture
def reverts(artifacts: dict[str, Artifact]) -> Callable[..., RegistryError]:
    """Simulate a call from ``sender`` and return its decoded custom error."""
    abi = artifacts["WorkRegistry"].abi + artifacts["LicenseMarket"].abi
    decoder = RevertDecoder(abi)

    def _reverts(fn: Any, sender: LocalAccount, value: int = 0) -> RegistryError:
        with pytest.raises(ContractCustomError) as info:
            fn.estimate_gas({"from": sender.address, "value": value})
        return decoder.to_exception(info.value.data)

    return _reverts


def deadline(seconds: int = 3600) -> int:
    return int(time.time()) + seconds
