"""The service's handle on the deployed contracts: relayed writes, users' own transactions,
and the reads that verification cross-checks against."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_typing import ChecksumAddress, HexStr
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import BlockData, BlockIdentifier, Nonce, TxParams, TxReceipt, Wei

from backend.chain.deployment import Deployment
from backend.chain.reverts import RevertDecoder
from backend.core import errors

RECEIPT_POLL_SECONDS = 0.02


@contextmanager
def chain_errors() -> Iterator[None]:
    """Report an unreachable node as `ChainUnavailable` (HTTP 503), not a stack trace."""
    try:
        yield
    except errors.RegistryError:
        raise
    except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError) as exc:
        raise errors.ChainUnavailable(
            "the chain node is unreachable", reason=type(exc).__name__
        ) from exc


def _call(fn: ContractFunction) -> TxParams:
    """The `to` and `data` of a contract call."""
    return {"to": fn.address, "data": HexStr(fn._encode_transaction_data())}


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    """A Web3 client for ``rpc_url``."""
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))


class RegistryClient:
    """The deployed `WorkRegistry` (``contract``) and `LicenseMarket` (``market``).

    The service's relayer sends under a lock that assigns its nonces; dev accounts (dev mode)
    get a lock each; users' own signed transactions are simulated first, then relayed as is.
    """

    def __init__(
        self,
        w3: Web3,
        *,
        deployment: Deployment,
        abis: dict[str, list[dict[str, Any]]],
        relayer: LocalAccount,
        tx_timeout: float = 60.0,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        self.address: ChecksumAddress = Web3.to_checksum_address(deployment.registry_address)
        self.market_address: ChecksumAddress = Web3.to_checksum_address(deployment.market_address)
        self.contract = w3.eth.contract(address=self.address, abi=abis["WorkRegistry"])
        self.market = w3.eth.contract(address=self.market_address, abi=abis["LicenseMarket"])
        self.relayer = relayer
        self.tx_timeout = tx_timeout
        self._reverts = RevertDecoder(abis["WorkRegistry"] + abis["LicenseMarket"])
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._next_nonce: dict[str, int] = {}

    def transact(
        self, fn: ContractFunction, *, sender: LocalAccount | None = None, value: int = 0
    ) -> TxReceipt:
        """Simulate (so that a revert costs no gas and comes back decoded), send from
        ``sender`` (the relayer by default), and wait for the receipt."""
        account = sender or self.relayer
        with chain_errors():
            gas = self._estimate({"from": account.address, "value": Wei(value), **_call(fn)})
            with self._lock(account.address):
                tx_hash = self._send_with_fresh_nonce(fn, account, gas, value)
            return self._wait(tx_hash)

    def _send_with_fresh_nonce(
        self, fn: ContractFunction, account: LocalAccount, gas: int, value: int
    ) -> HexBytes:
        """Send with the locally tracked nonce; if the account sent elsewhere meanwhile (another
        worker, an admin), re-read the nonce from the chain once and send again."""
        for attempt in (1, 2):
            params: TxParams = {
                "from": account.address,
                "nonce": Nonce(self._take_nonce(account.address)),
                "gas": gas * 6 // 5 + 10_000,
                "value": Wei(value),
            }
            tx: Any = fn.build_transaction(params)
            try:
                return self.w3.eth.send_raw_transaction(
                    account.sign_transaction(tx).raw_transaction
                )
            except Web3RPCError as exc:
                self._next_nonce.pop(account.address, None)
                if attempt == 2 or "nonce" not in str(exc).lower():
                    raise errors.TransactionFailed(
                        "the node refused the transaction", reason=str(exc.message or exc)
                    ) from exc
        raise AssertionError("unreachable")

    def unsigned(
        self, fn: ContractFunction, *, sender: ChecksumAddress, value: int = 0
    ) -> TxParams:
        """The transaction ``sender`` should sign and send (or post back signed), simulated
        first so that a call bound to revert is refused now."""
        with chain_errors():
            call: TxParams = {"from": sender, "value": Wei(value), **_call(fn)}
            gas = self._estimate(call)
            base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
            tip = int(self.w3.eth.max_priority_fee)
            return {
                **call,
                "chainId": self.chain_id,
                "nonce": Nonce(self.w3.eth.get_transaction_count(sender, "pending")),
                "gas": gas * 6 // 5 + 10_000,
                "maxFeePerGas": Wei(2 * base_fee + tip),
                "maxPriorityFeePerGas": Wei(tip),
            }

    def relay_signed(self, raw: bytes, *, expected: ContractFunction, value: int) -> TxReceipt:
        """Send a transaction the user signed, after checking it is the call they asked for
        (same contract, calldata and value) and simulating it from its signer."""
        if raw[:1] not in (b"\x01", b"\x02"):
            raise errors.InvalidInput("send a typed (EIP-1559 or EIP-2930) signed transaction")
        try:
            tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        except Exception as exc:  # malformed RLP: the client's error, not ours
            raise errors.InvalidInput("the signed transaction cannot be decoded") from exc
        sender = Account.recover_transaction(raw)
        wanted = _call(expected)
        to = Web3.to_checksum_address(HexBytes(tx["to"])) if tx.get("to") else None
        if (
            to != wanted["to"]
            or HexBytes(tx.get("data", b"")) != HexBytes(wanted["data"])
            or int(tx.get("value", 0)) != value
        ):
            raise errors.InvalidInput(
                "the signed transaction is not the requested call", signer=sender, to=to
            )
        with chain_errors():
            self._estimate({"from": sender, "value": Wei(value), **wanted})
            return self._wait(self.w3.eth.send_raw_transaction(raw))

    def call(self, fn: ContractFunction) -> Any:
        """A view call with decoded reverts."""
        with chain_errors():
            try:
                return fn.call()
            except ContractCustomError as exc:
                raise self._reverts.to_exception(exc.data) from exc

    def _wait(self, tx_hash: HexBytes) -> TxReceipt:
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

    def _estimate(self, call: TxParams) -> int:
        try:
            return int(self.w3.eth.estimate_gas(call))
        except ContractCustomError as exc:
            raise self._reverts.to_exception(exc.data) from exc
        except ContractLogicError as exc:
            raise errors.TransactionReverted(str(exc.message or "reverted")) from exc

    def _lock(self, address: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(address, threading.Lock())

    def _take_nonce(self, address: ChecksumAddress) -> int:
        nonce = self._next_nonce.get(address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(address, "pending")
        self._next_nonce[address] = nonce + 1
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

    def block(self, number: BlockIdentifier) -> BlockData:
        with chain_errors():
            return self.w3.eth.get_block(number)

    def has_code(self, address: ChecksumAddress) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet, say) rather than a key."""
        with chain_errors():
            return len(self.w3.eth.get_code(address)) > 0

    def head(self) -> int:
        with chain_errors():
            return int(self.w3.eth.block_number)
