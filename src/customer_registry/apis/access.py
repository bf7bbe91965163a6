"""Who may call: the shared permission levels, inside the caller's own entity only.

The billing and sales APIs are single-organisation: lists, ids and accounts resolve in the
caller's entity whatever their visibility, so every handler gets an ENTITY-scoped caller.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.http import Endpoint, Handler, requires
from customer_registry.core.permissions import Caller, Level, in_own_entity


def requires_in_entity(level: Level) -> Callable[[Handler], Endpoint]:
    def decorate(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def scoped(request: Request, caller: Caller) -> Response:
            return await handler(request, in_own_entity(caller))

        return requires(level)(scoped)

    return decorate
