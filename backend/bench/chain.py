"""A benchmark's chain: anvil with chosen flags (its CPU time readable), the contracts deployed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import psutil
from web3 import Web3

from backend.chain.accounts import dev_account
from backend.chain.anvil import Anvil
from backend.chain.compiler import Artifact, compile_contracts
from backend.chain.deployment import DeployConfig, Deployment, deploy
from backend.chain.registry import connect


class BenchAnvil(Anvil):
    """anvil with the service's flags, less those in ``drop`` and plus ``extra``."""

    def __init__(
        self,
        *,
        extra: Sequence[str] = (),
        drop: Sequence[str] = (),
        accounts: int = 10,
        state_file: Path | None = None,
    ) -> None:
        super().__init__(accounts=accounts, state_file=state_file)
        self.extra = list(extra)
        self.drop = set(drop)

    def command(self) -> list[str]:
        return [arg for arg in super().command() if arg not in self.drop] + self.extra

    def cpu_seconds(self) -> float:
        """CPU time anvil has used so far (user + system)."""
        assert self._process is not None, "anvil is not running"
        times = psutil.Process(self._process.pid).cpu_times()
        return float(times.user + times.system)

    def rss_bytes(self) -> int:
        assert self._process is not None, "anvil is not running"
        return int(psutil.Process(self._process.pid).memory_info().rss)


def deploy_service(
    w3: Web3, artifacts: dict[str, Artifact] | None = None
) -> tuple[Deployment, dict[str, Artifact]]:
    """The registry and market, deployed by dev account 0 (the service's dev relayer)."""
    artifacts = artifacts or compile_contracts()
    deployment = deploy(
        w3,
        artifacts=artifacts,
        deployer=dev_account(0),
        config=DeployConfig(base_uri="http://127.0.0.1/v1/works/"),
    )
    return deployment, artifacts


def web3_for(node: Anvil) -> Web3:
    return connect(node.rpc_url, timeout=120.0)
