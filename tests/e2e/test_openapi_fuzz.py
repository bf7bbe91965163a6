"""Each API against its own OpenAPI document, fuzzed by schemathesis over a real server.

For every operation of every document, schemathesis generates requests from the document,
valid ones and invalid ones, sends them with a valid SYSTEM token, and checks each answer:
never a 5xx, and always a status, a content type and a body the document describes. Wrong
input must get a documented 4xx, never a crash. The figures (requests sent, failures) are
printed at the end of each test.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode, checks

from tests.e2e.conftest import Server

# Per operation and mode; the documents have 20 to 40 operations, so each API gets well over
# a thousand requests.
EXAMPLES = 20
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@dataclass
class Tally:
    requests: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    response = requests.post(
        f"{server.url}/api/login",
        data={"email": server.username, "password": server.password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def _fuzz(server: Server, token: str, document: str, base: str) -> Tally:
    schema = schemathesis.openapi.from_url(f"{server.url}{document}")
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Unsatisfiable: nothing to vary in this mode (an operation without parameters).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                _fuzz_operation(server, token, base, operation, mode, tally)
    return tally


def _fuzz_operation(
    server: Server,
    token: str,
    base: str,
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    tally: Tally,
) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def send(case: schemathesis.Case) -> None:
        tally.requests += 1
        try:
            case.call_and_validate(
                base_url=f"{server.url}{base}",
                headers={"Authorization": f"Bearer {token}"},
                checks=CHECKS,
            )
        except (Exception, BaseExceptionGroup) as error:  # every failure is collected
            tally.failures.append(f"{operation.label} [{mode.value}]: {error}"[:3000])

    send()


def _report(name: str, tally: Tally) -> None:
    print(f"\n{name}: {tally.requests} requests fuzzed, {len(tally.failures)} failures")
    assert tally.requests >= 1000
    assert not tally.failures, "\n\n".join(tally.failures[:10])


def test_sales_api(server: Server, token: str) -> None:
    _report("sales", _fuzz(server, token, "/api/v1.0/openapi.json", "/api/v1.0"))
