"""Laravel list parameters: `page`/`per_page`, `filter[field]=…`, `sort=-field`, `term`."""

from __future__ import annotations

import re

from starlette.requests import Request

from customer_registry.apis.billing_v1.names import FILTERABLE, NUMERIC_FILTERS
from customer_registry.apis.billing_v1.params import BadParameters, laravel_value, php_int, words
from customer_registry.apis.http import HttpError
from customer_registry.core.query import (
    BoolOp,
    Condition,
    Filter,
    ListQuery,
    Op,
    Order,
    PageRequest,
    contains,
)

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100
_FILTER = re.compile(r"^filter\[(\w+)\]$", re.ASCII)
# `>1,<=2`: each part an optional comparison and a value.
_COMPARISON = re.compile(r"^(>=|<=|!=|>|<|=)?(.*)$", re.DOTALL)
_OPS = {">=": Op.GE, "<=": Op.LE, "!=": Op.NE, ">": Op.GT, "<": Op.LT, "=": Op.EQ, None: Op.EQ}
TERM_MATCH_FIELDS = ("name", "code", "email", "phone")
SEARCH_FIELDS = ("name", "code", "secondary_code")


# Past this, a page's offset could overflow the database's integers: such a page is empty
# anyway, and is answered as this one.
MAX_PAGE = 10**15


def _page(request: Request) -> int:
    """Laravel's paginator: a `page` that is not an integer from 1 is page 1."""
    number = php_int(laravel_value(request.query_params.get("page")))
    return 1 if number is None or number < 1 else min(number, MAX_PAGE)


def _per_page(request: Request) -> int:
    """`per_page` as the rules `nullable|integer|min:1` check it, in the validator's words."""
    text = laravel_value(request.query_params.get("per_page"))
    if text is None:
        return DEFAULT_PER_PAGE
    number = php_int(text)
    if number is None:
        raise BadParameters({"per_page": f"The {words('per_page')} must be an integer."})
    if number < 1:
        raise BadParameters({"per_page": f"The {words('per_page')} must be at least 1."})
    return min(number, MAX_PER_PAGE)


def parse_page(request: Request) -> PageRequest:
    """`page` from 1 (leniently, as Laravel's paginator); `per_page` 15 by default, capped at
    100 so no page is unbounded."""
    return PageRequest(page=_page(request), per_page=_per_page(request))


def _not_allowed(kind: str, names: list[str]) -> HttpError:
    return HttpError(f"Requested {kind}(s) `{', '.join(names)}` are not allowed.")


def _field_filter(name: str, value: str) -> Filter:
    field = FILTERABLE[name]
    if name not in NUMERIC_FILTERS:
        return Condition(field, Op.EQ, value, label=name)
    parts = []
    for part in value.split(","):
        match = _COMPARISON.match(part.strip())
        assert match is not None  # the pattern matches any text
        parts.append(Condition(field, _OPS[match.group(1)], match.group(2).strip(), label=name))
    return BoolOp("and", tuple(parts))


def parse_list(request: Request) -> ListQuery:
    filters: list[Filter] = []
    unknown = []
    for key, value in request.query_params.multi_items():
        match = _FILTER.match(key)
        if match is None:
            continue
        name = match.group(1)
        if name == "term_match":
            filters.append(contains(TERM_MATCH_FIELDS, value))
        elif name in FILTERABLE:
            filters.append(_field_filter(name, value))
        else:
            unknown.append(name)
    if unknown:
        raise _not_allowed("filter", unknown)
    order = []
    for item in filter(None, request.query_params.get("sort", "").split(",")):
        name = item.removeprefix("-")
        if name not in FILTERABLE:
            raise _not_allowed("sort", [name])
        order.append(Order(FILTERABLE[name], descending=item.startswith("-")))
    return ListQuery(filters=tuple(filters), order_by=tuple(order))
