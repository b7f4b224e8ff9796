"""A journal of the index's recent changes, so that a chain reorganisation can be undone.

While the indexer applies a recent block range, every change the session flushes to an index
row is recorded with what undoes it: delete the inserted row, put back the old values of an
updated or deleted one. Mutable state (a work's owner, an offer's sales and status, the current
payee split, a dispute's outcome) thus returns exactly to what it was, which replaying the
remaining event rows could not do for state whose history the index does not keep.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, delete, event, insert, inspect, select, update
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from backend.db.models import INDEX_TABLES, Base, IndexerCursor, IndexJournal

_RECORDING = "index_journal"
JOURNALED = frozenset(cast(Table, t).name for t in INDEX_TABLES) - {IndexerCursor.__tablename__}


@dataclass(frozen=True)
class Change:
    table: str
    operation: str
    key: dict[str, Any]
    before: dict[str, Any] | None


def start_recording(session: Session) -> None:
    """Record every index change ``session`` flushes from now on."""
    session.info[_RECORDING] = []


def stop_recording(session: Session) -> list[Change]:
    """Flush, stop recording, and return the changes in the order they were made."""
    session.flush()
    changes: list[Change] = session.info.pop(_RECORDING)
    return changes


def save(session: Session, contract: str, first: int, last: int, changes: list[Change]) -> None:
    """Keep ``changes``, made while blocks ``first``..``last`` were indexed."""
    if changes:
        session.execute(
            insert(IndexJournal),
            [
                {
                    "contract": contract,
                    "first_block": first,
                    "last_block": last,
                    "table_name": change.table,
                    "operation": change.operation,
                    "row_key": json.dumps(change.key),
                    "before": None if change.before is None else json.dumps(change.before),
                }
                for change in changes
            ],
        )


def undo_above(session: Session, contract: str, fork: int) -> int:
    """Undo every journaled range that ends above ``fork``, newest change first, and forget
    them. Returns the block the index now stands at: ``fork``, or the block before the
    earliest undone range where that range began below the fork."""
    entries = session.scalars(
        select(IndexJournal)
        .where(IndexJournal.contract == contract, IndexJournal.last_block > fork)
        .order_by(IndexJournal.id.desc())
    ).all()
    for entry in entries:
        _undo(session, entry)
    session.execute(
        delete(IndexJournal).where(
            IndexJournal.contract == contract, IndexJournal.last_block > fork
        )
    )
    return min([fork, *(entry.first_block - 1 for entry in entries)])


def _undo(session: Session, entry: IndexJournal) -> None:
    table: Table = Base.metadata.tables[entry.table_name]
    key = json.loads(entry.row_key)
    where = and_(*(table.c[name] == value for name, value in key.items()))
    if entry.operation == "insert":
        session.execute(delete(table).where(where))
        return
    before = json.loads(entry.before or "{}")
    if entry.operation == "update":
        session.execute(update(table).where(where).values(before))
    else:
        session.execute(insert(table).values(before))


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: UOWTransaction) -> None:
    """After the flush's SQL ran (new rows have their ids) and before the session forgets the
    old values."""
    changes: list[Change] | None = session.info.get(_RECORDING)
    if changes is None:
        return
    for obj in session.new:
        if (mapper := _journaled(obj)) is not None:
            changes.append(Change(_name(mapper), "insert", _key(mapper, obj), None))
    for obj in session.dirty:
        if (mapper := _journaled(obj)) is not None and session.is_modified(obj):
            old = _old_values(mapper, obj)
            changes.append(Change(_name(mapper), "update", _key(mapper, obj), old))
    for obj in session.deleted:
        if (mapper := _journaled(obj)) is not None:
            changes.append(Change(_name(mapper), "delete", _key(mapper, obj), _row(mapper, obj)))


def _journaled(obj: object) -> Mapper[Any] | None:
    mapper = inspect(obj).mapper
    return mapper if _name(mapper) in JOURNALED else None


def _name(mapper: Mapper[Any]) -> str:
    return cast(Table, mapper.local_table).name


def _key(mapper: Mapper[Any], obj: object) -> dict[str, Any]:
    values = mapper.primary_key_from_instance(obj)
    return {column.name: value for column, value in zip(mapper.primary_key, values, strict=True)}


def _column(mapper: Mapper[Any], attribute: str) -> str:
    return mapper.column_attrs[attribute].columns[0].name


def _row(mapper: Mapper[Any], obj: object) -> dict[str, Any]:
    loaded = inspect(obj).dict
    return {prop.columns[0].name: loaded[prop.key] for prop in mapper.column_attrs}


def _old_values(mapper: Mapper[Any], obj: object) -> dict[str, Any]:
    old: dict[str, Any] = {}
    for attribute in inspect(obj).attrs:
        history = attribute.history
        if not history.has_changes():
            continue
        if not history.deleted:
            raise RuntimeError(f"{_name(mapper)}.{attribute.key}: old value not loaded")
        old[_column(mapper, attribute.key)] = history.deleted[0]
    return old
