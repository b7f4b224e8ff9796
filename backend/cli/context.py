"""What every command shares: global options, output (rich or JSON) and one-line errors."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from backend.client.api import RightsClient
from backend.client.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

PasswordFile = Annotated[
    Path | None, typer.Option("--password-file", help="read the key's password from this file")
]
Password = Annotated[str | None, typer.Option("--password", envvar="RIGHTS_PASSWORD", hidden=True)]


@dataclass
class State:
    api: str
    json: bool
    keys_dir: Path
    api_key: str | None = None

    def client(self, *, admin_token: str | None = None) -> RightsClient:
        return RightsClient(self.api, api_key=self.api_key, admin_token=admin_token)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State), "the root callback sets the state"
    return obj


class CliError(Exception):
    """A failure to report as one line (exit code 1)."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """Report any expected failure as one line on stderr and exit 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ApiError as exc:
            _die(f"{exc.code}: {exc.message}")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            _die(f"invalid input: {where}: {first['msg']}" if where else first["msg"])
        except (CliError, OSError, ValueError) as exc:
            _die(str(exc) or type(exc).__name__)

    return wrapper


def _die(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(1)


def emit_json(value: Any) -> None:
    """Machine-readable output: pydantic models and lists of them, as JSON."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    sys.stdout.write(json.dumps(value, indent=2) + "\n")
    sys.stdout.flush()
