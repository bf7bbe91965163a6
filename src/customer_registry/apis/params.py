"""Request parameters as the form-minded APIs (billing, sales) read them: query string, form
fields and JSON body merged, and the loose types real clients send (numbers for text,
strings for numbers, 0/1 for booleans)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from customer_registry.apis.http import UndecodableBody, is_json, json_body, media_type
from customer_registry.core.fields import is_decimal

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def parameters(request: Request, *, files: bool = False) -> dict[str, Any]:
    """Query parameters, overridden by the body's (a form or a JSON object). Uploaded files
    are kept only when `files` is set."""
    merged: dict[str, Any] = dict(request.query_params)
    if is_json(request):
        body = await json_body(request) if await request.body() else {}
        if not isinstance(body, dict):
            raise UndecodableBody("The request body must be a JSON object.")
        merged.update(body)
    elif media_type(request) in _FORMS:
        form = await request.form()
        merged.update(
            {
                k: v
                for k, v in form.items()
                if isinstance(v, str) or (files and isinstance(v, UploadFile))
            }
        )
    return merged


class WrongType(ValueError):
    pass


def text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WrongType("must be a string")


def integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and is_decimal(value.strip().lstrip("-")) and len(value) < 25:
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType("must be an integer")
    return value


_TRUE = (True, 1, "1", "true", "on", "yes")
_FALSE = (False, 0, "0", "false", "off", "no")
# The text `boolean` reads, in any letter case (the documents describe it).
BOOLEAN_WORDS = tuple(word for word in (*_TRUE, *_FALSE) if isinstance(word, str))


def boolean(value: Any) -> bool | None:
    """Laravel's boolean rule (true, false, 1, 0, "1", "0"), plus "true"/"false" spelled out."""
    if value is None or value == "":
        return None
    key = value.lower() if isinstance(value, str) else value
    if key in _TRUE and not isinstance(key, float):
        return True
    if key in _FALSE and not isinstance(key, float):
        return False
    raise WrongType("must be true or false")


def number(value: Any) -> float | None:
    """A finite number, from JSON or from text ("5000", "43.7")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise WrongType("must be a number")
    try:
        found = float(value) if isinstance(value, int | float | str) else math.nan
    except (ValueError, OverflowError):
        raise WrongType("must be a number") from None
    if not math.isfinite(found):
        raise WrongType("must be a number")
    return found


Converter = Callable[[Any], Any]
