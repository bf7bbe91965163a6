"""Webhooks across SIGKILL, against a real server: the receiver holds the first delivery of
each round open, the server's process group is killed while it waits, and the server is
started again. Every committed change is then delivered all the same (at least once: the
event the killed worker had sent comes again, with the same id), in order, three rounds
on one database."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.reliability.conftest import EXE, RegistryServer, login, running

pytestmark = pytest.mark.server

ROUNDS = 3
LEASE_SECONDS = 2
WAIT_SECONDS = 30.0


@dataclass
class Receiver:
    url: str = ""
    answered: list[str] = field(default_factory=list)  # event ids answered 200, in order
    held: list[str] = field(default_factory=list)  # event ids held open (never answered)
    hold_next: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if found.hold_next.is_set():
                found.hold_next.clear()
                found.held.append(event["id"])
                found.release.wait(60)  # the server is killed meanwhile
                return
            found.answered.append(event["id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}/events"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()


def _until(condition: Any, what: str, server: RegistryServer) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {WAIT_SECONDS:.0f} s:\n{server.output()[-3000:]}")
        time.sleep(0.05)


def test_no_event_is_lost_when_the_server_is_killed_mid_delivery(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    settings = {
        "CUSTOMER_REGISTRY_SECRET_KEY": "a key for this test only",
        "CUSTOMER_REGISTRY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
        "CUSTOMER_REGISTRY_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    server = RegistryServer(database_url=database_url, workdir=tmp_path, extra_env=settings)
    with running(server):
        added = subprocess.run(
            [str(EXE), "webhooks", "add", receiver.url, "--events", "customer.created"],
            env=server.env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        headers = login(server.url).bearer
        for round_number in range(ROUNDS):
            receiver.hold_next.set()
            sent = {"name": f"Round {round_number}", "customerAccount": f"R{round_number}"}
            r = requests.post(
                f"{server.url}/api/v1/customers", data=sent, headers=headers, timeout=30
            )
            assert r.status_code == 201, r.text
            before = len(receiver.held)
            _until(lambda n=before: len(receiver.held) > n, "no delivery began", server)
            server.kill()  # SIGKILL while the receiver holds the delivery open
            server.start()
            event = receiver.held[-1]
            _until(lambda e=event: e in receiver.answered, f"{event} not delivered again", server)
    assert len(receiver.held) == ROUNDS, receiver.held
    # Each killed delivery came again, with its id; in order; one event per create.
    assert set(receiver.held) <= set(receiver.answered)
    answered = receiver.answered
    assert answered == sorted(answered, key=lambda e: int(e.removeprefix("evt_")))
    assert len(set(answered)) == ROUNDS
