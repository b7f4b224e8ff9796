"""The service's handle on the deployed `WorkRegistry`: relayed writes and the reads that
verification cross-checks against."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
)
from web3.types import BlockData, Nonce, TxParams, TxReceipt

from backend.chain.deployment import Deployment
from backend.chain.reverts import RevertDecoder
from backend.core import errors

RECEIPT_POLL_SECONDS = 0.02


@contextmanager
def chain_errors() -> Iterator[None]:
    """Report an unreachable node as `ChainUnavailable` (HTTP 503), not a stack trace."""
    try:
        yield
    except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError) as exc:
        raise errors.ChainUnavailable(
            "the chain node is unreachable", reason=type(exc).__name__
        ) from exc


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    """A Web3 client for ``rpc_url``."""
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))


class RegistryClient:
    """Writes go through one relayer account whose nonces are assigned under a lock."""

    def __init__(
        self,
        w3: Web3,
        *,
        deployment: Deployment,
        abi: list[dict[str, Any]],
        relayer: LocalAccount,
        tx_timeout: float = 60.0,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        self.address: ChecksumAddress = Web3.to_checksum_address(deployment.registry_address)
        self.contract = w3.eth.contract(address=self.address, abi=abi)
        self.relayer = relayer
        self.tx_timeout = tx_timeout
        self._reverts = RevertDecoder(abi)
        self._nonce_lock = threading.Lock()
        self._next_nonce: int | None = None

    def register_for(
        self,
        *,
        creator: ChecksumAddress,
        content_hash: bytes,
        metadata_hash: bytes,
        deadline: int,
        signature: bytes,
    ) -> TxReceipt:
        fn = self.contract.functions.registerFor(
            creator, content_hash, metadata_hash, deadline, signature
        )
        return self.transact(fn)

    def register_batch_for(
        self,
        *,
        creator: ChecksumAddress,
        content_hashes: list[bytes],
        metadata_hashes: list[bytes],
        deadline: int,
        signature: bytes,
    ) -> TxReceipt:
        fn = self.contract.functions.registerBatchFor(
            creator, content_hashes, metadata_hashes, deadline, signature
        )
        return self.transact(fn)

    def transact(self, fn: ContractFunction) -> TxReceipt:
        """Simulate (so that a revert costs no gas and comes back decoded), send, and wait."""
        with chain_errors():
            gas = self._estimate(fn)
            with self._nonce_lock:
                nonce = self._take_nonce()
                params: TxParams = {
                    "from": self.relayer.address,
                    "nonce": Nonce(nonce),
                    "gas": gas * 6 // 5 + 10_000,
                }
                tx: Any = fn.build_transaction(params)
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(
                        self.relayer.sign_transaction(tx).raw_transaction
                    )
                except Exception:
                    self._next_nonce = None
                    raise
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=self.tx_timeout, poll_latency=RECEIPT_POLL_SECONDS
                )
            except TimeExhausted as exc:
                raise errors.TransactionFailed(
                    "the transaction was not mined in time", tx_hash=tx_hash.to_0x_hex()
                ) from exc
        if receipt["status"] != 1:
            raise errors.TransactionFailed("the transaction reverted", tx_hash=tx_hash.to_0x_hex())
        return receipt

    def _estimate(self, fn: ContractFunction) -> int:
        try:
            return int(fn.estimate_gas({"from": self.relayer.address}))
        except ContractCustomError as exc:
            raise self._reverts.to_exception(exc.data) from exc
        except ContractLogicError as exc:
            raise errors.TransactionReverted(str(exc.message or "reverted")) from exc

    def _take_nonce(self) -> int:
        if self._next_nonce is None:
            self._next_nonce = self.w3.eth.get_transaction_count(self.relayer.address, "pending")
        nonce = self._next_nonce
        self._next_nonce += 1
        return nonce

    def owner_of(self, work_id: int) -> ChecksumAddress | None:
        """The current owner, or None if the work is not registered on chain."""
        with chain_errors():
            try:
                owner: ChecksumAddress = self.contract.functions.ownerOf(work_id).call()
            except ContractCustomError as exc:
                if isinstance(self._reverts.to_exception(exc.data), errors.NotFound):
                    return None
                raise
            return owner

    def creator_of(self, work_id: int) -> ChecksumAddress:
        with chain_errors():
            creator: ChecksumAddress = self.contract.functions.creatorOf(work_id).call()
            return creator

    def receipt(self, tx_hash: str) -> TxReceipt | None:
        with chain_errors():
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None

    def block(self, number: int) -> BlockData:
        with chain_errors():
            return self.w3.eth.get_block(number)

    def has_code(self, address: ChecksumAddress) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet, say) rather than a key."""
        with chain_errors():
            return len(self.w3.eth.get_code(address)) > 0

    def head(self) -> int:
        with chain_errors():
            return int(self.w3.eth.block_number)
