"""Request parameters the Laravel way: query string, form fields and JSON body, merged; and
the loose types real clients send (numbers for text, strings for numbers, 0/1 for booleans)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request

from customer_registry.apis.http import UndecodableBody, is_json, json_body, media_type
from customer_registry.core.errors import Invalid

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def parameters(request: Request) -> dict[str, Any]:
    """Query parameters, overridden by the body's (a form or a JSON object)."""
    merged: dict[str, Any] = dict(request.query_params)
    if is_json(request):
        body = await json_body(request) if await request.body() else {}
        if not isinstance(body, dict):
            raise UndecodableBody("The request body must be a JSON object.")
        merged.update(body)
    elif media_type(request) in _FORMS:
        form = await request.form()
        merged.update({k: v for k, v in form.items() if isinstance(v, str)})
    return merged


class WrongType(ValueError):
    pass


class BadParameters(Invalid):
    """Parameters refused before the core sees them: keyed by the billing API's own names."""


def text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WrongType("must be a string")


def integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 25:
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType("must be an integer")
    return value


_TRUE = (True, 1, "1", "true", "on", "yes")
_FALSE = (False, 0, "0", "false", "off", "no")


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


Converter = Callable[[Any], Any]


def convert(
    params: Mapping[str, Any],
    fields: Mapping[str, tuple[str, Converter]],
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Billing names → core names, typed. Parameters not listed are ignored, as Laravel's
    validated input would; a null for a not-null flag means "not given". Every problem,
    `required` fields missing included, is reported at once."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {
        name: "The {field} field is required."
        for name in required
        if params.get(name) in (None, "")
    }
    for name, (core, to_type) in fields.items():
        if name not in params or name in problems:
            continue
        try:
            value = to_type(params[name])
        except WrongType as error:
            problems[name] = f"The {{field}} {error}."
            continue
        if value is None and to_type is boolean:
            continue
        values[core] = value
    if problems:
        raise BadParameters(problems)
    return values
