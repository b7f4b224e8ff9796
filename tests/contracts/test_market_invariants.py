"""Stateful property test of LicenseMarket's money and licence accounting.

Size: 25 examples x up to 40 steps (at most 1,000 steps a run; about 20 s on 2 cores).

Hypothesis drives random sequences of register / setPayees / createOffer / setOfferActive /
buy / transferLicense / withdraw / openDispute / resolveDispute / setFee, ERC-721 transfers
and clock jumps by five dev accounts (the admin, account 0, arbitrates), and every step
predicts the call's outcome (success or the exact custom error) from a Python model. Each
example starts from the same freshly deployed market: ``evm_snapshot`` on start and
``evm_revert`` on teardown, then the clock is put back on the wall clock for later tests.

After every step:
- the market's ether balance == the sum of withdrawable balances + the bonds of open disputes;
- each account's withdrawable balance equals the model's credits to the wei, the model
  splitting each sale by the documented rule (fee floor(price*fee/10,000) to the treasury,
  floor(rest*share/10,000) to each payee but the last, the remainder to the last);
- every licence on chain (each actor x work x kind) equals the model's, and the model holds a
  licence only through purchases paid in full, so no licence exists without a full payment;
- every offer (terms, sold count, switch) and every work's flag equal the model's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode, encode
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError
from web3.types import TxReceipt

from backend.chain.accounts import dev_account
from backend.chain.compiler import Artifact
from backend.chain.reverts import RevertDecoder
from tests.contracts.test_market_support import BPS, MIN_BOND, PERPETUAL, Kind, revert_to, split

# No shrinking: every step is a transaction, and shrinking a failure takes minutes (it hit
# pytest's 300 s timeout on a one-wei mutant); a failure prints its steps as generated.
SETTINGS = settings(
    max_examples=25,
    stateful_step_count=40,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
# Views read after every step: signature and return type, for a raw JSON-RPC batch (web3's
# own ABI handling per call would take most of the run time).
VIEWS = {
    "withdrawable": ("withdrawable(address)", "uint256"),
    "licenseOf": ("licenseOf(address,uint256,uint8)", "(uint64,uint64,uint32,bool)"),
    "hasValidLicense": ("hasValidLicense(address,uint256,uint8)", "bool"),
    "offer": ("offer(uint256,uint256)", "(uint96,uint40,uint32,uint32,uint8,bool,bool)"),
    "isFlagged": ("isFlagged(uint256)", "bool"),
}
# Fixed gas and fees: the model predicts success, so there is nothing to estimate.
TX_DEFAULTS = {
    "gas": 1_000_000,
    "maxFeePerGas": 100 * 10**9,
    "maxPriorityFeePerGas": 10**9,
    "chainId": 31337,
}
ACTORS: list[LocalAccount] = [dev_account(i) for i in range(1, 6)]
ARBITER = dev_account(0)
MAX_WORKS = 3
MAX_OFFERS = 6
UNREGISTERED = 0xDEAD
# A licence this close to its expiry may be valid when predicted and void when mined.
CLOCK_MARGIN = 5

actor = st.integers(0, len(ACTORS) - 1)
index = st.integers(0, 7)
# Mostly well-formed calls, so that sequences reach sales, payouts and disputes.
usually = st.sampled_from([True, True, True, False])
OFFER_TERMS: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.sampled_from(Kind),
    "price": st.one_of(st.sampled_from([0, 1, 10_001, 10**15]), st.integers(0, 10**17)),
    "duration": st.sampled_from([0, 60, 600]),
    "max_supply": st.sampled_from([0, 1, 2]),
    "transferable": st.booleans(),
}
offer_terms = st.fixed_dictionaries(OFFER_TERMS)


@dataclass
class OfferModel:
    kind: Kind
    price: int
    duration: int
    max_supply: int
    transferable: bool
    active: bool = True
    sold: int = 0

    def as_chain(self) -> tuple[Any, ...]:
        return (
            self.price,
            self.duration,
            self.max_supply,
            self.sold,
            self.kind,
            self.active,
            self.transferable,
        )


@dataclass
class WorkModel:
    work_id: int
    creator: str
    owner: str
    payees: list[tuple[str, int]] = field(default_factory=list)
    offers: list[OfferModel] = field(default_factory=list)
    flagged: bool = False


@dataclass
class LicenceModel:
    expiry: int
    transferable: bool
    payments: list[int]  # wei of each full-price purchase behind it


@dataclass
class DisputeModel:
    claimant: str
    bond: int
    work: WorkModel
    open: bool = True


def _account(address: str) -> LocalAccount:
    return next(a for a in ACTORS if a.address == address)


class MarketMachine(RuleBasedStateMachine):
    def __init__(self, w3: Web3, registry: Contract, market: Contract, decoder: RevertDecoder):
        super().__init__()
        self.w3, self.registry, self.market, self.decoder = w3, registry, market, decoder
        self.works: list[WorkModel] = []
        self.balances: Counter[str] = Counter()
        self.licences: dict[tuple[str, int, Kind], LicenceModel] = {}
        self.disputes: list[DisputeModel] = []
        self.fee: tuple[str, int] = ("0x" + "00" * 20, 0)
        self.snapshot: str | None = None

    # -- chain plumbing ---------------------------------------------------------------------

    @initialize(
        owners=st.lists(actor, min_size=2, max_size=2),
        offers=st.lists(offer_terms, min_size=2, max_size=2),
    )
    def start(self, owners: list[int], offers: list[dict[str, Any]]) -> None:
        """Snapshot the fresh market, then open two works for sale (so short runs sell)."""
        self.snapshot = self.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        for seed, (owner, terms) in enumerate(zip(owners, offers, strict=True), start=1):
            self.register(owner, seed)
            self.create_offer(True, owner, seed - 1, **terms)

    def teardown(self) -> None:
        if self.snapshot is not None:
            revert_to(self.w3, self.snapshot)

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _revert_code(self, fn: Any, sender: LocalAccount, value: int, block: Any) -> str | None:
        """The error code ``fn`` reverts with at ``block``, or None if it succeeds."""
        try:
            fn.call({"from": sender.address, "value": value}, block_identifier=block)
        except ContractCustomError as exc:
            return self.decoder.to_exception(exc.data).code
        return None

    def _transact(
        self, fn: Any, sender: LocalAccount, expected: str | None, value: int = 0
    ) -> TxReceipt | None:
        """Assert that ``fn`` reverts with the ``expected`` error code (simulated on the latest
        block, nothing sent), or, if ``expected`` is None, send it and assert it succeeds."""
        if expected is not None:
            assert self._revert_code(fn, sender, value, "latest") == expected
            return None
        tx = fn.build_transaction({"from": sender.address, "value": value, **TX_DEFAULTS})
        tx["nonce"] = self.w3.eth.get_transaction_count(sender.address, "pending")
        tx_hash = self.w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)
        if receipt["status"] != 1:
            # A reverted transaction changed no contract state, and the node keeps no history.
            replayed = self._revert_code(fn, sender, value, "latest")
            raise AssertionError(f"{fn.fn_name} reverted ({replayed}); the model expected success")
        return receipt

    def _read(self, calls: list[tuple[str, tuple[Any, ...]]]) -> tuple[int, int, list[Any]]:
        """The latest block's timestamp, the market's ether and the value of each view call,
        all at that block, through one raw JSON-RPC batch."""
        block = self.w3.eth.get_block("latest")
        tag = hex(block["number"])
        requests: list[tuple[Any, Any]] = [("eth_getBalance", [self.market.address, tag])]
        for name, args in calls:
            signature, _ = VIEWS[name]
            types = signature[signature.index("(") + 1 : -1].split(",")
            data = function_signature_to_4byte_selector(signature) + encode(types, list(args))
            requests.append(
                ("eth_call", [{"to": self.market.address, "data": "0x" + data.hex()}, tag])
            )
        responses = self.w3.provider.make_batch_request(requests)
        assert isinstance(responses, list), responses
        results = []
        for response in sorted(responses, key=lambda r: int(r["id"])):
            assert "result" in response, response
            results.append(response["result"])
        values = [
            decode([VIEWS[name][1]], bytes.fromhex(result[2:]))[0]
            for (name, _), result in zip(calls, results[1:], strict=True)
        ]
        return int(block["timestamp"]), int(results[0], 16), values

    def _work(self, pick: int) -> WorkModel:
        return self.works[pick % len(self.works)]

    def _acting(self, work: WorkModel, as_owner: bool, who: int) -> LocalAccount:
        """The work's owner, or any actor (perhaps the owner too)."""
        return _account(work.owner) if as_owner else ACTORS[who]

    def _credit(self, work: WorkModel, amount: int) -> None:
        treasury, fee_bps = self.fee
        fee, credits = split(amount, [share for _, share in work.payees], fee_bps)
        self.balances[treasury] += fee
        for (account, _), credit in zip(work.payees, credits, strict=True):
            self.balances[account] += credit

    # -- rules --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.works) < MAX_WORKS)
    @rule(who=actor, content=st.integers(1, 2**256 - 1))
    def register(self, who: int, content: int) -> None:
        sender = ACTORS[who]
        taken = any(w.work_id == content for w in self.works)
        fn = self.registry.functions.register(content.to_bytes(32, "big"), b"\x01" * 32)
        if self._transact(fn, sender, "work_already_registered" if taken else None):
            self.works.append(WorkModel(content, sender.address, sender.address))

    @precondition(lambda self: self.works)
    @rule(
        as_owner=usually,
        who=actor,
        pick=index,
        payees=st.lists(actor, min_size=1, max_size=3),
        cuts=st.sets(st.integers(1, BPS - 1), max_size=2),
        bump=st.sampled_from([0, 0, 0, 1]),
    )
    def set_payees(
        self, as_owner: bool, who: int, pick: int, payees: list[int], cuts: set[int], bump: int
    ) -> None:
        work = self._work(pick)
        sender = self._acting(work, as_owner, who)
        count = min(len(payees), len(cuts) + 1)
        bounds = sorted(cuts)[: count - 1]
        shares = [hi - lo for lo, hi in zip([0, *bounds], [*bounds, BPS], strict=True)]
        shares[-1] += bump
        accounts = [ACTORS[p].address for p in payees[:count]]
        expected = (
            "not_work_owner"
            if sender.address != work.owner
            else ("invalid_payees" if bump else None)
        )
        fn = self.market.functions.setPayees(work.work_id, accounts, shares)
        if self._transact(fn, sender, expected):
            work.payees = list(zip(accounts, shares, strict=True))

    @precondition(lambda self: self.works and self._offer_count() < MAX_OFFERS)
    @rule(as_owner=usually, who=actor, pick=index, **OFFER_TERMS)
    def create_offer(
        self,
        as_owner: bool,
        who: int,
        pick: int,
        kind: Kind,
        price: int,
        duration: int,
        max_supply: int,
        transferable: bool,
    ) -> None:
        work = self._work(pick)
        sender = self._acting(work, as_owner, who)
        fn = self.market.functions.createOffer(
            work.work_id, kind, price, duration, max_supply, transferable, "ipfs://t", b"\x02" * 32
        )
        expected = None if sender.address == work.owner else "not_work_owner"
        if self._transact(fn, sender, expected):
            if not work.payees:
                work.payees = [(work.creator, BPS)]
            work.offers.append(OfferModel(kind, price, duration, max_supply, transferable))

    def _offer_count(self) -> int:
        return sum(len(w.offers) for w in self.works)

    def _offer_id(self, pick: int, known: bool) -> tuple[WorkModel, int]:
        """An existing offer, or (``known`` false) offer 0 or one past the last of a work."""
        offered = [(w, i + 1) for w in self.works for i in range(len(w.offers))]
        work, offer_id = offered[pick % len(offered)]
        return (work, offer_id) if known else (work, 0 if pick % 2 else len(work.offers) + 1)

    @precondition(lambda self: any(w.offers for w in self.works))
    @rule(as_owner=usually, who=actor, pick=index, known=usually, active=st.booleans())
    def set_offer_active(
        self, as_owner: bool, who: int, pick: int, known: bool, active: bool
    ) -> None:
        work, offer_id = self._offer_id(pick, known)
        sender = self._acting(work, as_owner, who)
        expected = (
            "not_work_owner"
            if sender.address != work.owner
            else (None if known else "offer_inactive")
        )
        fn = self.market.functions.setOfferActive(work.work_id, offer_id, active)
        if self._transact(fn, sender, expected):
            work.offers[offer_id - 1].active = active

    @precondition(lambda self: any(w.offers for w in self.works))
    @rule(who=actor, pick=index, known=usually, delta=st.sampled_from([0, 0, 0, 0, 0, 1, -1]))
    def buy(self, who: int, pick: int, known: bool, delta: int) -> None:
        work, offer_id = self._offer_id(pick, known)
        terms = work.offers[offer_id - 1] if 1 <= offer_id <= len(work.offers) else None
        self._buy(ACTORS[who], work, offer_id, max(0, (terms.price if terms else 0) + delta))

    @precondition(lambda self: self._on_sale())
    @rule(who=actor, pick=index)
    def buy_on_sale(self, who: int, pick: int) -> None:
        """A well-formed purchase of an offer on sale."""
        on_sale = self._on_sale()
        work, offer_id = on_sale[pick % len(on_sale)]
        self._buy(ACTORS[who], work, offer_id, work.offers[offer_id - 1].price)

    def _on_sale(self) -> list[tuple[WorkModel, int]]:
        return [
            (w, i + 1)
            for w in self.works
            if not w.flagged
            for i, o in enumerate(w.offers)
            if o.active and not (o.max_supply and o.sold >= o.max_supply)
        ]

    def _buy(self, sender: LocalAccount, work: WorkModel, offer_id: int, value: int) -> None:
        terms = work.offers[offer_id - 1] if 1 <= offer_id <= len(work.offers) else None
        price = terms.price if terms else 0
        if terms is None or not terms.active:
            expected: str | None = "offer_inactive"
        elif work.flagged:
            expected = "work_flagged"
        elif value != price:
            expected = "incorrect_payment"
        elif terms.max_supply and terms.sold >= terms.max_supply:
            expected = "offer_sold_out"
        else:
            expected = None
        fn = self.market.functions.buy(work.work_id, offer_id)
        receipt = self._transact(fn, sender, expected, value)
        if receipt is None or terms is None:
            return
        if terms.max_supply:
            terms.sold += 1
        self._credit(work, value)
        key = (sender.address, work.work_id, terms.kind)
        held = self.licences.get(key)
        current = held.expiry if held else 0
        mined_at = int(self.w3.eth.get_block(receipt["blockNumber"])["timestamp"])
        if terms.duration == 0 or current == PERPETUAL:
            expiry = PERPETUAL
        else:
            expiry = max(current, mined_at) + terms.duration
        payments = [*(held.payments if held else []), value]
        # Topping up a running licence keeps it non-transferable unless both allow transfer.
        running = held is not None and held.expiry > mined_at
        transferable = terms.transferable and (not running or held.transferable)
        self.licences[key] = LicenceModel(expiry, transferable, payments)

    @precondition(lambda self: self.licences)
    @rule(pick=index, to=actor)
    def transfer_license(self, pick: int, to: int) -> None:
        keys = sorted(self.licences)
        holder, work_id, kind = keys[pick % len(keys)]
        sender = _account(holder)
        recipient = ACTORS[to].address
        held, now = self.licences[(holder, work_id, kind)], self._now()
        theirs = self.licences.get((recipient, work_id, kind))
        if any(abs(lic.expiry - now) <= CLOCK_MARGIN for lic in (held, theirs) if lic):
            return
        if not held.transferable or held.expiry <= now:
            expected: str | None = "license_not_transferable"
        elif theirs and theirs.expiry > now:
            expected = "license_already_held"
        else:
            expected = None
        fn = self.market.functions.transferLicense(work_id, kind, recipient)
        if self._transact(fn, sender, expected):
            del self.licences[(holder, work_id, kind)]
            self.licences[(recipient, work_id, kind)] = held

    @precondition(lambda self: any(self.balances.values()))
    @rule(pick=index, owed=usually)
    def withdraw(self, pick: int, owed: bool) -> None:
        creditors = [a for a in ACTORS if self.balances[a.address]]
        sender = (
            creditors[pick % len(creditors)] if owed and creditors else ACTORS[pick % len(ACTORS)]
        )
        amount = self.balances[sender.address]
        before = self.w3.eth.get_balance(sender.address)
        receipt = self._transact(
            self.market.functions.withdraw(), sender, None if amount else "nothing_to_withdraw"
        )
        if receipt:
            gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
            assert self.w3.eth.get_balance(sender.address) == before + amount - gas
            self.balances[sender.address] = 0

    @precondition(lambda self: self.works)
    @rule(
        who=actor,
        pick=st.integers(0, 4),
        bond=st.sampled_from([MIN_BOND - 1, MIN_BOND, MIN_BOND, MIN_BOND + 7_777]),
    )
    def open_dispute(self, who: int, pick: int, bond: int) -> None:
        sender = ACTORS[who]
        work = None if pick == 4 else self._work(pick)
        if work is None:
            expected: str | None = "not_found"
        else:
            expected = None if bond >= MIN_BOND else "insufficient_bond"
        fn = self.market.functions.openDispute(work.work_id if work else UNREGISTERED, "ipfs://e")
        if self._transact(fn, sender, expected, bond) and work:
            self.disputes.append(DisputeModel(sender.address, bond, work))

    @precondition(lambda self: self.disputes)
    @rule(pick=index, upheld=st.booleans(), pending=usually, by_arbiter=usually, who=actor)
    def resolve_dispute(
        self, pick: int, upheld: bool, pending: bool, by_arbiter: bool, who: int
    ) -> None:
        sender = ARBITER if by_arbiter else ACTORS[who]
        waiting = [i + 1 for i, d in enumerate(self.disputes) if d.open]
        if pending and waiting:
            dispute_id = waiting[pick % len(waiting)]
        else:
            dispute_id = pick % (len(self.disputes) + 2)
        entry = self.disputes[dispute_id - 1] if 1 <= dispute_id <= len(self.disputes) else None
        if sender.address != ARBITER.address:
            expected: str | None = "access_control_unauthorized_account"
        else:
            expected = None if entry and entry.open else "dispute_not_open"
        fn = self.market.functions.resolveDispute(dispute_id, upheld)
        if self._transact(fn, sender, expected) and entry:
            entry.open = False
            if upheld:
                entry.work.flagged = True
            self.balances[entry.claimant if upheld else entry.work.owner] += entry.bond

    @precondition(lambda self: self.works)
    @rule(pick=index, to=actor)
    def transfer_work(self, pick: int, to: int) -> None:
        work = self._work(pick)
        owner = _account(work.owner)
        recipient = ACTORS[to].address
        fn = self.registry.functions.transferFrom(owner.address, recipient, work.work_id)
        self._transact(fn, owner, None)
        work.owner = recipient

    @rule(treasury=actor, fee_bps=st.sampled_from([0, 1, 250, 1_000, 1_001]))
    def set_fee(self, treasury: int, fee_bps: int) -> None:
        address = ACTORS[treasury].address
        fn = self.market.functions.setFee(address, fee_bps)
        if self._transact(fn, ARBITER, "invalid_fee" if fee_bps > 1_000 else None):
            self.fee = (address, fee_bps)

    @rule(seconds=st.sampled_from([1, 30, 59, 60, 61, 600, 3_600]))
    def advance_time(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def accounting_matches_model(self) -> None:
        accounts = [a.address for a in ACTORS] + [ARBITER.address]
        keys = [(a.address, w.work_id, k) for a in ACTORS for w in self.works for k in Kind]
        offers = [(w, i + 1) for w in self.works for i in range(len(w.offers))]
        now, ether, values = self._read(
            [("withdrawable", (account,)) for account in accounts]
            + [(view, key) for key in keys for view in ("licenseOf", "hasValidLicense")]
            + [("offer", (work.work_id, offer_id)) for work, offer_id in offers]
            + [("isFlagged", (work.work_id,)) for work in self.works]
        )
        results = iter(values)

        withdrawable = {account: next(results) for account in accounts}
        assert withdrawable == {account: self.balances[account] for account in accounts}
        open_bonds = sum(d.bond for d in self.disputes if d.open)
        assert ether == sum(withdrawable.values()) + open_bonds

        for key in keys:
            _start, expiry, _offer, transferable = next(results)
            valid = next(results)
            held = self.licences.get(key)
            assert expiry == (held.expiry if held else 0), key
            assert valid == (expiry > now), key
            if valid:
                assert held and held.payments and held.transferable == transferable, key
        for work, offer_id in offers:
            assert next(results) == work.offers[offer_id - 1].as_chain()
        for work in self.works:
            assert next(results) == work.flagged


def test_market_accounting_invariants(
    w3: Web3, registry: Contract, market: Contract, artifacts: dict[str, Artifact]
) -> None:
    decoder = RevertDecoder(artifacts["WorkRegistry"].abi + artifacts["LicenseMarket"].abi)
    run_state_machine_as_test(
        lambda: MarketMachine(w3, registry, market, decoder), settings=SETTINGS
    )
