"""One list convention for every sales endpoint: `max` (10 by default, at most 100) and
`offset`; `sort=<field>` with `order=asc|desc`; any other parameter named after a field of
the objects is an exact-match filter (`?isActive=true&categoryId=2`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from customer_registry.apis.params import WrongType, integer
from customer_registry.apis.sales_v1_0.params import Field, Id, InvalidParamType
from customer_registry.core.errors import InvalidQuery
from customer_registry.core.query import Condition, ListQuery, Op, Order, PageRequest

DEFAULT_MAX = 10
MAX_MAX = 100
_CONTROLS = {"max", "offset", "sort", "order", "useExternalId"}


def _count(request: Request, name: str, default: int) -> int:
    try:
        value = integer(request.query_params.get(name))
    except WrongType:
        value = -1
    if value is None:
        return default
    if not 0 <= value < 10**12:
        raise InvalidParamType(name)
    return value


def parse_page(request: Request) -> PageRequest:
    size = min(_count(request, "max", DEFAULT_MAX), MAX_MAX) or DEFAULT_MAX
    return PageRequest(per_page=size, offset=_count(request, "offset", 0))


def _typed(reader: Any, name: str, raw: str) -> Any:
    """The value as the parameter's reader types it; without one, the text as sent (the
    query coerces it to its column's type: ids, timestamps, names)."""
    if reader is None:
        return raw
    try:
        return integer(raw) if isinstance(reader, Id) else reader(raw)
    except WrongType:
        raise InvalidParamType(name) from None


def parse_list(
    request: Request, fields: Mapping[str, str], readers: Mapping[str, Field]
) -> ListQuery:
    """`fields`: the filterable and sortable names → core fields; `readers` types values."""
    conditions = []
    for name, raw in request.query_params.multi_items():
        if name in _CONTROLS:
            continue
        if name not in fields:
            raise InvalidQuery(f"{name} is not a field that can filter this list.")
        reader = readers[name][1] if name in readers else None
        conditions.append(Condition(fields[name], Op.EQ, _typed(reader, name, raw), label=name))
    order: tuple[Order, ...] = ()
    # `order` is checked even without `sort`: a wrong one is refused, not ignored.
    direction = request.query_params.get("order", "asc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidParamType("order")
    sort = request.query_params.get("sort")
    if sort:
        if sort not in fields:
            raise InvalidQuery(f"{sort} is not a field that can sort this list.")
        order = (Order(fields[sort], descending=direction == "desc"),)
    return ListQuery(filters=tuple(conditions), order_by=order)
