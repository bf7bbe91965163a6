"""The billing API's routes, mounted at `/api` (its login and version sit beside `/v1`)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from customer_registry.apis import openapi
from customer_registry.apis.billing_v1 import brands, contacts, customers, login
from customer_registry.apis.billing_v1.openapi import build
from customer_registry.apis.billing_v1.render import EXCEPTION_HANDLERS, METHOD_ORDER
from customer_registry.apis.context import Context
from customer_registry.apis.http import api_app

ROUTES = [
    Route("/login", login.login_endpoint, methods=["POST"]),
    Route("/version", login.version, methods=["GET"]),
    Route("/v1/customers", customers.list_customers, methods=["GET"]),
    Route("/v1/customers", customers.create_customer, methods=["POST"]),
    Route("/v1/customers/search", customers.search_customers, methods=["GET"]),
    Route("/v1/customers/{customer}", customers.get_customer, methods=["GET"]),
    Route("/v1/customers/{customer}", customers.update_customer, methods=["PUT", "PATCH"]),
    Route("/v1/customers/{customer}", customers.delete_customer, methods=["DELETE"]),
    Route("/v1/customerAccounts/{customerAccount}", customers.get_by_account, methods=["GET"]),
    Route("/v1/contacts", contacts.list_contacts, methods=["GET"]),
    Route("/v1/contacts", contacts.create_contact, methods=["POST"]),
    Route("/v1/brands", brands.list_brands, methods=["GET"]),
    Route("/v1/brands", brands.create_brand, methods=["POST"]),
    Route("/v1/brands/{brand}", brands.get_brand, methods=["GET"]),
    Route("/v1/brands/{brand}", brands.update_brand, methods=["PUT", "PATCH"]),
    Route("/v1/brands/{brand}", brands.delete_brand, methods=["DELETE"]),
    # Served at /api/v1/openapi.json and /api/v1/docs, beside the API's own paths.
    *openapi.routes(build, "Customer Registry — billing API", prefix="/v1"),
]


def create_billing_app(ctx: Context) -> Starlette:
    return api_app(ctx, "billing", ROUTES, EXCEPTION_HANDLERS, method_order=METHOD_ORDER)
