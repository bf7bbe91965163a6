"""Every query on customers and their entity links."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from customer_registry.core.errors import InUse, Invalid, NotUnique
from customer_registry.core.fields import INT64, check_storable, is_key
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import (
    Connection,
    Prepared,
    Row,
    insert_ignoring_conflicts,
    storable,
)
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import CUSTOMERS as LISTING
from customer_registry.storage.rows import bound, deleted, insert_row, written_values
from customer_registry.storage.schema import (
    account_counters,
    customer_payment_types,
    customers,
)
from customer_registry.storage.schema import customer_entity_linker as links

# Which identifier a unique index protects.
_UNIQUE_FIELDS = {
    "ix_customers_entity_id_external_id": "external_id",
    "ix_customers_entity_id_code": "code",
    "ix_customers_entity_id_secondary_code": "secondary_code",
}

# The hot path (GET by id): compiled once, one round trip.
_GET_ANY = Prepared(
    sa.select(customers).where(customers.c.customer_id == sa.bindparam("customer_id"))
)
_GET_IN_ENTITY = Prepared(
    sa.select(customers).where(
        customers.c.customer_id == sa.bindparam("customer_id"),
        customers.c.entity_id == sa.bindparam("entity_id"),
    )
)


async def get(conn: Connection, caller: Caller, customer_id: int) -> Row | None:
    if caller.sees_all_entities:
        return await conn.fetch_one(_GET_ANY, customer_id=customer_id)
    return await conn.fetch_one(_GET_IN_ENTITY, customer_id=customer_id, entity_id=caller.entity_id)


_GET_FOR_UPDATE_ANY = Prepared(_GET_ANY.statement.with_for_update())  # type: ignore[attr-defined]
_GET_FOR_UPDATE_IN_ENTITY = Prepared(_GET_IN_ENTITY.statement.with_for_update())  # type: ignore[attr-defined]


async def get_for_update(conn: Connection, caller: Caller, customer_id: int) -> Row | None:
    """`get`, the row locked until the transaction ends (PostgreSQL; SQLite writers are
    serialised, and SQLite renders no FOR UPDATE): an update then reads and writes the
    customer and its payment types alone."""
    if caller.sees_all_entities:
        return await conn.fetch_one(_GET_FOR_UPDATE_ANY, customer_id=customer_id)
    return await conn.fetch_one(
        _GET_FOR_UPDATE_IN_ENTITY, customer_id=customer_id, entity_id=caller.entity_id
    )


async def page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> tuple[int, list[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, caller, query, page)


def _not_unique(error: UniqueViolation, values: Mapping[str, Any], entity_id: int) -> NotUnique:
    field = _UNIQUE_FIELDS.get(error.constraint or "")
    if field is None:
        raise error
    return NotUnique(field, values.get(field), entity_id)


_IDENTIFIERS = ("external_id", "code", "secondary_code")


async def insert_or_conflict(conn: Connection, values: Mapping[str, Any]) -> Row | str:
    """Insert; or, when an identifier is already used in the entity, answer which one.

    The unique indexes decide (no check before the write). On a conflict the row that holds
    the identifier is looked up, so the answer is the same on both databases and the
    external id is named first when several are taken, as the partner document shows.
    """
    check_storable(customers, values)
    statement = _insert_statement(conn.dialect_name, tuple(sorted(values)))
    try:
        row = await conn.fetch_one(statement, **bound(values))
    except ForeignKeyViolation as error:
        raise _missing_reference() from error
    if row is not None:
        return row
    given = [field for field in _IDENTIFIERS if values.get(field) is not None]
    for field in given:
        if await conn.fetch_value(
            sa.select(sa.func.count())
            .select_from(customers)
            .where(
                customers.c.entity_id == values["entity_id"], customers.c[field] == values[field]
            )
        ):
            return field
    # The holder was deleted since: still a conflict, and the client may simply retry.
    return given[0]


# Writes are compiled once per set of columns written (a few shapes in practice).
@functools.lru_cache(maxsize=256)
def _insert_statement(dialect_name: str, columns: tuple[str, ...]) -> Prepared:
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(customers).values(written_values(columns))
    return Prepared(statement.on_conflict_do_nothing().returning(customers))


@functools.lru_cache(maxsize=256)
def _update_statement(columns: tuple[str, ...], in_entity: bool = False) -> Prepared:
    statement = sa.update(customers).where(customers.c.customer_id == sa.bindparam("key"))
    if in_entity:
        statement = statement.where(customers.c.entity_id == sa.bindparam("entity_id"))
    return Prepared(statement.values(written_values(columns)).returning(customers))


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """Insert, or NotUnique naming the identifier already used in the entity."""
    result = await insert_or_conflict(conn, values)
    if isinstance(result, str):
        raise NotUnique(result, values[result], values["entity_id"])
    return result


def _missing_reference() -> Invalid:
    # SQLite does not say which foreign key failed; the core checks every reference before
    # writing, so this is only an object deleted at the same moment.
    return Invalid({"id": "An object this customer refers to was deleted meanwhile."})


async def next_account_number(conn: Connection, entity_id: int) -> int:
    """The entity's next account number. The counter row stays locked until the transaction
    ends (PostgreSQL; SQLite writers are serialised), so two creates never get the same."""
    number = await conn.fetch_value(_BUMP_ACCOUNT, entity_id=entity_id)
    if number is None:  # the entity's first generated account
        first = insert_ignoring_conflicts(conn, account_counters).values(
            entity_id=entity_id, last_number=0
        )
        await conn.execute(first)
        number = await conn.fetch_value(_BUMP_ACCOUNT, entity_id=entity_id)
    return int(number)


_BUMP_ACCOUNT = Prepared(
    sa.update(account_counters)
    .where(account_counters.c.entity_id == sa.bindparam("entity_id"))
    .values(last_number=account_counters.c.last_number + 1)
    .returning(account_counters.c.last_number)
)


async def update(
    conn: Connection, customer_id: int, entity_id: int, values: Mapping[str, Any]
) -> Row:
    check_storable(customers, values)
    statement = _update_statement(tuple(sorted(values)))
    try:
        row = await conn.fetch_one(statement, key=customer_id, **bound(values))
    except UniqueViolation as error:
        raise _not_unique(error, values, entity_id) from error
    except ForeignKeyViolation as error:
        raise _missing_reference() from error
    assert row is not None
    return row


async def update_if_visible(
    conn: Connection, caller: Caller, customer_id: int, values: Mapping[str, Any]
) -> Row | None:
    """Update the customer in one statement if the caller may see it (None: no such customer
    for them). Only for fields that no unique index or foreign key guards."""
    check_storable(customers, values)
    columns = tuple(sorted(values))
    if caller.sees_all_entities:
        return await conn.fetch_one(_update_statement(columns), key=customer_id, **bound(values))
    return await conn.fetch_one(
        _update_statement(columns, in_entity=True),
        key=customer_id,
        entity_id=caller.entity_id,
        **bound(values),
    )


async def delete(conn: Connection, customer_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    try:
        return deleted(
            await conn.execute(sa.delete(customers).where(customers.c.customer_id == customer_id))
        )
    except ForeignKeyViolation as error:
        # Only sub-customers hold a customer back: everything else goes with it.
        raise InUse(f"Customer #{customer_id} has sub-customers and cannot be deleted.") from error


async def taken(
    conn: Connection, entity_id: int, field: str, value: Any, customer_id: int | None
) -> bool:
    """Whether another customer of the entity than `customer_id` holds `value` in the unique
    identifier `field`."""
    if not storable(value):
        return False  # no customer can have it
    found = await conn.fetch_value(
        _taken(field), entity_id=entity_id, value=value, customer_id=customer_id or 0
    )
    return found is not None


@functools.lru_cache(maxsize=4)
def _taken(field: str) -> Prepared:
    return Prepared(
        sa.select(customers.c.customer_id)
        .where(
            customers.c.entity_id == sa.bindparam("entity_id"),
            customers.c[field] == sa.bindparam("value"),
            customers.c.customer_id != sa.bindparam("customer_id"),
        )
        .limit(1)
    )


async def parent_of(conn: Connection, entity_id: int, customer_id: int) -> Row | None:
    """The customer's id and parent, if it exists in the entity."""
    return await conn.fetch_one(
        sa.select(customers.c.customer_id, customers.c.parent_customer_id).where(
            customers.c.customer_id == customer_id, customers.c.entity_id == entity_id
        )
    )


async def set_payment_types(
    conn: Connection, customer_id: int, payment_type_ids: Collection[int]
) -> None:
    table = customer_payment_types
    await conn.execute(sa.delete(table).where(table.c.customer_id == customer_id))
    rows = [{"customer_id": customer_id, "payment_type_id": key} for key in set(payment_type_ids)]
    if rows:
        await conn.execute(sa.insert(table).values(rows))


async def insert_link(conn: Connection, values: Mapping[str, Any]) -> Row:
    return await insert_row(conn, links, values)


async def by_identifier(
    conn: Connection,
    caller: Caller,
    entity_id: int,
    external_id: int | None,
    code: str | None,
    *,
    lock: bool = False,
) -> Row | None:
    """The customer a partner names by (entity, external id and/or code), if visible."""
    if (
        not is_key(entity_id)
        or not storable(code)
        or (external_id is not None and not INT64[0] <= external_id <= INT64[1])
    ):
        return None  # no customer can have it (PostgreSQL would refuse to compare it)
    if not caller.can_see_entity(entity_id):
        return None
    statement = _by_identifier(external_id is not None, code is not None, lock)
    given = {"external_id": external_id, "code": code}
    return await conn.fetch_one(
        statement, entity_id=entity_id, **{k: v for k, v in given.items() if v is not None}
    )


@functools.lru_cache(maxsize=8)
def _by_identifier(by_external_id: bool, by_code: bool, lock: bool) -> Prepared:
    statement = sa.select(customers).where(customers.c.entity_id == sa.bindparam("entity_id"))
    if by_external_id:
        statement = statement.where(customers.c.external_id == sa.bindparam("external_id"))
    if by_code:
        statement = statement.where(customers.c.code == sa.bindparam("code"))
    # SQLite renders no FOR UPDATE: its writers are serialised anyway.
    return Prepared(statement.with_for_update() if lock else statement)
