"""The baseline: the least a Python server can do to answer GET /v1/customers/<id>.

A raw ASGI callable, no framework, no authentication: parse the id from the path, run the
same SELECT of every customer column by primary key on an asyncpg pool as large as the
service's default, and answer the row as the partner API's JSON with orjson. Served by
uvicorn exactly as the service is (`uvicorn bench.baseline:app`).

Settings: BENCH_DATABASE_URL, BENCH_POOL_SIZE (10), BENCH_STATEMENT_TIMEOUT_MS (10000).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import asyncpg
import orjson

Message = dict[str, Any]
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PREFIX = "/v1/customers/"
SELECT = (
    "SELECT customer_id, entity_id, name, external_id, code, created_at, created_by, "
    "modified_at, modified_by FROM customers WHERE customer_id = $1"
)
# The partner API's customer keys, in its order.
CUSTOMER_KEYS = (
    "customer_id",
    "name",
    "external_customer_id",
    "external_customer_code",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
)
NOT_FOUND = orjson.dumps({"message": "No result found"})
NOT_ALLOWED = orjson.dumps({"message": "Method not allowed"})


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def customer_body(row: Mapping[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "customer_id": row["customer_id"],
            "name": row["name"],
            "external_customer_id": row["external_id"],
            "external_customer_code": row["code"],
            "created_at": _timestamp(row["created_at"]),
            "created_by": row["created_by"],
            "modified_at": _timestamp(row["modified_at"]),
            "modified_by": row["modified_by"],
        }
    )


def _customer_id(path: str) -> int | None:
    raw = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Baseline:
    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await _respond(send, *await self._answer(scope))

    async def _answer(self, scope: Scope) -> tuple[int, bytes]:
        if scope["method"] != "GET":
            return 405, NOT_ALLOWED
        customer_id = _customer_id(scope["path"])
        if customer_id is None or self._pool is None:
            return 404, NOT_FOUND
        row = await self._pool.fetchrow(SELECT, customer_id)
        return (404, NOT_FOUND) if row is None else (200, customer_body(row))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._pool = await _create_pool()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _create_pool() -> asyncpg.Pool:
    """As the service's pool: min 1, max the pool size, the same session settings."""
    return await asyncpg.create_pool(
        os.environ["BENCH_DATABASE_URL"],
        min_size=1,
        max_size=int(os.environ.get("BENCH_POOL_SIZE", "10")),
        server_settings={
            "statement_timeout": os.environ.get("BENCH_STATEMENT_TIMEOUT_MS", "10000"),
            "timezone": "UTC",
        },
    )


app = Baseline()
