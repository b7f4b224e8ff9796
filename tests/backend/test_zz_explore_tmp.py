"""Property-based API testing from the service's own OpenAPI schema (schemathesis): valid and
invalid requests generated for every operation, sent in-process to the real app on the real
chain node and database. No answer may be a 5xx, and every answer must match what the schema
documents for it (status code, content type, headers, body). Takes about a minute."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.checks import CheckFunction
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi

from backend.core.config import Settings
from backend.main import create_app
from tests.backend.helpers import create_offer, register_dev, work_in

EXAMPLES_PER_OPERATION = 50
MIN_REQUESTS = 1_000
STATUSES: Counter = Counter()
# The schema's own example work id: seeded, so that its explicit examples reach real data.
EXAMPLE_WORK = "0x" + "ab" * 32
CHECKS: list[CheckFunction] = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The real app with one work and one offer; schemathesis runs its lifespan, we end it."""
    application = create_app(settings, follow_chain=False)
    with TestClient(application) as client:
        register_dev(client, 1, [work_in(EXAMPLE_WORK, title="Seeded")])
        create_offer(client, EXAMPLE_WORK, 1)
    yield application
    asgi.shutdown_lifespans()


def test_generated_requests_no_server_error_and_schema_conformant(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    sent: Counter[str] = Counter()
    failures: dict[str, str] = {}
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        try:
            _exercise(operation, sent)
        except (Exception, FailureGroup) as exc:  # every operation's failures, reported together
            failures[operation.label] = str(exc)[:3000]
    elapsed = time.perf_counter() - started
    print(f"{sum(sent.values())} generated requests, {len(sent)} operations, {elapsed:.0f} s")
    print(sorted(STATUSES.items()))
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
    assert sum(sent.values()) >= MIN_REQUESTS, sent


def _exercise(operation: schemathesis.APIOperation[Any, Any, Any, Any], sent: Counter[str]) -> None:
    """Send valid and invalid requests generated for ``operation``, in each of its body media
    types, and check every answer."""
    media_types = [body.media_type for body in operation.body] or [None]
    strategy = st.one_of(
        [
            operation.as_strategy(mode, media_type=media_type)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for media_type in media_types
        ]
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call()
        sent[operation.label] += 1
        STATUSES[(operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    run()
