"""Helpers shared by the LicenseMarket tests (``test_market_*.py``); it holds no tests.

Works, offers and purchases as a creator or licensee would make them through web3, the
payment-split rule written out in Python, chain-time control and the test-only contracts of
``contracts/test/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from backend.chain.compiler import Artifact
from tests.conftest import random_hash
from tests.contracts.conftest import Send

BPS = 10_000
PERPETUAL = 2**64 - 1
MIN_BOND = 10**16
PRICE = 10**15


class Kind(IntEnum):
    """`ILicenseChecker.LicenseKind`."""

    PERSONAL = 0
    COMMERCIAL = 1
    DERIVATIVE = 2


def register_work(registry: Contract, owner: LocalAccount, send: Send) -> int:
    """Register a fresh work for ``owner`` and return its id."""
    content = random_hash()
    send(registry.functions.register(content, random_hash()), owner)
    return int(content, 16)


def create_offer(
    market: Contract,
    owner: LocalAccount,
    send: Send,
    work_id: int,
    *,
    kind: Kind = Kind.PERSONAL,
    price: int = PRICE,
    duration: int = 0,
    max_supply: int = 0,
    transferable: bool = False,
) -> int:
    """Create an offer on ``work_id`` and return its id."""
    receipt = send(
        market.functions.createOffer(
            work_id, kind, price, duration, max_supply, transferable, "ipfs://terms", b"\x11" * 32
        ),
        owner,
    )
    (event,) = market.events.OfferCreated().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["offerId"])


def buy(
    market: Contract, buyer: LocalAccount, send: Send, work_id: int, offer_id: int
) -> TxReceipt:
    """Buy a licence paying the offer's exact price."""
    price = market.functions.offer(work_id, offer_id).call()[0]
    return send(market.functions.buy(work_id, offer_id), buyer, value=price)


def licence(market: Contract, account: str, work_id: int, kind: Kind) -> dict[str, Any]:
    start, expiry, offer_id, transferable = market.functions.licenseOf(
        account, work_id, kind
    ).call()
    return {"start": start, "expiry": expiry, "offerId": offer_id, "transferable": transferable}


def split(price: int, shares: Sequence[int], fee_bps: int = 0) -> tuple[int, list[int]]:
    """The documented rounding rule: the fee is floor(price * fee / 10,000); every payee but the
    last gets floor(rest * share / 10,000) and the last gets what is left."""
    fee = price * fee_bps // BPS
    rest = price - fee
    credits = [rest * share // BPS for share in shares[:-1]]
    return fee, [*credits, rest - sum(credits)]


def block_time(w3: Web3, receipt: TxReceipt | None = None) -> int:
    block = w3.eth.get_block(receipt["blockNumber"] if receipt else "latest")
    return int(block["timestamp"])


def mine_at(w3: Web3, timestamp: int) -> None:
    """Mine an empty block at exactly ``timestamp``."""
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def advance_time(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


@contextmanager
def rewound(w3: Web3) -> Iterator[None]:
    """Undo every block made inside, and any clock jump: the session's node is shared."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield
    finally:
        revert_to(w3, snapshot)


def revert_to(w3: Web3, snapshot: str) -> None:
    """Revert the node to ``snapshot``, then put its clock back on the wall clock: anvil's
    revert also winds the clock back to the snapshot's moment, and later tests sign deadlines
    from the wall clock."""
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    now = max(int(time.time()), block_time(w3))
    w3.provider.make_request("anvil_setTime", [now])  # type: ignore[arg-type]


def deploy_contract(
    w3: Web3, artifact: Artifact, deployer: LocalAccount, send: Send, *args: Any
) -> Contract:
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = send(factory.constructor(*args), deployer)
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
