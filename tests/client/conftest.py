"""A real uvicorn server over the test's deployment, and the CLI driven against it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import Result
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner

from backend.chain.anvil import free_port
from backend.cli.main import app
from backend.client.api import RightsClient
from backend.core.config import Settings
from backend.main import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def api_url(settings: Settings) -> Iterator[str]:
    """The real app served over HTTP on a free port, in a thread."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, follow_chain=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def api(api_url: str) -> Iterator[RightsClient]:
    with RightsClient(api_url) as client:
        yield client


class Cli:
    """`rights` invoked in-process against the test server, with its own keys folder."""

    def __init__(self, api_url: str, keys_dir: Path) -> None:
        self.runner = CliRunner()
        self.env = {"RIGHTS_API": api_url, "RIGHTS_KEYS_DIR": str(keys_dir)}

    def __call__(self, *args: str, password: str | None = PASSWORD) -> Result:
        env = {**self.env, "RIGHTS_PASSWORD": password} if password else self.env
        return self.runner.invoke(app, list(args), env=env)

    def json(self, *args: str) -> Any:
        result = self("--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def add_key(self, name: str, account: LocalAccount, tmp_path: Path) -> str:
        """Import an existing (funded) account as a named key; returns its address."""
        source = tmp_path / f"{name}.hex"
        source.write_text("0x" + bytes(account.key).hex())
        return str(self.json("keys", "import", name, str(source))["address"])


@pytest.fixture
def cli(api_url: str, tmp_path: Path) -> Cli:
    return Cli(api_url, tmp_path / "keys")


def one_error_line(result: Result) -> str:
    """A failure: exit code 1 and a single `error: ...` line, no traceback."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]
