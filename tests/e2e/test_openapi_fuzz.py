"""Each API against its own OpenAPI document, fuzzed by schemathesis over a real server.

For every operation of every document, schemathesis generates requests from the document,
valid ones and invalid ones, sends them with a valid SYSTEM token, and checks each answer:
never a 5xx, and always a status, a content type and a body the document describes. Wrong
input must get a documented 4xx, never a crash. The figures (requests sent, failures) are
printed at the end of each test.

The two login endpoints are fuzzed too. Failed logins are throttled per username and per
client address: the generated usernames are random (never the test user's), and the fuzzing
sends its requests as a documentation address (`X-Forwarded-For`, which uvicorn trusts from
the loopback), so neither count can lock out the test user; each test checks that it still
logs in afterwards.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from tests.e2e.conftest import Server

# Per operation and mode, per API: the documents have 18 to 40 operations, so each API gets
# well over a thousand requests.
EXAMPLES = {"sales": 20, "partner": 25, "billing": 40}
# Where the fuzzing's requests say they come from (TEST-NET-1, RFC 5737): its failed logins
# are counted against this address, not the test machine's.
FUZZ_ADDRESS = "192.0.2.1"
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


# Parameter name -> values naming objects that exist. Random ids almost never name one, so
# half the generated requests that name one of these parameters (in the path, the query or a
# JSON or form body) get a real one instead, and reach past "not found".
Known = dict[str, list[Any]]


def _fuzz(
    server: Server,
    name: str,
    document: str,
    base: str,
    headers: dict[str, str],
    known: Known | None = None,
) -> Tally:
    schema = schemathesis.openapi.from_url(f"{server.url}{document}")
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last, so the other operations still find the known objects.
    for operation in sorted(operations, key=lambda operation: operation.method == "delete"):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Unsatisfiable: nothing to vary in this mode (an operation without parameters).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                strategy = _with_known(operation.as_strategy(generation_mode=mode), known or {})
                _fuzz_operation(
                    f"{server.url}{base}", headers, EXAMPLES[name], operation, mode, strategy, tally
                )
    return tally


def _with_known(
    cases: st.SearchStrategy[schemathesis.Case], known: Known
) -> st.SearchStrategy[schemathesis.Case]:
    if not known:
        return cases
    choices = st.fixed_dictionaries(
        {name: st.sampled_from(values) for name, values in known.items()}
    )

    def use(drawn: tuple[schemathesis.Case, bool, dict[str, Any]]) -> schemathesis.Case:
        case, replace, values = drawn
        if not replace:
            return case
        path = case.path_parameters or {}
        case.path_parameters = {k: values.get(k, v) for k, v in path.items()}
        if case.query:
            case.query = {k: values.get(k, v) for k, v in case.query.items()}
        if isinstance(case.body, dict):
            case.body = {k: values.get(k, v) for k, v in case.body.items()}
        return case

    return st.tuples(cases, st.booleans(), choices).map(use)


def _fuzz_operation(
    base_url: str,
    headers: dict[str, str],
    examples: int,
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    cases: st.SearchStrategy[schemathesis.Case],
    tally: Tally,
) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
        # The same requests on every run, so CI is reproducible; FUZZ_RANDOM=1 explores anew.
        derandomize=not os.environ.get("FUZZ_RANDOM"),
    )
    @hypothesis.given(cases)
    def send(case: schemathesis.Case) -> None:
        tally.requests += 1
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # every failure is collected
            tally.failures.append(f"{operation.label} [{mode.value}]: {error}"[:3000])

    send()


def _session(headers: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.headers.update(headers)
    return session


def _ok(response: requests.Response) -> Any:
    assert response.status_code in (200, 201), f"{response.url}: {response.text}"
    return response.json()


def _seed_partner(server: Server, headers: dict[str, str]) -> Known:
    """Entities, customers, products, their links and history, through the partner API."""
    api, session = f"{server.url}/v1", _session(headers)
    entities = [
        _ok(session.post(f"{api}/entities", json={"name": f"fuzz entity {i}"}))["entity_id"]
        for i in range(3)
    ]
    for i in range(12):
        entity = entities[i % 3]
        customer = {"entity_id": entity, "external_customer_id": 9000 + i}
        _ok(
            session.post(
                f"{api}/customers/create_customer",
                json={**customer, "name": f"fuzz customer {i}", "external_customer_code": f"fz{i}"},
            )
        )
        imei = f"{990000000000000 + i}"
        _ok(session.post(f"{api}/products", json={"product_imei": imei, "entity_id": entity}))
        if i < 8:
            _ok(session.put(f"{api}/products/{imei}/change_customer", json=customer))

    def keys(resource: str, key: str) -> list[Any]:
        page = _ok(session.get(f"{api}/{resource}", params={"results_per_page": 100}))
        return [item[key] for item in page["objects"]]

    return {
        "customer_id": keys("customers", "customer_id"),
        "entity_id": [*entities, 1],
        "product_imei": keys("products", "product_imei"),
        "customer_entity_linker_id": keys("customer_entity_linker", "customer_entity_linker_id"),
        "product_entity_linker_id": keys("product_entity_linker", "product_entity_linker_id"),
        "customer_product_history_id": keys(
            "customer_product_history", "customer_product_history_id"
        ),
    }


def _seed_billing(server: Server, headers: dict[str, str]) -> Known:
    """Brands, customers and contacts in the caller's entity, through the billing API."""
    api, session = f"{server.url}/api/v1", _session(headers)
    brands = [
        str(_ok(session.post(f"{api}/brands", json={"name": f"fuzz brand {i}"}))["response"])
        for i in range(3)
    ]
    customers, accounts = [], []
    for i in range(12):
        fields = {
            "name": f"fuzz customer {i}",
            "customerAccount": f"FZ{i:04}",
            "brand_id": brands[i % 3],
        }
        customers.append(str(_ok(session.post(f"{api}/customers", json=fields))["response"]))
        accounts.append(fields["customerAccount"])
        contact = {"contactable_type": "App\\Customer", "contactable_id": customers[-1]}
        _ok(session.post(f"{api}/contacts", json={**contact, "firstName": f"fuzz {i}"}))
    return {
        "customer": customers,
        "contactable_id": customers,
        "customerAccount": accounts,
        "brand": [*brands, "1"],
        "brand_id": [*brands, "1"],
    }


def _assert_test_user_logs_in(server: Server) -> None:
    """The fuzzing's failed logins locked out neither the test user nor this machine."""
    for path, fields in (
        ("/api/login", {"email": server.username, "password": server.password}),
        ("/v1/auth/login", {"username": server.username, "password": server.password}),
    ):
        response = requests.post(f"{server.url}{path}", data=fields, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"


def _report(name: str, tally: Tally) -> None:
    print(f"\n{name}: {tally.requests} requests fuzzed, {len(tally.failures)} failures")
    assert tally.requests >= 1000
    assert not tally.failures, "\n\n".join(tally.failures[:10])


def test_sales_api(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": FUZZ_ADDRESS}
    _report("sales", _fuzz(server, "sales", "/api/v1.0/openapi.json", "/api/v1.0", headers))


def test_partner_api(server: Server, token: str) -> None:
    # The partner document's form of the header.
    headers = {"Authorization": f"Token token={token}", "X-Forwarded-For": FUZZ_ADDRESS}
    known = _seed_partner(server, headers)
    tally = _fuzz(server, "partner", "/v1/openapi.json", "/v1", headers, known)
    _assert_test_user_logs_in(server)
    _report("partner", tally)


def test_billing_api(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": FUZZ_ADDRESS}
    known = _seed_billing(server, headers)
    tally = _fuzz(server, "billing", "/api/v1/openapi.json", "/api", headers, known)
    _assert_test_user_logs_in(server)
    _report("billing", tally)
