"""Engine, sessions, migrations and cross-process locks.

SQLite (the default) serves one process; PostgreSQL serves several API workers at once, which
coordinate through advisory locks: one migrates at a time, one follows the chain at a time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Each request thread holds a connection only while it reads or commits (never while it waits
# for the chain). SQLite keeps all of them open: an overflow connection closed on return and
# opened again re-reads the schema on its first query, which cost more than the query itself.
POOL_SIZE, POOL_OVERFLOW = 20, 30


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so readers never block."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=POOL_SIZE + POOL_OVERFLOW,
            max_overflow=0,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the latest schema; concurrent callers take turns."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if is_postgresql(connection):
                connection.execute(select(func.pg_advisory_xact_lock(lock_key("migrate"))))
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def advisory_lock(session: Session, name: str, *, wait: bool = False) -> bool:
    """Take the lock ``name`` until ``session``'s transaction ends: False if another transaction
    holds it, or with ``wait`` once it is free. Always True on SQLite, which one process serves.
    """
    if not is_postgresql(session.connection()):
        return True
    key = lock_key(name)
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(key)))
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def lock_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"
