"""Request bodies of the partner API: JSON objects, with partner names and loose JSON types."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

import msgspec
import msgspec.inspect as mi
from starlette.requests import Request

from customer_registry.apis.http import UndecodableBody, UnsupportedMediaType, is_json, json_body
from customer_registry.apis.models import readers

# Re-exported: the partner handlers read text and refuse wrong types as the form APIs do.
from customer_registry.apis.params import WrongType as WrongType
from customer_registry.apis.params import text as text
from customer_registry.core.clock import parse_timestamp
from customer_registry.core.errors import Invalid, UnknownField
from customer_registry.core.fields import NotAnInteger, NotANumber, parse_integer, parse_number

_JSON_REQUIRED = 'Request must have "Content-Type: application/json" header'


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 415 for another content type, 400 if it cannot be decoded."""
    if not is_json(request):
        raise UnsupportedMediaType(_JSON_REQUIRED)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise UndecodableBody("Unable to decode data")
    return body


def integer(value: Any) -> int | None:
    """An integer, or one in text (JSON clients send both); None stays None. The one parser
    (core/fields.py) without the form APIs' options: JSON has real numbers, so no "" or 7.0."""
    try:
        return parse_integer(value)
    except NotAnInteger:
        raise WrongType("must be an integer") from None


def timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (`2016-07-01 12:34:45` as the documents write it); None stays None."""
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise WrongType("must be an ISO 8601 timestamp") from None


def number(value: Any) -> float | None:
    """A finite JSON number (an integer is taken as its float); None stays None."""
    if isinstance(value, str):
        raise WrongType("must be a number")
    try:
        return parse_number(value)
    except NotANumber:
        raise WrongType("must be a number") from None


def strict_text(value: Any) -> str | None:
    """A string and nothing else (keys such as an IMEI, where 0123 and 123 differ)."""
    if value is None or isinstance(value, str):
        return value
    raise WrongType("must be a string")


def boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise WrongType("must be true or false")


Converter = Callable[[Any], Any]
Fields = Mapping[str, tuple[str, Converter]]  # partner name -> (core name, reader)

# The reader of a key by its type in its model (a key whose type does not say names its own).
_BY_TYPE: dict[type[mi.Type], Converter] = {
    mi.IntType: integer,
    mi.StrType: text,
    mi.FloatType: number,
    mi.BoolType: boolean,
    mi.DateTimeType: timestamp,
}


def fields(model: type[msgspec.Struct]) -> dict[str, tuple[str, Converter]]:
    """What a write of `model`'s resource may send: each key's core field and reader."""
    return {
        name: (core, cast(Converter, reader))
        for name, (core, reader) in readers(model, _BY_TYPE).items()
    }


_MISSING_IDS = "Missing external_customer_id and external_customer_code."


def customer_reference(
    body: Mapping[str, Any], required: Mapping[str, Converter]
) -> dict[str, Any]:
    """The documented rules for naming a customer: `entity_id`, and `external_customer_id` or
    `external_customer_code` (or both), typed; `required` adds fields that must be present.

    Every problem is reported at once, as `validation_errors`.
    """
    converters: dict[str, Converter] = {
        "entity_id": integer,
        "external_customer_id": integer,
        "external_customer_code": text,
        **required,
    }
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, convert in converters.items():
        try:
            values[name] = convert(body.get(name))
        except WrongType as error:
            problems[name] = f"{name} {error}."
    for name in ("entity_id", *required):
        if values.get(name) is None and name not in problems:
            problems[name] = f"Missing {name}."
    if body.get("external_customer_id") is None and body.get("external_customer_code") is None:
        problems["missing_data"] = _MISSING_IDS
    if problems:
        raise Invalid(problems)
    return values


def writable(body: Mapping[str, Any], fields: Fields, ignored: frozenset[str]) -> dict[str, Any]:
    """The fields a write may change (of `fields`, a model's), renamed to the core's names
    and typed.

    Fields the system sets (`ignored`) are dropped, as the document says; a field the
    object does not have is an error.
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in body.items():
        if name in ignored:
            continue
        if name not in fields:
            raise UnknownField(name)
        core, convert = fields[name]
        try:
            values[core] = convert(value)
        except WrongType as error:
            problems[name] = f"{name} {error}."
    if problems:
        raise Invalid(problems)
    return values
