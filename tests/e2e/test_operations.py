"""Operations, on real servers, under each HTTP server: metrics summed over the workers, the
drain and graceful shutdown on SIGTERM, and the log lines an operator reads."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import SERVERS
from tests.e2e.instances import bearer, server, shared_database
from tests.reliability.conftest import ADMIN_USERNAME, RegistryServer

METRICS_TOKEN = "e2e-metrics-token"
DRAIN_SECONDS = 2.0


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with shared_database(tmp_path) as url:
        yield url


def _requests_counted(url: str, route: str) -> float:
    answer = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    assert answer.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == "customer_registry_http_request_duration_seconds_count"
        and sample.labels["route"] == route
    )


@pytest.mark.parametrize("http_server", SERVERS)
def test_metrics_add_up_every_workers_requests(
    database_url: str, tmp_path: Path, http_server: str
) -> None:
    instance = server(
        database_url,
        tmp_path,
        workers=2,
        http_server=http_server,
        metrics_token=METRICS_TOKEN,
    )
    instance.start()
    try:
        headers = bearer(instance.url)
        with requests.Session() as one, requests.Session() as other:
            for _ in range(20):  # two connections: the two workers answer some of each
                for session in (one, other):
                    answer = session.get(f"{instance.url}/api/v1/customers", headers=headers)
                    assert answer.status_code == 200
        time.sleep(1.5)  # each worker copies its requests' times every second
        # Whichever worker answers the scrape, the count is every worker's.
        counted = {_requests_counted(instance.url, "/api/v1/customers") for _ in range(6)}
        assert counted == {40.0}
        assert requests.get(f"{instance.url}/metrics", timeout=30).status_code == 404
    finally:
        instance.stop()


def _half_sent_create(
    instance: RegistryServer, headers: dict[str, str], code: str
) -> tuple[socket.socket, bytes]:
    """A billing create in flight: its headers and part of its body sent, the rest kept."""
    body = json.dumps({"customerAccount": code, "name": "In flight"}).encode()
    head = (
        f"POST /api/v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {headers['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", instance.port), timeout=30)
    connection.sendall(head + body[:10])
    return connection, body[10:]


def _accepts(instance: RegistryServer) -> bool:
    try:
        socket.create_connection(("127.0.0.1", instance.port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("http_server", SERVERS)
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_then_finishes_what_is_in_flight(
    database_url: str, tmp_path: Path, workers: int, http_server: str
) -> None:
    instance = server(
        database_url,
        tmp_path,
        workers,
        http_server=http_server,
        shutdown_delay_seconds=str(DRAIN_SECONDS),
    )
    instance.start()
    headers = bearer(instance.url)
    in_flight, rest = _half_sent_create(instance, headers, "INFLIGHT")
    time.sleep(0.3)  # the request has reached the server
    signalled = time.monotonic()
    instance.terminate()
    try:
        # Draining: not ready, still serving, every answer closing its connection.
        deadline = time.monotonic() + DRAIN_SECONDS / 2
        ready = requests.get(f"{instance.url}/readyz", timeout=5)
        while ready.status_code == 200 and time.monotonic() < deadline:  # a second worker
            ready = requests.get(f"{instance.url}/readyz", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["reason"] == "draining: the instance is stopping"
        served = requests.get(f"{instance.url}/api/v1/customers", headers=headers, timeout=5)
        assert served.status_code == 200
        assert served.headers["connection"] == "close"
        # After the delay it stops accepting; what was in flight has not finished yet.
        while _accepts(instance) and time.monotonic() < signalled + DRAIN_SECONDS + 10:
            time.sleep(0.1)
        assert not _accepts(instance)
        assert time.monotonic() - signalled >= DRAIN_SECONDS * 0.9
        assert instance.process is not None
        assert instance.process.poll() is None
        in_flight.sendall(rest)
        answer = in_flight.recv(65536).decode()
        assert answer.startswith("HTTP/1.1 201 "), answer
        # A single uvicorn process raises the signal again once it has shut down (its exit
        # is SIGTERM's, as for any process that stops on it); a parent of workers (granian
        # always has one) exits 0.
        single = workers == 1 and http_server == "uvicorn"
        assert instance.wait(timeout=30) == (-signal.SIGTERM if single else 0)
    finally:
        in_flight.close()
        instance.stop()
    again = server(database_url, tmp_path)
    again.start()
    try:
        found = requests.get(
            f"{again.url}/api/v1/customerAccounts/INFLIGHT", headers=headers, timeout=30
        )
        assert found.status_code == 200, found.text
    finally:
        again.stop()


@pytest.mark.parametrize("http_server", SERVERS)
def test_json_logs_write_one_line_per_request_without_secrets(
    database_url: str, tmp_path: Path, http_server: str
) -> None:
    instance = server(
        database_url, tmp_path, access_log=True, http_server=http_server, log_format="json"
    )
    instance.start()
    try:
        headers = bearer(instance.url)
        given = "e2e-request-7"
        answer = requests.get(
            f"{instance.url}/v1/customers/5",
            params={"api_token": "secret-in-url"},
            headers={"Authorization": headers["Authorization"], "X-Request-ID": given},
            timeout=30,
        )
        assert answer.status_code == 404
        assert answer.headers["x-request-id"] == given
        for _ in range(3):
            assert requests.get(f"{instance.url}/readyz", timeout=30).status_code == 200
    finally:
        instance.stop()
    lines = [json.loads(line) for line in instance.output().splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("request_id") == given]
    assert len(ours) == 1
    assert ours[0] | {"time": "-", "duration_ms": 0} == {
        "level": "INFO",
        "logger": "customer_registry.requests",
        "message": "GET /v1/customers/{customer_id} 404",
        "api": "partner",
        "route": "/v1/customers/{customer_id}",
        "method": "GET",
        "path": "/v1/customers/5",
        "status": 404,
        "duration_ms": 0,
        "user": ADMIN_USERNAME,
        "client": "127.0.0.1",
        "request_id": given,
        "time": "-",
    }
    assert not [line for line in lines if line.get("route") == "/readyz"]  # DEBUG only
    text = instance.output()
    assert "secret-in-url" not in text
    assert headers["Authorization"].split()[1] not in text


@pytest.mark.parametrize("http_server", SERVERS)
def test_text_logs_tag_each_access_line_and_leave_health_checks_out(
    database_url: str, tmp_path: Path, http_server: str
) -> None:
    instance = server(database_url, tmp_path, access_log=True, http_server=http_server)
    instance.start()
    try:
        answer = requests.get(
            f"{instance.url}/v1/customers", headers={"X-Request-ID": "e2e-text-1"}, timeout=30
        )
        assert answer.status_code == 401
        proxied = requests.get(  # from a trusted proxy (loopback): the client it names
            f"{instance.url}/v1/customers?page=2",
            headers={"X-Request-ID": "e2e-text-2", "X-Forwarded-For": "203.0.113.7"},
            timeout=30,
        )
        assert proxied.status_code == 401
        assert requests.get(f"{instance.url}/healthz", timeout=30).status_code == 200
    finally:
        instance.stop()
    # Each client's port made a star. The start-up's own probes of /v1/customers are there
    # too, each with an id of its own.
    access = [
        re.sub(r":\d+ - ", ":* - ", line)
        for line in instance.output().splitlines()
        if '"GET /' in line
    ]
    assert [line for line in access if "[e2e-text-" in line] == [
        'INFO:     127.0.0.1:* - "GET /v1/customers HTTP/1.1" 401 Unauthorized [e2e-text-1]',
        'INFO:     203.0.113.7:* - "GET /v1/customers?page=2 HTTP/1.1" 401 Unauthorized '
        "[e2e-text-2]",
    ]
    assert not [line for line in access if "/healthz" in line]
