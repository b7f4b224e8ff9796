"""Rebuild the event index from the chain alone (`make rebuild-index`).

Uses the same settings as the service (DATABASE_URL, RPC_URL, DATA_DIR); the chain must be
running (e.g. `make run` in another terminal, or an external RPC_URL).
"""

from rich.console import Console

from backend.core.config import Settings
from backend.indexer.rebuild import rebuild_index

if __name__ == "__main__":
    events = rebuild_index(Settings())
    Console().print(f"index rebuilt from the chain: {events} events")
