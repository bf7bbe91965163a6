"""Every query on customers' histories of changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Prepared, Row
from customer_registry.storage.rows import write_many
from customer_registry.storage.schema import customer_changes as changes
from customer_registry.storage.schema import customers
from customer_registry.storage.scope import entity_scope, per_scope_kind, scope_values

# What an entry is written with: every column but its generated id.
_COLUMNS = tuple(column.name for column in changes.columns if not column.primary_key)
_VALUES = {name: sa.bindparam(name, type_=changes.c[name].type) for name in _COLUMNS}
_INSERT = Prepared(sa.insert(changes).values(_VALUES))
# An entry in the entity its customer is in now (read in the same statement).
_INSERT_IN_CUSTOMERS_ENTITY = Prepared(
    sa.insert(changes).from_select(
        _COLUMNS,
        sa.select(
            *(customers.c.entity_id if name == "entity_id" else _VALUES[name] for name in _COLUMNS)
        ).where(customers.c.customer_id == _VALUES["customer_id"]),
    )
)


async def insert(conn: Connection, values: Mapping[str, Any]) -> None:
    """One entry, made by the core; with no `entity_id`, in its customer's entity."""
    if values["entity_id"] is None:
        await conn.execute(_INSERT_IN_CUSTOMERS_ENTITY, **values)
    else:
        await conn.execute(_INSERT, **values)


async def insert_many(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Entries of a batch of changes (a bulk import's creates), in a few statements."""
    await write_many(conn, changes, rows)


@per_scope_kind
def _of_customer(scope: Scope) -> Prepared:
    return Prepared(
        sa.select(changes)
        .where(
            changes.c.customer_id == sa.bindparam("customer_id"),
            changes.c.changed_at >= sa.bindparam("since", type_=sa.DateTime()),
            entity_scope(scope, changes.c.entity_id),
        )
        .order_by(changes.c.change_id)
    )


async def of_customer(
    conn: Connection, scope: Scope, customer_id: int, since: datetime
) -> Sequence[Row]:
    """The entries of a customer since `since`, oldest first, those of the entities the scope
    sees (a customer moved to another entity keeps the entries made before in the old one's)."""
    return await conn.fetch_all(
        _of_customer(scope), customer_id=customer_id, since=since, **scope_values(scope)
    )


async def delete_before(conn: Connection, before: datetime) -> int:
    """Delete the entries made before `before`; answer how many."""
    return await conn.execute(sa.delete(changes).where(changes.c.changed_at < before))
