"""Billing parameters the Laravel way: typed loosely (`apis/params.py`), every problem answered
at once in the validator's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customer_registry.apis.params import Converter, WrongType, boolean
from customer_registry.core.errors import Invalid


class BadParameters(Invalid):
    """Parameters refused before the core sees them: keyed by the billing API's own names."""


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
