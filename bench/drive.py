"""One scenario's requests straight into the service's ASGI app, in this process: no socket,
no server, no load generator. `python -m bench.instructions` runs it under callgrind, which
counts instructions only while the requests run (it switches counting on from outside when
this prints READY, then sends a line to start them).

    python -m bench.drive SCENARIO REQUESTS

Environment: the service's settings (CUSTOMER_REGISTRY_DATABASE_URL, …), BENCH_TOKEN (an API
key of the bench user) and BENCH_KEYS (the keys file `python -m bench` writes). The service's
code is whatever `customer_registry` this interpreter imports: PYTHONPATH picks a revision.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message

from bench.fake import Key
from bench.scenarios import BY_NAME, Scenario, fill

READY = "READY"
WARM_UP = 50  # requests before counting: statement caches filled, statements prepared
_HEADERS = [(b"host", b"127.0.0.1:8000")]
_CLIENT = ("127.0.0.1", 40000)
_SERVER = ("127.0.0.1", 8000)


def read_keys(path: Path) -> list[Key]:
    keys = []
    for line in path.read_text().splitlines():
        customer_id, code, name = line.split("\t")[:3]
        keys.append(Key(int(customer_id), code, name))
    return keys


class Driver:
    def __init__(self, app: ASGIApp, scenario: Scenario, token: str, keys: list[Key]) -> None:
        self.app = app
        self.scenario = scenario
        self.keys = keys
        self.headers = [*_HEADERS, (b"authorization", f"Token token={token}".encode())]
        if scenario.content_type:
            self.headers.append((b"content-type", scenario.content_type.encode()))
        # Unique per run and request, as request.lua's are: creates never meet a duplicate.
        self.nonces = itertools.count(int(time.time()) % 100_000 * 1_000_000)

    def _scope(self, target: str, body: bytes) -> dict[str, Any]:
        path, _, query = target.partition("?")
        headers = self.headers
        if body:
            headers = [*headers, (b"content-length", str(len(body)).encode())]
        return {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": self.scenario.method, "scheme": "http", "path": path,
            "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": headers, "client": _CLIENT, "server": _SERVER,
        }  # fmt: skip

    async def request(self, n: int) -> None:
        key = self.keys[n % len(self.keys)]
        nonce = next(self.nonces)
        uid = f"{nonce}x{n}"

        def filled(template: str) -> str:
            return fill(template, key.customer_id, key.code, key.name, uid, nonce)

        body = filled(self.scenario.body).encode()
        received = False

        async def receive() -> Message:
            nonlocal received
            if received:  # the app asks again only to wait for a disconnect
                await asyncio.Event().wait()
            received = True
            return {"type": "http.request", "body": body, "more_body": False}

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await self.app(self._scope(filled(self.scenario.path), body), receive, send)
        if sent[0]["status"] != self.scenario.status:
            raise SystemExit(f"{self.scenario.name}: {sent[0]['status']}, {sent[1:]!r}"[:800])


async def drive(scenario: Scenario, requests: int) -> None:
    from customer_registry.app import create_app

    app = create_app(serving=True)
    driver = Driver(app, scenario, os.environ["BENCH_TOKEN"],
                    read_keys(Path(os.environ["BENCH_KEYS"])))  # fmt: skip
    async with app.router.lifespan_context(app):
        for n in range(WARM_UP):
            await driver.request(n)
        print(READY, flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        for n in range(WARM_UP, WARM_UP + requests):
            await driver.request(n)


def main() -> None:
    name, requests = sys.argv[1], int(sys.argv[2])
    asyncio.run(drive(BY_NAME[name], requests))


if __name__ == "__main__":
    main()
