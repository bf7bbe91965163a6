"""The sales catalogues: customer categories, segmentations, payment types, regions and
currencies. Each is an entity's own list of objects with a `reference` unique in the entity
and a `name`; the rules particular to one catalogue (the category tree, region levels, one
default currency) are kept here beside the rules they all share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec

from customer_registry.core import iso
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import InUse, Invalid, NotFound, Required, missing
from customer_registry.core.fields import Attribute, Kind, is_key, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.core.references import resolve_all
from customer_registry.core.scope import Scope
from customer_registry.storage import catalogues as repository
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.listing import Listing
from customer_registry.storage.listings import (
    CATEGORIES,
    CURRENCIES,
    PAYMENT_TYPES,
    REGIONS,
    SEGMENTATIONS,
)

REFERENCE_MAX = 100
MAX_REGION_LEVEL = 10
ROOT_CATEGORY = {"reference": "root", "name": "Root"}

_COMMON = {
    "reference": Attribute(Kind.TEXT, REFERENCE_MAX, nullable=False),
    "name": Attribute(Kind.TEXT, 255, nullable=False),
}


# Each catalogue's own fields, as stored (what a write may send is `Catalogue.fields`).


class NoFields(msgspec.Struct, frozen=True):
    """A catalogue with a reference and a name only."""


class TreeFields(msgspec.Struct, frozen=True):
    parent_id: int | None  # None: the tree's root


class RegionFields(msgspec.Struct, frozen=True):
    parent_id: int | None
    level: int


class CurrencyFields(msgspec.Struct, frozen=True):
    exchange_rate: float
    is_default: bool


Fields = TypeVar("Fields", bound=msgspec.Struct)
# An item is read only: one of a tree's items is one of a tree's or a region's.
_Shown = TypeVar("_Shown", bound=msgspec.Struct, covariant=True)


@dataclass(frozen=True, slots=True)
class Item(Generic[_Shown]):
    """One object of a catalogue; `extra` holds the catalogue's own fields."""

    id: int
    entity_id: int
    reference: str
    name: str
    extra: _Shown
    created_at: datetime
    modified_at: datetime | None


# A catalogue's own rule on a write: (conn, the scope of the catalogue's entity, the values
# after the write, the object before it or None on create) → the values to store.
Rule = Callable[[Connection, Scope, dict[str, Any], Item[Fields] | None], Awaitable[dict[str, Any]]]


async def _no_rule(
    conn: Connection, scope: Scope, values: dict[str, Any], existing: Item[Any] | None
) -> dict[str, Any]:
    return values


@dataclass(frozen=True, slots=True)
class Catalogue(Generic[Fields]):
    kind: str  # how messages name one object: "payment type"
    listing: Listing
    own: type[Fields]  # its fields as stored
    # What a write may send beyond reference and name: `own`'s fields, with the rules of
    # their input (a level may be left out, its rule fills it).
    fields: Mapping[str, Attribute] = field(default_factory=dict)
    rule: Rule[Fields] = _no_rule
    required: tuple[str, ...] = ("reference", "name")

    def __post_init__(self) -> None:
        if set(self.fields) != set(self.own.__struct_fields__):
            raise TypeError(f"{self.kind}: its write fields are not its own fields")

    def item(self, row: Row) -> Item[Fields]:
        return Item(
            id=row[self.listing.key.name],
            entity_id=row["entity_id"],
            reference=row["reference"],
            name=row["name"],
            extra=self.own(**{name: row[name] for name in self.own.__struct_fields__}),
            created_at=row["created_at"],
            modified_at=row["modified_at"],
        )


async def get(
    conn: Connection,
    catalogue: Catalogue[Fields],
    scope: Scope,
    key: int,
    *,
    for_update: bool = False,
) -> Item[Fields]:
    """An object of the scope's own entity's catalogue (`for_update`: locked until the
    transaction ends)."""
    row = (
        await repository.get(conn, catalogue.listing, scope, key, lock=for_update)
        if is_key(key)
        else None
    )
    if row is None:
        raise missing(catalogue.kind, "id", key)
    return catalogue.item(row)


async def by_reference(
    conn: Connection, catalogue: Catalogue[Fields], scope: Scope, reference: str
) -> Item[Fields]:
    row = await repository.by_reference(conn, catalogue.listing, scope, reference)
    if row is None:
        raise missing(catalogue.kind, "reference", reference)
    return catalogue.item(row)


async def require_all(
    conn: Connection, catalogue: Catalogue[Any], scope: Scope, keys: Collection[int]
) -> None:
    """Every key names an object of the scope's entity, or NotFound for the first that does
    not."""
    possible = [key for key in keys if is_key(key)]
    found = await repository.keys_in_entity(conn, catalogue.listing, scope, possible)
    for key in keys:
        if key not in found:
            raise missing(catalogue.kind, "id", key)


async def list_page(
    conn: Connection,
    caller: Caller,
    catalogue: Catalogue[Fields],
    query: ListQuery,
    page: PageRequest,
) -> Page[Item[Fields]]:
    listing = catalogue.listing
    total, rows = await repository.page(conn, listing, caller.scope, query, page)
    return Page([catalogue.item(row) for row in rows], total)


def attributes(catalogue: Catalogue[Any]) -> dict[str, Attribute]:
    """Every field a write of `catalogue` may send, with its rules (kind, length, null)."""
    return {**_COMMON, **catalogue.fields}


def _validate(catalogue: Catalogue[Any], values: Mapping[str, Any]) -> None:
    validate(attributes(catalogue), values)


async def _resolved(
    conn: Connection, catalogue: Catalogue[Any], scope: Scope, values: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` with a parent named by Reference (a tree's) turned into its id."""

    async def parent(reference: str) -> int:
        return (await by_reference(conn, catalogue, scope, reference)).id

    in_a_tree = "parent_id" in catalogue.fields
    return await resolve_all(values, {"parent_id": parent} if in_a_tree else {})


async def create(
    conn: Connection, caller: Caller, catalogue: Catalogue[Fields], values: Mapping[str, Any]
) -> Item[Fields]:
    """An object of the caller's entity; its parent may be named by Reference."""
    values = await _resolved(conn, catalogue, caller.scope, values)
    absent = {
        k: "The {field} field is required." for k in catalogue.required if values.get(k) is None
    }
    if absent:
        raise Required(absent)
    _validate(catalogue, values)
    stored = await catalogue.rule(conn, caller.scope, dict(values), None)
    audit = {"created_at": utcnow(), "created_by": caller.username}
    row = await repository.insert(conn, catalogue.listing, caller.scope, {**stored, **audit})
    return catalogue.item(row)


async def update(
    conn: Connection,
    caller: Caller,
    catalogue: Catalogue[Fields],
    key: int,
    changes: Mapping[str, Any],
) -> Item[Fields]:
    """Change the fields sent; a new parent may be named by Reference."""
    changes = await _resolved(conn, catalogue, caller.scope, changes)
    existing = await get(conn, catalogue, caller.scope, key)
    _validate(catalogue, changes)
    if not changes:
        return existing
    own = msgspec.structs.asdict(existing.extra)
    current = {"reference": existing.reference, "name": existing.name, **own}
    stored = await catalogue.rule(conn, caller.scope, {**current, **changes}, existing)
    values = {k: v for k, v in stored.items() if current.get(k) != v or k in changes}
    values |= {"modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, catalogue.listing, caller.scope, key, values)
    if row is None:
        raise missing(catalogue.kind, "id", key)  # another request deleted it first
    return catalogue.item(row)


async def delete(conn: Connection, caller: Caller, catalogue: Catalogue[Any], key: int) -> None:
    item = await get(conn, catalogue, caller.scope, key)
    if catalogue is CUSTOMER_CATEGORIES and item.extra.parent_id is None:
        raise InUse("The root category cannot be deleted.")
    in_use = f"The {catalogue.kind} {item.reference} is in use and cannot be deleted."
    if not await repository.delete(conn, catalogue.listing, caller.scope, key, in_use):
        raise missing(catalogue.kind, "id", key)  # another request deleted it first


# --- the category tree ----------------------------------------------------------------------


async def root_category(conn: Connection, scope: Scope) -> Item[TreeFields]:
    rows = await repository.where(conn, CATEGORIES, scope, parent_id=None)
    if not rows:  # an entity made before its root: the tree's root always exists
        await create_root_category(conn, scope, "system")
        rows = await repository.where(conn, CATEGORIES, scope, parent_id=None)
    return CUSTOMER_CATEGORIES.item(rows[0])


async def new_customer_defaults(conn: Connection, scope: Scope) -> tuple[int, int | None]:
    """The root category and the default currency a new customer of the scope's entity gets."""
    found = await repository.new_customer_defaults(conn, scope)
    if found["category_id"] is None:
        return (await root_category(conn, scope)).id, found["currency_id"]
    return found["category_id"], found["currency_id"]


async def create_root_category(conn: Connection, scope: Scope, username: str) -> None:
    """The root category of the entity the scope's new rows go to."""
    await repository.insert_root_category(
        conn, scope, {**ROOT_CATEGORY, "created_at": utcnow(), "created_by": username}
    )


_InTree = TypeVar("_InTree", TreeFields, RegionFields)


async def _ancestors(
    conn: Connection, catalogue: Catalogue[_InTree], scope: Scope, key: int
) -> list[Item[_InTree]]:
    """`key`'s object and its parents up to the top (a tree is shallow: one query a level)."""
    chain: list[Item[_InTree]] = []
    seen: set[int] = set()
    next_key: int | None = key
    while next_key is not None and next_key not in seen:
        seen.add(next_key)
        item = await get(conn, catalogue, scope, next_key)
        chain.append(item)
        next_key = item.extra.parent_id
    return chain


async def _parent(
    conn: Connection,
    catalogue: Catalogue[_InTree],
    scope: Scope,
    parent_id: int,
    existing: Item[_InTree] | None,
) -> list[Item[_InTree]]:
    """The new parent's chain of ancestors; refused if it would put `existing` under itself."""
    try:
        chain = await _ancestors(conn, catalogue, scope, parent_id)
    except NotFound:
        raise missing(f"parent {catalogue.kind}", "id", parent_id) from None
    if existing is not None and any(item.id == existing.id for item in chain):
        raise Invalid({"parent_id": f"A {catalogue.kind} cannot be placed under itself."})
    return chain


async def _category_rule(
    conn: Connection, scope: Scope, values: dict[str, Any], existing: Item[TreeFields] | None
) -> dict[str, Any]:
    is_root = existing is not None and existing.extra.parent_id is None
    parent_id = values.get("parent_id")
    if is_root:
        if parent_id is not None:
            raise Invalid({"parent_id": "The root category cannot have a parent."})
        return values
    if parent_id is None:
        parent_id = (await root_category(conn, scope)).id
    await _parent(conn, CUSTOMER_CATEGORIES, scope, parent_id, existing)
    return {**values, "parent_id": parent_id}


# --- region levels --------------------------------------------------------------------------


async def _region_rule(
    conn: Connection, scope: Scope, values: dict[str, Any], existing: Item[RegionFields] | None
) -> dict[str, Any]:
    parent_id = values.get("parent_id")
    level = values.get("level")
    if parent_id is not None:
        parent = (await _parent(conn, CUSTOMER_REGIONS, scope, parent_id, existing))[0]
        if level is None:
            level = parent.extra.level + 1
        elif level <= parent.extra.level:
            raise Invalid({"level": "{field} must be below its parent region's level."})
    level = 1 if level is None else level
    if not 1 <= level <= MAX_REGION_LEVEL:
        raise Invalid({"level": f"{{field}} must be between 1 and {MAX_REGION_LEVEL}."})
    if existing is not None:
        for child in await repository.where(conn, REGIONS, scope, parent_id=existing.id):
            if child["level"] <= level:
                raise Invalid({"level": "{field} must stay above its sub-regions' levels."})
    return {**values, "level": level}


# --- currencies -----------------------------------------------------------------------------


async def _currency_rule(
    conn: Connection, scope: Scope, values: dict[str, Any], existing: Item[CurrencyFields] | None
) -> dict[str, Any]:
    found = iso.currency(values["reference"])
    if found is None:
        raise missing("currency", "name", values["reference"])
    rate = values.get("exchange_rate")
    if rate is None or rate <= 0:
        raise Invalid({"exchange_rate": "{field} must be a number greater than 0."})
    is_default = values.get("is_default")
    if existing is None and is_default is None:  # an entity's first currency is its default
        is_default = not await repository.where(conn, CURRENCIES, scope)
    if is_default and not (existing and existing.extra.is_default):
        await repository.update_where(
            conn, CURRENCIES, scope, {"is_default": False}, is_default=True
        )
    return {**values, "reference": found.code, "name": found.name, "is_default": bool(is_default)}


async def configured_currency(conn: Connection, scope: Scope, code_or_name: str) -> int:
    """The id of the scope's entity's currency named by ISO code or name (the sales wording)."""
    found = iso.currency(code_or_name)
    if found is None:
        raise NotFound(f"The currency with name {code_or_name} doesn't exist.")
    row = await repository.by_reference(conn, CURRENCIES, scope, found.code)
    if row is None:
        raise NotFound(f"The currency with name {code_or_name} is not configured.")
    return int(row["currency_id"])


CUSTOMER_CATEGORIES = Catalogue(
    "customer category",
    CATEGORIES,
    TreeFields,
    {"parent_id": Attribute(Kind.INT)},
    _category_rule,
)
CUSTOMER_SEGMENTATIONS = Catalogue("customer segmentation", SEGMENTATIONS, NoFields)
CUSTOMER_PAYMENT_TYPES = Catalogue("payment type", PAYMENT_TYPES, NoFields)
CUSTOMER_REGIONS = Catalogue(
    "region",
    REGIONS,
    RegionFields,
    {"parent_id": Attribute(Kind.INT), "level": Attribute(Kind.INT)},
    _region_rule,
)
CUSTOMER_CURRENCIES = Catalogue(
    "currency",
    CURRENCIES,
    CurrencyFields,
    {"exchange_rate": Attribute(Kind.FLOAT, nullable=False), "is_default": Attribute(Kind.BOOL)},
    _currency_rule,
    required=("reference", "exchange_rate"),
)
