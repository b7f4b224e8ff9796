"""Follow the registry's events into the database, and undo what a chain reorganisation removed.

The cursor (last processed block) is committed in the same transaction as the rows it covers,
so a restart resumes exactly where the last commit ended; every row is keyed by its log
position (tx hash, log index), so processing a range twice changes nothing.

Only blocks ``confirmations`` behind the head are indexed. For the last ``reorg_window`` of
those, the hash of every block and a journal of every index change are kept. Each sync first
compares the cursor's block hash with the chain's: if a reorg replaced it, the highest kept
block whose hash still matches is the fork point, the journal undoes the ranges above it, and
indexing resumes from there. A fork older than the window (no kept hash matches) falls back to
rebuilding the whole index from the deployment block; both paths log a warning.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import BlockNotFound
from web3.types import BlockData

from backend.chain.registry import RegistryClient, chain_errors
from backend.core.errors import ChainUnavailable
from backend.db.models import INDEX_TABLES, REORG_TABLES, IndexedBlock, IndexerCursor, IndexJournal
from backend.db.session import advisory_lock
from backend.indexer import journal
from backend.indexer.apply import apply_events
from backend.indexer.events import EventDecoder

log = logging.getLogger(__name__)

SYNC_ATTEMPTS = 3
HEADER_BATCH = 500


class ChainMoved(Exception):
    """The chain changed while a range was being read: the sync starts over."""


@dataclass(frozen=True)
class Header:
    hash: str
    timestamp: int


class Indexer:
    """Pulls logs in block ranges of at most ``max_blocks`` up to ``confirmations`` behind head,
    and can roll back a reorg up to ``reorg_window`` blocks deep without a full rebuild."""

    def __init__(
        self,
        *,
        registry: RegistryClient,
        sessions: sessionmaker[Session],
        start_block: int,
        confirmations: int = 0,
        max_blocks: int = 2_000,
        reorg_window: int = 256,
    ) -> None:
        self.registry = registry
        self.sessions = sessions
        self.start_block = start_block
        self.confirmations = confirmations
        self.max_blocks = max_blocks
        self.reorg_window = reorg_window
        self.contract = registry.address
        self._lock = threading.Lock()
        self._decoder = EventDecoder(registry.contract, registry.market)

    def sync(self, *, wait: bool = True) -> int:
        """Undo what a reorg replaced, then index every final block not indexed yet; returns
        the number of new events. One sync runs at a time, across API workers too (they share
        a database): with ``wait=False`` this returns 0 at once while another one runs."""
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            with self.sessions.begin() as session:
                if not advisory_lock(session, "indexer", wait=wait):
                    return 0
                return self._sync()
        finally:
            self._lock.release()

    def _sync(self) -> int:
        added = 0
        for _ in range(SYNC_ATTEMPTS):
            try:
                self._roll_back_reorg()
                target = self.registry.head() - self.confirmations
                start = self._cursor() + 1
                while start <= target:
                    end = self._range_end(start, target)
                    added += self._index_range(start, end, recent=end > target - self.reorg_window)
                    start = end + 1
                return added
            except ChainMoved:
                log.info("indexer: the chain moved while being read; reading again")
        return added

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        """Sync until ``stop`` is set, skipping a round while another process syncs (so of
        several API workers one follows the chain at a time); a chain outage is logged and
        retried."""
        while not stop.is_set():
            try:
                self.sync(wait=False)
            except ChainUnavailable:
                log.warning("indexer: chain unreachable, retrying")
            except Exception:
                log.exception("indexer: sync failed, retrying")
            stop.wait(poll_seconds)

    def _cursor(self) -> int:
        with self.sessions() as session:
            cursor = session.get(IndexerCursor, self.contract)
            return cursor.block_number if cursor else self.start_block - 1

    def _range_end(self, start: int, target: int) -> int:
        """At most ``max_blocks`` on, and not across the window's lower edge, so that a range
        is either wholly kept for rollback or wholly older."""
        end = min(start + self.max_blocks - 1, target)
        window_start = target - self.reorg_window + 1
        return window_start - 1 if start < window_start <= end else end

    def _index_range(self, start: int, end: int, *, recent: bool) -> int:
        with chain_errors():
            headers = self._headers(range(start, end + 1) if recent else [end])
            logs = self.registry.raw_logs(
                {"address": self._decoder.addresses, "fromBlock": hex(start), "toBlock": hex(end)}
            )
            events = [e for e in map(self._decoder.decode_raw, logs) if e is not None]
            blocks = {e.position.block_number for e in events}
            headers |= self._headers(sorted(blocks - headers.keys()))
        if any(headers[e.position.block_number].hash != e.position.block_hash for e in events):
            raise ChainMoved
        with self.sessions.begin() as session:
            if recent:
                journal.start_recording(session)
            added = apply_events(session, events, {n: h.timestamp for n, h in headers.items()})
            if recent:
                journal.save(session, self.contract, start, end, journal.stop_recording(session))
            self._keep_hashes(session, start, end, headers if recent else {})
            _save_cursor(session, self.contract, end, headers[end].hash)
        return added

    def _headers(self, numbers: Sequence[int]) -> dict[int, Header]:
        """Blocks' hashes and timestamps, read in batched requests."""
        w3 = self.registry.w3
        headers: dict[int, Header] = {}
        for first in range(0, len(numbers), HEADER_BATCH):
            try:
                with w3.batch_requests() as batch:
                    for number in numbers[first : first + HEADER_BATCH]:
                        batch.add(w3.eth.get_block(number))
                    blocks = cast(list[BlockData], batch.execute())
            except BlockNotFound as exc:  # the chain got shorter since its head was read
                raise ChainMoved from exc
            for block in blocks:
                headers[int(block["number"])] = Header(
                    block["hash"].to_0x_hex(), int(block["timestamp"])
                )
        return headers

    def _keep_hashes(
        self, session: Session, start: int, end: int, headers: dict[int, Header]
    ) -> None:
        """Keep the range's block hashes; forget those (and journal ranges) below the window."""
        kept = IndexedBlock.contract == self.contract
        horizon = end - self.reorg_window
        session.execute(delete(IndexedBlock).where(kept, IndexedBlock.block_number >= start))
        session.execute(delete(IndexedBlock).where(kept, IndexedBlock.block_number <= horizon))
        session.execute(
            delete(IndexJournal).where(
                IndexJournal.contract == self.contract, IndexJournal.last_block <= horizon
            )
        )
        session.add_all(
            IndexedBlock(contract=self.contract, block_number=n, block_hash=h.hash)
            for n, h in headers.items()
            if start <= n <= end
        )

    def _roll_back_reorg(self) -> None:
        """If the chain no longer holds the cursor's block, roll the index back to the fork."""
        with self.sessions() as session:
            cursor = session.get(IndexerCursor, self.contract)
            if cursor is None or self.registry.block_hash(cursor.block_number) == cursor.block_hash:
                return
            query = select(IndexedBlock.block_number, IndexedBlock.block_hash).where(
                IndexedBlock.contract == self.contract
            )
            kept = dict(session.execute(query).all())
        fork = self._fork_point(kept)
        with self.sessions.begin() as session:
            if fork is None:
                clear_index(session)
                log.warning(
                    "indexer: reorg below the %d kept block hashes; rebuilding the index",
                    len(kept),
                )
                return
            resume = journal.undo_above(session, self.contract, fork)
            resume_hash = kept.get(resume) or self.registry.block_hash(resume)
            if resume_hash is None:
                raise ChainMoved
            session.execute(
                delete(IndexedBlock).where(
                    IndexedBlock.contract == self.contract, IndexedBlock.block_number > resume
                )
            )
            _save_cursor(session, self.contract, resume, resume_hash)
        log.warning(
            "indexer: chain reorganised after block %d; index rolled back to block %d via the "
            "journal",
            fork,
            resume,
        )

    def _fork_point(self, kept: dict[int, str]) -> int | None:
        """The highest kept block whose hash the chain still has, or None."""
        head = self.registry.head()
        numbers = sorted((n for n in kept if n <= head), reverse=True)
        with chain_errors():
            chain = self._headers(numbers)
        return next((n for n in numbers if chain[n].hash == kept[n]), None)


def clear_index(session: Session) -> None:
    """Empty the index and its reorg bookkeeping; metadata documents stay."""
    for table in reversed(INDEX_TABLES + REORG_TABLES):
        session.execute(delete(table))


def _save_cursor(session: Session, contract: str, block_number: int, block_hash: str) -> None:
    cursor = session.get(IndexerCursor, contract)
    if cursor is None:
        session.add(
            IndexerCursor(contract=contract, block_number=block_number, block_hash=block_hash)
        )
    else:
        cursor.block_number = block_number
        cursor.block_hash = block_hash
