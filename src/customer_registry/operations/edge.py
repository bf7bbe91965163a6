"""The service's outermost layer: every request gets its id (operations.requests), returned in
`X-Request-ID`; once answered, it is timed into the metrics and, with the JSON log format,
written as one log line (with text logs under granian, whose own access line could neither
mask secrets nor carry the request id, as uvicorn's access line). `/healthz`, `/readyz` and
`/metrics` are answered here, before any API's routing. While the instance drains, every
answer says `Connection: close`, so that clients (a load balancer's pooled connections
included) open their next one elsewhere.

What a request costs here (no metrics, no JSON log): an id, one header scanned and one
added, one more `send` wrapper: 1.5-3.4 % more instructions on a GET of each API
(`python -m bench.instructions`)."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customer_registry.operations.health import Readiness
from customer_registry.operations.metrics import CONTENT_TYPE, Metrics
from customer_registry.operations.requests import HEADER, REQUEST_ID, RequestIds, given_id

HEALTH = "/healthz"
READY = "/readyz"
METRICS = "/metrics"
_QUIET = (HEALTH, READY)  # asked every second or so by a load balancer: logged at DEBUG

_requests_log = logging.getLogger("customer_registry.requests")
# uvicorn's access logger: `serve` configures it (logs.uvicorn_log_config) with the filters
# that mask secrets and quieten health checks, and the format of its lines.
_access_log = logging.getLogger("uvicorn.access")
_CLOSE = (b"connection", b"close")


class OperationsEdge:
    def __init__(
        self,
        app: ASGIApp,
        readiness: Readiness,
        *,
        apis: Mapping[str, str],
        metrics: Metrics | None,
        metrics_token: str | None,
        log_requests: bool,
        access_lines: bool = False,
    ) -> None:
        self.app = app
        self.readiness = readiness
        self.apis = sorted(apis.items(), key=lambda item: -len(item[0]))  # longest first
        self.metrics = metrics
        self.metrics_authorization = (
            f"Bearer {metrics_token}".encode() if metrics_token is not None else None
        )
        self.log_requests = log_requests
        self.access_lines = access_lines  # uvicorn's access line, written here
        self.observed = metrics is not None or log_requests or access_lines
        self.ids = RequestIds()
        self.own: dict[str, Callable[[Scope, Send], Awaitable[None]]] = {
            HEALTH: self._healthz,
            READY: self._readyz,
            METRICS: self._metrics,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = given_id(scope["headers"]) or self.ids.new()
        REQUEST_ID.set(request_id)
        added = (
            [(HEADER, request_id), _CLOSE]
            if self.readiness.drain.started
            else [(HEADER, request_id)]
        )
        if not self.observed:  # the common case, without _answer's frame
            own = self.own.get(scope["path"])
            if own is None:
                await self.app(scope, receive, _adding(send, added))
            else:
                await own(scope, _adding(send, added))
            return
        started = time.perf_counter()
        root = scope.get("root_path", "")
        status = 500  # if the app raises before answering, the server answers 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        try:
            await self._answer(scope, receive, send_observed)
        finally:
            self._answered(scope, root, status, time.perf_counter() - started)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        own = self.own.get(scope["path"])
        if own is not None:
            await own(scope, send)
        else:
            await self.app(scope, receive, send)

    def _answered(self, scope: Scope, root: str, status: int, seconds: float) -> None:
        api, route = self._route_of(scope, root)
        if self.metrics is not None:
            self.metrics.observe(api, route, scope["method"], status, seconds)
        if self.access_lines:
            _access_line(scope, status)
        if self.log_requests:
            level = logging.DEBUG if scope["path"] in _QUIET else logging.INFO
            user = scope.get("user")
            _requests_log.log(
                level,
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "api": api,
                    "route": route,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "user": getattr(user, "username", None),
                    "client": (scope.get("client") or (None,))[0],
                },
            )

    def _route_of(self, scope: Scope, root: str) -> tuple[str, str]:
        """The API that answered and its route's template (`/v1/customers/{customer_id}`),
        or `unmatched`: never the path itself, which would make a metric per customer."""
        if scope["path"] in self.own:
            return "service", scope["path"]
        mounted = scope.get("root_path", "")[len(root) :]
        route = scope.get("route")
        template = f"{mounted}{route.path}" if route is not None else "unmatched"
        for prefix, api in self.apis:
            if mounted.startswith(prefix):
                return api, template
        return "service", template

    async def _healthz(self, scope: Scope, send: Send) -> None:
        await _answer(send, 200, b'{"status":"ok"}')

    async def _readyz(self, scope: Scope, send: Send) -> None:
        problem = await self.readiness.problem()
        if problem is None:
            await _answer(send, 200, b'{"status":"ready"}')
        else:
            body = orjson.dumps({"status": "unavailable", "reason": problem})
            await _answer(send, 503, body)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        """Only for the bearer of the metrics token; to anyone else, and when no token is
        set, /metrics answers as a path the service does not have (so it is not advertised)."""
        authorization = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if (
            self.metrics is None
            or self.metrics_authorization is None
            or authorization is None
            or not hmac.compare_digest(authorization, self.metrics_authorization)
        ):
            await _answer(send, 404, b"Not Found", b"text/plain; charset=utf-8")
            return
        body = await self.metrics.exposition()
        await _answer(send, 200, body, CONTENT_TYPE.encode())


def _access_line(scope: Scope, status: int) -> None:
    """The line uvicorn's access logger writes, with the same arguments (its formatter and
    the filters on that logger read them): client, method, target, HTTP version, status.
    Not uvicorn's own `get_client_addr`: it formats the port with %d, and a scope's client
    may carry it as text (a 500 when tried, under granian)."""
    client = scope.get("client")
    target = scope.get("raw_path") or scope["path"].encode()
    if scope["query_string"]:
        target += b"?" + scope["query_string"]
    _access_log.info(
        '%s - "%s %s HTTP/%s" %d',
        f"{client[0]}:{client[1]}" if client else "",
        scope["method"],
        target.decode("latin-1").replace('"', "%22"),
        scope["http_version"],
        status,
    )


def _adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """`send`, with `headers` added to the answer's. (The message is the app's, made for this
    one call: its headers are replaced in place, not copied.)"""

    async def send_adding(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *headers]
        await send(message)

    return send_adding


async def _answer(
    send: Send, status: int, body: bytes, content_type: bytes = b"application/json"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
