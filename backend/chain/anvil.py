"""Run the pinned anvil node (from node_modules) as a managed child process."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from backend.chain.compiler import NODE_MODULES

ANVIL_BINARY = NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
DEV_MNEMONIC = "test test test test test test test test test test test junk"


class AnvilError(RuntimeError):
    """anvil could not be started or did not become ready."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Anvil:
    """An anvil child process; with ``state_file`` its chain survives restarts.

    anvil reloads the state file on start and writes it on SIGINT/SIGTERM. Between those, a
    thread here saves it every ``state_interval`` seconds through `anvil_dumpState`, to a
    temporary file renamed over the old one: anvil's own `--state-interval` rewrites the file
    in place, and a SIGKILL during that write was seen to leave it empty, so that the node
    could not start again. ``--prune-history`` keeps it from holding every historical state in
    memory and on disk.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        chain_id: int = 31337,
        state_file: Path | None = None,
        state_interval: int = 5,
        block_time: float | None = None,
        accounts: int = 10,
        balance_eth: int = 10_000,
        log_file: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.chain_id = chain_id
        self.state_file = state_file
        self.state_interval = state_interval
        self.block_time = block_time
        self.accounts = accounts
        self.balance_eth = balance_eth
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._stop_saving = threading.Event()
        self._saver: threading.Thread | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            str(ANVIL_BINARY),
            "--host", self.host,
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--hardfork", "prague",
            "--mnemonic", DEV_MNEMONIC,
            "--accounts", str(self.accounts),
            "--balance", str(self.balance_eth),
            "--prune-history",
            "--quiet",
        ]  # fmt: skip
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            cmd += ["--state", str(self.state_file)]
        if self.block_time is not None:
            cmd += ["--block-time", str(self.block_time)]
        return cmd

    def start(self, timeout: float = 15.0) -> Anvil:
        if not ANVIL_BINARY.exists():
            raise AnvilError(f"anvil not found at {ANVIL_BINARY}; run `npm ci` first")
        log: Any = subprocess.DEVNULL
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child process
        # Its own session: a Ctrl-C in the terminal reaches the launcher, which stops anvil last.
        self._process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AnvilError(f"anvil exited with code {self._process.returncode}")
            if self.is_ready():
                if self.state_file is not None:
                    self._start_saving()
                return self
            time.sleep(0.05)
        self.stop()
        raise AnvilError(f"anvil did not answer on {self.rpc_url} within {timeout}s")

    def is_ready(self) -> bool:
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        try:
            return httpx.post(self.rpc_url, json=payload, timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def _start_saving(self) -> None:
        self._stop_saving = threading.Event()
        self._saver = threading.Thread(target=self._save_periodically, daemon=True)
        self._saver.start()

    def _save_periodically(self) -> None:
        while not self._stop_saving.wait(self.state_interval):
            try:
                self.save_state()
            except (httpx.HTTPError, KeyError, OSError, ValueError):
                pass  # the node is down or going down: the next round (or its exit) saves

    def save_state(self) -> None:
        """Write the chain's state atomically: complete, or the previous file untouched."""
        assert self.state_file is not None
        payload = {"jsonrpc": "2.0", "id": 1, "method": "anvil_dumpState", "params": []}
        encoded = httpx.post(self.rpc_url, json=payload, timeout=30).json()["result"]
        state = gzip.decompress(bytes.fromhex(encoded.removeprefix("0x")))
        partial = self.state_file.with_suffix(".partial")
        partial.write_bytes(state)
        os.replace(partial, self.state_file)

    def _stop_saver(self) -> None:
        self._stop_saving.set()
        if self._saver is not None:
            self._saver.join(timeout=35)
            self._saver = None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, so that anvil dumps its state; SIGKILL only if it hangs."""
        self._stop_saver()
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def kill(self) -> None:
        """SIGKILL: loses everything since the last periodic state save."""
        self._stop_saver()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
