"""The partner API's routes. Each handler's decorator states the level the document names."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from customer_registry.apis import openapi
from customer_registry.apis.context import Context
from customer_registry.apis.http import api_app
from customer_registry.apis.partner_v1 import customers, entities, links, login, products
from customer_registry.apis.partner_v1.listing import by_id
from customer_registry.apis.partner_v1.openapi import build
from customer_registry.apis.partner_v1.render import EXCEPTION_HANDLERS

# A record's own URL answers a missing record as Flask-Restless does (`by_id`).
ROUTES = [
    Route("/auth/login", login.login_endpoint, methods=["POST"]),
    # create_customer: POST in the endpoint table, PUT in the examples; both work.
    Route("/customers/create_customer", customers.create_customer, methods=["POST", "PUT"]),
    Route("/customers", customers.list_customers, methods=["GET"]),
    Route("/customers/{customer_id}", by_id(customers.get_customer), methods=["GET"]),
    Route("/customers/{customer_id}", by_id(customers.update_customer), methods=["PUT"]),
    Route("/customers/{customer_id}", by_id(customers.delete_customer), methods=["DELETE"]),
    Route("/entities", entities.list_entities, methods=["GET"]),
    Route("/entities", entities.create_entity, methods=["POST"]),
    Route("/entities/{entity_id}", by_id(entities.get_entity), methods=["GET"]),
    Route("/entities/{entity_id}", by_id(entities.update_entity), methods=["PUT"]),
    Route("/entities/{entity_id}", by_id(entities.delete_entity), methods=["DELETE"]),
    Route("/products", products.list_products, methods=["GET"]),
    Route("/products", products.create_product, methods=["POST"]),
    Route("/products/{product_imei}", by_id(products.get_product), methods=["GET"]),
    Route("/products/{product_imei}", by_id(products.update_product), methods=["PUT"]),
    Route("/products/{product_imei}", by_id(products.delete_product), methods=["DELETE"]),
    Route("/products/{product_imei}/change_customer", products.change_customer, methods=["PUT"]),
    Route("/products/{product_imei}/expire_customer", products.expire_customer, methods=["PUT"]),
    # Links and history are made by the actions above: POST is not allowed (405).
    Route("/customer_entity_linker", links.list_customer_links, methods=["GET"]),
    Route(
        "/customer_entity_linker/{customer_entity_linker_id}",
        by_id(links.get_customer_link),
        methods=["GET"],
    ),
    Route(
        "/customer_entity_linker/{customer_entity_linker_id}",
        by_id(links.update_customer_link),
        methods=["PUT"],
    ),
    Route(
        "/customer_entity_linker/{customer_entity_linker_id}",
        by_id(links.delete_customer_link),
        methods=["DELETE"],
    ),
    Route("/product_entity_linker", links.list_product_links, methods=["GET"]),
    Route(
        "/product_entity_linker/{product_entity_linker_id}",
        by_id(links.get_product_link),
        methods=["GET"],
    ),
    Route(
        "/product_entity_linker/{product_entity_linker_id}",
        by_id(links.update_product_link),
        methods=["PUT"],
    ),
    Route(
        "/product_entity_linker/{product_entity_linker_id}",
        by_id(links.delete_product_link),
        methods=["DELETE"],
    ),
    Route("/customer_product_history", links.list_history, methods=["GET"]),
    Route(
        "/customer_product_history/{customer_product_history_id}",
        by_id(links.get_history),
        methods=["GET"],
    ),
    Route(
        "/customer_product_history/{customer_product_history_id}",
        by_id(links.delete_history),
        methods=["DELETE"],
    ),
    *openapi.routes(build, "Customer Registry — partner API"),
]


def create_partner_app(ctx: Context) -> Starlette:
    return api_app(ctx, "partner", ROUTES, EXCEPTION_HANDLERS)
