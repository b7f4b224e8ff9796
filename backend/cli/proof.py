"""`rights proof`: export a proof bundle, and check one against any JSON-RPC node."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from web3 import Web3

from backend.cli.context import console, emit_json, fail, handled, state
from backend.client.proof_check import check_bundle

app = typer.Typer(help="Proofs anyone can check without this service.", no_args_is_help=True)


@app.command("export")
@handled
def export(
    ctx: typer.Context,
    work_id: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the bundle")],
) -> None:
    """Write a work's self-contained proof bundle to a file."""
    st = state(ctx)
    with st.client() as client:
        bundle = client.proof(work_id)
    output.write_text(json.dumps(bundle, indent=2) + "\n")
    if st.json:
        emit_json({"work_id": work_id, "output": str(output)})
    else:
        console.print(f"proof of {work_id} written to {output}")


@app.command("check")
@handled
def check(
    ctx: typer.Context,
    bundle_file: Annotated[Path, typer.Argument(metavar="BUNDLE")],
    file: Annotated[Path | None, typer.Argument(help="the file the bundle is about")] = None,
    rpc: Annotated[str, typer.Option(envvar="RIGHTS_RPC", help="Ethereum JSON-RPC URL")] = (
        "http://127.0.0.1:8545"
    ),
) -> None:
    """Check a bundle and the file against a node, each check reported (exit 1 if any fails)."""
    st = state(ctx)
    bundle = json.loads(bundle_file.read_text())
    data = file.read_bytes() if file is not None else None
    try:
        checks = check_bundle(bundle, data, Web3(Web3.HTTPProvider(rpc)))
    except KeyError as exc:
        fail(f"{bundle_file} is not a proof bundle: no {exc}")
    except Exception as exc:  # the node: unreachable, or it lacks the transaction
        fail(f"checking against {rpc} failed: {type(exc).__name__}: {exc}")
    if st.json:
        emit_json([{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks])
    else:
        for c in checks:
            mark = "[green]PASS[/green]" if c.ok else "[red]FAIL[/red]"
            console.print(f"{mark}  {c.name:24} {c.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
