"""Pages: templates rendered with what every page shows (the user, the CSRF token, where
the console is mounted), every value escaped."""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from customer_registry.apis.http import path_key
from customer_registry.console.session import csrf_token
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller, Level

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("customer_registry.console", "templates"),
    autoescape=True,  # every page is HTML: a customer named <script> shows as text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _shown(value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


_TEMPLATES.filters["shown"] = _shown


def root(request: Request) -> str:
    """The console's own path (`/console`, behind whatever the service is mounted at)."""
    return str(request.scope.get("root_path", ""))


def page(
    request: Request,
    template: str,
    caller: Caller | None,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    html = _TEMPLATES.get_template(template).render(
        console=root(request),
        service=str(request.scope.get("app_root_path", "")),
        caller=caller,
        csrf=csrf_token(request),
        can_edit=caller is not None and caller.level >= Level.ADMIN,
        can_delete=caller is not None and caller.level >= Level.SYSTEM,
        can_administer=caller is not None and caller.level >= Level.SYSTEM,
        **values,
    )
    return HTMLResponse(html, status)


def path_id(request: Request, name: str, kind: str) -> int:
    """The row id the path's `name` parameter names; a text that cannot name one is the
    `kind`'s not-found (so the 404 page), never a query."""
    raw: str = request.path_params[name]
    key = path_key(raw)
    if key is None:
        raise missing(kind, "id", raw)
    return key


def redirect(request: Request, path: str) -> Response:
    """After a form: 303, so the browser GETs the next page."""
    return RedirectResponse(f"{root(request)}{path}", status_code=303)
