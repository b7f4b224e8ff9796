"""`rights offers`: offer licences on your work, list and switch offers off (signed here)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from backend.cli import keys
from backend.cli.context import Password, PasswordFile, console, emit_json, handled, state
from backend.cli.licenses import KindOption, parse_kind

app = typer.Typer(
    help="Offer licences on a work, list and switch offers off.", no_args_is_help=True
)
WEI_PER_ETH = Decimal(10**18)


@app.command("create")
@handled
def create(
    ctx: typer.Context,
    work_id: str,
    key: Annotated[str, typer.Option("--key", help="the owner's key name")],
    price_eth: Annotated[Decimal, typer.Option(help="price in ETH")],
    kind: KindOption = "commercial",
    days: Annotated[int, typer.Option(min=0, help="licence length; 0 = perpetual")] = 0,
    cap: Annotated[int, typer.Option(min=0, help="most licences sold; 0 = no cap")] = 0,
    transferable: Annotated[bool, typer.Option(help="licensees may pass it on")] = False,
    terms_uri: Annotated[str, typer.Option(help="where the licence terms are published")] = "",
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Offer licences on a work you own (your own transaction: the key pays the gas)."""
    st = state(ctx)
    account = keys.load_account(
        st.keys_dir, key, keys.read_password(password, password_file, confirm=False)
    )
    with st.client() as client:
        result = client.create_offer(
            account,
            work_id,
            kind=parse_kind(kind),
            price_wei=int(price_eth * WEI_PER_ETH),
            duration_seconds=days * 86_400,
            max_supply=cap,
            transferable=transferable,
            terms_uri=terms_uri,
        )
    if st.json:
        emit_json(result)
        return
    offer_id = result.offer.offer_id if result.offer else "?"
    console.print(f"offer {offer_id} on {work_id} created (tx {result.tx_hash})")


@app.command("list")
@handled
def list_offers(ctx: typer.Context, work_id: str) -> None:
    """Every offer on a work, active or not."""
    st = state(ctx)
    with st.client() as client:
        found = client.offers(work_id)
    if st.json:
        emit_json(found)
        return
    table = Table()
    for column in ("offer", "kind", "price (ETH)", "days", "sold / cap", "active"):
        table.add_column(column)
    for offer in found:
        days = str(offer.duration_seconds // 86_400) if offer.duration_seconds else "perpetual"
        cap = f"{offer.sold} / {offer.max_supply or '∞'}"
        price = str(Decimal(offer.price_wei) / WEI_PER_ETH)
        table.add_row(str(offer.offer_id), offer.kind, price, days, cap, str(offer.active))
    console.print(table)


@app.command("deactivate")
@handled
def deactivate(
    ctx: typer.Context,
    work_id: str,
    offer_id: int,
    key: Annotated[str, typer.Option("--key", help="the owner's key name")],
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Stop selling under an offer; licences already sold stay valid."""
    st = state(ctx)
    account = keys.load_account(
        st.keys_dir, key, keys.read_password(password, password_file, confirm=False)
    )
    with st.client() as client:
        result = client.set_offer_active(account, work_id, offer_id, False)
    if st.json:
        emit_json(result)
        return
    console.print(f"offer {offer_id} on {work_id} switched off (tx {result.tx_hash})")
