"""The service's typed settings: the one place that reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every knob of the service, read from the environment (or a `.env` file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / "data", description="Chain state, deployment, database")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; SQLite in data_dir if unset"
    )
    rpc_url: str | None = Field(None, description="External chain; unset starts a managed anvil")
    relayer_private_key: SecretStr | None = Field(
        None,
        description="Funded key that relays and pays for registrations (anvil dev key if unset)",
    )
    chain_id: int = Field(31337, description="Chain id of the managed anvil")
    anvil_port: int = 8545
    anvil_state_interval: int = Field(5, ge=1, description="Seconds between anvil state dumps")

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = Field(None, description="Base URL clients reach the API at")
    dev_mode: bool = Field(False, description="Allow the server to sign with anvil's dev accounts")
    demo_data: bool = Field(False, description="Seed an empty registry with the demo catalogue")

    max_upload_bytes: int = Field(256 * 1024 * 1024, ge=1)
    max_batch_size: int = Field(500, ge=1, le=1000)
    royalty_bps: int = Field(500, ge=0, le=10_000)
    min_dispute_bond_wei: int = Field(10**16, ge=0, description="Bond to open a dispute")
    confirmations: int = Field(0, ge=0, description="Blocks before the indexer treats events final")
    indexer_poll_seconds: float = Field(0.5, gt=0)
    indexer_max_blocks: int = Field(2_000, ge=1, description="Blocks per eth_getLogs request")
    tx_timeout_seconds: float = Field(60.0, gt=0)
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for admin endpoints; unset: only in dev mode"
    )
    solc_binary: Path | None = Field(None, description="Native solc; the pinned solcjs if unset")

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
