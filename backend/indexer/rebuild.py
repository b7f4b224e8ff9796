"""Rebuild the index from the chain alone: empty the index tables, then follow from the
deployment block. Metadata documents, which are not on chain, are left as they are."""

from __future__ import annotations

from backend.core.config import Settings
from backend.core.runtime import Runtime
from backend.indexer.indexer import clear_index


def rebuild_index(settings: Settings) -> int:
    """Returns the number of events indexed."""
    runtime = Runtime(settings)
    try:
        with runtime.sessions.begin() as session:
            clear_index(session)
        return runtime.indexer().sync()
    finally:
        runtime.close()
