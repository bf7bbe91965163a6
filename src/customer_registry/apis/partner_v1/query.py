"""Flask-Restless's `q` parameter and paging, parsed into the core's ListQuery.

Malformed JSON is "Unable to decode data"; well-formed JSON that is not a valid query is
"Unable to construct query" — the two messages the original library gives.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from customer_registry.apis.http import HttpError, UndecodableBody
from customer_registry.apis.partner_v1.names import RESOURCES, Resource
from customer_registry.core.errors import InvalidQuery
from customer_registry.core.fields import NotAnInteger, parse_integer
from customer_registry.core.query import (
    MAX_FILTER_DEPTH,
    PATH_SEPARATOR,
    BoolOp,
    Condition,
    Filter,
    ListQuery,
    Op,
    Order,
    PageRequest,
)

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_WINDOW = 2**53  # limit/offset beyond this are not a real request

OPERATORS: dict[str, Op] = {
    **dict.fromkeys(("==", "eq", "equals", "equals_to", "equal_to"), Op.EQ),
    **dict.fromkeys(("!=", "neq", "ne", "does_not_equal", "not_equal_to"), Op.NE),
    **dict.fromkeys((">", "gt"), Op.GT),
    **dict.fromkeys(("<", "lt"), Op.LT),
    **dict.fromkeys((">=", "ge", "gte", "geq"), Op.GE),
    **dict.fromkeys(("<=", "le", "lte", "leq"), Op.LE),
    "in": Op.IN,
    "not_in": Op.NOT_IN,
    "is_null": Op.IS_NULL,
    "is_not_null": Op.IS_NOT_NULL,
    "like": Op.LIKE,
    "ilike": Op.ILIKE,
    "has": Op.HAS,
    "any": Op.ANY,
}
_UNARY = (Op.IS_NULL, Op.IS_NOT_NULL)
_RELATED = (Op.HAS, Op.ANY)
RELATION_SEPARATOR = "__"  # Flask-Restless's `<relation>__<field>`


class Invalid(InvalidQuery):
    def __init__(self) -> None:
        super().__init__("Unable to construct query")


class PartnerQuery:
    """A parsed `q`: the core ListQuery, plus Flask-Restless's `single`."""

    def __init__(self, query: ListQuery, single: bool) -> None:
        self.query = query
        self.single = single


def _through(resource: Resource, relations: list[str]) -> tuple[list[str], Resource]:
    """Follows partner relation names; answers their core names and the resource reached."""
    if len(relations) > MAX_FILTER_DEPTH:
        raise Invalid
    core: list[str] = []
    for name in relations:
        names = resource.relations.get(name)
        if names is None:
            raise Invalid
        core.append(names.core)
        resource = RESOURCES[names.resource]
    return core, resource


def _field(resource: Resource, name: Any) -> str:
    """A field, or `<relation>__<field>` (relations may nest), as a core (dotted) path."""
    if not isinstance(name, str):
        raise Invalid
    *relations, last = name.split(RELATION_SEPARATOR)
    core, resource = _through(resource, relations)
    if last not in resource.fields:
        raise Invalid
    return PATH_SEPARATOR.join([*core, resource.fields[last]])


def _relation(resource: Resource, name: Any) -> tuple[str, Resource]:
    """A relation (or `<relation>__<relation>`) for `has`/`any`: its core path and resource."""
    if not isinstance(name, str):
        raise Invalid
    core, resource = _through(resource, name.split(RELATION_SEPARATOR))
    return PATH_SEPARATOR.join(core), resource


def _related_filter(raw: Any, resource: Resource, depth: int) -> Filter:
    """`val` of `has`/`any`: a filter on the related model, or a list that must all hold."""
    if isinstance(raw, list):
        return BoolOp("and", tuple(_filter(item, resource, depth + 1) for item in raw))
    return _filter(raw, resource, depth)


def _filter(raw: Any, resource: Resource, depth: int = 0) -> Filter:
    if not isinstance(raw, dict) or depth > MAX_FILTER_DEPTH:
        raise Invalid
    for kind in ("and", "or"):
        if kind in raw:
            if len(raw) != 1 or not isinstance(raw[kind], list):
                raise Invalid
            items = tuple(_filter(item, resource, depth + 1) for item in raw[kind])
            return BoolOp(kind, items)
    op_name = raw.get("op")
    op = OPERATORS.get(op_name) if isinstance(op_name, str) else None
    if op is None:
        raise Invalid
    if op in _RELATED:
        path, related = _relation(resource, raw.get("name"))
        return Condition(path, op, _related_filter(raw.get("val"), related, depth + 1))
    field = _field(resource, raw.get("name"))
    if op in _UNARY:
        return Condition(field, op)
    # The second form compares two fields; the document's example spells the key "fieldname".
    other = raw.get("field", raw.get("fieldname"))
    if other is not None:
        return Condition(field, op, other_field=_field(resource, other))
    if "val" not in raw:
        raise Invalid
    return Condition(field, op, raw["val"])


def _window(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_WINDOW:
        raise Invalid
    return raw


def _order(raw: Any, resource: Resource) -> Order:
    if not isinstance(raw, dict):
        raise Invalid
    direction = raw.get("direction", "asc")
    if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
        raise Invalid
    return Order(_field(resource, raw.get("field")), descending=direction.lower() == "desc")


def _list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid
    return raw


def parse_q(request: Request, resource: Resource) -> PartnerQuery:
    text = request.query_params.get("q")
    if text is None or not text.strip():
        return PartnerQuery(ListQuery(), single=False)
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise UndecodableBody("Unable to decode data") from None
    if not isinstance(raw, dict):
        raise UndecodableBody("Unable to decode data")
    group_by = []
    for item in _list(raw.get("group_by")):
        if not isinstance(item, dict):
            raise Invalid
        group_by.append(_field(resource, item.get("field")))
    single = raw.get("single", False)
    if not isinstance(single, bool):
        raise Invalid
    query = ListQuery(
        filters=tuple(_filter(item, resource) for item in _list(raw.get("filters"))),
        order_by=tuple(_order(item, resource) for item in _list(raw.get("order_by"))),
        group_by=tuple(group_by),
        limit=_window(raw.get("limit")),
        offset=_window(raw.get("offset")) or 0,
    )
    return PartnerQuery(query, single)


def _positive(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = parse_integer(text)
    except NotAnInteger:
        value = None
    if value is None or not 0 < value < 10**15:
        raise HttpError(f"{name} must be a positive integer")
    return value


def parse_page(request: Request) -> PageRequest:
    """`page` from 1; `results_per_page` defaults to 10, capped at 100 as the library does."""
    per_page = min(_positive(request, "results_per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return PageRequest(page=_positive(request, "page", 1), per_page=per_page)
