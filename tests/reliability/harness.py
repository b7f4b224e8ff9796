"""The service as a real process on loopback, and a bounded load of signed registrations.

Each load client is a creator with its own key; every registration carries an Idempotency-Key
and is retried with it after a 503 or a dropped connection, exactly as a careful client would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.chain.typed_data import register_message, sign_typed_data
from backend.services.metadata import WorkMetadata, canonical_document, document_hash

REPO = Path(__file__).resolve().parents[2]
RETRYABLE = {502, 503}


class ServiceProcess:
    """`uvicorn --factory backend.main:create_app`, configured through the environment."""

    def __init__(self, *, port: int, env: dict[str, str], log_file: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **env}
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServiceProcess:
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child process
        command = [sys.executable, "-m", "uvicorn", "--factory", "backend.main:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self._process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process.poll() is None, self.log_file.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("the service did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Outcome:
    """What one registration's client was finally told."""

    content_hash: str
    creator: str
    key: str
    body: dict[str, Any]
    status: str  # confirmed, failed or unknown
    tx_hash: str | None = None
    answers: list[int] = field(default_factory=list)  # every HTTP status (0 = no answer)


@dataclass(frozen=True)
class Chain:
    chain_id: int
    registry: str


class Load:
    """``clients`` creators registering ``per_client`` works each, concurrently, until each is
    confirmed or ``deadline`` passes."""

    def __init__(self, *, url: str, chain: Chain, clients: int, per_client: int) -> None:
        self.url = url
        self.chain = chain
        self.creators: list[LocalAccount] = [Account.create() for _ in range(clients)]
        self.per_client = per_client
        self.outcomes: list[Outcome] = []
        self.done = 0
        self._guard = threading.Lock()

    def run(self, deadline: float) -> list[Outcome]:
        threads = [
            threading.Thread(target=self._client, args=(i, c, deadline), daemon=True)
            for i, c in enumerate(self.creators)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 30)
        return self.outcomes

    def answers(self) -> Counter[int]:
        return Counter(a for o in self.outcomes for a in o.answers)

    def _client(self, index: int, creator: LocalAccount, deadline: float) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for n in range(self.per_client):
                outcome = self._register(http, creator, f"load-{index}-{n}", deadline)
                with self._guard:
                    self.outcomes.append(outcome)
                    self.done += 1

    def _register(
        self, http: httpx.Client, creator: LocalAccount, key: str, deadline: float
    ) -> Outcome:
        content_hash = "0x" + os.urandom(32).hex()
        body = self._signed_body(creator, content_hash, title=key)
        outcome = Outcome(content_hash, creator.address, key, body, status="unknown")
        while time.monotonic() < deadline:
            answer = _post(http, body, key)
            outcome.answers.append(answer.status_code if answer is not None else 0)
            if answer is not None and answer.status_code == 201:
                outcome.status, outcome.tx_hash = "confirmed", answer.json()["tx_hash"]
                return outcome
            if answer is not None and answer.status_code == 202:
                return self._follow(http, answer.json()["status_url"], outcome, deadline)
            if answer is not None and answer.status_code not in RETRYABLE:
                outcome.status = f"failed:{answer.status_code}:{answer.text[:200]}"
                return outcome
            time.sleep(0.3)
        return outcome

    def _follow(
        self, http: httpx.Client, status_url: str, outcome: Outcome, deadline: float
    ) -> Outcome:
        path = status_url.split("/v1/", 1)[1]
        while time.monotonic() < deadline:
            try:
                answer = http.get(f"/v1/{path}")
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                body = answer.json()
                if body["status"] in ("confirmed", "failed"):
                    outcome.status, outcome.tx_hash = body["status"], body["tx_hash"]
                    return outcome
            time.sleep(0.3)
        return outcome

    def _signed_body(self, creator: LocalAccount, content_hash: str, title: str) -> dict[str, Any]:
        metadata = WorkMetadata(title=title)
        metadata_hash = document_hash(canonical_document(content_hash, metadata))
        deadline = int(time.time()) + 3600
        message = register_message(
            chain_id=self.chain.chain_id,
            contract=self.chain.registry,
            creator=creator.address,
            content_hash=content_hash,
            metadata_hash=metadata_hash,
            deadline=deadline,
        )
        return {
            "content_hash": content_hash,
            "metadata": {"title": title},
            "creator": creator.address,
            "deadline": deadline,
            "signature": sign_typed_data(message, creator.key),
        }


def ask_again(url: str, outcome: Outcome) -> dict[str, Any]:
    """What a retry with the outcome's Idempotency-Key answers now (201 once settled)."""
    with httpx.Client(base_url=url, timeout=30) as http:
        answer = _post(http, outcome.body, outcome.key)
    assert answer is not None and answer.status_code == 201, answer and answer.text
    body: dict[str, Any] = answer.json()
    return body


def _post(http: httpx.Client, body: dict[str, Any], key: str) -> httpx.Response | None:
    try:
        return http.post("/v1/works", json=body, headers={"Idempotency-Key": key})
    except httpx.HTTPError:
        return None
