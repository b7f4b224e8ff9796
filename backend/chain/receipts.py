"""Waiting for many transactions at once without asking the node about each one in a loop."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from web3 import Web3
from web3.types import TxReceipt

from backend.chain.registry import chain_errors

POLL_SECONDS = 0.02
IDLE_WAKE_SECONDS = 1.0
KEPT_RECEIPTS = 50_000
MAX_CATCH_UP_BLOCKS = 64


class ReceiptWatcher:
    """Whoever waits first polls the head for everyone; each new block's receipts are fetched
    once (`eth_getBlockReceipts`) and handed to every waiter. With hundreds of requests waiting
    on interval-mined blocks this is a few calls per block instead of a receipt poll per
    request every few milliseconds."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._cond = threading.Condition()
        self._polling = False
        self._head: int | None = None
        self._seen: OrderedDict[str, TxReceipt] = OrderedDict()

    def wait(self, tx_hashes: Sequence[str], timeout: float) -> TxReceipt | None:
        """The receipt of the first of ``tx_hashes`` to be mined after this call started
        watching, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        wanted = [h.lower() for h in tx_hashes]
        with self._cond:
            while True:
                found = next((self._seen[h] for h in wanted if h in self._seen), None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    self._cond.notify()  # hand the polling to a waiter still waiting
                    return found
                if self._polling:  # woken when receipts arrive or the poller leaves
                    self._cond.wait(min(remaining, IDLE_WAKE_SECONDS))
                    continue
                self._polling = True
                self._cond.release()
                try:
                    fetched = self._poll()
                finally:
                    self._cond.acquire()
                    self._polling = False
                self._remember(fetched)
                if fetched:
                    self._cond.notify_all()
                else:
                    self._cond.wait(min(remaining, POLL_SECONDS))

    def known(self, tx_hash: str) -> TxReceipt | None:
        """A receipt this watcher has seen, without asking the node."""
        with self._cond:
            return self._seen.get(tx_hash.lower())

    def _poll(self) -> list[TxReceipt]:
        with chain_errors():
            head = int(self._w3.eth.block_number)
            # the first poll, a chain that went back, or a long idle gap: from near the head
            # (a wait starts after its caller looked the receipt up itself)
            start = head if self._head is None or head < self._head else self._head + 1
            start = max(start, head - MAX_CATCH_UP_BLOCKS)
            receipts: list[TxReceipt] = []
            for number in range(start, head + 1):
                receipts.extend(self._w3.eth.get_block_receipts(number))
            self._head = head
            return receipts

    def _remember(self, receipts: list[TxReceipt]) -> None:
        for receipt in receipts:
            self._seen[receipt["transactionHash"].to_0x_hex().lower()] = receipt
        while len(self._seen) > KEPT_RECEIPTS:
            self._seen.popitem(last=False)
