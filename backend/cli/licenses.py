"""`rights licenses`: list, buy (signed here) and check licences."""

from __future__ import annotations

from typing import Annotated, cast, get_args

import typer
from rich.table import Table

from backend.cli import keys
from backend.cli.context import Password, PasswordFile, console, emit_json, fail, handled, state
from backend.services.market_schemas import LicenseKind

app = typer.Typer(help="List, buy and check licences.", no_args_is_help=True)
KindOption = Annotated[str, typer.Option(help="personal, commercial or derivative")]


def parse_kind(value: str) -> LicenseKind:
    if value in get_args(LicenseKind):
        return cast(LicenseKind, value)
    fail(f"unknown licence kind {value!r}: personal, commercial or derivative")


@app.command("list")
@handled
def list_licenses(
    ctx: typer.Context,
    licensee: Annotated[str | None, typer.Option(help="an address or a key name")] = None,
    work: Annotated[str | None, typer.Option(help="a work id")] = None,
) -> None:
    """Licences as they stand, by holder and/or work."""
    st = state(ctx)
    if licensee is not None and not licensee.startswith("0x"):
        licensee = keys.key_address(st.keys_dir, licensee)
    with st.client() as client:
        found = client.licenses(licensee=licensee, work=work)
    if st.json:
        emit_json(found)
        return
    if not found:
        console.print("no licences")
        return
    table = Table()
    for column in ("work", "holder", "kind", "valid", "price (wei)", "tx"):
        table.add_column(column, overflow="fold")
    for lic in found:
        valid = "yes" if lic.valid_now else "no"
        table.add_row(lic.work_id, lic.holder, lic.kind, valid, str(lic.price_wei), lic.tx_hash)
    console.print(table)


@app.command("buy")
@handled
def buy(
    ctx: typer.Context,
    work_id: str,
    key: Annotated[str, typer.Option("--key", help="the buyer's key name")],
    offer: Annotated[int | None, typer.Option(help="offer id (default: first active)")] = None,
    kind: KindOption = "commercial",
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Buy a licence at the offer's price, from the key's own account."""
    st = state(ctx)
    wanted = parse_kind(kind)
    account = keys.load_account(
        st.keys_dir, key, keys.read_password(password, password_file, confirm=False)
    )
    with st.client() as client:
        if offer is None:
            active = [o for o in client.offers(work_id) if o.active and o.kind == wanted]
            if not active:
                fail(f"work {work_id} has no active {wanted} offer")
            offer = active[0].offer_id
        result = client.buy_license(account, work_id, offer)
    if st.json:
        emit_json(result)
        return
    console.print(f"bought offer {offer} of {work_id} as {account.address} (tx {result.tx_hash})")


@app.command("check")
@handled
def check(
    ctx: typer.Context,
    work_id: str,
    account: Annotated[str, typer.Option(help="an address or a key name")],
    kind: KindOption = "commercial",
) -> None:
    """Whether the account holds a valid licence now, checked on chain (exit 1 if not)."""
    st = state(ctx)
    address = account if account.startswith("0x") else keys.key_address(st.keys_dir, account)
    with st.client() as client:
        result = client.check_license(work=work_id, account=address, kind=parse_kind(kind))
    if st.json:
        emit_json(result)
    elif result.valid:
        proof = f", granted in tx {result.proof.tx_hash}" if result.proof else ""
        console.print(f"valid {result.kind} licence for {result.account}{proof}")
    else:
        console.print(f"no valid {result.kind} licence for {result.account}")
    if not result.valid:
        raise typer.Exit(1)
