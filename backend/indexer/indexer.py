"""Follow the registry's events into the database.

The cursor (last processed block) is committed in the same transaction as the rows it covers,
so a restart resumes exactly where the last commit ended; every row is keyed by its log
position (tx hash, log index), so processing a range twice changes nothing.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from backend.chain.registry import RegistryClient, chain_errors
from backend.core.errors import ChainUnavailable
from backend.db.models import IndexerCursor
from backend.indexer.apply import apply_events
from backend.indexer.events import EventDecoder

log = logging.getLogger(__name__)


class Indexer:
    """Pulls logs in block ranges of at most ``max_blocks`` up to ``confirmations`` behind head."""

    def __init__(
        self,
        *,
        registry: RegistryClient,
        sessions: sessionmaker[Session],
        start_block: int,
        confirmations: int = 0,
        max_blocks: int = 2_000,
    ) -> None:
        self.registry = registry
        self.sessions = sessions
        self.start_block = start_block
        self.confirmations = confirmations
        self.max_blocks = max_blocks
        self._lock = threading.Lock()
        self._decoder = EventDecoder(registry.contract, registry.market)

    def sync(self) -> int:
        """Index every final block not indexed yet; returns the number of new events."""
        with self._lock:
            target = self.registry.head() - self.confirmations
            added = 0
            start = self._cursor() + 1
            while start <= target:
                end = min(start + self.max_blocks - 1, target)
                added += self._index_range(start, end)
                start = end + 1
            return added

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        """Sync until ``stop`` is set; a chain outage is logged and retried."""
        while not stop.is_set():
            try:
                self.sync()
            except ChainUnavailable:
                log.warning("indexer: chain unreachable, retrying")
            except Exception:
                log.exception("indexer: sync failed, retrying")
            stop.wait(poll_seconds)

    def _cursor(self) -> int:
        with self.sessions() as session:
            cursor = session.get(IndexerCursor, self.registry.address)
            return cursor.block_number if cursor else self.start_block - 1

    def _index_range(self, start: int, end: int) -> int:
        with chain_errors():
            logs = self.registry.w3.eth.get_logs(
                {"address": self._decoder.addresses, "fromBlock": start, "toBlock": end}
            )
            events = [e for e in map(self._decoder.decode, logs) if e is not None]
            timestamps = self._timestamps({e.position.block_number for e in events})
            end_hash = self.registry.block(end)["hash"]
        with self.sessions.begin() as session:
            added = apply_events(session, events, timestamps)
            _save_cursor(session, self.registry.address, end, "0x" + bytes(end_hash).hex())
        return added

    def _timestamps(self, blocks: set[int]) -> dict[int, int]:
        return {n: int(self.registry.block(n)["timestamp"]) for n in sorted(blocks)}


def _save_cursor(session: Session, contract: str, block_number: int, block_hash: str) -> None:
    cursor = session.get(IndexerCursor, contract)
    if cursor is None:
        session.add(
            IndexerCursor(contract=contract, block_number=block_number, block_hash=block_hash)
        )
    else:
        cursor.block_number = block_number
        cursor.block_hash = block_hash
