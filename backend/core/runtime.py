"""What the running service holds: database, chain connection, registry client and indexer.

The chain side is connected lazily, so the API starts (and `/healthz` answers) while the node
is down or the contracts are not deployed yet; requests that need the chain then get 503.
"""

from __future__ import annotations

import logging
import threading

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.accounts import dev_account
from backend.chain.compiler import compile_contracts
from backend.chain.deployment import Deployment
from backend.chain.keystore import account_from_keystore
from backend.chain.registry import RegistryClient, chain_errors, connect
from backend.core.config import Settings
from backend.core.errors import NotDeployed, RegistryError
from backend.db.session import make_engine, make_sessionmaker, migrate
from backend.indexer.indexer import Indexer
from backend.services.limits import RelayLimits
from backend.services.outbox import Outbox
from backend.services.recsys.store import ModelStore

log = logging.getLogger(__name__)
ANVIL_CHAIN_ID = 31337


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        migrate(settings.effective_database_url)
        self.engine: Engine = make_engine(settings.effective_database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.w3 = connect(settings.effective_rpc_url)
        self._lock = threading.Lock()
        self._registry: RegistryClient | None = None
        self._indexer: Indexer | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.outbox = Outbox(sessions=self.sessions, registry=self.registry, settings=settings)
        self.limits = RelayLimits(settings)
        self.models = ModelStore(settings.models_dir)
        self.training_lock = threading.Lock()

    def registry(self) -> RegistryClient:
        with self._lock:
            if self._registry is None:
                self._registry = self._connect_registry()
            return self._registry

    def indexer(self) -> Indexer:
        registry = self.registry()
        with self._lock:
            if self._indexer is None:
                self._indexer = Indexer(
                    registry=registry,
                    sessions=self.sessions,
                    start_block=registry.deployment.block_number,
                    confirmations=self.settings.confirmations,
                    max_blocks=self.settings.indexer_max_blocks,
                    reorg_window=self.settings.reorg_window,
                )
            return self._indexer

    def _connect_registry(self) -> RegistryClient:
        with chain_errors():
            chain_id = self.w3.eth.chain_id
            deployment = Deployment.load(self.settings.deployment_file(chain_id))
            if deployment is None or not deployment.is_live(self.w3):
                raise NotDeployed(f"the registry is not deployed on chain {chain_id}")
        artifacts = compile_contracts(solc_binary=self.settings.solc_binary)
        return RegistryClient(
            self.w3,
            deployment=deployment,
            abis={name: artifacts[name].abi for name in ("WorkRegistry", "LicenseMarket")},
            relayer=relayer_account(self.settings, chain_id),
            tx_timeout=self.settings.tx_timeout_seconds,
        )

    def start_indexer(self) -> None:
        """Follow the chain into the index, and keep the write outbox reconciled with it."""
        self._threads = [
            threading.Thread(target=self._follow, name="indexer", daemon=True),
            threading.Thread(target=self._reconcile, name="outbox", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _reconcile(self) -> None:
        while not self._stop.is_set():
            try:
                self.outbox.run(self._stop.is_set, self._stop.wait)
            except RegistryError as exc:
                log.warning("outbox waiting for the chain: %s", exc.message)
                self._stop.wait(self.settings.outbox_poll_seconds)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self.indexer().run(self._stop, self.settings.indexer_poll_seconds)
            except RegistryError as exc:
                log.warning("indexer waiting for the chain: %s", exc.message)
                self._stop.wait(self.settings.indexer_poll_seconds)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.engine.dispose()


def relayer_account(settings: Settings, chain_id: int) -> LocalAccount:
    """The configured relayer key (raw or from a keystore); anvil's first dev account on a local
    anvil chain."""
    if settings.relayer_keystore is not None:
        return account_from_keystore(
            settings.relayer_keystore,
            password=settings.relayer_keystore_password,
            password_file=settings.relayer_keystore_password_file,
        )
    if settings.relayer_private_key is not None:
        account: LocalAccount = Account.from_key(settings.relayer_private_key.get_secret_value())
        return account
    if chain_id != ANVIL_CHAIN_ID:
        raise NotDeployed("RELAYER_PRIVATE_KEY must be set for a chain other than local anvil")
    return dev_account(0)
