"""Request parameters as the form-minded APIs (billing, sales) read them: query string, form
fields and JSON body merged, and the loose types real clients send (numbers for text,
strings for numbers, 0/1 for booleans)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from customer_registry.apis.http import UndecodableBody, is_json, json_body, media_type
from customer_registry.core.fields import NotAnInteger, NotANumber, parse_integer, parse_number

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def parameters(request: Request, *, files: bool = False) -> dict[str, Any]:
    """Query parameters, overridden by the body's (a form or a JSON object). Uploaded files
    are kept only when `files` is set."""
    merged: dict[str, Any] = dict(request.query_params)
    merged.update(await body_parameters(request, files=files))
    return merged


async def body_parameters(request: Request, *, files: bool = False) -> dict[str, Any]:
    """The body's parameters alone (a form or a JSON object), for what must never travel in
    a URL, such as credentials: URLs end up in access logs, proxies' logs and histories."""
    if is_json(request):
        body = await json_body(request) if await request.body() else {}
        if not isinstance(body, dict):
            raise UndecodableBody("The request body must be a JSON object.")
        return body
    if media_type(request) in _FORMS:
        form = await request.form()
        return {
            k: v
            for k, v in form.items()
            if isinstance(v, str) or (files and isinstance(v, UploadFile))
        }
    return {}


class WrongType(ValueError):
    pass


def text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WrongType("must be a string")


def integer(value: Any) -> int | None:
    """The one integer parser (core/fields.py), as form fields are read: "" is no value, and
    a JSON body's 7.0 is 7."""
    try:
        return parse_integer(value, blank=True, whole_floats=True)
    except NotAnInteger:
        raise WrongType("must be an integer") from None


_TRUE = (True, 1, "1", "true", "on", "yes")
_FALSE = (False, 0, "0", "false", "off", "no")
# The text `boolean` reads, in any letter case (the documents describe it).
BOOLEAN_WORDS = tuple(word for word in (*_TRUE, *_FALSE) if isinstance(word, str))
FALSE_WORDS = tuple(word for word in _FALSE if isinstance(word, str))


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
    """A finite number, from JSON or from text ("5000", "43.7"); "" is no value."""
    try:
        return parse_number(value, blank=True)
    except NotANumber:
        raise WrongType("must be a number") from None


Converter = Callable[[Any], Any]
