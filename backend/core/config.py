"""The service's typed settings: the one place that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every knob of the service, read from the environment (or a `.env` file)."""

    # Errors must not echo the input: it holds the relayer key and the passwords.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    data_dir: Path = Field(REPO_ROOT / "data", description="Chain state, deployment, database")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; SQLite in data_dir if unset"
    )
    rpc_url: str | None = Field(None, description="External chain; unset starts a managed anvil")
    relayer_private_key: SecretStr | None = Field(
        None,
        description="Funded key that relays and pays for registrations (anvil dev key if unset)",
    )
    relayer_keystore: Path | None = Field(
        None, description="The relayer key as an encrypted keystore JSON, instead of the raw key"
    )
    relayer_keystore_password: SecretStr | None = Field(None, description="Unlocks the keystore")
    relayer_keystore_password_file: Path | None = Field(
        None, description="A file holding the keystore's password (instead of the password)"
    )
    chain_id: int = Field(31337, description="Chain id of the managed anvil")
    anvil_port: int = 8545
    anvil_block_time: float | None = Field(
        None, gt=0, description="Managed anvil: seconds between blocks; unset: a block per tx"
    )
    anvil_state_interval: int = Field(5, ge=1, description="Seconds between anvil state dumps")

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    api_threads: int = Field(
        100, ge=1, le=1000, description="Requests a worker serves at once (its thread pool)"
    )
    api_workers: int = Field(1, ge=1, description="API processes; more than one needs PostgreSQL")
    public_url: str | None = Field(None, description="Base URL clients reach the API at")
    dev_mode: bool = Field(False, description="Allow the server to sign with anvil's dev accounts")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    demo_data: bool = Field(False, description="Seed an empty registry with the demo catalogue")

    max_upload_bytes: int = Field(256 * 1024 * 1024, ge=1)
    max_batch_size: int = Field(500, ge=1, le=1000)
    max_archive_size: int = Field(
        10_000, ge=1, le=1_000_000, description="Works per anchored Merkle root"
    )
    royalty_bps: int = Field(500, ge=0, le=10_000)
    min_dispute_bond_wei: int = Field(10**16, ge=0, description="Bond to open a dispute")
    confirmations: int = Field(0, ge=0, description="Blocks before the indexer treats events final")
    reorg_window: int = Field(
        256, ge=1, description="Recent blocks the indexer can roll back without a full rebuild"
    )
    indexer_poll_seconds: float = Field(0.5, gt=0)
    indexer_max_blocks: int = Field(2_000, ge=1, description="Blocks per eth_getLogs request")
    tx_timeout_seconds: float = Field(60.0, gt=0)
    write_wait_seconds: float = Field(
        10.0, ge=0, description="How long a registration waits to answer 201 before 202"
    )
    outbox_poll_seconds: float = Field(1.0, gt=0, description="Between outbox reconciliations")
    outbox_retry_seconds: float = Field(
        10.0, gt=0, description="An unconfirmed write untouched this long is sent again"
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for admin endpoints; unset: only in dev mode"
    )
    require_api_key: bool = Field(False, description="Relayed writes need a valid X-API-Key")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins browsers may call from; empty: no CORS"
    )
    # Relayed writes (see README, "Limits"): token buckets that refill over their window.
    rate_window_seconds: float = Field(60.0, gt=0, description="Window of the write rate limits")
    client_write_limit: int = Field(
        1_200, ge=1, description="Relayed writes one client (API key, else IP) may make per window"
    )
    creator_write_limit: int = Field(
        120, ge=1, description="Registration requests for one creator per window"
    )
    gas_window_seconds: float = Field(3_600.0, gt=0, description="Window of the gas budgets")
    creator_gas_budget: int = Field(
        300_000_000, ge=1, description="Relayer gas one creator's registrations may use per window"
    )
    relayer_gas_budget: int = Field(
        3_000_000_000, ge=1, description="Relayer gas all registrations may use per window"
    )
    relayer_min_balance_wei: int = Field(
        10**17, ge=0, description="Below this balance the relayer refuses to relay"
    )
    solc_binary: Path | None = Field(None, description="Native solc; the pinned solcjs if unset")

    @model_validator(mode="after")
    def _one_relayer_key(self) -> Settings:
        if self.relayer_keystore is not None and self.relayer_private_key is not None:
            raise ValueError("set RELAYER_KEYSTORE or RELAYER_PRIVATE_KEY, not both")
        passwords = (self.relayer_keystore_password, self.relayer_keystore_password_file)
        if self.relayer_keystore is not None and sum(p is not None for p in passwords) != 1:
            raise ValueError(
                "RELAYER_KEYSTORE needs one of RELAYER_KEYSTORE_PASSWORD"
                " or RELAYER_KEYSTORE_PASSWORD_FILE"
            )
        return self

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'registry.db'}"

    @property
    def effective_rpc_url(self) -> str:
        return self.rpc_url or f"http://127.0.0.1:{self.anvil_port}"

    @property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    def deployment_file(self, chain_id: int) -> Path:
        return self.data_dir / f"deployment-{chain_id}.json"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def chain_state_file(self) -> Path:
        return self.data_dir / "chain" / "anvil-state.json"
