"""Nonces for the accounts the service sends from: handed out in order, one account at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from eth_typing import ChecksumAddress
from web3 import Web3


class NonceManager:
    """Hands out consecutive nonces per account from a local counter, so that concurrent sends
    never wait for each other's receipts; the counter is re-read from the node ("pending")
    whenever a send fails, since the node is the truth after a refusal, a restart or a send
    made elsewhere with the same key."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, int] = {}

    @contextmanager
    def reserve(self, address: ChecksumAddress) -> Iterator[int]:
        """The account's next nonce, held under its lock until the block ends; if the block
        raises, the counter is forgotten and re-read on the next reservation."""
        with self._lock(address):
            nonce = self._next.get(address)
            if nonce is None:
                nonce = int(self._w3.eth.get_transaction_count(address, "pending"))
            try:
                yield nonce
            except BaseException:
                self._next.pop(address, None)
                raise
            self._next[address] = nonce + 1

    def forget(self, address: ChecksumAddress) -> None:
        """Drop the local counter (after the chain restarted or lost transactions)."""
        with self._lock(address):
            self._next.pop(address, None)

    def forget_all(self) -> None:
        for address in list(self._next):
            self.forget(address)  # type: ignore[arg-type]

    def _lock(self, address: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(address, threading.Lock())
