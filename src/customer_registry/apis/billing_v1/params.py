"""Billing parameters the Laravel way: typed loosely (`apis/params.py`), every problem answered
at once in the validator's words."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

from starlette.requests import Request

from customer_registry.apis.http import media_type
from customer_registry.apis.params import Converter, WrongType, boolean, integer, parameters
from customer_registry.core.errors import Invalid


class BadParameters(Invalid):
    """Parameters refused before the core sees them: keyed by the billing API's own names."""


async def request_input(request: Request) -> dict[str, Any]:
    """The parameters a Laravel controller gets: the query string, and the body's over it.
    PHP parses a multipart body into `$_POST` for POST only, and Symfony parses only a
    urlencoded one for PUT and PATCH: an update's multipart fields never reach Laravel, which
    answers as if they were not sent."""
    if request.method != "POST" and media_type(request) == "multipart/form-data":
        await request.body()  # still within the body limits (413, 408), as every body is
        return dict(request.query_params)
    return await parameters(request)


# PHP's trim(): Laravel's TrimStrings strips these only (not every Unicode space).
PHP_TRIMMED = " \t\n\r\0\x0b"


def laravel_value(value: Any) -> Any:
    """A parameter as Laravel's default middleware hands it on: strings trimmed
    (TrimStrings), then an empty string is null (ConvertEmptyStringsToNull)."""
    if isinstance(value, str):
        return value.strip(PHP_TRIMMED) or None
    if isinstance(value, list):
        return [laravel_value(item) for item in value]
    if isinstance(value, dict):
        return {key: laravel_value(item) for key, item in value.items()}
    return value


# Laravel's TrimStrings leaves these as they are (ConvertEmptyStringsToNull still applies).
_NOT_TRIMMED = frozenset({"password", "password_confirmation", "current_password"})


def laravel_input(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: (None if value == "" else value) if name in _NOT_TRIMMED else laravel_value(value)
        for name, value in params.items()
    }


# PHP's FILTER_VALIDATE_INT, which Laravel's paginator and `integer` rule use: an optional
# sign, no leading zero, within a 64-bit integer.
_PHP_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_INT64_MAX = 2**63 - 1


def php_int(value: str | None) -> int | None:
    """`value` as FILTER_VALIDATE_INT reads it (None: not an integer)."""
    if value is None or not _PHP_INT.fullmatch(value) or len(value) > 20:
        return None
    number = int(value)
    return number if -_INT64_MAX - 1 <= number <= _INT64_MAX else None


_BEFORE_CAPITAL = re.compile(r"(.)(?=[A-Z])")


@cache
def words(name: str) -> str:
    """A parameter's name as Laravel's validator writes it in a message (Str::snake, then
    spaces): `customerAccount` → `customer account`, `brand_id` → `brand id`."""
    if not (name.isalpha() and name.islower()):  # PHP's ctype_lower
        # ucwords, then the spaces out: words run together, each from a capital.
        name = "".join(part[:1].upper() + part[1:] for part in name.split())
        name = _BEFORE_CAPITAL.sub(r"\1_", name).lower()
    return name.replace("_", " ")


def check(
    params: Mapping[str, Any],
    fields: Mapping[str, tuple[str, Converter]],
    required: Collection[str] = (),
    *,
    defaulted: Collection[str] = (),
    max_lengths: Mapping[str, int] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Billing names → core names, typed, as Laravel's middleware and validator see them:
    strings trimmed, empty ones null; the first broken rule of each field in the
    validator's words, every field at once, in the order of `fields`. Parameters not listed
    are ignored, as Laravel's validated input would; a null for a field in `defaulted` (a
    flag, a number with a default) means "not given"."""
    given = laravel_input(params)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, (core, to_type) in fields.items():
        value = given.get(name)
        if value is None:
            if name in required:
                problems[name] = f"The {words(name)} field is required."
            elif name in given and name not in defaulted:
                values[core] = None
            continue
        limit = (max_lengths or {}).get(name)
        typed, problem = _typed(name, value, to_type, limit)
        if problem is None:
            values[core] = typed
        else:
            problems[name] = problem
    return values, problems


def convert(
    params: Mapping[str, Any],
    fields: Mapping[str, tuple[str, Converter]],
    required: Collection[str] = (),
) -> dict[str, Any]:
    """`check`, every problem raised at once."""
    values, problems = check(params, fields, required)
    if problems:
        raise BadParameters(problems)
    return values


def _typed(name: str, value: Any, to_type: Converter, limit: int | None) -> tuple[Any, str | None]:
    """The value as its converter types it, or the message of the rule it breaks (the field
    named in words only then: `words` costs more than typing a value)."""
    if to_type is integer:
        number = _laravel_integer(value)
        if number is None:
            return None, f"The {words(name)} must be an integer."
        return number, None
    if to_type is boolean:
        flag = _laravel_boolean(value)
        if flag is None:
            return None, f"The {words(name)} field must be true or false."
        return flag, None
    try:
        typed = to_type(value)
    except WrongType as error:
        return None, f"The {words(name)} {error}."
    if limit is not None and isinstance(typed, str) and len(typed) > limit:
        return None, f"The {words(name)} must not be greater than {limit} characters."
    return typed, None


def _laravel_integer(value: Any) -> int | None:
    """Laravel's `integer` rule (PHP's FILTER_VALIDATE_INT): `5`, `"5"`, `"+5"`, `5.0`; not
    `"05"`, `"1.5"`, `"abc"`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return php_int(value) if isinstance(value, str) else None


# True and 1 (False and 0) are one key: a JSON boolean or the number.
_BOOLEANS = {True: True, False: False, "1": True, "0": False}
# Spelled out, as JSON-minded clients write them: this API's one addition to Laravel's rule.
_SPELLED = {"true": True, "false": False}


def _laravel_boolean(value: Any) -> bool | None:
    """Laravel's `boolean` rule (true, false, 1, 0, "1", "0"), and "true"/"false"; not
    "yes", "no", "on" or "off", which Laravel refuses too."""
    if isinstance(value, float):
        return None
    if isinstance(value, str):
        return _BOOLEANS.get(value, _SPELLED.get(value.lower()))
    if isinstance(value, bool | int):
        return _BOOLEANS.get(value)
    return None
