"""Flask-Restless's `q` parameter and paging, parsed into the core's ListQuery.

Malformed JSON is "Unable to decode data"; well-formed JSON that is not a valid query is
"Unable to construct query" — the two messages the original library gives.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import dateutil.parser
import orjson
from starlette.requests import Request

from customer_registry.apis.http import HttpError, UndecodableBody
from customer_registry.apis.partner_v1.names import RESOURCES, Resource
from customer_registry.core.errors import DatabaseRefusal, InvalidQuery
from customer_registry.core.fields import INT64
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
# `limit` / `offset` up to what PostgreSQL's LIMIT and OFFSET take (BIGINT): Flask-Restless
# hands them to its database, which refuses larger ones.
MAX_WINDOW = INT64[1]

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
_ORDERINGS = (Op.GT, Op.LT, Op.GE, Op.LE)
_RELATED = (Op.HAS, Op.ANY)
RELATION_SEPARATOR = "__"  # Flask-Restless's `<relation>__<field>`


class Invalid(InvalidQuery):
    def __init__(self, refusal: DatabaseRefusal | None = None) -> None:
        super().__init__("Unable to construct query", refusal)


class PartnerQuery:
    """A parsed `q`: the core ListQuery, plus Flask-Restless's `single`, and whether its
    `offset` came as text (see `listing.list_response`)."""

    def __init__(self, query: ListQuery, single: bool, offset_in_text: bool = False) -> None:
        self.query = query
        self.single = single
        self.offset_in_text = offset_in_text


# SQLAlchemy's `or_()` of nothing adds no condition, so Flask-Restless's `{"or": []}` matches
# every row, as `{"and": []}` does.
_EVERY_ROW = BoolOp("and", ())


def _relation(resource: Resource, name: str) -> tuple[str, Resource]:
    """A partner relation's core name, and the resource it reaches."""
    names = resource.relations.get(name)
    if names is None:
        raise Invalid
    return names.core, RESOURCES[names.resource]


def _field(resource: Resource, name: Any) -> str:
    """A field, or `<relation>__<field>`, as a core (dotted) path. Flask-Restless 0.17 splits
    a name in two at `__`: a path of two relations is an error to it (400, or 500 where it
    splits outside its error handling), never a field."""
    if not isinstance(name, str):
        raise Invalid
    parts = name.split(RELATION_SEPARATOR)
    if len(parts) > 2:
        raise Invalid
    if len(parts) == 1:
        last, core = name, []
    else:
        relation, last = parts
        core_relation, resource = _relation(resource, relation)
        core = [core_relation]
    if last not in resource.fields:
        raise Invalid
    return PATH_SEPARATOR.join([*core, resource.fields[last]])


def _items(raw: Any) -> list[Any]:
    """What Flask-Restless iterates over for a list it is given: a list's items; an empty
    object or string gives nothing, and anything else cannot be read."""
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict | str) and not raw:
        return []
    raise Invalid


def _filter(raw: Any, resource: Resource, depth: int = 0, *, nested: bool = False) -> Filter:
    """One filter object. `nested`: inside a `has`/`any` value, where Flask-Restless reads
    `name`, `op` and `val` only (no second form)."""
    if not isinstance(raw, dict) or depth > MAX_FILTER_DEPTH:
        raise Invalid
    # Flask-Restless looks for "or" first: an object with both keys is a disjunction.
    for kind in ("or", "and"):
        if kind in raw:
            items = tuple(
                _filter(item, resource, depth + 1, nested=nested) for item in _items(raw[kind])
            )
            return BoolOp(kind, items) if items else _EVERY_ROW
    op_name, name = raw.get("op"), raw.get("name")
    if depth == 0 and "val" in raw and isinstance(name, str) and _is_time(resource, name):
        raw = {**raw, "val": _read_time(raw["val"])}
    op = OPERATORS.get(op_name) if isinstance(op_name, str) else None
    if op is None or not isinstance(name, str):
        raise Invalid
    first, _, rest = name.partition(RELATION_SEPARATOR)
    if RELATION_SEPARATOR in rest:  # two relations: see _field
        raise Invalid
    if first in resource.relations and op in (*_UNARY, *_RELATED):
        return _on_relation(resource, first, rest, op, raw, depth)
    field = _field(resource, name)
    if op in _UNARY:
        return Condition(field, op)
    if op in _RELATED:
        raise Invalid
    # The second form compares two fields; the document's example spells the key "fieldname".
    other = None if nested else raw.get("field") or raw.get("fieldname")
    if other is not None:
        return Condition(field, op, other_field=_field(resource, other))
    return Condition(field, op, _value(op, raw.get("val")))


def _is_time(resource: Resource, name: str) -> bool:
    """Whether `name` is a time field, or `<relation>__<time field>`."""
    relation, _, field = name.rpartition(RELATION_SEPARATOR)
    names = resource.relations.get(relation)
    owner = RESOURCES[names.resource] if names else None if relation else resource
    return owner is not None and field in owner.times


# SQL's names for "now" and "today", which Flask-Restless 0.17 passes on as they are.
CURRENT_TIME_MARKERS = ("CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP")


def _read_time(value: Any) -> Any:
    """A time field's value in a top-level filter, as Flask-Restless 0.17 reads it before its
    database sees it (strings_to_dates): python-dateutil's reading of the text (`2021/01/31`,
    `Jan 31 2021 10:00`, a zone), or SQL's name for now or today. Text of spaces is null to it
    (fine for `is_null`), one it cannot read is refused, and anything but text makes it fail
    (a 500, 400 here). Values nested deeper go to its database as they are."""
    if isinstance(value, list):  # 0.17 fails (a 500); `in` a list has a plain meaning
        return [None if item is None else _read_time(item) for item in value]
    if not isinstance(value, str):
        raise Invalid
    if not value.strip():
        return None
    if value in CURRENT_TIME_MARKERS:
        return value
    try:
        parsed = dateutil.parser.parse(value)
        if parsed.tzinfo is not None:  # the registry's times are UTC
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise Invalid from None
    return parsed


def _value(op: Op, value: Any) -> Any:
    """A filter's value as SQLAlchemy 1.3 takes it from Flask-Restless 0.17."""
    if value is None:  # Flask-Restless: "use the is_null/is_not_null operators"
        raise Invalid
    if isinstance(value, bool) and op in _ORDERINGS:  # SQLAlchemy: only = and != with True
        raise Invalid
    if op in (Op.IN, Op.NOT_IN) and isinstance(value, str | dict):
        return list(value)  # `in_()` iterates over it: a text's characters, an object's keys
    return value


def _on_relation(
    resource: Resource, name: str, field: str, op: Op, raw: dict[str, Any], depth: int
) -> Filter:
    """Flask-Restless 0.17 applies the operator to the relation itself: `is_null` /
    `is_not_null` ask whether it has no related row / some (the field, if any, is not
    read); `has` / `any` with `<relation>__<field>` and a plain value ask for a related row
    whose field equals the value; with a filter object as the value, for one that matches
    it (the field is not read either)."""
    core, related = _relation(resource, name)
    if op in _UNARY:
        return Condition(core, op)
    value = raw.get("val")
    if isinstance(value, dict):
        return Condition(core, op, _filter(value, related, depth + 1, nested=True))
    if not field:
        # Not 0.17's: a list of filter objects that must all hold (`[]`: some related row).
        if not isinstance(value, list):
            raise Invalid
        items = tuple(_filter(item, related, depth + 1, nested=True) for item in value)
        return Condition(core, op, BoolOp("and", items))
    if value is None or field not in related.fields:
        raise Invalid
    return Condition(core, op, Condition(related.fields[field], Op.EQ, value))


def _whole(raw: Any) -> int | None:
    """`limit` / `offset`: Flask-Restless applies them when they are truthy, as SQLAlchemy's
    int() reads them (`"5"`, `5.7` and `true` are 5, 5 and 1); a negative one is refused
    by PostgreSQL, so here."""
    if not raw:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        raise Invalid from None
    if not 0 <= value <= MAX_WINDOW:
        raise Invalid(DatabaseRefusal.DATA)  # PostgreSQL refuses it
    return value


def _order(raw: Any, resource: Resource) -> Order:
    # Flask-Restless builds OrderBy(**item): `field` is needed, `direction` is "asc" or "desc"
    # (its name is looked up as is), and nothing else may be there.
    if not isinstance(raw, dict) or "field" not in raw or not raw.keys() <= {"field", "direction"}:
        raise Invalid
    direction = raw.get("direction", "asc")
    if direction not in ("asc", "desc"):
        raise Invalid
    return Order(_field(resource, raw["field"]), descending=direction == "desc")


def _check_joins(order_by: tuple[Order, ...], grouped: bool) -> None:
    """Flask-Restless 0.17 orders by `<relation>__<field>` by joining the relation's table,
    once per item. PostgreSQL refuses a query that names a table twice, and a grouped one
    ordered by a joined column (the groups hold the primary key only)."""
    paths = [item.field.split(PATH_SEPARATOR) for item in order_by]
    joined = [path[0] for path in paths if len(path) > 1]
    if len(set(joined)) < len(joined) or (joined and grouped):
        raise Invalid(DatabaseRefusal.PROGRAMMING)


def _group(raw: Any, resource: Resource) -> str:
    if not isinstance(raw, dict) or raw.keys() != {"field"}:
        raise Invalid
    return _field(resource, raw["field"])


def parse_q(request: Request, resource: Resource) -> PartnerQuery:
    text = request.query_params.get("q")
    if text is None:
        return PartnerQuery(ListQuery(), single=False)
    try:
        raw = orjson.loads(text)  # an empty `q=` is not JSON either
    except orjson.JSONDecodeError:
        raise UndecodableBody("Unable to decode data") from None
    if not isinstance(raw, dict):
        raise UndecodableBody("Unable to decode data")
    group_by = tuple(_group(item, resource) for item in _items(raw.get("group_by", [])))
    # Flask-Restless hands `group_by` to SQL with every column selected, which PostgreSQL
    # accepts only when the primary key is among the groups (each row its own group).
    if group_by and resource.fields[resource.key] not in group_by:
        # 0.17 hands plain fields to the database (which refuses them); it cannot read one
        # through a relation at all.
        related = any(PATH_SEPARATOR in name for name in group_by)
        raise Invalid(None if related else DatabaseRefusal.PROGRAMMING)
    order_by = tuple(_order(item, resource) for item in _items(raw.get("order_by", [])))
    _check_joins(order_by, grouped=bool(group_by))
    query = ListQuery(
        filters=tuple(_filter(item, resource) for item in _items(raw.get("filters", []))),
        order_by=order_by,
        group_by=group_by,
        limit=_whole(raw.get("limit")),
        offset=_whole(raw.get("offset")) or 0,
        as_postgresql=True,  # 0.17 hands values to the database as they are
    )
    # Any value Python finds true asks for one result, as Flask-Restless does.
    offset_in_text = isinstance(raw.get("offset"), str) and query.offset > 0
    return PartnerQuery(query, single=bool(raw.get("single")), offset_in_text=offset_in_text)


def _number(text: str) -> int | None:
    """A paging parameter as Python's int() reads it (Flask-Restless's way: signs, surrounding
    spaces and any size are fine), or None. Python refuses more than 4,300 digits (its guard
    against slow conversions), and so does Flask-Restless on this interpreter (a 500)."""
    try:
        return int(text)
    except ValueError:
        return None


def parse_page(request: Request) -> PageRequest:
    """`results_per_page` as Flask-Restless reads it: 10 when missing, unreadable or not
    positive, at most 100. `page` from 1; a page before the first or after the last is
    answered as Flask-Restless slices its result (see `listing.list_response`)."""
    size = _number(request.query_params.get("results_per_page") or "")
    per_page = DEFAULT_PER_PAGE if size is None or size <= 0 else min(size, MAX_PER_PAGE)
    text = request.query_params.get("page")
    page = 1 if text is None else _number(text)
    if page is None:
        raise HttpError("page must be an integer")
    return PageRequest(page=page, per_page=per_page)
