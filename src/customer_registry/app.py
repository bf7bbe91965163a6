"""The service: the three APIs mounted side by side over one registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from customer_registry.apis.billing_v1.app import create_billing_app
from customer_registry.apis.context import Context
from customer_registry.apis.partner_v1.app import create_partner_app
from customer_registry.apis.sales_v1_0.app import create_sales_app
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
            # Before /api: the billing API's mount would otherwise take /api/v1.0 too.
            Mount("/api/v1.0", app=create_sales_app(ctx)),
            # /api/v1 and /api/login, /api/version.
            Mount("/api", app=create_billing_app(ctx)),
            # Customer images, public as in the sales document (names are unguessable).
            Mount("/media", app=StaticFiles(directory=ctx.settings.media_dir, check_dir=False)),
        ],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
