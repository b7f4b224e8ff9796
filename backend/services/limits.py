"""Limits on relayed writes, so that no client or creator can flood the chain or drain the
relayer: token buckets per client and per creator, gas budgets per creator and for the relayer
as a whole, and a floor under the relayer's balance.

A bucket holds up to ``capacity`` tokens and refills at ``capacity / window`` a second, so a
burst of a full window's allowance is admitted and the rate after it is the window's average.
The state lives in the process: several API workers each keep their own (see README).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from backend.chain.registry import RegistryClient, chain_errors
from backend.core import errors
from backend.core.config import Settings

# Upper bounds of the relayer's gas for one registration transaction: a fixed part and a part
# per work (measured: registerFor 78k, registerDerivativeFor 88k, registerBatchFor 34k + 28k a
# work). tests/backend/test_limits.py checks them against real receipts.
GAS_PER_TRANSACTION = 120_000
GAS_PER_WORK = 40_000
# Keys tracked per kind before full (idle) buckets are dropped; a full bucket is the same as none.
MAX_TRACKED_KEYS = 10_000


def registration_gas(works: int) -> int:
    """The gas reserved for relaying ``works`` registrations in one transaction."""
    return GAS_PER_TRANSACTION + GAS_PER_WORK * works


class TokenBucket:
    def __init__(self, capacity: int, window: float, now: float) -> None:
        self.capacity = capacity
        self.rate = capacity / window
        self.tokens = float(capacity)
        self.updated = now

    def wait(self, cost: int, now: float) -> float:
        """Seconds until ``cost`` tokens are there (0: now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return max(0.0, (cost - self.tokens) / self.rate)

    def take(self, cost: int) -> None:
        self.tokens -= cost

    def give_back(self, cost: int) -> None:
        self.tokens = min(self.capacity, self.tokens + cost)

    @property
    def full(self) -> bool:
        return self.tokens >= self.capacity


class _Buckets:
    """One bucket per key, made on first use."""

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity = capacity
        self.window = window
        self._buckets: dict[str, TokenBucket] = {}

    def get(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_KEYS:
                self._drop_full(now)
            bucket = self._buckets[key] = TokenBucket(self.capacity, self.window, now)
        return bucket

    def _drop_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            bucket.wait(0, now)
            if bucket.full:
                del self._buckets[key]


@dataclass(frozen=True)
class Charge:
    """What one admitted registration took, to give back if it is refused before sending."""

    creator: str
    gas: int


class RelayLimits:
    """The buckets of one API process; ``clock`` is monotonic seconds (tests set their own)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._clients = _Buckets(settings.client_write_limit, settings.rate_window_seconds)
        self._creators = _Buckets(settings.creator_write_limit, settings.rate_window_seconds)
        self._creator_gas = _Buckets(settings.creator_gas_budget, settings.gas_window_seconds)
        self._relayer_gas = TokenBucket(
            settings.relayer_gas_budget, settings.gas_window_seconds, clock()
        )

    def admit_write(self, client: str) -> None:
        """Count one relayed write of ``client``; 429 once its window's allowance is used."""
        with self._lock:
            now = self.clock()
            bucket = self._clients.get(client, now)
            wait = bucket.wait(1, now)
            if wait > 0:
                raise errors.RateLimited(
                    f"at most {bucket.capacity} relayed writes per client per window",
                    retry_after=wait,
                    limit="client",
                )
            bucket.take(1)

    def refund_write(self, client: str) -> None:
        """Give back a write the service failed to serve (the chain was unreachable)."""
        with self._lock:
            self._clients.get(client, self.clock()).give_back(1)

    def admit_registration(self, *, creator: str, works: int) -> Charge:
        """Count a registration request of ``works`` for ``creator`` and reserve its gas, all or
        nothing: 429 for the creator's rate or gas budget, 503 for the relayer's budget."""
        gas = registration_gas(works)
        with self._lock:
            now = self.clock()
            writes = self._creators.get(creator, now)
            creator_gas = self._creator_gas.get(creator, now)
            for bucket in (creator_gas, self._relayer_gas):
                if gas > bucket.capacity:
                    raise errors.InvalidInput(
                        f"{works} works need more gas than a window's budget allows",
                        works=works,
                        gas=gas,
                        budget=bucket.capacity,
                    )
            if (wait := writes.wait(1, now)) > 0:
                raise errors.RateLimited(
                    f"at most {writes.capacity} registration requests per creator per window",
                    retry_after=wait,
                    limit="creator",
                    creator=creator,
                )
            if (wait := creator_gas.wait(gas, now)) > 0:
                raise errors.GasBudgetExhausted(
                    "this creator's share of the relayer's gas is spent for now",
                    retry_after=wait,
                    creator=creator,
                    gas=gas,
                )
            if (wait := self._relayer_gas.wait(gas, now)) > 0:
                raise errors.RelayerBudgetExhausted(
                    "the relayer's gas budget is spent for now", retry_after=wait, gas=gas
                )
            writes.take(1)
            creator_gas.take(gas)
            self._relayer_gas.take(gas)
        return Charge(creator=creator, gas=gas)

    def refund(self, charge: Charge) -> None:
        """Give back a registration that was refused before anything was sent."""
        with self._lock:
            now = self.clock()
            self._creators.get(charge.creator, now).give_back(1)
            self._creator_gas.get(charge.creator, now).give_back(charge.gas)
            self._relayer_gas.give_back(charge.gas)


def check_relayer_balance(registry: RegistryClient, floor_wei: int) -> None:
    """503 when the relayer's balance is below ``floor_wei``."""
    with chain_errors():
        balance = int(registry.w3.eth.get_balance(registry.relayer.address))
    if balance < floor_wei:
        raise errors.RelayerBalanceLow(
            "the relayer's balance is below its floor; it relays nothing until topped up",
            relayer=registry.relayer.address,
            balance_wei=str(balance),
            floor_wei=str(floor_wei),
        )
