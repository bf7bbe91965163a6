"""Sales parameters: typed from form fields, multipart or JSON; ids that are references when
`useExternalId=true` (each a `Reference` the core finds); `paymentTypes` in the document's
`[{"id"=7},{"id"=8}]` form. Each problem is answered as the document does: the first one, as
`missing_param` or `invalid_param_type`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from customer_registry.apis.params import Converter, WrongType, boolean, integer, text
from customer_registry.core import iso
from customer_registry.core.errors import DomainError, Invalid, missing
from customer_registry.core.fields import is_key
from customer_registry.core.references import Reference


class MissingParam(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} parameter is missing")


class InvalidParamType(DomainError):
    def __init__(self, label: str) -> None:
        super().__init__(
            f"The type of parameter {label} you provided is not valid for this request."
        )


@dataclass(frozen=True, slots=True)
class Id:
    """A parameter naming another object: its id, or its reference with `useExternalId` (the
    core field it is read into says what kind of object it names)."""

    label: str  # how messages name the parameter: "<object> id", e.g. "payment type id"

    @property
    def noun(self) -> str:
        return self.label.removesuffix(" id")


Field = tuple[str, Converter | Id]  # (core name, how to read the value)


def external_ids(params: Mapping[str, Any]) -> bool:
    try:
        return bool(boolean(params.get("useExternalId")))
    except WrongType:
        raise InvalidParamType("useExternalId") from None


def external_ids_asked(request: Request) -> bool:
    """`external_ids` of the request's query. A request without a query (most GETs of one
    object) cannot ask: Starlette's QueryParams is not built for it, which cost a sales GET
    about 2 % of its instructions (`python -m bench.instructions`)."""
    return bool(request.scope["query_string"]) and external_ids(request.query_params)


def _identifier(value: Any, spec: Id, external: bool) -> int | Reference | None:
    try:
        if external:
            found = text(value)
            return None if found in (None, "") else Reference(str(found))
        key = integer(value)
    except WrongType:
        raise InvalidParamType(spec.label) from None
    if key is not None and not is_key(key):  # no object can have it
        raise missing(spec.noun, "id", key)
    return key


def convert(
    params: Mapping[str, Any],
    fields: Mapping[str, Field],
    *,
    required: tuple[str, ...] = (),
    kept: tuple[str, ...] = (),
    external: bool = False,
) -> dict[str, Any]:
    """Sales names → core names, typed. Parameters not listed are ignored; an empty value
    clears a field; a flag left empty keeps its default. `required` must be sent (a create's);
    `kept` may be left out but not emptied (an update's required fields: a change of the
    fields sent can never clear what a create demands)."""
    for name in required:
        if params.get(name) in (None, ""):
            raise MissingParam(name)
    for name in kept:
        if name in params and params[name] in (None, ""):
            raise Invalid({fields[name][0]: "{field} may not be null."})
    values: dict[str, Any] = {}
    for name, (core, reader) in fields.items():
        if name not in params:
            continue
        raw = params[name]
        if isinstance(reader, Id):
            values[core] = _identifier(raw, reader, external)
            continue
        try:
            value = reader(raw)
        except WrongType:
            raise InvalidParamType(name) from None
        if value is None and reader is boolean:
            continue
        values[core] = None if value == "" else value
    return values


# --- the values of particular parameters ----------------------------------------------------


def country(value: Any) -> str | None:
    """An ISO country code or a country name, stored as the ISO alpha-2 code."""
    name = text(value)
    if name in (None, ""):
        return None
    assert name is not None
    code = iso.country_code(name)
    if code is None:
        raise WrongType("is not a known country")
    return code


DUE_DATE_TYPES = {1: "daysAfterInvoiceDate", 2: "daysAfterEndOfInvoiceMonth"}
_DUE_DATE_BY_NAME = {name.lower(): number for number, name in DUE_DATE_TYPES.items()}


def currency(value: Any) -> Reference | None:
    """An ISO code or a currency name: found among the entity's configured currencies."""
    name = text(value)
    return None if name in (None, "") else Reference(str(name))


def due_date_type(value: Any) -> int | None:
    """1 or 2, as the document says; the names the record shows are read back too."""
    if isinstance(value, str) and value.lower() in _DUE_DATE_BY_NAME:
        return _DUE_DATE_BY_NAME[value.lower()]
    return integer(value)


_DOCUMENT_PAIRS = re.compile(r'("\s*)=')  # {"id"=7}: the document's own notation


def payment_types(value: Any, external: bool) -> list[int | Reference]:
    """`[{"id"=7},{"id"=8}]`, the same as JSON, a JSON list of ids, or `7,8`; null (JSON's, not
    a form's text `null`) or empty: none, as an empty value clears any other field."""
    label = "payment type id"
    if value is None:
        return []
    items: Any = value
    if isinstance(value, str):
        raw = value.strip()
        if not raw:
            return []
        try:
            items = orjson.loads(_DOCUMENT_PAIRS.sub(r"\1:", raw))
        except orjson.JSONDecodeError:
            items = [part.strip() for part in raw.split(",")]
    if not isinstance(items, list):
        items = [items]
    found: list[int | Reference] = []
    for item in items:
        key = item.get("id") if isinstance(item, dict) else item
        identifier = _identifier(key, Id(label), external)
        if identifier is None:
            raise InvalidParamType(label)
        found.append(identifier)
    return found
