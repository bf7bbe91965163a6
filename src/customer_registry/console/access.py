"""Who may open a console page or send its form: a signed-in user of at least the page's
level (the same levels as the APIs'), and for a form, its CSRF token."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.console.session import CSRF_FIELD, csrf_ok, signed_in
from customer_registry.core.errors import Forbidden
from customer_registry.core.permissions import Caller, Level, in_own_entity

Page = Callable[[Request, Caller], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class BadForm(Exception):
    """A form without this session's CSRF token (another site's, or a stale page's)."""


def console_page(
    level: Level = Level.OVERVIEW, *, own_entity: bool = False
) -> Callable[[Page], Endpoint]:
    """A page for callers of `level` and above, its posts CSRF-checked. `own_entity`: the
    page acts in the caller's own entity whatever their visibility, as the API that owns its
    objects does (the sales catalogues, the billing brands)."""

    def decorate(handler: Page) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            caller = await signed_in(request)
            if request.method == "POST":
                form = await request.form()
                if not csrf_ok(request, form.get(CSRF_FIELD)):
                    raise BadForm
            if caller.level < level:
                raise Forbidden(f"This needs the {level.name} permission level.")
            return await handler(request, in_own_entity(caller) if own_entity else caller)

        return endpoint

    return decorate
