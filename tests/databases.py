"""The tests' databases: SQLite files in the test's folder (the default), or PostgreSQL databases
on the server that ``TEST_DATABASE_URL`` names (`scripts/postgres.sh run` starts one).

On PostgreSQL each test gets databases of its own, copied from a template that is migrated once
per session (``CREATE DATABASE ... TEMPLATE``, much faster than migrating each), and dropped
after the test."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from backend.db.session import migrate

SERVER_URL = os.environ.get("TEST_DATABASE_URL") or None


class Databases(Protocol):
    name: str

    def create(self, folder: Path, *, empty: bool = False) -> str:
        """The URL of a new database, possibly at the latest schema already (the app migrates
        what it opens); ``empty=True`` promises one without any table."""

    def drop(self, url: str) -> None: ...

    def close(self) -> None: ...


class SqliteDatabases:
    """A new file in the test's folder per database, empty until the app migrates it."""

    name = "sqlite"

    def create(self, folder: Path, *, empty: bool = False) -> str:
        path = folder / "registry.db"
        for number in itertools.count(1):
            if not path.exists():
                break
            path = folder / f"registry-{number}.db"
        path.touch()  # taken: an empty file is an empty SQLite database
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        pass

    def close(self) -> None:
        pass


class PostgresDatabases:
    """Databases on one server; their names carry this process's id, so runs do not meet."""

    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self._server = make_url(server_url)
        self._admin = create_engine(self._server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._prefix = f"test_{os.getpid()}_"
        self._count = itertools.count()
        self._template = f"{self._prefix}template"
        self._execute(f'CREATE DATABASE "{self._template}"')
        migrate(self._url(self._template))

    def create(self, folder: Path, *, empty: bool = False) -> str:
        name = f"{self._prefix}{next(self._count)}"
        template = "template0" if empty else self._template
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        assert name is not None and name.startswith(self._prefix), url
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self._url(self._template))
        self._admin.dispose()

    def _url(self, database: str) -> str:
        return self._server.set(database=database).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))


def open_databases() -> Databases:
    return PostgresDatabases(SERVER_URL) if SERVER_URL else SqliteDatabases()
