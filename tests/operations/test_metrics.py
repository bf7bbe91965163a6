"""`/metrics`: Prometheus' text format, for the bearer of CUSTOMER_REGISTRY_METRICS_TOKEN
only (404 to anyone else, and when no token is set)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from customer_registry.app import create_app
from customer_registry.auth import login
from customer_registry.settings import Settings
from tests.conftest import MakeUser
from tests.operations.conftest import METRICS_TOKEN

BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics", headers=BEARER)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return _samples(answer.text)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Token token={METRICS_TOKEN}", f"bearer  {METRICS_TOKEN}x", "Bearer "],
)
async def test_metrics_are_not_there_without_the_token(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = await client.get("/metrics", headers=headers)
    unknown = await client.get("/no-such-path", headers=headers)
    assert (answer.status_code, answer.text) == (unknown.status_code, unknown.text)
    assert answer.headers["content-type"] == unknown.headers["content-type"]


async def test_metrics_are_not_there_when_no_token_is_set(settings: Settings) -> None:
    app = create_app(settings)  # CUSTOMER_REGISTRY_METRICS_TOKEN unset
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for headers in ({}, BEARER, {"Authorization": "Bearer "}):
            assert (await client.get("/metrics", headers=headers)).status_code == 404


async def test_requests_are_counted_by_api_route_template_and_status(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for customer_id in (1, 2, 3):  # three paths, one route
        assert (await client.get(f"/v1/customers/{customer_id}", headers=admin)).status_code == 404
    assert (await client.get("/api/v1.0/customers", headers=admin)).status_code == 200
    assert (await client.get("/api/v1/customers/x/y/z")).status_code == 404
    samples = await _scrape(client)
    count = "customer_registry_http_request_duration_seconds_count"

    def requests(api: str, route: str, method: str, status: str) -> float:
        labels = (("api", api), ("method", method), ("route", route), ("status", status))
        return samples.get((count, labels), 0.0)

    assert requests("partner", "/v1/customers/{customer_id}", "GET", "404") == 3
    assert requests("sales", "/api/v1.0/customers", "GET", "200") == 1
    assert requests("billing", "unmatched", "GET", "404") == 1
    assert not any("/v1/customers/1" in dict(labels).get("route", "") for _, labels in samples)
    bucket = "customer_registry_http_request_duration_seconds_bucket"
    le_inf = (
        ("api", "partner"),
        ("le", "+Inf"),
        ("method", "GET"),
        ("route", "/v1/customers/{customer_id}"),
        ("status", "404"),
    )
    assert samples[(bucket, le_inf)] == 3


async def test_connections_and_token_checks_are_shown(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for _ in range(3):
        await client.get("/v1/customers", headers=admin)
    samples = await _scrape(client)
    assert samples[("customer_registry_db_connections", (("state", "open"),))] >= 1
    assert samples[("customer_registry_db_connections", (("state", "waiting"),))] == 0
    # Sales and partner calls through one token: the first check asks the database.
    database = samples[("customer_registry_token_checks_total", (("source", "database"),))]
    cache = samples.get(("customer_registry_token_checks_total", (("source", "cache"),)), 0)
    assert database >= 1
    assert database + cache >= 3


async def test_throttled_logins_are_counted(
    client: httpx.AsyncClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login, "REFUSALS", login.Refusals())  # this test's refusals only
    await make_user(username="target@example.com")
    answers = [
        await client.post("/api/login", json={"email": "target@example.com", "password": "no"})
        for _ in range(7)
    ]
    assert [a.status_code for a in answers].count(429) == 2
    samples = await _scrape(client)
    assert samples[("customer_registry_login_throttled_total", ())] == 2


async def test_a_webhooks_backlog_is_its_undelivered_events(
    client: httpx.AsyncClient, app: Any, admin: dict[str, str]
) -> None:
    from customer_registry.core import webhooks
    from customer_registry.core.permissions import COMMAND_LINE

    async with app.state.ctx.db.write() as conn:
        hook = await webhooks.add(
            conn,
            COMMAND_LINE,
            "https://hooks.example.com/in",
            ["customer.created"],
            entity_id=None,
            allow_private=False,
        )
    for code in ("B1", "B2"):
        body = {"customerAccount": code, "name": code}
        assert (await client.post("/api/v1/customers", json=body, headers=admin)).status_code == 201
    samples = await _scrape(client)
    assert (
        samples[
            ("customer_registry_webhook_backlog_events", (("webhook_id", str(hook.webhook_id)),))
        ]
        == 2
    )
    assert samples[("customer_registry_imports_running", ())] == 0


async def test_times_are_counted_as_prometheus_client_counts_them(app: Any) -> None:
    """The worker's table of times, copied into the histogram, gives what the library's own
    observation of each request gives: the same buckets (a time equal to a bound is in it),
    the same sum and count."""
    from prometheus_client import CollectorRegistry, Histogram

    from customer_registry.operations.metrics import _BUCKETS, Metrics

    times = [0.0, 0.001, 0.0011, 0.0025, 0.3, 0.5, 9.99, 10.0, 10.01, 120.0]
    metrics = Metrics(app.state.ctx)
    reference = Histogram(
        "customer_registry_http_request_duration_seconds",
        "reference",
        ["api", "route", "method", "status"],
        buckets=_BUCKETS,
        registry=CollectorRegistry(),
    )
    for seconds in times:
        metrics.observe("partner", "/v1/customers", "GET", 200, seconds)
        reference.labels("partner", "/v1/customers", "GET", "200").observe(seconds)
    metrics.observe("partner", "/v1/customers", "BREW", 418, 0.2)  # an unknown method: other
    metrics.sample()

    def samples(histogram: Histogram) -> dict[tuple[str, str, str], float]:
        return {
            (s.name, s.labels.get("le", ""), s.labels["method"]): s.value
            for family in histogram.collect()
            for s in family.samples
            if not s.name.endswith("_created")
        }

    ours = samples(metrics.durations)
    assert ours.pop(("customer_registry_http_request_duration_seconds_count", "", "other")) == 1
    assert {k: v for k, v in ours.items() if k[2] == "GET"} == pytest.approx(samples(reference))
    assert ours[("customer_registry_http_request_duration_seconds_bucket", "0.001", "GET")] == 2
