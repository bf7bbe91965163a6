"""Every query on customers and their entity links."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from customer_registry.core.errors import InUse, Invalid, NotUnique
from customer_registry.core.fields import INT64, check_storable, is_key
from customer_registry.core.query import ListQuery, PageRequest, containing
from customer_registry.core.scope import Scope
from customer_registry.storage import full_text
from customer_registry.storage.database import (
    Connection,
    Prepared,
    Row,
    dialect_insert,
    insert_ignoring_conflicts,
    storable,
)
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import CUSTOMERS as LISTING
from customer_registry.storage.rows import (
    bound,
    delete_row,
    insert_row,
    write_many,
    written_values,
)
from customer_registry.storage.schema import (
    SEARCH_TEXT,
    account_counters,
    customer_changes,
    customer_payment_types,
    customers,
    customers_search,
)
from customer_registry.storage.schema import customer_entity_linker as links
from customer_registry.storage.scope import (
    entity_scope,
    own_entity,
    per_scope_kind,
    placed,
    scope_values,
    through,
)

# Which identifier a unique index protects.
_UNIQUE_FIELDS = {
    "ix_customers_entity_id_external_id": "external_id",
    "ix_customers_entity_id_code": "code",
    "ix_customers_entity_id_secondary_code": "secondary_code",
}


# The hot path (GET by id): compiled once per kind of scope, one round trip.
@per_scope_kind
def _get(scope: Scope, lock: bool) -> Prepared:
    statement = sa.select(customers).where(
        customers.c.customer_id == sa.bindparam("customer_id"),
        entity_scope(scope, customers.c.entity_id),
    )
    return Prepared(statement.with_for_update() if lock else statement)


async def get(conn: Connection, scope: Scope, customer_id: int) -> Sequence[Any] | None:
    """The customer, if the scope sees it, as the values of its `select(customers)` row: read
    by position, no mapping of fifty-odd names built for one record."""
    return await _one(conn, _get(scope, False), scope, customer_id)


async def _one(
    conn: Connection, statement: Prepared, scope: Scope, customer_id: int
) -> Sequence[Any] | None:
    rows = await conn.fetch_values(statement, customer_id=customer_id, **scope_values(scope))
    return rows[0] if rows else None


async def by_ids(conn: Connection, scope: Scope, customer_ids: Collection[int]) -> Sequence[Row]:
    """The customers of `customer_ids` the scope sees, in no order."""
    return await conn.fetch_all(
        sa.select(customers).where(
            customers.c.customer_id.in_(list(customer_ids)),
            entity_scope(scope, customers.c.entity_id),
        )
    )


@per_scope_kind
def _after(scope: Scope, limit: int) -> Prepared:
    statement = (
        sa.select(customers)
        .where(
            customers.c.customer_id > sa.bindparam("after"),
            entity_scope(scope, customers.c.entity_id),
        )
        .order_by(customers.c.customer_id)
        .limit(limit)
    )
    return Prepared(statement)


async def after(
    conn: Connection, scope: Scope, customer_id: int, limit: int
) -> Sequence[Sequence[Any]]:
    """The next `limit` customers the scope sees, by id, after `customer_id` (an export's
    walk: each batch one index range, however far it has gone), as the values of
    `select(customers)` rows."""
    statement = _after(scope, limit)
    return await conn.fetch_values(statement, after=customer_id, **scope_values(scope))


async def get_for_update(conn: Connection, scope: Scope, customer_id: int) -> Sequence[Any] | None:
    """`get`, the row locked until the transaction ends (PostgreSQL; SQLite writers are
    serialised, and SQLite renders no FOR UPDATE): an update then reads and writes the
    customer and its payment types alone."""
    return await _one(conn, _get(scope, True), scope, customer_id)


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


async def search(
    conn: Connection, scope: Scope, text: str, equal: Mapping[str, Any], limit: int
) -> Sequence[Row]:
    """The id and name of up to `limit` customers the scope sees whose searched text
    (SEARCH_TEXT) holds `text` (case-insensitively; `%` and `_` taken literally) and whose
    fields equal `equal`'s, in no order.

    On PostgreSQL they are found through the trigram index: the planner's guess of how many
    rows a text matches is poor (it walks the whole table for a text no row holds, 1.2 s at a
    million), so within this read it may use no other way (a heap or index scan that stops
    at `limit` rows only pays when the guess is right). On SQLite, through the full-text
    table (`storage.full_text`)."""
    statement = search_statement(conn.dialect_name, scope, text, equal, limit)
    if conn.dialect_name != "postgresql":
        return await conn.fetch_all(statement)
    async with conn.transaction():
        for setting in ONLY_BITMAPS:
            await conn.execute(setting)
        return await conn.fetch_all(statement)


def search_statement(
    dialect_name: str, scope: Scope, text: str, equal: Mapping[str, Any], limit: int
) -> sa.Select[Any]:
    """`search`'s statement. Every customer it answers matches the search's own condition,
    on both databases; on SQLite the full-text table only narrows which rows are checked:
    the customers it gives are read first (a join in that order), by id."""
    statement = (
        sa.select(customers.c.customer_id, customers.c.name)
        .where(
            LISTING.scope(scope, customers),
            SEARCH_TEXT.ilike(containing(text), escape="\\"),
            *(customers.c[name] == value for name, value in equal.items()),
        )
        .limit(limit)
    )
    query = full_text.phrase(text) if dialect_name == "sqlite" else None
    if query is None:
        return statement
    indexed = full_text.OrderedJoin(
        customers_search, customers, customers.c.customer_id == customers_search.c.rowid
    )
    return statement.select_from(indexed).where(customers_search.c.search_text.match(query))


# The planner's other ways, turned off within a search's read (see `search`).
ONLY_BITMAPS = [
    sa.text(f"SET LOCAL {name} = off") for name in ("enable_seqscan", "enable_indexscan")
]


def _not_unique(error: UniqueViolation, values: Mapping[str, Any], entity_id: int) -> NotUnique:
    field = _UNIQUE_FIELDS.get(error.constraint or "")
    if field is None:
        raise error
    return NotUnique(field, values.get(field), entity_id)


# The fields a customer is unique by in its entity (each a unique index), in the order a
# conflict names them.
IDENTIFIERS = ("external_id", "code", "secondary_code")


async def insert_or_conflict(
    conn: Connection, scope: Scope, values: Mapping[str, Any]
) -> Row | str:
    """Insert in the entity the scope's new rows go to; or, when an identifier is already
    used in that entity, answer which one.

    The unique indexes decide (no check before the write). On a conflict the row that holds
    the identifier is looked up, so the answer is the same on both databases and the
    external id is named first when several are taken, as the partner document shows.
    """
    values = placed(scope, values)
    check_storable(customers, values)
    statement = _insert_statement(conn.dialect_name, tuple(sorted(values)))
    try:
        row = await conn.fetch_one(statement, **bound(values))
    except ForeignKeyViolation as error:
        raise _missing_reference() from error
    if row is not None:
        return row
    return await _identifier_taken(conn, scope, values)


async def insert_many_or_conflict(
    conn: Connection, scope: Scope, rows: Sequence[Mapping[str, Any]]
) -> list[int | NotUnique | Invalid]:
    """`insert_or_conflict` of many rows at once (a bulk import's batch), in a few
    statements: for each row, in order, the new customer's id, the identifier already taken,
    or the values its columns cannot store. Every row must have a code, each its own: the
    rows written are told apart by it."""
    refused: dict[int, Invalid] = {}
    storable_rows: list[dict[str, Any]] = []
    for n, values in enumerate(rows):
        try:
            check_storable(customers, values)
        except Invalid as error:
            refused[n] = error
            continue
        storable_rows.append(placed(scope, values))
    try:
        written = await write_many(
            conn, customers, storable_rows, returning=("customer_id", "code"), skip_conflicts=True
        )
    except ForeignKeyViolation as error:
        raise _missing_reference() from error
    by_code = {row["code"]: row["customer_id"] for row in written}
    answers: list[int | NotUnique | Invalid] = []
    tried = iter(storable_rows)
    for n in range(len(rows)):
        if n in refused:
            answers.append(refused[n])
            continue
        values = next(tried)
        key = by_code.get(values["code"])
        if key is None:  # skipped: an identifier the entity has, or another row of `rows`
            field = await _identifier_taken(conn, scope, values)
            answers.append(NotUnique(field, values[field], scope.entity_id))
        else:
            answers.append(key)
    return answers


async def _identifier_taken(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> str:
    """Which identifier of `values` a customer of the scope's entity already has (an insert
    that ON CONFLICT DO NOTHING skipped)."""
    given = [field for field in IDENTIFIERS if values.get(field) is not None]
    for field in given:
        if await conn.fetch_value(
            sa.select(sa.func.count())
            .select_from(customers)
            .where(own_entity(scope, customers.c.entity_id), customers.c[field] == values[field])
        ):
            return field
    # The holder was deleted since: still a conflict, and the client may simply retry.
    return given[0]


# Writes are compiled once per set of columns written (a few shapes in practice).
@functools.lru_cache(maxsize=256)
def _insert_statement(dialect_name: str, columns: tuple[str, ...]) -> Prepared:
    statement = dialect_insert(dialect_name, customers).values(written_values(columns))
    return Prepared(statement.on_conflict_do_nothing().returning(customers))


@per_scope_kind
def _update_statement(scope: Scope, columns: tuple[str, ...]) -> Prepared:
    statement = sa.update(customers).where(
        customers.c.customer_id == sa.bindparam("key"), entity_scope(scope, customers.c.entity_id)
    )
    return Prepared(statement.values(written_values(columns)).returning(customers))


async def insert(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> Row:
    """Insert in the scope's entity, or NotUnique naming the identifier already used there."""
    result = await insert_or_conflict(conn, scope, values)
    if isinstance(result, str):
        raise NotUnique(result, values[result], scope.entity_id)
    return result


def _missing_reference() -> Invalid:
    # SQLite does not say which foreign key failed; the core checks every reference before
    # writing, so this is only an object deleted at the same moment.
    return Invalid({"id": "An object this customer refers to was deleted meanwhile."})


async def next_account_number(conn: Connection, scope: Scope) -> int:
    """The next account number of the entity the scope's new rows go to. The counter row
    stays locked until the transaction ends (PostgreSQL; SQLite writers are serialised), so
    two creates never get the same."""
    bump = _bump_account(scope)
    number = await conn.fetch_value(bump, **scope_values(scope))
    if number is None:  # the entity's first generated account
        first = insert_ignoring_conflicts(conn, account_counters).values(
            **placed(scope, {"last_number": 0})
        )
        await conn.execute(first)
        number = await conn.fetch_value(bump, **scope_values(scope))
    return int(number)


@per_scope_kind
def _bump_account(scope: Scope) -> Prepared:
    return Prepared(
        sa.update(account_counters)
        .where(own_entity(scope, account_counters.c.entity_id))
        .values(last_number=account_counters.c.last_number + 1)
        .returning(account_counters.c.last_number)
    )


async def update(
    conn: Connection, scope: Scope, customer_id: int, values: Mapping[str, Any]
) -> Row | None:
    """Update the customer if the scope sees it (None: no such customer for it); NotUnique
    names the scope's entity, the one the core resolved the customer's identifiers in."""
    check_storable(customers, values)
    statement = _update_statement(scope, tuple(sorted(values)))
    try:
        return await conn.fetch_one(
            statement, key=customer_id, **scope_values(scope), **bound(values)
        )
    except UniqueViolation as error:
        raise _not_unique(error, values, scope.entity_id) from error
    except ForeignKeyViolation as error:
        raise _missing_reference() from error


def updates_alone(conn: Connection) -> bool:
    """Whether `update_alone` may be used: PostgreSQL only (SQLite cannot write in a WITH)."""
    return conn.dialect_name == "postgresql"


async def update_alone(
    conn: Connection,
    scope: Scope,
    customer_id: int,
    values: Mapping[str, Any],
    entry: Mapping[str, Any],
) -> Row | None:
    """Update the customer if the scope sees it (None: no such customer for it), and record
    the change in its history, in one statement (`updates_alone`): it locks the row, updates
    it, and writes `entry` (a history entry but its customer, entity and changes) with the
    fields whose value changed, old and new (JSON), those named in `entry["unrecorded"]`
    aside; no entry when nothing changed. Only for fields that no unique index or foreign
    key guards."""
    check_storable(customers, values)
    statement = _update_alone_statement(scope, tuple(sorted(values)))
    return await conn.fetch_one(
        statement, key=customer_id, **scope_values(scope), **bound(values), **entry
    )


@per_scope_kind
def _update_alone_statement(scope: Scope, columns: tuple[str, ...]) -> Prepared:
    old = (
        sa.select(customers)
        .where(
            customers.c.customer_id == sa.bindparam("key"),
            entity_scope(scope, customers.c.entity_id),
        )
        .with_for_update()
        .cte("old")
    )
    updated = (
        sa.update(customers)
        .where(customers.c.customer_id == old.c.customer_id)
        .values(written_values(columns))
        .returning(*customers.c)
        .cte("updated")
    )
    return Prepared(
        sa.select(updated).add_cte(_entry_of_update(old, updated, "customer_changes_entry"))
    )


def _entry_of_update(old: sa.CTE, updated: sa.CTE, name: str) -> sa.CTE:
    """The history entry of a one-row update: each field whose value changed, [old, new],
    and the customer's fields after it (its `state`)."""
    unrecorded = sa.bindparam("unrecorded", type_=postgresql.ARRAY(sa.Text()))
    before = sa.func.jsonb_each(
        sa.func.to_jsonb(old.table_valued()).op("-")(unrecorded)
    ).table_valued("key", "value", name="before")
    after = sa.func.jsonb_each(sa.func.to_jsonb(updated.table_valued())).table_valued(
        "key", "value", name="after"
    )
    found = (
        sa.select(
            sa.cast(
                sa.func.jsonb_object_agg(
                    before.c.key, sa.func.jsonb_build_array(before.c.value, after.c.value)
                ),
                sa.Text(),
            )
        )
        .select_from(before.join(after, after.c.key == before.c.key))
        .where(before.c.value.is_distinct_from(after.c.value))
        .scalar_subquery()
    )
    state = sa.cast(sa.func.to_jsonb(updated.table_valued()).op("-")(unrecorded), sa.Text())
    diff = (
        sa.select(
            updated.c.customer_id,
            updated.c.entity_id,
            found.label("changes"),
            state.label("state"),
        )
        .select_from(updated.join(old, old.c.customer_id == updated.c.customer_id))
        .subquery("diff")
    )
    given = ("changed_at", "user_id", "username", "surface", "action")
    columns = ("customer_id", "entity_id", "changes", "state", *given)
    source = sa.select(
        diff.c.customer_id,
        diff.c.entity_id,
        diff.c.changes,
        diff.c.state,
        *(sa.bindparam(name, type_=customer_changes.c[name].type) for name in given),
    ).where(diff.c.changes.is_not(None))
    return sa.insert(customer_changes).from_select(columns, source).cte(name)


async def delete(conn: Connection, scope: Scope, customer_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    try:
        return await delete_row(conn, LISTING, scope, customer_id)
    except ForeignKeyViolation as error:
        # Only sub-customers hold a customer back: everything else goes with it.
        raise InUse(f"Customer #{customer_id} has sub-customers and cannot be deleted.") from error


async def taken(
    conn: Connection, scope: Scope, field: str, value: Any, customer_id: int | None
) -> bool:
    """Whether another customer of the scope's entity than `customer_id` holds `value` in
    the unique identifier `field`."""
    if not storable(value):
        return False  # no customer can have it
    found = await conn.fetch_value(
        _taken(scope, field), value=value, customer_id=customer_id or 0, **scope_values(scope)
    )
    return found is not None


@per_scope_kind
def _taken(scope: Scope, field: str) -> Prepared:
    return Prepared(
        sa.select(customers.c.customer_id)
        .where(
            own_entity(scope, customers.c.entity_id),
            customers.c[field] == sa.bindparam("value"),
            customers.c.customer_id != sa.bindparam("customer_id"),
        )
        .limit(1)
    )


async def parent_of(conn: Connection, scope: Scope, customer_id: int) -> Row | None:
    """The customer's id and parent, if it exists in the scope's entity."""
    return await conn.fetch_one(
        sa.select(customers.c.customer_id, customers.c.parent_customer_id).where(
            customers.c.customer_id == customer_id, own_entity(scope, customers.c.entity_id)
        )
    )


async def set_payment_types(
    conn: Connection, scope: Scope, customer_id: int, payment_type_ids: Collection[int]
) -> set[int]:
    """Replace the payment types of a customer the scope sees; answer those it had."""
    table = customer_payment_types
    replaced = await conn.fetch_all(
        sa.delete(table)
        .where(
            table.c.customer_id == customer_id,
            through(scope, table.c.customer_id, customers.c.customer_id),
        )
        .returning(table.c.payment_type_id)
    )
    rows = [{"customer_id": customer_id, "payment_type_id": key} for key in set(payment_type_ids)]
    if rows:
        await conn.execute(sa.insert(table).values(rows))
    return {row["payment_type_id"] for row in replaced}


async def insert_link(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> Row:
    """The customer's link to the entity the scope's new rows go to."""
    return await insert_row(conn, links, placed(scope, values))


async def insert_links(conn: Connection, scope: Scope, rows: Sequence[Mapping[str, Any]]) -> None:
    """`insert_link` for many new customers at once."""
    placed_rows = [placed(scope, values) for values in rows]
    for values in placed_rows:
        check_storable(links, values)
    await write_many(conn, links, placed_rows)


async def refresh_statistics(conn: Connection) -> None:
    """Have PostgreSQL's planner sample the customers and their links again (a bulk import
    that grew them). SQLite picks the unique index of a lookup by code without statistics."""
    if conn.dialect_name == "postgresql":
        await conn.execute(sa.text("ANALYZE customers, customer_entity_linker"))


async def codes_taken(conn: Connection, scope: Scope, codes: Collection[str]) -> set[str]:
    """Which of `codes` customers of the scope's entity have (one query for an import's
    batch; a code no row can hold is none of them)."""
    possible = [code for code in codes if storable(code)]
    if not possible:
        return set()
    rows = await conn.fetch_all(
        sa.select(customers.c.code).where(
            own_entity(scope, customers.c.entity_id), customers.c.code.in_(possible)
        )
    )
    return {row["code"] for row in rows}


async def by_identifier(
    conn: Connection,
    scope: Scope,
    external_id: int | None,
    code: str | None,
    *,
    lock: bool = False,
) -> Row | None:
    """The customer of the scope's entity a partner names by external id and/or code."""
    if (
        not is_key(scope.entity_id)
        or not storable(code)
        or (external_id is not None and not INT64[0] <= external_id <= INT64[1])
    ):
        return None  # no customer can have it (PostgreSQL would refuse to compare it)
    statement = _by_identifier(scope, external_id is not None, code is not None, lock)
    given = {"external_id": external_id, "code": code}
    return await conn.fetch_one(
        statement,
        **scope_values(scope),
        **{k: v for k, v in given.items() if v is not None},
    )


@per_scope_kind
def _by_identifier(scope: Scope, by_external_id: bool, by_code: bool, lock: bool) -> Prepared:
    statement = sa.select(customers).where(own_entity(scope, customers.c.entity_id))
    if by_external_id:
        statement = statement.where(customers.c.external_id == sa.bindparam("external_id"))
    if by_code:
        statement = statement.where(customers.c.code == sa.bindparam("code"))
    # SQLite renders no FOR UPDATE: its writers are serialised anyway.
    return Prepared(statement.with_for_update() if lock else statement)
