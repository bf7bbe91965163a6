"""The service: the three APIs mounted side by side over one registry."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import swagger_ui_bundle  # type: ignore[import-untyped]
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from customer_registry import dispatcher
from customer_registry.apis.billing_v1.app import create_billing_app
from customer_registry.apis.context import Context
from customer_registry.apis.http import ErrorHandler, ForwardedHeaders, Router
from customer_registry.apis.openapi import DOCS_ASSETS
from customer_registry.apis.partner_v1.app import create_partner_app
from customer_registry.apis.sales_v1_0.app import create_sales_app
from customer_registry.auth.keys import service_key
from customer_registry.console.app import create_console_app
from customer_registry.core import changes, idempotency
from customer_registry.memory import keep_large_blocks_apart
from customer_registry.operations import shutdown
from customer_registry.operations.edge import OperationsEdge
from customer_registry.operations.health import Drain, Readiness
from customer_registry.operations.metrics import Metrics
from customer_registry.settings import Settings
from customer_registry.transfer import jobs

_log = logging.getLogger(__name__)
CONSOLE = "/console"
# Where each surface is mounted. Before /api: the billing API's mount would otherwise take
# /api/v1.0 too. (The billing API's own paths are /api/v1/…, /api/login and /api/version.)
_SURFACES = [("/v1", "partner"), ("/api/v1.0", "sales"), ("/api", "billing"), (CONSOLE, "console")]


def create_app(settings: Settings | None = None, *, serving: bool = False) -> Starlette:
    """The service; `serving`: in a server process of its own (see serving_app)."""
    ctx = Context(settings or Settings())
    drain = Drain()
    token = ctx.settings.metrics_token
    metrics = Metrics(ctx) if token is not None else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.start()
        if serving:
            # What is alive once started (modules, the schema, the ISO tables…) lives as long
            # as the process: out of the collector's reach, its collections stop walking it
            # again and again (measured: 8-17 % less CPU per request).
            gc.freeze()
            keep_large_blocks_apart()
        tasks = [
            asyncio.create_task(_repeatedly(partial(_housekeeping, ctx), 3600, "housekeeping"))
        ]
        if serving:
            tasks.append(asyncio.create_task(_deliver_webhooks(ctx)))
        if metrics is not None:
            tasks.append(asyncio.create_task(metrics.sample_every_second()))
        restore_sigterm = (
            shutdown.drain_on_sigterm(
                drain, ctx.settings.shutdown_delay_seconds, ctx.settings.server
            )
            if serving
            else lambda: None
        )
        try:
            yield
        finally:
            restore_sigterm()
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await jobs.stop_all()
            if metrics is not None:
                metrics.stopped()
            await ctx.stop()

    makers = {
        "partner": create_partner_app,
        "sales": create_sales_app,
        "billing": create_billing_app,
    }
    apis = [(prefix, makers[surface](ctx)) for prefix, surface in _SURFACES if surface in makers]
    console = create_console_app(ctx)
    app = _Service(
        routes=[
            *(_PrefixMount(prefix, app=api) for prefix, api in apis),
            _PrefixMount(CONSOLE, app=console),
            # Swagger UI's files, for each API's interactive docs (`…/docs`).
            Mount(DOCS_ASSETS, app=StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)),
            # Customer images, public as in the sales document (names are unguessable).
            Mount("/media", app=StaticFiles(directory=ctx.settings.media_dir, check_dir=False)),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _unmatched_in_own_format(apis)},
    )
    app.edge = OperationsEdge(
        app.dispatch,
        Readiness(ctx.db, drain),
        apis=dict(_SURFACES),
        metrics=metrics,
        metrics_token=token.get_secret_value() if token is not None else None,
        log_requests=ctx.settings.log_format == "json" and ctx.settings.access_log,
        access_lines=(
            ctx.settings.server == "granian"
            and ctx.settings.log_format == "text"
            and ctx.settings.access_log
        ),
    )
    app.state.ctx = ctx
    console.state.service = app  # a customer's page shows each API's record of it
    return app


async def _repeatedly(work: Callable[[], Awaitable[object]], every: float, what: str) -> None:
    """`work` now and every `every` seconds, as long as the service runs; a failure (the
    database away) is logged and the next round tried."""
    while True:
        try:
            await work()
        except Exception:
            _log.exception("A round of %s failed; next one in %s s", what, every)
        await asyncio.sleep(every)


async def _housekeeping(ctx: Context) -> None:
    """What a running service deletes by age: expired idempotency keys, changes older than
    the history keeps (`history_days`), and the console's uploads never run. Each worker does
    it (a second one finds nothing left)."""
    async with ctx.db.write() as conn:
        await idempotency.forget_expired(conn)
        if ctx.settings.history_days is not None:
            await changes.forget_older_than(conn, ctx.settings.history_days)
    await asyncio.to_thread(jobs.forget_old_uploads, Path(ctx.settings.imports_dir))


async def _deliver_webhooks(ctx: Context) -> None:
    """The worker's webhook dispatcher, a round a second, with an HTTP client of its own
    (never the requests'), closed when the service stops."""
    async with httpx.AsyncClient(timeout=dispatcher.TIMEOUT, follow_redirects=False) as client:
        sender = dispatcher.Dispatcher(
            ctx.db,
            partial(service_key, ctx.settings),
            ctx.settings.webhook_allow_private_addresses,
            client,
            lease=timedelta(seconds=ctx.settings.webhook_lease_seconds),
        )
        await _repeatedly(sender.round, 1.0, "webhook deliveries")


class _Service(Starlette):
    """The service's app. A request under an API's prefix goes straight to that API's app,
    with the child scope the API's mount gives: that app has its own error handling, 404s
    and 405s, and the outer app's two middlewares and router would only find the same mount
    again (measured on the partner get: 0.62 of the baseline before, 0.73 after). Lifespan,
    the docs' assets, media and a path no API holds go through Starlette as usual."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The outer router too redirects `/v1` to `/v1/`: to this service's own URL.
        self.router = Router(kwargs["routes"], lifespan=kwargs["lifespan"])
        # Each mount's prefix with its slash, in the routes' order: the path is compared with
        # these strings, and only the mount it starts with builds its child scope (trying
        # each mount's `matches` in turn cost a billing request two misses).
        self._mounts = [
            (f"{route.path}/", route) for route in self.routes if isinstance(route, _PrefixMount)
        ]
        self.edge: ASGIApp = self.dispatch  # create_app puts the operations' edge in front

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = get_route_path(scope)
        for prefix, mount in self._mounts:
            if path.startswith(prefix):
                scope.update(mount.child_scope(scope))
                await _starlette_stack(mount.app, scope)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _starlette_stack(app: ASGIApp, scope: Scope) -> ASGIApp:
    """What a Starlette app's `__call__` would await for the scope (done as it does: the app
    named in the scope, its stack built once), awaited here instead: one coroutine fewer
    for every request. Any other app as it is."""
    if not isinstance(app, Starlette):
        return app
    scope["app"] = app
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    return app.middleware_stack


class _PrefixMount(Mount):
    """A Mount that recognises its prefix by comparing strings: every request passes through
    here, and Starlette's regular expression and parameter conversion cost more than that.
    The child scope is Starlette's own (see Mount.matches)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        if not get_route_path(scope).startswith(f"{self.path}/"):
            return Match.NONE, {}
        return Match.FULL, self.child_scope(scope)

    def child_scope(self, scope: Scope) -> Scope:
        """The scope's keys for a path under the prefix, as Mount.matches gives them."""
        root_path = scope.get("root_path", "")
        return {
            "path_params": dict(scope.get("path_params", {})),
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + self.path,
            "endpoint": self.app,
        }


def serving_app() -> ASGIApp:
    """The app `customer-registry serve` runs in each worker process, behind the proxy
    headers of the addresses uvicorn trusts (FORWARDED_ALLOW_IPS, read as uvicorn reads it:
    the server runs without its own handling of them, see ForwardedHeaders)."""
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return ForwardedHeaders(create_app(serving=True), trusted)


def _unmatched_in_own_format(apis: list[tuple[str, Starlette]]) -> ErrorHandler:
    """A path no mount matches (one holding a newline, say: Starlette's patterns stop at it)
    still gets the 404 of the API its prefix names, in that API's format."""

    def unmatched(request: Request, exc: Exception) -> Response:
        path = request.url.path
        for prefix, api in apis:
            if path == prefix or path.startswith(f"{prefix}/"):
                handler: ErrorHandler = api.exception_handlers[HTTPException]
                return handler(request, exc)
        assert isinstance(exc, HTTPException)
        return PlainTextResponse(str(exc.detail), exc.status_code, exc.headers)

    return unmatched
