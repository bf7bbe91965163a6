"""The sales API's names for core fields, and how each parameter is read: from the models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import msgspec
import msgspec.inspect as mi

from customer_registry.apis.models import filters, keys, readers
from customer_registry.apis.params import Converter, boolean, integer, number, text
from customer_registry.apis.sales_v1_0.models import ORDER, Contact, Customer
from customer_registry.apis.sales_v1_0.params import Field, Id

# The reader of a parameter by the type the record shows it as, unless the model names one.
_BY_TYPE: dict[type[mi.Type], Converter] = {
    mi.StrType: text,
    mi.BoolType: boolean,
    mi.FloatType: number,
    mi.IntType: integer,
}

_V = TypeVar("_V")


def _in_order(table: Mapping[str, _V]) -> dict[str, _V]:
    """`table` in the original's order; names it does not list after, as they came."""
    rank = {name: at for at, name in enumerate(ORDER)}
    return dict(sorted(table.items(), key=lambda item: rank.get(item[0], len(ORDER))))


def _parameters(model: type[msgspec.Struct]) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for name, (core, reader) in readers(model, _BY_TYPE).items():
        if not (isinstance(reader, Id) or callable(reader)):
            raise TypeError(f"{name} is read by {reader!r}, no reader")
        found[name] = (core, reader)
    return found


# Sales parameter -> (core field, reader), in the document's order.
CUSTOMER_PARAMETERS: dict[str, Field] = _in_order(_parameters(Customer))
# What a customer list may filter (exact match) and sort on: sales name -> core field.
CUSTOMER_FILTERS = _in_order(filters(Customer))

CONTACT_PARAMETERS: dict[str, Field] = _parameters(Contact)
CONTACT_FILTERS = filters(Contact)

# How messages name a core field: as it is sent (shown, if never sent).
CORE_TO_SALES = {
    key.core: (key.sent_as or (key.name,))[0] for key in keys(Customer) if key.core is not None
}
CORE_TO_SALES |= {core: name for name, (core, _) in CONTACT_PARAMETERS.items()}
# The catalogues' and the organisation's fields, for messages.
CORE_TO_SALES |= {
    "parent_id": "parentId",
    "exchange_rate": "exchangeRate",
    "is_default": "isDefault",
    "geographical_locations": "geographicalLocations",
    "region_level": "regionLevel",
}
