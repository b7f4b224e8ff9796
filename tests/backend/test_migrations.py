"""The migrations build exactly the schema the models describe, step down and up again cleanly,
and several processes starting at once on an empty PostgreSQL database migrate it once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.db.models import Base
from backend.db.session import alembic_config, make_engine, migrate
from tests.databases import SERVER_URL


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema(new_database: Callable[..., str]) -> None:
    url = new_database(empty=True)
    migrate(url)
    assert _differences(url) == []
    assert set(Base.metadata.tables) < _tables(url)


def test_downgrade_to_base_then_upgrade_again(new_database: Callable[..., str]) -> None:
    url = new_database(empty=True)
    migrate(url)
    command.downgrade(alembic_config(url), "base")
    assert _tables(url) == {"alembic_version"}
    migrate(url)
    assert _differences(url) == []


@pytest.mark.skipif(SERVER_URL is None, reason="several processes share PostgreSQL, not SQLite")
def test_concurrent_migrations_take_turns(new_database: Callable[..., str]) -> None:
    """As API workers do when they start together (alembic's context is per process)."""
    url = new_database(empty=True)
    code = f"from backend.db.session import migrate; migrate({url!r})"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, errors
    assert _differences(url) == []
