"""The service's handle on the deployed contracts: relayed writes, users' own transactions,
and the reads that verification cross-checks against."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_typing import ChecksumAddress, HexStr
from eth_utils.abi import function_signature_to_4byte_selector
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
from web3.providers.base import JSONBaseProvider
from web3.types import (
    BlockData,
    BlockIdentifier,
    Nonce,
    RPCEndpoint,
    RPCResponse,
    TxParams,
    TxReceipt,
    Wei,
)

from backend.chain.deployment import Deployment
from backend.chain.nonces import NonceManager
from backend.chain.reverts import RevertDecoder
from backend.core import errors

RECEIPT_POLL_SECONDS = 0.02
RPC_POOL_SIZE = 128
# web3's default middleware this service has no use for, each paid on every request: chain-id
# validation asks the node for its chain id before every call and gas estimate (the deployment
# file, keyed by the node's chain id, pins it already); ENS names and legacy gas-price
# strategies are never used on this registry's chain.
UNUSED_MIDDLEWARE = ("validation", "ens_name_to_address", "gas_price_strategy")
KEPT_TIMESTAMPS = 10_000
BLOCKS_PER_BATCH = 256
_OWNER_OF = function_signature_to_4byte_selector("ownerOf(uint256)")
FEE_REFRESH_SECONDS = 2.0
NONCE_ATTEMPTS = 5
ESTIMATE_ATTEMPTS = 3
NONCE_REFUSALS = ("nonce", "already known", "replacement transaction underpriced")


class NonceConflict(errors.TransactionFailed):
    """The node refused a nonce: used already, or taken by a pending transaction."""

    code = "nonce_conflict"

    def __init__(self, reason: str) -> None:
        super().__init__("the node refused the transaction's nonce", reason=reason)


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction: what the outbox records before it is broadcast."""

    sender: ChecksumAddress
    nonce: int
    tx_hash: str
    raw: bytes


def _signed(account: LocalAccount, params: dict[str, Any]) -> SignedTx:
    signed = account.sign_transaction(params)
    return SignedTx(
        sender=account.address,
        nonce=int(params["nonce"]),
        tx_hash=signed.hash.to_0x_hex(),
        raw=bytes(signed.raw_transaction),
    )


@contextmanager
def chain_errors() -> Iterator[None]:
    """Report an unreachable node as `ChainUnavailable` (HTTP 503) and a request the node
    refused for no reason the caller handled as `NodeError` (502), never as a stack trace."""
    try:
        yield
    except errors.RegistryError:
        raise
    except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError) as exc:
        raise errors.ChainUnavailable(
            "the chain node is unreachable", reason=type(exc).__name__
        ) from exc
    except Web3RPCError as exc:
        raise errors.NodeError("the chain node refused the request", reason=str(exc)) from exc


def _call(fn: ContractFunction) -> TxParams:
    """The `to` and `data` of a contract call."""
    return {"to": fn.address, "data": HexStr(fn._encode_transaction_data())}


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    """A Web3 client for ``rpc_url``, with a connection pool as large as the API's thread pool
    (requests' default of 10 made concurrent requests open and drop a TCP connection per call),
    no per-call look-ups of proxy and CA settings in the environment, and none of the
    `UNUSED_MIDDLEWARE`."""
    session = requests.Session()
    session.trust_env = False
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=RPC_POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    provider = Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, session=session)
    w3 = Web3(provider)
    for name in UNUSED_MIDDLEWARE:
        w3.middleware_onion.remove(name)
    return w3


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
        self.nonces = NonceManager(w3)
        self._fee_cache: tuple[float, int, int] | None = None
        self._timestamps: dict[str, int] = {}

    def transact(
        self, fn: ContractFunction, *, sender: LocalAccount | None = None, value: int = 0
    ) -> TxReceipt:
        """Simulate (so that a revert costs no gas and comes back decoded), send from
        ``sender`` (the relayer by default), and wait for the receipt."""
        account = sender or self.relayer
        with chain_errors():
            gas = self.estimate(fn, sender=account.address, value=value)
            signed = self.send(fn, account, gas=gas, value=value)
            return self.wait(signed.tx_hash)

    def estimate(self, fn: ContractFunction, *, sender: ChecksumAddress, value: int = 0) -> int:
        """The call's gas, simulated from ``sender``: a call bound to revert raises its decoded
        error here, before anything is signed."""
        with chain_errors():
            return self._estimate({"from": sender, "value": Wei(value), **_call(fn)})

    def send(
        self,
        fn: ContractFunction,
        account: LocalAccount,
        *,
        gas: int,
        value: int = 0,
    ) -> SignedTx:
        """Sign with the account's next nonce and broadcast; only these two hold the account's
        nonce lock. A nonce the node refuses is re-read from the node and signed again."""
        for attempt in range(1, NONCE_ATTEMPTS + 1):
            try:
                with chain_errors(), self.nonces.reserve(account.address) as nonce:
                    signed = self._sign(fn, account, nonce=nonce, gas=gas, value=value)
                    self._broadcast(signed.raw)
                    return signed
            except NonceConflict:
                if attempt == NONCE_ATTEMPTS:
                    raise
                # another process sending with the same key: let it finish, then read again
                time.sleep(random.uniform(0, 0.01 * attempt))
        raise AssertionError("unreachable")

    def rebroadcast(self, raw: bytes) -> None:
        """Send already signed bytes again (after the node lost them); a nonce the chain has
        moved past raises `NonceConflict`."""
        with chain_errors():
            self._broadcast(raw)

    def replace(self, raw: bytes, account: LocalAccount, *, bump_percent: int = 25) -> SignedTx:
        """The same transaction (same nonce) with fees raised by ``bump_percent``: how a stuck
        transaction is pushed out (nodes want at least 10% more to replace)."""
        tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        tip, max_fee = self._fees()
        tip = max(tip, int(tx["maxPriorityFeePerGas"]) * (100 + bump_percent) // 100)
        max_fee = max(max_fee, int(tx["maxFeePerGas"]) * (100 + bump_percent) // 100, tip)
        params = {key: tx[key] for key in ("chainId", "nonce", "gas", "to", "value", "data")} | {
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": max_fee,
            "type": 2,
        }
        signed = _signed(account, params)
        with chain_errors():
            self._broadcast(signed.raw)
        return signed

    def _sign(
        self, fn: ContractFunction, account: LocalAccount, *, nonce: int, gas: int, value: int
    ) -> SignedTx:
        tip, max_fee = self._fees()
        params: TxParams = {
            "from": account.address,
            "chainId": self.chain_id,
            "nonce": Nonce(nonce),
            "gas": gas * 6 // 5 + 10_000,
            "value": Wei(value),
            "maxPriorityFeePerGas": Wei(tip),
            "maxFeePerGas": Wei(max_fee),
        }
        return _signed(account, dict(fn.build_transaction(params)))

    def _broadcast(self, raw: bytes) -> None:
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            reason = str(exc.message or exc)
            if any(marker in reason.lower() for marker in NONCE_REFUSALS):
                raise NonceConflict(reason) from exc
            raise errors.TransactionFailed(
                "the node refused the transaction", reason=reason
            ) from exc

    def _fees(self) -> tuple[int, int]:
        """(tip, max fee per gas): twice the base fee plus the tip, refreshed every few seconds
        rather than read on every send."""
        now = time.monotonic()
        if self._fee_cache is None or now - self._fee_cache[0] > FEE_REFRESH_SECONDS:
            base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
            tip = int(self.w3.eth.max_priority_fee)
            self._fee_cache = (now, tip, 2 * base_fee + tip)
        return self._fee_cache[1], self._fee_cache[2]

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
            return self.wait(self.w3.eth.send_raw_transaction(raw).to_0x_hex())

    def call(self, fn: ContractFunction) -> Any:
        """A view call with decoded reverts."""
        with chain_errors():
            try:
                return fn.call()
            except ContractCustomError as exc:
                raise self._reverts.to_exception(exc.data) from exc

    def wait(self, tx_hash: str) -> TxReceipt:
        """The receipt of a successful transaction; a revert or a timeout raises."""
        with chain_errors():
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    HexBytes(tx_hash), timeout=self.tx_timeout, poll_latency=RECEIPT_POLL_SECONDS
                )
            except TimeExhausted as exc:
                raise errors.TransactionFailed(
                    "the transaction was not mined in time", tx_hash=tx_hash
                ) from exc
        if receipt["status"] != 1:
            raise errors.TransactionFailed("the transaction reverted", tx_hash=tx_hash)
        return receipt

    def _estimate(self, call: TxParams) -> int:
        for _ in range(ESTIMATE_ATTEMPTS - 1):
            try:
                return self._estimate_once(call)
            except Web3RPCError as exc:
                # anvil with pruned history can resolve "latest" to the block just replaced
                # by a new one while a transaction is mined: ask again
                if "BlockOutOfRange" not in str(exc):
                    raise
        return self._estimate_once(call)

    def _estimate_once(self, call: TxParams) -> int:
        try:
            return int(self.w3.eth.estimate_gas(call))
        except ContractCustomError as exc:
            raise self._reverts.to_exception(exc.data) from exc
        except ContractLogicError as exc:
            raise errors.TransactionReverted(str(exc.message or "reverted")) from exc
        except Web3RPCError as exc:
            if "insufficient funds" not in str(exc).lower():
                raise
            raise errors.InsufficientFunds(
                "the sender cannot pay for the gas and the value", sender=call.get("from")
            ) from exc

    def owner_of(self, work_id: int) -> ChecksumAddress | None:
        """The current owner, or None if the work is not registered on chain."""
        return self.owner_in(self.read_batch([self.owner_of_read(work_id)])[0])

    def creator_of(self, work_id: int) -> ChecksumAddress:
        with chain_errors():
            creator: ChecksumAddress = self.contract.functions.creatorOf(work_id).call()
            return creator

    def is_pending(self, tx_hash: str) -> bool:
        """Whether the node holds ``tx_hash`` unmined in its pool."""
        with chain_errors():
            try:
                tx = self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return False
            return tx.get("blockNumber") is None

    def receipt(self, tx_hash: str) -> TxReceipt | None:
        with chain_errors():
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None

    def read_batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[RPCResponse]:
        """Several reads in one JSON-RPC request, answered as the node sends them (hex, no
        formatting): one round trip and none of web3's per-call overhead (a verification
        spent most of its time there)."""
        provider = self.w3.provider
        if not isinstance(provider, JSONBaseProvider):
            raise TypeError(f"{type(provider).__name__} cannot batch JSON-RPC requests")
        with chain_errors():
            answers = provider.make_batch_request(
                [(RPCEndpoint(method), params) for method, params in calls]
            )
        if not isinstance(answers, list):
            raise errors.ChainUnavailable(
                "the node refused a batch request", reason=str(answers.get("error"))
            )
        return answers

    def raw_logs(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """`eth_getLogs` answered as the node sends it (hex strings): the indexer decodes
        thousands of logs a second, and web3's per-log formatting cost more than decoding."""
        (answer,) = self.read_batch([("eth_getLogs", [params])])
        if "error" in answer:
            raise errors.ChainUnavailable(
                "the node refused eth_getLogs", reason=str(answer["error"])
            )
        return list(answer["result"])

    def owner_of_read(self, work_id: int) -> tuple[str, list[Any]]:
        """`ownerOf(work_id)` as a raw `eth_call`, for `read_batch`; see `owner_in`."""
        data = "0x" + (_OWNER_OF + work_id.to_bytes(32, "big")).hex()
        return "eth_call", [{"to": self.address, "data": data}, "latest"]

    def owner_in(self, answer: RPCResponse) -> ChecksumAddress | None:
        """The owner an `owner_of_read` answered; None if the work is not registered."""
        error = answer.get("error")
        if error is not None:
            data = error.get("data") if isinstance(error, dict) else None
            exc = self._reverts.to_exception(data)
            if isinstance(exc, errors.NotFound):
                return None
            raise exc
        return Web3.to_checksum_address("0x" + str(answer["result"])[-40:])

    def block(self, number: BlockIdentifier) -> BlockData:
        with chain_errors():
            return self.w3.eth.get_block(number)

    def block_timestamp(self, block_hash: str) -> int:
        """A block's timestamp, remembered: a block's hash fixes its content."""
        timestamp = self._timestamps.get(block_hash)
        if timestamp is None:
            with chain_errors():
                timestamp = int(self.w3.eth.get_block(block_hash)["timestamp"])  # type: ignore[arg-type]
            if len(self._timestamps) >= KEPT_TIMESTAMPS:
                self._timestamps.clear()
            self._timestamps[block_hash] = timestamp
        return timestamp

    def block_hash(self, number: int) -> str | None:
        """The hash of block ``number``, or None if the chain does not reach it."""
        return self.block_hashes([number])[number]

    def block_hashes(self, numbers: Iterable[int]) -> dict[int, str | None]:
        """The hashes of blocks ``numbers`` (None where the chain does not reach one), read
        in batched requests of raw answers."""
        wanted = sorted(set(numbers))
        hashes: dict[int, str | None] = {}
        for start in range(0, len(wanted), BLOCKS_PER_BATCH):
            chunk = wanted[start : start + BLOCKS_PER_BATCH]
            answers = self.read_batch([("eth_getBlockByNumber", [hex(n), False]) for n in chunk])
            for number, answer in zip(chunk, answers, strict=True):
                if "error" in answer:
                    raise errors.ChainUnavailable(
                        "the node refused eth_getBlockByNumber", reason=str(answer["error"])
                    )
                block = answer.get("result")
                hashes[number] = None if block is None else str(block["hash"])
        return hashes

    def has_code(self, address: ChecksumAddress) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet, say) rather than a key."""
        with chain_errors():
            return len(self.w3.eth.get_code(address)) > 0

    def head(self) -> int:
        with chain_errors():
            return int(self.w3.eth.block_number)
