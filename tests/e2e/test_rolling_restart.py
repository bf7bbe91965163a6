"""A rolling restart behind a real load balancer loses no request.

HAProxy (Debian's package) on loopback in front of two instances over one database, with
`/readyz` as its health check. Under a steady load of creates and reads through HAProxy,
each instance in turn gets SIGTERM (it drains: /readyz says 503 while it still serves, then
it stops accepting and finishes what it has), is started again, and taken back. Every
request must succeed, and every acknowledged create must be stored, once.

Under uvicorn with one worker and with two; under granian with two (its workers are always
processes under a parent: one worker is the same case).

HAProxy retries only what never reached an instance (`retry-on conn-failure`): a request an
instance received is never sent twice, so a create is acknowledged once or not at all.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from customer_registry.storage.database import open_database
from customer_registry.storage.schema import customers
from tests.conftest import database_settings
from tests.e2e.instances import bearer, server, shared_database
from tests.reliability.conftest import RegistryServer, free_port

DRAIN_SECONDS = 1.5  # above HAProxy's time to see a failed check (inter x fall, below)
CLIENTS = 4
MAX_OPERATIONS = 4_000  # bounds of the load, whatever happens
MAX_SECONDS = 180.0

_HAPROXY_CONFIG = """\
global
    maxconn 256

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    retry-on conn-failure
    option redispatch 1

frontend registry
    bind 127.0.0.1:{port}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 1 rise 1
{servers}
"""


@dataclass
class Load:
    """Clients creating a customer and reading it back through the load balancer, until
    stopped: what was acknowledged, and every failure."""

    url: str
    headers: dict[str, str]
    acknowledged: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    operations: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _codes: Iterator[int] = field(default_factory=itertools.count)

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set() and self.operations < MAX_OPERATIONS:
                with self._lock:
                    code = f"R{next(self._codes):05d}"
                    self.operations += 1
                self._one(session, code)

    def _one(self, session: requests.Session, code: str) -> None:
        try:
            created = session.post(
                f"{self.url}/api/v1/customers",
                json={"customerAccount": code, "name": f"Rolling {code}"},
                headers=self.headers,
                timeout=30,
            )
            if created.status_code != 201:
                self._failed(f"create {code}: {created.status_code} {created.text[:200]}")
                return
            with self._lock:
                self.acknowledged.add(code)
            read = session.get(
                f"{self.url}/api/v1/customerAccounts/{code}", headers=self.headers, timeout=30
            )
            if read.status_code != 200:
                self._failed(f"read {code}: {read.status_code} {read.text[:200]}")
        except requests.RequestException as error:
            self._failed(f"{code}: {error!r}")

    def _failed(self, what: str) -> None:
        with self._lock:
            self.failures.append(what)


@pytest.fixture
def haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    assert found, "HAProxy is needed (Debian: apt-get install haproxy; .ci/run installs it)"
    return found


def _balancer(
    haproxy: str, tmp: Path, instances: list[RegistryServer]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    servers = "\n".join(f"    server s{i.port} 127.0.0.1:{i.port} check" for i in instances)
    config = tmp / "haproxy.cfg"
    config.write_text(_HAPROXY_CONFIG.format(port=port, servers=servers))
    log = (tmp / "haproxy.log").open("wb")
    process = subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("HAProxy did not answer:\n" + (tmp / "haproxy.log").read_text())


async def _stored_codes(database_url: str) -> list[str]:
    db = open_database(database_settings(database_url))
    await db.start()
    try:
        async with db.read() as conn:
            rows = await conn.fetch_all(sa.select(customers.c.code))
    finally:
        await db.stop()
    return [row["code"] for row in rows]


def _restart(instance: RegistryServer, load: Load) -> int:
    """SIGTERM, wait for the exit, start again, and give HAProxy time to see it ready:
    how many operations the clients began meanwhile."""
    before = load.operations
    instance.terminate()
    instance.wait(timeout=DRAIN_SECONDS + 60)
    instance.start()
    time.sleep(1.0)  # a few of HAProxy's checks (every 200 ms; one success brings it back)
    return load.operations - before


@pytest.mark.parametrize(
    ("http_server", "workers"), [("uvicorn", 1), ("uvicorn", 2), ("granian", 2)]
)
def test_restarting_each_instance_in_turn_loses_no_request(
    haproxy: str, tmp_path: Path, http_server: str, workers: int
) -> None:
    with shared_database(tmp_path) as database_url:
        delay = str(DRAIN_SECONDS)
        instances = [
            server(
                database_url,
                tmp_path / name,
                workers,
                http_server=http_server,
                shutdown_delay_seconds=delay,
            )
            for name in ("a", "b")
        ]
        balancer = None
        try:
            for instance in instances:
                instance.start()
            balancer, url = _balancer(haproxy, tmp_path, instances)
            load = Load(url, bearer(url))
            clients = [threading.Thread(target=load.run) for _ in range(CLIENTS)]
            for client in clients:
                client.start()
            time.sleep(2.0)  # a steady load before the first restart
            during = [_restart(instance, load) for instance in instances]
            time.sleep(2.0)
            load.stop.set()
            for client in clients:
                client.join(timeout=MAX_SECONDS)
            stored = asyncio.run(_stored_codes(database_url))
        finally:
            if balancer is not None:
                balancer.terminate()
                balancer.wait(timeout=10)
            for instance in instances:
                instance.stop()
    # The figures, for `pytest -s` (a note on the run quotes them).
    print(
        f"\n{http_server}, {workers} worker(s): {load.operations} creates each read back, "
        f"{len(load.failures)} failed, "
        f"{len(load.acknowledged)} creates acknowledged, {len(stored)} stored; "
        f"begun during each restart: {during}"
    )
    assert load.failures == []
    assert all(count > 20 for count in during), during  # the load went on during each restart
    assert len(stored) == len(set(stored))
    assert set(stored) == load.acknowledged
