"""The sales API's routes, mounted at `/api/v1.0`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from customer_registry.apis import openapi
from customer_registry.apis.context import Context
from customer_registry.apis.http import api_app
from customer_registry.apis.sales_v1_0 import contacts, customers, organization, users
from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS, endpoints
from customer_registry.apis.sales_v1_0.openapi import build
from customer_registry.apis.sales_v1_0.render import EXCEPTION_HANDLERS

ROUTES: list[BaseRoute] = [
    Route("/customers", customers.list_customers, methods=["GET"]),
    Route("/customers", customers.create_customer, methods=["POST"]),
    Route("/customers/{customer}", customers.get_customer, methods=["GET"]),
    Route("/customers/{customer}", customers.update_customer, methods=["PUT", "PATCH"]),
    Route("/customers/{customer}", customers.delete_customer, methods=["DELETE"]),
    *(route for collection in COLLECTIONS for route in endpoints(collection)),
    Route("/users", users.list_users, methods=["GET"]),
    Route("/users/{key}", users.get_user, methods=["GET"]),
    Route("/contacts", contacts.list_contacts, methods=["GET"]),
    Route("/contacts", contacts.create_contact, methods=["POST"]),
    Route("/contacts/{key}", contacts.get_contact, methods=["GET"]),
    Route("/contacts/{key}", contacts.update_contact, methods=["PUT", "PATCH"]),
    Route("/contacts/{key}", contacts.delete_contact, methods=["DELETE"]),
    Route("/organization", organization.get_organization, methods=["GET"]),
    Route("/organization", organization.update_organization, methods=["PUT", "PATCH"]),
    *openapi.routes(build, "Customer Registry — sales API"),
]


def create_sales_app(ctx: Context) -> Starlette:
    # Room for one image upload (and its form) above the usual body limit.
    room = ctx.settings.max_body_bytes + 2 * ctx.settings.max_image_bytes
    return api_app(ctx, "sales", ROUTES, EXCEPTION_HANDLERS, max_body_bytes=room)
