"""Billing parameters the Laravel way: typed loosely (`apis/params.py`), every problem answered
at once in the validator's words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from customer_registry.apis.params import Converter, WrongType, boolean
from customer_registry.core.errors import Invalid


class BadParameters(Invalid):
    """Parameters refused before the core sees them: keyed by the billing API's own names."""


# PHP's trim(): Laravel's TrimStrings strips these only (not every Unicode space).
_PHP_TRIMMED = " \t\n\r\0\x0b"


def laravel_value(value: Any) -> Any:
    """A parameter as Laravel's default middleware hands it on: strings trimmed
    (TrimStrings), then an empty string is null (ConvertEmptyStringsToNull)."""
    if isinstance(value, str):
        return value.strip(_PHP_TRIMMED) or None
    if isinstance(value, list):
        return [laravel_value(item) for item in value]
    if isinstance(value, dict):
        return {key: laravel_value(item) for key, item in value.items()}
    return value


def laravel_input(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: laravel_value(value) for name, value in params.items()}


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
