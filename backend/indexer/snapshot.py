"""The index as plain data that two indexes of the same chain agree on: the live index, one
rebuilt from the chain alone, or one that went through a reorg must compare equal."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from backend.db.models import INDEX_TABLES

Snapshot = dict[str, list[dict[str, Any]]]


def index_snapshot(session: Session) -> Snapshot:
    """Every index table's rows as dicts, in chain order then by every column, without
    surrogate autoincrement ids. The reorg bookkeeping (kept hashes, journal) is left out: it
    depends on when blocks were indexed, not on the chain alone."""
    tables = [cast(Table, table) for table in INDEX_TABLES]
    return {table.name: _rows(session, table) for table in tables}


def _rows(session: Session, table: Table) -> list[dict[str, Any]]:
    columns = [c for c in table.columns if c is not table.autoincrement_column]
    chain_order = [table.c[name] for name in ("block_number", "log_index") if name in table.c]
    query = select(*columns).order_by(*chain_order, *columns)
    return [dict(row._mapping) for row in session.execute(query)]
