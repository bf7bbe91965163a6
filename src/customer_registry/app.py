"""The service: the three APIs mounted side by side over one registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount

from customer_registry.apis.billing_v1.app import create_billing_app
from customer_registry.apis.context import Context
from customer_registry.apis.partner_v1.app import create_partner_app
from customer_registry.settings import Settings


def create_app(settings: Settings | None = None) -> Starlette:
    ctx = Context(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.start()
        try:
            yield
        finally:
            await ctx.stop()

    app = Starlette(
        routes=[
            Mount("/v1", app=create_partner_app(ctx)),
            # /api/v1 and /api/login, /api/version (the sales API will mount /api/v1.0 first).
            Mount("/api", app=create_billing_app(ctx)),
        ],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
