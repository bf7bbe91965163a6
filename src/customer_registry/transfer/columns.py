"""Each API's names for a customer's columns in an import or an export file.

A file uses one API's names: those of the keys its customer model shows. An import reads the
columns that API lets a client write, with that API's reading rules (its loose types, its
messages); a refused row is reported in its words, as its error answer says it. An export
writes the keys that show a core field, as the API renders them, so the file reads back.
The header tells which API's names a file uses, by the column of the customer's code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from customer_registry.apis.billing_v1 import models as billing_models
from customer_registry.apis.billing_v1 import names as billing_names
from customer_registry.apis.billing_v1 import render as billing_render
from customer_registry.apis.billing_v1.params import BadParameters, check
from customer_registry.apis.models import Key, keys
from customer_registry.apis.params import WrongType, text
from customer_registry.apis.partner_v1 import bodies as partner_bodies
from customer_registry.apis.partner_v1 import models as partner_models
from customer_registry.apis.partner_v1 import render as partner_render
from customer_registry.apis.partner_v1.names import META_FIELDS
from customer_registry.apis.sales_v1_0 import models as sales_models
from customer_registry.apis.sales_v1_0 import render as sales_render
from customer_registry.apis.sales_v1_0.names import CUSTOMER_PARAMETERS as SALES_PARAMETERS
from customer_registry.apis.sales_v1_0.params import Id, InvalidParamType, convert
from customer_registry.core import customers, records
from customer_registry.core.customers import Customer
from customer_registry.core.errors import DomainError
from customer_registry.core.permissions import Caller
from customer_registry.core.references import Reference
from customer_registry.storage.database import Database
from customer_registry.transfer.files import UnreadableFile

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Naming:
    """One API's names for a customer's columns, and how that API reads and words them."""

    api: str
    identity: str  # the column of the customer's code
    columns: frozenset[str]  # the columns an import reads
    read: Callable[[Mapping[str, Any]], dict[str, Any]]  # -> core values; DomainError if not
    describe: Callable[[DomainError], str]  # an error in the API's words
    export_columns: Sequence[str]
    export_rows: Callable[[Database, Caller, list[Customer]], Awaitable[list[Json]]]


def _rendered(render: Callable[[Customer], Json]) -> Callable[..., Awaitable[list[Json]]]:
    """Export rows as the API renders its customer object."""

    async def rows(db: Database, caller: Caller, batch: list[Customer]) -> list[Json]:
        return [render(customer) for customer in batch]

    return rows


def _shown(model: type[Any]) -> list[str]:
    """The model's keys that show a core field, in its order."""
    return [key.name for key in keys(model) if key.core is not None]


def _message(body: Json) -> str:
    """The words of an error answer: each field's message where it has them (partner's
    `validation_errors`, Laravel's `errors`), else its one message."""
    if "validation_errors" in body:
        return " ".join(str(message) for message in body["validation_errors"].values())
    if "errors" in body:
        return " ".join(" ".join(messages) for messages in body["errors"].values())
    return str(body.get("message") or body.get("error_description"))


# --- partner: a customer's name and identifiers --------------------------------------------

_PARTNER_FIELDS = {
    name: field
    for name, field in partner_bodies.fields(partner_models.Customer).items()
    if field[0] in customers.WRITABLE
}


def _partner_read(values: Mapping[str, Any]) -> dict[str, Any]:
    return partner_bodies.writable(values, _PARTNER_FIELDS, META_FIELDS)


PARTNER = Naming(
    api="partner",
    identity="external_customer_code",
    columns=frozenset(_PARTNER_FIELDS),
    read=_partner_read,
    describe=lambda error: _message(partner_render.error_answer(error)[1]),
    export_columns=_shown(partner_models.Customer),
    export_rows=_rendered(partner_render.customer_json),
)


# --- billing: the customer object's parameters, the Laravel way ---------------------------


def _billing_read(values: Mapping[str, Any]) -> dict[str, Any]:
    typed, problems = check(
        values,
        billing_names.CUSTOMER_PARAMETERS,
        ("name",),
        defaulted=billing_names.CUSTOMER_DEFAULTED,
        max_lengths=billing_names.CUSTOMER_MAX_LENGTHS,
    )
    if problems:
        raise BadParameters(problems)
    return typed


BILLING = Naming(
    api="billing",
    identity="customerAccount",
    columns=frozenset(billing_names.CUSTOMER_PARAMETERS),
    read=_billing_read,
    describe=lambda error: _message(billing_render.error_answer(error)[1]),
    export_columns=_shown(billing_models.Customer),
    export_rows=_rendered(billing_render.customer_json),
)


# --- sales: the record's keys; the objects it names by their reference ---------------------
#
# A record names catalogue objects, its parent, its creator as objects (`customerCategory`); a
# file names them by reference, as the API reads them with `useExternalId=true`. The
# parameters' own names (`categoryId`) are read too, as ids.

_SALES_KEYS = keys(sales_models.Customer)
_SALES_LINKS = {
    key.name: key.core
    for key in _SALES_KEYS
    if isinstance(key.reads, Id) and key.core is not None and key.name not in key.sent_as
}
# The objects a record names, by their core field: the record's reference of each.
_SALES_REFERENCES: dict[str, Callable[[records.Record], records.Ref | None]] = {
    "category_id": lambda r: r.category,
    "segmentation_id": lambda r: r.segmentation,
    "region_id": lambda r: r.region,
    "creator_id": lambda r: r.creator,
    "parent_customer_id": lambda r: r.parent,
}


def _sales_read(values: Mapping[str, Any]) -> dict[str, Any]:
    typed = convert(values, SALES_PARAMETERS, required=("reference", "name"))
    for name, core in _SALES_LINKS.items():
        if name in values:
            try:
                found = text(values[name])
            except WrongType:  # a JSON line's list or object where a reference goes
                raise InvalidParamType(name) from None
            typed[core] = None if found in (None, "") else Reference(str(found))
    return typed


# Every key that shows a core field, but the image (a file: the API takes it as an upload).
_SALES_COLUMNS = [key.name for key in _SALES_KEYS if key.core not in (None, "logo")]


def _sales_value(record: records.Record, key: Key) -> Any:
    customer, core = record.customer, str(key.core)
    if core in _SALES_REFERENCES:
        named = _SALES_REFERENCES[core](record)
        return None if named is None else named.reference
    if core == "currency_id":
        return record.currency  # its ISO code, as the API shows and reads it
    if core in ("customer_id", "name", "code", "created_at", "modified_at"):
        value = getattr(customer, core)
        return sales_render.timestamp(value) if core.endswith("_at") else value
    return getattr(customer.details, core)


async def _sales_rows(db: Database, caller: Caller, batch: list[Customer]) -> list[Json]:
    async with db.read() as conn:
        found = await records.records(conn, caller, [c.customer_id for c in batch])
    shown = [key for key in _SALES_KEYS if key.name in _SALES_COLUMNS]
    return [{key.name: _sales_value(record, key) for key in shown} for record in found]


SALES = Naming(
    api="sales",
    identity="reference",
    columns=frozenset(SALES_PARAMETERS) | frozenset(_SALES_LINKS),
    read=_sales_read,
    describe=lambda error: _message(sales_render.error_answer(error)[1]),
    export_columns=_SALES_COLUMNS,
    export_rows=_sales_rows,
)

NAMINGS = {naming.api: naming for naming in (PARTNER, SALES, BILLING)}


def naming_of(columns: Sequence[str], api: str | None = None) -> Naming:
    """The naming `api` says, or the one whose code column the header has."""
    if api is not None:
        return NAMINGS[api]
    found = [naming for naming in NAMINGS.values() if naming.identity in columns]
    if len(found) == 1:
        return found[0]
    codes = ", ".join(f"{n.identity} ({n.api})" for n in NAMINGS.values())
    if not found:
        raise UnreadableFile(
            f"no column names the customer's code as an API does: {codes}; "
            "rename yours with --columns"
        )
    raise UnreadableFile(
        f"the header names the code as several APIs do ({', '.join(n.api for n in found)}): "
        "say which with --api"
    )
