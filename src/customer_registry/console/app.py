"""The console's app: its routes, its pages for errors, and the headers every answer of it
carries (no inline script may run, no other site may frame it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from customer_registry.apis.context import Context
from customer_registry.apis.http import ErrorHandler, HttpError, api_app
from customer_registry.console import admin, customers, imports, signing
from customer_registry.console.access import BadForm
from customer_registry.console.pages import page, redirect
from customer_registry.console.session import SignInNeeded
from customer_registry.core.errors import DomainError, Forbidden, NotFound

SURFACE = "console"
UPLOAD_PATH = "/imports"
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


def create_console_app(ctx: Context) -> ConsoleApp:
    """The console (its `state.service` is set to the whole service by the app that mounts
    it: a customer's page asks each API for its record)."""
    routes = [
        Route("/", _home, methods=["GET"]),
        Route("/sign-in", signing.sign_in_page, methods=["GET"]),
        Route("/sign-in", signing.sign_in, methods=["POST"]),
        Route("/sign-out", signing.sign_out, methods=["POST"]),
        Route("/customers", customers.list_customers, methods=["GET"]),
        Route("/customers/new", customers.new_customer, methods=["GET"]),
        Route("/customers/new", customers.create_customer, methods=["POST"]),
        Route("/customers/{customer_id}", customers.show_customer, methods=["GET"]),
        Route("/customers/{customer_id}/edit", customers.edit_customer, methods=["GET"]),
        Route("/customers/{customer_id}/edit", customers.update_customer, methods=["POST"]),
        Route("/customers/{customer_id}/delete", customers.confirm_delete, methods=["GET"]),
        Route("/customers/{customer_id}/delete", customers.delete_customer, methods=["POST"]),
        Route("/users", admin.list_users, methods=["GET"]),
        Route("/users", admin.create_user, methods=["POST"]),
        Route("/users/{user_id}", admin.show_user, methods=["GET"]),
        Route("/users/{user_id}", admin.change_user, methods=["POST"]),
        Route("/users/{user_id}/keys", admin.create_key, methods=["POST"]),
        Route("/users/{user_id}/keys/{token_id}/revoke", admin.revoke_key, methods=["POST"]),
        Route("/entities", admin.list_entities, methods=["GET"]),
        Route("/entities", admin.create_entity, methods=["POST"]),
        Route("/entities/{entity_id}/edit", admin.edit_entity, methods=["GET"]),
        Route("/entities/{entity_id}/edit", admin.update_entity, methods=["POST"]),
        Route("/catalogues/{catalogue}", admin.list_catalogue, methods=["GET"]),
        Route("/catalogues/{catalogue}", admin.create_in_catalogue, methods=["POST"]),
        Route("/catalogues/{catalogue}/{item_id}/edit", admin.edit_in_catalogue, methods=["GET"]),
        Route(
            "/catalogues/{catalogue}/{item_id}/edit",
            admin.update_in_catalogue,
            methods=["POST"],
        ),
        Route(
            "/catalogues/{catalogue}/{item_id}/delete",
            admin.delete_from_catalogue,
            methods=["POST"],
        ),
        Route("/brands", admin.list_brands, methods=["GET"]),
        Route("/brands", admin.create_brand, methods=["POST"]),
        Route("/brands/{brand_id}/edit", admin.edit_brand, methods=["GET"]),
        Route("/brands/{brand_id}/edit", admin.update_brand, methods=["POST"]),
        Route("/brands/{brand_id}/delete", admin.delete_brand, methods=["POST"]),
        Route("/customers/export.csv", customers.export_customers, methods=["GET"]),
        Route("/imports", imports.list_imports, methods=["GET"]),
        Route("/imports/{import_id}", imports.show_import, methods=["GET"]),
        Route("/imports/{import_id}/progress", imports.import_progress, methods=["GET"]),
        Route("/imports/{import_id}/run", imports.run_import, methods=["POST"]),
        Route("/imports/{import_id}/errors.csv", imports.error_report, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC)),
    ]
    handlers: dict[type[Exception], ErrorHandler] = {
        SignInNeeded: _to_sign_in,
        BadForm: _bad_form,
        Forbidden: _error_page(403),
        NotFound: _error_page(404),
        DomainError: _error_page(400),
        HttpError: _http_error,
        HTTPException: _routing_error,
        Exception: _error_page(500),
    }
    # An upload may be far larger than any other request: it alone has the larger limit.
    uploads = [Route(UPLOAD_PATH, imports.upload, methods=["POST"])]
    return ConsoleApp(
        api_app(ctx, SURFACE, routes, handlers),
        api_app(ctx, SURFACE, uploads, handlers, max_body_bytes=ctx.settings.max_upload_bytes),
    )


async def _home(request: Request) -> Response:
    return redirect(request, "/customers")


def _to_sign_in(request: Request, exc: Exception) -> Response:
    """To the sign-in page, coming back here afterwards (a GET's page, as a whole page: not
    the search's fragment; a form's is lost)."""
    if request.method != "GET":
        return signing.to_sign_in(request)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "fragment"]
    query = urlencode(kept)
    return signing.to_sign_in(request, f"{request.url.path}?{query}" if query else request.url.path)


def _bad_form(request: Request, exc: Exception) -> Response:
    message = "This form has expired or did not come from this console. Reload it and try again."
    return page(request, "error.html", None, status=403, title="Form refused", message=message)


def _error_page(status: int) -> ErrorHandler:
    titles = {400: "Refused", 403: "Not allowed", 404: "Not found", 500: "Something went wrong"}

    def handler(request: Request, exc: Exception) -> Response:
        message = str(exc) if status != 500 else "The error is in the service's log."
        return page(
            request, "error.html", None, status=status, title=titles[status], message=message
        )

    return handler


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return page(
        request, "error.html", None, status=exc.status, title="Refused", message=exc.message
    )


def _routing_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "No such page." if exc.status_code == 404 else str(exc.detail)
    answer = page(
        request, "error.html", None, status=exc.status_code, title="Not found", message=message
    )
    answer.headers.update(exc.headers or {})
    return answer


class ConsoleApp:
    """The console's app with its security headers on every answer, pages, redirects, errors
    and files alike; pages are never cached (they show one user's data). An upload goes to
    the app whose body limit is the uploads'."""

    def __init__(self, pages: Starlette, uploads: Starlette) -> None:
        self.pages = pages
        self.uploads = uploads
        self.state = pages.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.pages
        if scope["type"] == "http" and scope["method"] == "POST":
            app = self.uploads if get_route_path(scope) == UPLOAD_PATH else self.pages

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not scope["path"].startswith(f"{root_of(scope)}/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, with_headers)


def root_of(scope: Scope) -> str:
    return str(scope.get("root_path", ""))
