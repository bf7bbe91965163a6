"""Which customer holds which product: the history, and the two moves partners make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import changes as change_log
from customer_registry.core import products
from customer_registry.core.clock import utcnow
from customer_registry.core.customers import Customer
from customer_registry.core.errors import Invalid, NotFound
from customer_registry.core.fields import is_key
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import customers as customer_repository
from customer_registry.storage import history as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attribute
from customer_registry.storage.database import Connection, Row

REASON_MAX = attribute(schema.customer_product_history.c.removal_reason).max_length or 0


@dataclass(frozen=True, slots=True)
class HistoryRow:
    customer_product_history_id: int
    customer_id: int
    product_imei: str
    date_added: datetime | None
    date_removed: datetime | None
    removal_reason: str | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> HistoryRow:
        return cls(**row)


@dataclass(frozen=True, slots=True)
class Moved:
    customer: Customer
    history: HistoryRow


def _valid_reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str) or len(reason) > REASON_MAX or "\x00" in reason:
        raise Invalid({"reason": f"{{field}} must be a string of at most {REASON_MAX} characters."})
    return reason


async def get(
    conn: Connection, caller: Caller, history_id: int, *, for_update: bool = False
) -> HistoryRow:
    """A history row the caller sees (`for_update`: locked until the transaction ends)."""
    row = (
        await repository.get(conn, caller.scope, history_id, lock=for_update)
        if is_key(history_id)
        else None
    )
    if row is None:
        raise _missing(history_id)
    return HistoryRow.from_row(row)


def _missing(history_id: int) -> NotFound:
    return NotFound(f"History row #{history_id} does not exist.")


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[HistoryRow]:
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([HistoryRow.from_row(row) for row in rows], total)


async def delete(conn: Connection, caller: Caller, history_id: int) -> None:
    await get(conn, caller, history_id)
    if not await repository.delete(conn, caller.scope, history_id):
        raise _missing(history_id)  # another request deleted it first


async def change_customer(
    conn: Connection,
    caller: Caller,
    imei: str,
    *,
    entity_id: int,
    external_id: int | None,
    code: str | None,
    reason: object = None,
) -> Moved:
    """Give product `imei` to the customer named by (entity, external id and/or code).

    The product's previous holder and the customer's previous product are both released,
    with `reason`, in the same transaction.
    """
    removal_reason = _valid_reason(reason)
    await repository.serialize_moves(conn)
    await products.get(conn, caller, imei, lock=True)
    row = None
    if caller.scope.sees(entity_id):
        row = await customer_repository.by_identifier(
            conn, caller.scope.for_entity(entity_id), external_id, code, lock=True
        )
    if row is None:
        raise NotFound("No customer with those identifiers in that entity.")
    customer = Customer.from_row(row)
    scope = caller.scope
    current = await repository.current(conn, repository.of_product(scope, imei))
    if current is not None and current["customer_id"] == customer.customer_id:
        return Moved(customer, HistoryRow.from_row(current))  # already theirs: nothing to do
    now = utcnow()
    release = {
        "date_removed": now,
        "removal_reason": removal_reason,
        "modified_at": now,
        "modified_by": caller.username,
    }
    await repository.close_current(conn, repository.of_product(scope, imei), release)
    released = repository.of_customer(scope, customer.customer_id)
    held = await repository.current(conn, released)
    await repository.close_current(conn, released, release)
    for ended in (current, held):
        if ended is not None:
            await _removed(conn, caller, HistoryRow.from_row(ended), release)
    added = await repository.insert(
        conn,
        {
            "customer_id": customer.customer_id,
            "product_imei": imei,
            "date_added": now,
            "created_at": now,
            "created_by": caller.username,
        },
    )
    holding = HistoryRow.from_row(added)
    await change_log.record(
        conn,
        caller,
        customer_id=holding.customer_id,
        action="product.added",
        before={},
        after={"product_imei": imei, "date_added": now},
        subject=imei,
    )
    return Moved(customer, holding)


async def expire_customer(
    conn: Connection, caller: Caller, imei: str, reason: object = None
) -> None:
    """Take product `imei` back from its customer (if it has one), recording `reason`."""
    removal_reason = _valid_reason(reason)
    await repository.serialize_moves(conn)
    await products.get(conn, caller, imei, lock=True)
    now = utcnow()
    held = repository.of_product(caller.scope, imei)
    current = await repository.current(conn, held)
    release = {
        "date_removed": now,
        "removal_reason": removal_reason,
        "modified_at": now,
        "modified_by": caller.username,
    }
    await repository.close_current(conn, held, release)
    if current is not None:
        await _removed(conn, caller, HistoryRow.from_row(current), release)


async def _removed(
    conn: Connection, caller: Caller, holding: HistoryRow, release: Mapping[str, Any]
) -> None:
    """A product taken from its customer (`release`: how), in the customer's history."""
    await change_log.record(
        conn,
        caller,
        customer_id=holding.customer_id,
        action="product.removed",
        before={"product_imei": holding.product_imei},
        after={name: release[name] for name in ("date_removed", "removal_reason")},
        subject=holding.product_imei,
    )
