"""Run the whole product: compile, start (or reach) the chain, deploy once, serve the API."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import httpx
import uvicorn
from rich.console import Console
from uvicorn.supervisors import Multiprocess

from backend.chain.anvil import Anvil
from backend.chain.compiler import Artifact, compile_contracts
from backend.chain.deployment import DeployConfig, Deployment, ensure_deployed
from backend.chain.registry import connect
from backend.core.config import Settings
from backend.core.runtime import relayer_account
from backend.demo import seed
from backend.main import create_app

console = Console()


def serve(settings: Settings) -> None:
    """Serve until Ctrl-C; a managed anvil is stopped last, with SIGTERM, so that it saves state."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if settings.api_workers > 1 and settings.effective_database_url.startswith("sqlite"):
        raise SystemExit(
            "API_WORKERS > 1 needs a PostgreSQL DATABASE_URL: SQLite serves one process"
        )
    artifacts = compile_contracts(solc_binary=settings.solc_binary)
    anvil: Anvil | None = None
    if settings.rpc_url is None:
        anvil = Anvil(
            port=settings.anvil_port,
            chain_id=settings.chain_id,
            state_file=settings.chain_state_file,
            state_interval=settings.anvil_state_interval,
            block_time=settings.anvil_block_time,
            log_file=settings.data_dir / "chain" / "anvil.log",
        ).start()
        settings = settings.model_copy(update={"rpc_url": anvil.rpc_url})
    # uvicorn re-raises the signal that stopped it; make SIGTERM unwind like Ctrl-C does.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        deployment = _deploy(settings, artifacts)
        _announce(settings, deployment, managed=anvil is not None)
        if settings.api_workers > 1:
            _serve_workers(settings)
            return
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=settings.api_host,
                port=settings.api_port,
                log_level=settings.log_level.lower(),
            )
        )
        if settings.demo_data:
            _seed_in_background(settings, stopped=lambda: server.should_exit)
        server.run()
    finally:
        if anvil is not None:
            console.print("[dim]stopping anvil and saving the chain state…[/dim]")
            anvil.stop()


def _serve_workers(settings: Settings) -> None:
    """``api_workers`` processes on one socket, each building the app from the environment as
    `scripts/run.py` does (a managed anvil listens where RPC_URL defaults to). They share the
    database through advisory locks: one migrates at a time, one follows the chain at a time."""
    config = uvicorn.Config(
        "backend.main:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        log_level=settings.log_level.lower(),
        # A worker imports the whole service (PyTorch included) before it answers the
        # supervisor's ping: seconds on a busy machine, which the default 5 s would kill.
        timeout_worker_healthcheck=60,
    )
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    if settings.demo_data:
        _seed_in_background(settings, stopped=supervisor.should_exit.is_set)
    supervisor.run()


def _seed_in_background(settings: Settings, *, stopped: Callable[[], bool]) -> None:
    threading.Thread(target=_seed_when_up, args=(settings, stopped), daemon=True).start()


def _seed_when_up(settings: Settings, stopped: Callable[[], bool]) -> None:
    url = f"http://127.0.0.1:{settings.api_port}"
    while not _answers(f"{url}/healthz"):
        if stopped():
            return
        time.sleep(0.2)
    try:
        outcome = seed(url)
        console.print(f"[green]demo data[/green]: {outcome}")
    except Exception as exc:  # the demo is a convenience: report it, keep serving
        console.print(f"[red]demo data failed[/red]: {exc}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _deploy(settings: Settings, artifacts: dict[str, Artifact]) -> Deployment:
    w3 = connect(settings.effective_rpc_url)
    chain_id = w3.eth.chain_id
    deployment, fresh = ensure_deployed(
        w3,
        artifacts=artifacts,
        deployer=relayer_account(settings, chain_id),
        record=settings.deployment_file(chain_id),
        config=DeployConfig(
            base_uri=f"{settings.effective_public_url}/v1/works/",
            royalty_bps=settings.royalty_bps,
            min_dispute_bond_wei=settings.min_dispute_bond_wei,
        ),
    )
    verb = "deployed" if fresh else "found"
    console.print(
        f"contracts {verb} on chain {chain_id}: WorkRegistry {deployment.registry_address}, "
        f"LicenseMarket {deployment.market_address}"
    )
    return deployment


def _announce(settings: Settings, deployment: Deployment, *, managed: bool) -> None:
    url = settings.effective_public_url
    chain = f"{settings.effective_rpc_url} ({'managed anvil' if managed else 'external'})"
    console.print(f"[bold]Rights Registry[/bold]  API {url}  docs {url}/docs")
    console.print(f"chain {chain}  data {settings.data_dir}")
    if settings.dev_mode:
        console.print(
            "[yellow]dev mode[/yellow]: dev_account=N lets the server sign with anvil account N"
        )
