"""The partner API's routes. Each handler's decorator states the level the document names."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from customer_registry.apis.context import Context
from customer_registry.apis.http import BodyLimit
from customer_registry.apis.partner_v1 import customers, entities, login
from customer_registry.apis.partner_v1.render import EXCEPTION_HANDLERS

ROUTES = [
    Route("/auth/login", login.login_endpoint, methods=["POST"]),
    # create_customer: POST in the endpoint table, PUT in the examples; both work.
    Route("/customers/create_customer", customers.create_customer, methods=["POST", "PUT"]),
    Route("/customers", customers.list_customers, methods=["GET"]),
    Route("/customers/{customer_id}", customers.get_customer, methods=["GET"]),
    Route("/customers/{customer_id}", customers.update_customer, methods=["PUT"]),
    Route("/customers/{customer_id}", customers.delete_customer, methods=["DELETE"]),
    Route("/entities", entities.list_entities, methods=["GET"]),
    Route("/entities", entities.create_entity, methods=["POST"]),
    Route("/entities/{entity_id}", entities.get_entity, methods=["GET"]),
    Route("/entities/{entity_id}", entities.update_entity, methods=["PUT"]),
    Route("/entities/{entity_id}", entities.delete_entity, methods=["DELETE"]),
]


def create_partner_app(ctx: Context) -> Starlette:
    app = Starlette(
        routes=ROUTES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[Middleware(BodyLimit, max_bytes=ctx.settings.max_body_bytes)],
    )
    app.state.ctx = ctx
    return app
