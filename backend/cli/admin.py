"""`rights admin api-key`: issue, list and revoke the API's client keys (admin token needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from backend.cli.context import console, emit_json, handled, state

app = typer.Typer(help="Administer the API (needs its ADMIN_TOKEN).", no_args_is_help=True)
api_key_app = typer.Typer(help="Issue, list and revoke API keys.", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")

AdminToken = Annotated[
    str | None, typer.Option(envvar="RIGHTS_ADMIN_TOKEN", help="the API's ADMIN_TOKEN")
]


@api_key_app.command("create")
@handled
def create(ctx: typer.Context, name: str, admin_token: AdminToken = None) -> None:
    """Issue a key named NAME; its plaintext is printed this once."""
    st = state(ctx)
    with st.client(admin_token=admin_token) as client:
        created = client.create_api_key(name)
    if st.json:
        emit_json(created)
        return
    console.print(f"API key {created.id} ({created.name}): {created.key}")
    console.print("keep it now: the registry stores only its hash and cannot show it again")


@api_key_app.command("list")
@handled
def list_keys(ctx: typer.Context, admin_token: AdminToken = None) -> None:
    """Every key issued, revoked ones included (never a secret)."""
    st = state(ctx)
    with st.client(admin_token=admin_token) as client:
        keys = client.api_keys()
    if st.json:
        emit_json(keys)
        return
    table = Table()
    for column in ("id", "name", "prefix", "created", "revoked"):
        table.add_column(column)
    for key in keys:
        revoked = _when(key.revoked_at) if key.revoked_at is not None else ""
        table.add_row(str(key.id), key.name, key.prefix + "…", _when(key.created_at), revoked)
    console.print(table)


@api_key_app.command("revoke")
@handled
def revoke(ctx: typer.Context, key_id: int, admin_token: AdminToken = None) -> None:
    """Revoke key KEY_ID: requests carrying it are refused from now on."""
    st = state(ctx)
    with st.client(admin_token=admin_token) as client:
        key = client.revoke_api_key(key_id)
    if st.json:
        emit_json(key)
        return
    console.print(f"API key {key.id} ({key.name}) revoked")


def _when(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
