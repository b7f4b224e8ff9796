"""The write outbox: every relayed registration is recorded before it is sent and followed until
the chain confirms it, so that nothing the API accepted is lost or sent twice.

accepted (recorded, not sent) -> sent (broadcast, the signed bytes recorded) -> confirmed
(receipt seen) or failed (with the chain's reason). The contract registers a content hash once,
so sending an operation again after a crash can never register a work twice; `reconcile` is
what sends again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3.types import TxReceipt

from backend.chain.receipts import ReceiptWatcher
from backend.chain.registry import RegistryClient, SignedTx
from backend.core import errors
from backend.core.config import Settings
from backend.db.models import Operation, OperationWork
from backend.services.outbox_calls import RegistrationCall

log = logging.getLogger(__name__)

ACCEPTED, SENT, CONFIRMED, FAILED = "accepted", "sent", "confirmed", "failed"
TERMINAL = (CONFIRMED, FAILED)
POLL_SECONDS = 0.02


class Outbox:
    """Records, sends and settles relayed registrations (see the module docstring)."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        registry: Callable[[], RegistryClient],
        settings: Settings,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.settings = settings
        self._guard = threading.Lock()
        self._receipts: ReceiptWatcher | None = None

    def existing(self, session: Session, key: str, call: RegistrationCall) -> Operation | None:
        """The operation first made with ``key``; a key reused for other works is refused."""
        op = session.scalar(select(Operation).where(Operation.idempotency_key == key))
        if op is not None and op.request_hash != call.request_hash():
            raise errors.Conflict(
                "this Idempotency-Key was used for a different request",
                idempotency_key=key,
                operation_id=op.id,
            )
        return op

    def submit(
        self, session: Session, call: RegistrationCall, *, idempotency_key: str | None, gas: int
    ) -> Operation:
        """Record ``call`` durably, then sign and send it. A node that stops answering or
        refuses the send (a nonce another worker took, say) leaves it to `reconcile`."""
        op = self._accept(session, call, idempotency_key)
        if op.status == ACCEPTED:
            try:
                self._dispatch(op.id, call, gas)
            except (errors.ChainUnavailable, errors.NodeError, errors.TransactionFailed) as exc:
                # recorded already: the reconciler sends it, and the client hears 202
                log.warning("outbox: operation %s waits for reconcile: %s", op.id, exc.code)
        return op

    def settle(self, op_id: str, timeout: float) -> Operation:
        """Wait up to ``timeout`` seconds for the operation to be confirmed or to fail."""
        deadline = time.monotonic() + timeout
        while True:
            op = self.get(op_id)
            if op.status in TERMINAL:
                return op
            if op.status == SENT:
                receipt = self._receipt(op) or self._watcher().wait(
                    json.loads(op.tx_hashes), deadline - time.monotonic()
                )
                if receipt is not None:
                    return self._finish(op, receipt)
            if time.monotonic() >= deadline:
                return op
            time.sleep(POLL_SECONDS)

    def receipt(self, op: Operation) -> TxReceipt | None:
        """The receipt of a confirmed operation's transaction (seen already, as a rule)."""
        if op.tx_hash is None:
            return None
        return self._watcher().known(op.tx_hash) or self.registry().receipt(op.tx_hash)

    def _watcher(self) -> ReceiptWatcher:
        with self._guard:
            if self._receipts is None:
                self._receipts = ReceiptWatcher(self.registry().w3)
            return self._receipts

    def get(self, op_id: str) -> Operation:
        with self.sessions() as session:
            op = session.get(Operation, op_id)
            if op is None:
                raise errors.NotFound(f"no operation {op_id}", operation_id=op_id)
            return op

    def _accept(
        self, session: Session, call: RegistrationCall, idempotency_key: str | None
    ) -> Operation:
        now = time.time()
        op = Operation(
            id=uuid.uuid4().hex,
            idempotency_key=idempotency_key,
            request_hash=call.request_hash(),
            kind=call.kind,
            creator=call.creator,
            payload=call.to_json(),
            status=ACCEPTED,
            tx_hashes="[]",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(op)
        session.add_all(
            OperationWork(content_hash=h, operation_id=op.id) for h in call.content_hashes
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            first = self.existing(session, idempotency_key, call) if idempotency_key else None
            if first is not None:
                return first
            raise errors.Conflict(
                "a registration of this work is already in progress",
                content_hashes=call.content_hashes,
            ) from None
        return op

    def _dispatch(self, op_id: str, call: RegistrationCall, gas: int) -> SignedTx:
        """Sign and broadcast, then record the signed bytes (outside the relayer's nonce lock,
        which a database write would hold up). A crash in between leaves the operation
        accepted: sent again, it reverts in simulation as registered, and `_settle_revert`
        finds the transaction that registered it."""
        registry = self.registry()
        signed = registry.send(call.function(registry), registry.relayer, gas=gas)
        with self.sessions.begin() as session:
            op = session.get_one(Operation, op_id)
            op.status = SENT
            op.sender = signed.sender
            op.nonce = signed.nonce
            op.tx_hash = signed.tx_hash
            op.tx_hashes = json.dumps([*json.loads(op.tx_hashes), signed.tx_hash])
            op.raw_tx = "0x" + signed.raw.hex()
            op.attempts += 1
            op.updated_at = time.time()
        return signed

    def _receipt(self, op: Operation) -> TxReceipt | None:
        """The receipt of any version of the operation's transaction, a successful one first."""
        registry = self.registry()
        receipts = [r for h in json.loads(op.tx_hashes) if (r := registry.receipt(h)) is not None]
        receipts.sort(key=lambda r: r["status"], reverse=True)
        return receipts[0] if receipts else None

    def _finish(self, op: Operation, receipt: TxReceipt) -> Operation:
        if receipt["status"] == 1:
            return self._confirm(op.id, receipt)
        return self._settle_revert(op)

    def _confirm(self, op_id: str, receipt: TxReceipt) -> Operation:
        with self.sessions.begin() as session:
            op = session.get_one(Operation, op_id)
            op.status = CONFIRMED
            op.tx_hash = receipt["transactionHash"].to_0x_hex()
            op.block_number = receipt["blockNumber"]
            op.block_hash = receipt["blockHash"].to_0x_hex()
            op.updated_at = time.time()
        return self.get(op_id)

    def _fail(self, op_id: str, error: errors.RegistryError) -> Operation:
        """Record the reason and free the works, so that they can be registered again."""
        with self.sessions.begin() as session:
            op = session.get_one(Operation, op_id)
            op.status = FAILED
            op.error_code = error.code
            op.error_message = error.message
            op.error_details = json.dumps(error.details, default=str)
            op.updated_at = time.time()
            session.execute(delete(OperationWork).where(OperationWork.operation_id == op_id))
        log.info("outbox: operation %s failed: %s", op_id, error.code)
        return self.get(op_id)

    def _settle_revert(self, op: Operation) -> Operation:
        """A transaction that reverted, or a call that can no longer be sent: confirmed if its
        works are on chain for this creator (another version of it landed), else failed with
        the chain's reason."""
        registry = self.registry()
        call = RegistrationCall.from_json(op.payload)
        try:
            registry.estimate(call.function(registry), sender=registry.relayer.address)
        except errors.WorkAlreadyRegistered as exc:
            landed = _registration_receipt(registry, call)
            return self._confirm(op.id, landed) if landed is not None else self._fail(op.id, exc)
        except errors.ChainUnavailable:
            raise
        except errors.RegistryError as exc:
            return self._fail(op.id, exc)
        return self._fail(op.id, errors.TransactionFailed("the transaction reverted"))

    def reconcile(self) -> dict[str, int]:
        """Settle what the chain answered, send again what it lost or never got, push out
        stuck transactions. Safe to run at any time and from any worker."""
        registry = self.registry()
        counts = {"confirmed": 0, "failed": 0, "resent": 0, "lost": 0}
        lost = self._reopen_lost(registry)
        counts["lost"] = len(lost)
        stale_before = time.time() - self.settings.outbox_retry_seconds
        with self.sessions() as session:
            pending = session.scalars(
                select(Operation)
                .where(Operation.status.in_((ACCEPTED, SENT)))
                .order_by(Operation.nonce.is_(None), Operation.nonce, Operation.created_at)
            ).all()
        for op in pending:
            receipt = self._receipt(op) if op.status == SENT else None
            if receipt is not None:
                counts[self._finish(op, receipt).status] += 1
            elif op.updated_at < stale_before or op.id in lost:
                settled = self._retry(registry, op)
                counts[settled.status if settled.status in TERMINAL else "resent"] += 1
        return counts

    def _retry(self, registry: RegistryClient, op: Operation) -> Operation:
        call = RegistrationCall.from_json(op.payload)
        if op.raw_tx is not None and op.tx_hash is not None and op.nonce is not None:
            if registry.is_pending(op.tx_hash):
                if op.nonce <= registry.w3.eth.get_transaction_count(registry.relayer.address):
                    self._record_replacement(op, registry.replace(_raw(op), registry.relayer))
                    return self.get(op.id)
            else:
                try:
                    registry.rebroadcast(_raw(op))
                    self._touch(op.id)
                    return self.get(op.id)
                except errors.TransactionFailed:
                    pass  # its nonce is taken now: sign it again below
            registry.nonces.forget(registry.relayer.address)
        try:
            gas = registry.estimate(call.function(registry), sender=registry.relayer.address)
        except errors.ChainUnavailable:
            raise
        except errors.RegistryError:
            return self._settle_revert(op)
        self._dispatch(op.id, call, gas)
        return self.get(op.id)

    def _reopen_lost(self, registry: RegistryClient) -> set[str]:
        """Confirmed operations whose block the chain no longer has (a reorg, or a node that
        restarted from an older state) go back to sent. Operations confirmed in the last
        `reorg_window` blocks are checked, their blocks' hashes read in batched requests: this
        runs every poll, and a block at a time (with whole rows loaded) cost more than the
        registrations it watched once the window filled."""
        floor = registry.head() - self.settings.reorg_window
        with self.sessions() as session:
            recent = [
                (op_id, number, recorded)
                for op_id, number, recorded in session.execute(
                    select(Operation.id, Operation.block_number, Operation.block_hash).where(
                        Operation.status == CONFIRMED, Operation.block_number > floor
                    )
                )
                if number is not None  # as a confirmed operation's is
            ]
        on_chain = registry.block_hashes(number for _, number, _ in recent)
        lost: set[str] = set()
        for op_id, number, recorded in recent:
            if on_chain[number] == recorded:
                continue
            op = self.get(op_id)
            receipt = self._receipt(op)
            if receipt is not None and receipt["status"] == 1:
                self._confirm(op.id, receipt)
                continue
            with self.sessions.begin() as session:
                row = session.get_one(Operation, op.id)
                row.status = SENT
                row.block_number = row.block_hash = None
            lost.add(op.id)
        if lost:
            registry.nonces.forget(registry.relayer.address)
            log.warning("outbox: the chain lost %d confirmed operations; resending", len(lost))
        return lost

    def _record_replacement(self, op: Operation, signed: SignedTx) -> None:
        with self.sessions.begin() as session:
            row = session.get_one(Operation, op.id)
            row.tx_hash = signed.tx_hash
            row.tx_hashes = json.dumps([*json.loads(row.tx_hashes), signed.tx_hash])
            row.raw_tx = "0x" + signed.raw.hex()
            row.attempts += 1
            row.updated_at = time.time()

    def _touch(self, op_id: str) -> None:
        with self.sessions.begin() as session:
            row = session.get_one(Operation, op_id)
            row.attempts += 1
            row.updated_at = time.time()

    def run(self, stop: Callable[[], bool], wait: Callable[[float], object]) -> None:
        """Reconcile every `outbox_poll_seconds` until ``stop``; outages are retried."""
        while not stop():
            try:
                self.reconcile()
            except errors.ChainUnavailable:
                log.warning("outbox: chain unreachable, retrying")
            except Exception:
                log.exception("outbox: reconcile failed, retrying")
            wait(self.settings.outbox_poll_seconds)


def _raw(op: Operation) -> bytes:
    assert op.raw_tx is not None
    return bytes.fromhex(op.raw_tx.removeprefix("0x"))


def _registration_receipt(registry: RegistryClient, call: RegistrationCall) -> TxReceipt | None:
    """The receipt that registered the call's first work, if it registered it for the call's
    creator."""
    logs = registry.contract.events.WorkRegistered.get_logs(
        argument_filters={"workId": int(call.content_hashes[0], 16)},
        from_block=registry.deployment.block_number,
    )
    for entry in logs:
        if entry["args"]["creator"].lower() == call.creator.lower():
            return registry.receipt(entry["transactionHash"].to_0x_hex())
    return None
