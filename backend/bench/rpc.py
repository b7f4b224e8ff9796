"""A lean JSON-RPC client for loading a chain fast: transactions signed locally with tracked
nonces and sent in JSON-RPC batches, without web3's per-call middleware or receipt polling."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from typing import Any

import httpx
from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

MAX_FEE_WEI = 100 * 10**9
TIP_WEI = 10**9


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


REGISTER = selector("register(bytes32,bytes32)")
REGISTER_BATCH = selector("registerBatch(bytes32[],bytes32[])")
OWNER_OF = selector("ownerOf(uint256)")


def random_hashes(count: int) -> list[bytes]:
    return [os.urandom(32) for _ in range(count)]


def register_data(content: bytes, metadata: bytes) -> bytes:
    return REGISTER + content + metadata


def register_batch_data(contents: Sequence[bytes], metadatas: Sequence[bytes]) -> bytes:
    return REGISTER_BATCH + encode(["bytes32[]", "bytes32[]"], [list(contents), list(metadatas)])


class RpcError(RuntimeError):
    """The node answered a request with an error."""


class Rpc:
    """JSON-RPC over one kept-alive HTTP connection."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self._http = httpx.Client(timeout=timeout)
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any) -> Any:
        return self.batch([(method, list(params))])[0]

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one request; results in the same order."""
        payload = [
            {"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in calls
        ]
        answers = self._http.post(self.url, json=payload).json()
        by_id = {a["id"]: a for a in answers}
        results = []
        for request in payload:
            answer = by_id[request["id"]]
            if "error" in answer:
                raise RpcError(f"{request['method']}: {answer['error']}")
            results.append(answer.get("result"))
        return results

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def close(self) -> None:
        self._http.close()


class Sender:
    """Signs and sends transactions from ``accounts`` in turn, nonces tracked locally."""

    def __init__(self, rpc: Rpc, accounts: Sequence[LocalAccount], chain_id: int = 31337) -> None:
        self.rpc = rpc
        self.accounts = list(accounts)
        self.chain_id = chain_id
        self._nonces: dict[str, int] = {}
        self.resync()
        self._turn = itertools.cycle(self.accounts)

    def resync(self) -> None:
        """Take the nonces from the node again (after signed transactions were dropped)."""
        self._nonces = {
            a.address: int(self.rpc.call("eth_getTransactionCount", a.address, "pending"), 16)
            for a in self.accounts
        }

    def sign(self, to: str, data: bytes, gas: int, account: LocalAccount | None = None) -> str:
        """A raw signed transaction (0x-hex) from ``account`` (the next one in turn by default)."""
        account = account or next(self._turn)
        nonce = self._nonces[account.address]
        self._nonces[account.address] = nonce + 1
        tx: Any = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": to,
            "data": data,
            "gas": gas,
            "value": 0,
            "maxFeePerGas": MAX_FEE_WEI,
            "maxPriorityFeePerGas": TIP_WEI,
        }
        return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()

    def send(self, raws: Sequence[str]) -> list[str]:
        """Send signed transactions in one JSON-RPC batch; returns their hashes."""
        return [str(h) for h in self.rpc.batch([("eth_sendRawTransaction", [r]) for r in raws])]

    def wait(self, tx_hash: str, timeout: float = 300.0, poll: float = 0.005) -> dict[str, Any]:
        """The receipt of ``tx_hash`` once mined; raises if it reverted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            receipt = self.rpc.call("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                if int(receipt["status"], 16) != 1:
                    raise RpcError(f"transaction {tx_hash} reverted")
                return dict(receipt)
            time.sleep(poll)
        raise RpcError(f"transaction {tx_hash} not mined within {timeout}s")


def fill_registry(
    sender: Sender,
    registry: str,
    works: int,
    *,
    batch: int = 500,
    in_flight: int = 8,
    mine: bool = False,
) -> list[bytes]:
    """Register ``works`` random content hashes through `registerBatch` from the sender's
    accounts, keeping at most ``in_flight`` transactions unconfirmed; returns the hashes.
    With ``mine`` it calls `evm_mine` after each send (a node that does not automine)."""
    contents = random_hashes(works)
    pending: list[str] = []
    for start in range(0, works, batch):
        chunk = contents[start : start + batch]
        data = register_batch_data(chunk, random_hashes(len(chunk)))
        pending += sender.send([sender.sign(registry, data, gas=60_000 + 29_000 * len(chunk))])
        if mine:
            sender.rpc.call("evm_mine")
        if len(pending) >= in_flight:
            sender.wait(pending.pop(0))
    for tx_hash in pending:
        sender.wait(tx_hash)
    return contents
