"""The customer form: its fields are the core's (identity and every commercial detail, with
the kinds and lengths the core checks), read from a submitted form into the core's types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from customer_registry.core import customers
from customer_registry.core.fields import (
    Attribute,
    Kind,
    NotAnInteger,
    NotANumber,
    parse_integer,
    parse_number,
)

# Set through an upload, not typed in.
_NOT_TYPED = frozenset({"logo"})
# Names the core's own words do not make clear enough to an operator.
_LABELS = {
    "code": "Code (reference, account)",
    "external_id": "External id",
    "secondary_code": "Secondary code",
    "address_line1": "Address",
    "address_line2": "Address (second line)",
    "billing_lat": "Latitude",
    "billing_lng": "Longitude",
    "shipping_lat": "Shipping latitude",
    "shipping_lng": "Shipping longitude",
    "is_same_address": "Shipping address is the billing address",
    "creator_id": "Sales user id",
    "due_date_config_number": "Due date: days",
    "due_date_config_type": "Due date: type (1 after invoice, 2 after month end)",
    "vip": "VIP",
    "charge_vat": "Charge VAT",
    "apply_vat_auto_reverse": "Apply VAT auto-reverse",
    "entity_id": "Entity",
    "payment_type_ids": "Payment types",
    "bboxx_company_flag": "BBOXX company",
    "geic": "GEIC",
    "parent_id": "Parent (id)",
}


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # the core's
    label: str
    attribute: Attribute
    required: bool = False

    @property
    def input_type(self) -> str:
        kind = self.attribute.kind
        if kind is Kind.BOOL:
            return "checkbox"
        if kind in (Kind.INT, Kind.BIGINT):
            return "number"
        return "text"

    @property
    def long(self) -> bool:
        """Shown as a text area."""
        return (self.attribute.max_length or 0) > 255


def label(name: str) -> str:
    return _LABELS.get(name) or name.replace("_id", "").replace("_", " ").capitalize()


CUSTOMER_FIELDS: tuple[FormField, ...] = (
    FormField("name", "Name", Attribute(Kind.TEXT, customers.NAME_MAX, False), required=True),
    FormField("code", label("code"), Attribute(Kind.TEXT, customers.CODE_MAX)),
    FormField("external_id", label("external_id"), Attribute(Kind.BIGINT)),
    *(
        FormField(name, label(name), attribute)
        for name, attribute in customers.DETAILS.items()
        if name not in _NOT_TYPED
    ),
)
LABELS = {field.name: field.label for field in CUSTOMER_FIELDS}


def current_values(customer: customers.Customer) -> dict[str, Any]:
    """The customer's values of the form's fields."""
    details = msgspec.structs.asdict(customer.details)
    identity = {"name": customer.name, "code": customer.code, "external_id": customer.external_id}
    return {
        field.name: identity.get(field.name, details.get(field.name)) for field in CUSTOMER_FIELDS
    }


def initial_values() -> dict[str, Any]:
    """A new customer's form: the defaults the database would give."""
    return {field.name: customers.DEFAULTS.get(field.name) for field in CUSTOMER_FIELDS}


def typed(kind: Kind, raw: str) -> Any:
    """A form's text as a value of `kind` (not a box's: a box is ticked or not); empty: None.
    NotAnInteger or NotANumber for text that is not of its kind."""
    if kind in (Kind.INT, Kind.BIGINT):
        return parse_integer(raw.strip(), blank=True)
    if kind is Kind.FLOAT:
        return parse_number(raw.strip(), blank=True)
    return raw or None


def read(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field's value in the core's types (an empty box: None; an unticked box: false;
    a box the form did not have: left out), and the fields whose text is not of their kind,
    worded as the core words problems."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in CUSTOMER_FIELDS:
        if field.attribute.kind is Kind.BOOL:
            values[field.name] = form.get(field.name) == "on"
            continue
        if field.name not in form:
            continue
        try:
            values[field.name] = typed(field.attribute.kind, form[field.name])
        except NotAnInteger:
            problems[field.name] = "{field} must be a whole number."
        except NotANumber:
            problems[field.name] = "{field} must be a number."
    return values, problems


def for_create(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a create sends: the filled fields (an empty one takes its default)."""
    return {name: value for name, value in values.items() if value is not None}


def for_update(values: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """What an update sends: the fields whose value is not the stored one."""
    return {name: value for name, value in values.items() if value != current.get(name)}


def worded(problems: Mapping[str, str]) -> dict[str, str]:
    """Messages with the form's labels in their `{field}` placeholders."""
    return {
        name: message.replace("{field}", LABELS.get(name, name))
        for name, message in problems.items()
    }
