"""A provenance answer as a readable timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from backend.services.provenance_schemas import Provenance

PERPETUAL = 2**64 - 1


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _short(value: str) -> str:
    return value if len(value) <= 14 else f"{value[:8]}…{value[-4:]}"


def events(p: Provenance) -> list[tuple[int, str, str, str]]:
    """(block, when, event, detail) rows, in chain order."""
    rows: list[tuple[int, str, str, str]] = []
    for t in p.custody:
        if t.kind == "registration":
            detail = f"creator {t.to_address}, tx {_short(t.tx_hash)}"
            rows.append((t.block_number, _when(t.timestamp), "registered", detail))
        else:
            detail = f"{t.from_address} → {t.to_address}, tx {_short(t.tx_hash)}"
            rows.append((t.block_number, _when(t.timestamp), "transferred", detail))
    for lic in p.licenses:
        expiry = "perpetual" if lic.perpetual else f"until {_when(lic.expiry)}"
        detail = f"{lic.kind} to {lic.holder}, {lic.price_wei} wei, {expiry}"
        rows.append((lic.block_number, _when(lic.timestamp), f"licence {lic.acquired}", detail))
    for d in p.disputes:
        detail = f"#{d.dispute_id} by {d.claimant}: {d.status}, evidence {d.evidence_uri}"
        rows.append((d.block_number, "", "dispute opened", detail))
    return sorted(rows, key=lambda row: row[0])


def render(console: Console, p: Provenance) -> None:
    if not p.registered or p.work is None:
        console.print(f"[yellow]not registered[/yellow]: {p.content_hash}")
        return
    title = p.metadata.document.get("title") if p.metadata and p.metadata.document else None
    console.print(f"[bold]{title or p.content_hash}[/bold]  {p.content_hash}")
    console.print(f"chain {p.chain_id}, contract {p.contract_address}, owner {p.work.owner}")
    table = Table("block", "time (UTC)", "event")
    table.add_column("detail", overflow="fold")
    for block, when, event, detail in events(p):
        table.add_row(str(block), when, event, detail)
    console.print(table)
    _integrity(console, p)


def _integrity(console: Console, p: Provenance) -> None:
    def mark(ok: bool) -> str:
        return "[green]ok[/green]" if ok else "[red]FAILED[/red]"

    if p.metadata is not None:
        held = "held" if p.metadata.available else "not held by the service"
        console.print(f"metadata integrity: {mark(p.metadata.matches)} (document {held})")
    if p.chain_check is not None:
        check = p.chain_check
        console.print(
            f"chain cross-check at block {check.checked_at_block}: {mark(check.consistent)}"
            f" (owner {mark(check.owner_matches)}, receipt {mark(check.receipt_matches)})"
        )
    parent = p.lineage.parent or "none (original work)"
    console.print(f"lineage: parent {parent}; derivatives {len(p.lineage.derivatives)}")
    for child in p.lineage.derivatives:
        console.print(f"  derivative {child}")
    active = sum(1 for o in p.offers if o.active)
    console.print(f"offers: {active} active of {len(p.offers)}")
    if p.flagged:
        console.print("[red]flagged: an upheld dispute[/red]")
