"""The billing API's names for core fields and how its loose parameters are read, all derived
from its models (`models.py`): a client sends the keys the core lets it write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec
import msgspec.inspect as mi

from customer_registry.apis.billing_v1.models import CHECKED_BEFORE, Brand, Contact, Customer
from customer_registry.apis.models import Key, core_names, keys, readers
from customer_registry.apis.params import Converter, integer, text
from customer_registry.core import brands, contacts, customers
from customer_registry.core.fields import Kind

# The reader of a parameter by the type its key is shown as (flags name theirs: `boolean`).
_READERS: dict[type[mi.Type], Converter] = {mi.StrType: text, mi.IntType: integer}


def _moved(names: Iterable[str], before: Mapping[str, str]) -> list[str]:
    """`names` in their order, each of `before`'s moved just before its other."""
    moved = [name for name in names if name not in before]
    for name, other in before.items():
        moved.insert(moved.index(other), name)
    return moved


def _parameters(
    model: type[msgspec.Struct], writable: Iterable[str], before: Mapping[str, str] = {}
) -> dict[str, tuple[str, Converter]]:
    """Sent name -> (core field, reader) of each key a client may send: those showing a field
    the core lets it write, in the order the validator checks them (the model's, but for
    `before`)."""
    found = readers(model, _READERS)
    allowed = set(writable)
    return {
        name: (core, reader)
        for name in _moved(found, before)
        for core, reader in [found[name]]
        if core in allowed and callable(reader)
    }


CUSTOMER_PARAMETERS = _parameters(Customer, customers.WRITABLE, CHECKED_BEFORE)
CONTACT_PARAMETERS = _parameters(Contact, contacts.FIELDS)
BRAND_PARAMETERS = _parameters(Brand, brands.FIELDS)


def max_length(core: str) -> int | None:
    """The core's limit of a customer's text field."""
    if core == "name":
        return customers.NAME_MAX
    if core == "code":
        return customers.CODE_MAX
    return customers.DETAILS[core].max_length


# The core's length limits, for the validator's `max` message.
CUSTOMER_MAX_LENGTHS = {
    name: limit
    for name, (core, to_type) in CUSTOMER_PARAMETERS.items()
    if to_type is text and (limit := max_length(core)) is not None
}
# Parameters whose null means "not given" (the default): the core's not-null details.
CUSTOMER_DEFAULTED = frozenset(
    name
    for name, (core, _) in CUSTOMER_PARAMETERS.items()
    if core in customers.DETAILS and not customers.DETAILS[core].nullable
)


def _own_names(
    model: type[msgspec.Struct], parameters: Mapping[str, tuple[str, Converter]]
) -> dict[str, str]:
    """Core field -> the name of the key showing it, for the fields a client may send (not
    the other names it may send one by)."""
    sent = {core for core, _ in parameters.values()}
    return {core: name for name, core in core_names(model).items() if core in sent}


CORE_TO_BILLING = _own_names(Customer, CUSTOMER_PARAMETERS)

# The core fields of a record's times: Laravel's `created_at` and `updated_at`.
TIMES = ("created_at", "modified_at")


def _filter_group(core: str) -> int:
    """The customer's own fields (id, account, name), its details, its times."""
    return 2 if core in TIMES else int(core in customers.DETAILS)


def _filterable() -> dict[str, str]:
    shown = core_names(Customer)
    ordered = sorted(_moved(shown, CHECKED_BEFORE), key=lambda name: _filter_group(shown[name]))
    return {name: shown[name] for name in ordered}


def is_flag(key: Key) -> bool:
    """A boolean detail of the customer's shown as an integer, 1 or 0 (`models.Flag`)."""
    detail = customers.DETAILS.get(key.core or "")
    return detail is not None and detail.kind is Kind.BOOL and isinstance(key.type, mi.IntType)


# Customer-object keys a list may filter or sort on -> core field: every key the registry
# keeps, in the order its document lists the filters (the customer's own fields, its details
# as the validator checks them, its times).
FILTERABLE = _filterable()

# Filters that take comparisons (`>1,<=2`): the keys shown as integers, but flags (a boolean
# of the core's shown as 1 or 0), which are equal to a value.
NUMERIC_FILTERS = frozenset(
    key.name
    for key in keys(Customer)
    if key.name in FILTERABLE and isinstance(key.type, mi.IntType) and not is_flag(key)
)

# How error messages name a core field: the customers' names, and the contacts' own (their
# phone, mobile and email share the customers').
FIELD_NAMES = CORE_TO_BILLING | _own_names(Contact, CONTACT_PARAMETERS)
