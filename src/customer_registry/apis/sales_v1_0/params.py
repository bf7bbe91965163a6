"""Sales parameters: typed from form fields, multipart or JSON; ids that are references when
`useExternalId=true`; `paymentTypes` in the document's `[{"id"=7},{"id"=8}]` form. Each
problem is answered as the document does: the first one, as `missing_param` or
`invalid_param_type`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from customer_registry.apis.params import Converter, WrongType, boolean, integer, text
from customer_registry.core import catalogues, customers, iso, users
from customer_registry.core.errors import DomainError, Invalid, NotFound, missing
from customer_registry.core.fields import is_key
from customer_registry.core.permissions import Caller
from customer_registry.storage.database import Connection


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
    """A parameter naming another object: its id, or its reference with `useExternalId`."""

    kind: str  # what resolves a reference: a key of _CATALOGUES, "user", "parent"…
    label: str  # how messages name the parameter: "<object> id", e.g. "payment type id"

    @property
    def noun(self) -> str:
        return self.label.removesuffix(" id")


@dataclass(frozen=True, slots=True)
class Reference:
    """An object named by reference, found once a transaction is open (`resolve`)."""

    kind: str
    reference: str


Field = tuple[str, Converter | Id]  # (core name, how to read the value)


def external_ids(params: Mapping[str, Any]) -> bool:
    try:
        return bool(boolean(params.get("useExternalId")))
    except WrongType:
        raise InvalidParamType("useExternalId") from None


def _identifier(value: Any, spec: Id, external: bool) -> int | Reference | None:
    try:
        if external:
            found = text(value)
            return None if found in (None, "") else Reference(spec.kind, str(found))
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
    return None if name in (None, "") else Reference("currency", str(name))


def due_date_type(value: Any) -> int | None:
    """1 or 2, as the document says; the names the record shows are read back too."""
    if isinstance(value, str) and value.lower() in _DUE_DATE_BY_NAME:
        return _DUE_DATE_BY_NAME[value.lower()]
    return integer(value)


_SEED_PAIRS = re.compile(r'("\s*)=')  # {"id"=7}: the document's own notation


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
            items = orjson.loads(_SEED_PAIRS.sub(r"\1:", raw))
        except orjson.JSONDecodeError:
            items = [part.strip() for part in raw.split(",")]
    if not isinstance(items, list):
        items = [items]
    found: list[int | Reference] = []
    for item in items:
        key = item.get("id") if isinstance(item, dict) else item
        identifier = _identifier(key, Id("payment_type", label), external)
        if identifier is None:
            raise InvalidParamType(label)
        found.append(identifier)
    return found


# --- references, resolved inside the transaction --------------------------------------------

_CATALOGUES = {
    "category": catalogues.CUSTOMER_CATEGORIES,
    "segmentation": catalogues.CUSTOMER_SEGMENTATIONS,
    "region": catalogues.CUSTOMER_REGIONS,
    "payment_type": catalogues.CUSTOMER_PAYMENT_TYPES,
}


async def _lookup(conn: Connection, caller: Caller, found: Reference) -> int:
    if found.kind in _CATALOGUES:
        catalogue = _CATALOGUES[found.kind]
        return (await catalogues.by_reference(conn, catalogue, caller.scope, found.reference)).id
    if found.kind == "user":
        return (await users.by_username(conn, caller, found.reference)).user_id
    if found.kind == "currency":
        return await catalogues.configured_currency(conn, caller.scope, found.reference)
    try:
        return (await customers.get_by_code(conn, caller, found.reference)).customer_id
    except NotFound:
        kind = "parent customer" if found.kind == "parent" else "customer"
        raise missing(kind, "reference", found.reference) from None


async def resolve(conn: Connection, caller: Caller, value: Any) -> Any:
    """`value` with every Reference in it (or in its list) replaced by the object's id."""
    if isinstance(value, Reference):
        return await _lookup(conn, caller, value)
    if isinstance(value, list):
        return [await resolve(conn, caller, item) for item in value]
    return value


async def resolve_all(conn: Connection, caller: Caller, values: dict[str, Any]) -> dict[str, Any]:
    return {key: await resolve(conn, caller, value) for key, value in values.items()}
