"""`rights`: the registry from the command line. Keys stay here; the API only relays."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from backend.cli import admin, keys, licenses, offers, proof
from backend.cli.context import (
    Password,
    PasswordFile,
    State,
    console,
    emit_json,
    fail,
    handled,
    state,
)
from backend.cli.folder import media_type, register_folder
from backend.cli.timeline import render
from backend.client.models import RecommenderStatus
from backend.services.metadata import WorkMetadata

app = typer.Typer(
    help="Register, verify and license works on the rights registry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(admin.app, name="admin")
app.add_typer(keys.app, name="keys")
app.add_typer(licenses.app, name="licenses")
app.add_typer(offers.app, name="offers")
app.add_typer(proof.app, name="proof")


@app.callback()
def main(
    ctx: typer.Context,
    api: Annotated[
        str, typer.Option("--api", envvar="RIGHTS_API", help="the registry API")
    ] = "http://127.0.0.1:8000",
    json_output: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    keys_dir: Annotated[
        Path, typer.Option("--keys-dir", envvar="RIGHTS_KEYS_DIR", help="encrypted keys")
    ] = Path("~/.rights/keys"),
    api_key: Annotated[
        str | None, typer.Option(envvar="RIGHTS_API_KEY", help="the API key, if the API needs one")
    ] = None,
) -> None:
    """Global options."""
    ctx.obj = State(api=api, json=json_output, keys_dir=keys_dir.expanduser(), api_key=api_key)


@app.command()
@handled
def register(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="a file, or a folder to register every file of")],
    key: Annotated[str, typer.Option("--key", help="the creator's key name")],
    title: Annotated[str | None, typer.Option(help="title (a folder: prefix)")] = None,
    creator_name: Annotated[str, typer.Option()] = "",
    description: Annotated[str, typer.Option()] = "",
    tags: Annotated[str, typer.Option(help="comma-separated")] = "",
    batch_size: Annotated[int, typer.Option(min=1, max=100)] = 20,
    password_file: PasswordFile = None,
    password: Password = None,
) -> None:
    """Register a file (hashed and signed here) or a folder, in resumable batches."""
    st = state(ctx)
    if not target.exists():
        fail(f"no such file or folder: {target}")
    account = keys.load_account(
        st.keys_dir, key, keys.read_password(password, password_file, confirm=False)
    )

    def metadata_for(path: Path) -> WorkMetadata:
        name = path.stem if title is None or target.is_file() else f"{title}: {path.stem}"
        return WorkMetadata(
            title=title if title is not None and target.is_file() else name,
            creator_name=creator_name,
            description=description,
            media_type=media_type(path),
            tags=[t for t in tags.split(",") if t.strip()],
        )

    with st.client() as client:
        if target.is_file():
            work = client.register_file(account, target, metadata_for(target))
            if st.json:
                emit_json(work)
            else:
                console.print(f"registered {target.name}: {work.work_id} (tx {work.tx_hash})")
            return
        with Progress(console=console, disable=st.json, transient=False) as bar:
            task = bar.add_task(f"registering {target}", total=None)
            summary = register_folder(
                client,
                account,
                target,
                metadata_for,
                batch_size=batch_size,
                progress=lambda n: bar.advance(task, n),
                on_total=lambda n: bar.update(task, total=n),
            )
    if st.json:
        emit_json(summary.as_dict())
        return
    console.print(
        f"registered {len(summary.registered)}, already registered {len(summary.already)},"
        f" done before (skipped) {len(summary.skipped)}"
    )


@app.command()
@handled
def verify(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="a file, or its 0x content hash")],
) -> None:
    """Where a file comes from: registration, transfers, licences, lineage, disputes."""
    st = state(ctx)
    path = Path(target)
    with st.client() as client:
        if path.is_file():
            result = client.verify_file(path)
        elif target.startswith("0x") and len(target) == 66:
            result = client.verify_hash(target)
        else:
            fail(f"no such file: {target}")
    if st.json:
        emit_json(result)
    else:
        render(console, result)
    if not result.registered:
        raise typer.Exit(1)


@app.command()
@handled
def recommend(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="an address, or a key name")],
    k: Annotated[int, typer.Option(min=1, max=100)] = 10,
    kind: Annotated[str | None, typer.Option(help="personal, commercial or derivative")] = None,
) -> None:
    """Works the account may license now, best first, with the reason."""
    st = state(ctx)
    address = account if account.startswith("0x") else keys.key_address(st.keys_dir, account)
    with st.client() as client:
        result = client.recommendations(
            address, k=k, kind=licenses.parse_kind(kind) if kind else None
        )
    if st.json:
        emit_json(result)
        return
    console.print(f"{result.strategy} recommendations for {result.account}:")
    for rank, item in enumerate(result.items, 1):
        console.print(f"{rank:3}. {item.title or '?'}  {item.work_id}  score {item.score:.3f}")
        console.print(f"     {item.reason.text}")


@app.command()
@handled
def train(
    ctx: typer.Context,
    admin_token: Annotated[
        str | None, typer.Option(envvar="RIGHTS_ADMIN_TOKEN", help="the API's ADMIN_TOKEN")
    ] = None,
) -> None:
    """Train the recommender on everything recorded so far (admin)."""
    st = state(ctx)
    with st.client() as client:
        status = client.train(admin_token=admin_token)
    _show_status(st, status)


def _show_status(st: State, status: RecommenderStatus) -> None:
    if st.json:
        emit_json(status)
        return
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in sorted(status.metrics.items()))
    console.print(
        f"model version {status.version} ({status.model}), data block {status.data_block},"
        f" {status.users} users, {status.works} works; {metrics or 'no metrics'}"
    )
