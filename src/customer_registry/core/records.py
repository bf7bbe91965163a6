"""A customer's full record: the customer with the catalogue objects, parent, creator,
payment types and contacts it names (what the sales API shows)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from customer_registry.core.contacts import Contact
from customer_registry.core.customers import Customer
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import customers as customer_repository
from customer_registry.storage import records as repository
from customer_registry.storage.database import Connection, Row


# Frozen Structs, not frozen dataclasses: a record and up to five of these are built for
# each sales record read, and a Struct is built in C (see core.customers.Customer).
class Ref(msgspec.Struct, frozen=True):
    """An object a record names, as much as a link to it needs."""

    id: int
    reference: str | None
    name: str | None


class Record(msgspec.Struct, frozen=True):
    customer: Customer
    organization: str
    category: Ref | None
    segmentation: Ref | None
    region: Ref | None
    creator: Ref | None  # reference: username; name: display name
    parent: Ref | None
    currency: str | None  # ISO code
    payment_types: tuple[Ref, ...]
    contacts: tuple[Contact, ...]


def _ref(row: Row, key: str, reference: str, name: str) -> Ref | None:
    """The object the row names by column `key`, if any (the columns' names written out: no
    name to build for each record)."""
    found = row[key]
    return None if found is None else Ref(found, row[reference], row[name])


def _payment_types(value: str | None) -> tuple[Ref, ...]:
    found = repository.read_payment_types(value)
    # Most customers have none: no generator to run for them.
    if not found:
        return ()
    return tuple(Ref(row["payment_type_id"], row["reference"], row["name"]) for row in found)


def _contacts(value: str | None) -> tuple[Contact, ...]:
    found = repository.read_contacts(value)
    return tuple(Contact.from_row(row) for row in found) if found else ()


def _record(row: Row) -> Record:
    """A record from its one row (`storage/records.py`): the customer, what it names, and
    its payment types and contacts as arrays."""
    return Record(
        customer=Customer.from_row(row),
        organization=row["organization"],
        category=_ref(row, "category_id", "category_reference", "category_name"),
        segmentation=_ref(row, "segmentation_id", "segmentation_reference", "segmentation_name"),
        region=_ref(row, "region_id", "region_reference", "region_name"),
        creator=_ref(row, "creator_id", "creator_username", "creator_display_name"),
        parent=_ref(row, "parent_customer_id", "parent_code", "parent_name"),
        currency=row["currency_reference"],
        payment_types=_payment_types(row["payment_types"]),
        contacts=_contacts(row["contacts"]),
    )


async def records(conn: Connection, caller: Caller, ids: Sequence[int]) -> list[Record]:
    """The records of `ids` the caller may see, in the order of `ids` (one statement)."""
    rows = {r["customer_id"]: r for r in await repository.records_of(conn, caller.scope, ids)}
    return [_record(rows[key]) for key in ids if key in rows]


async def record(conn: Connection, caller: Caller, customer_id: int) -> Record:
    found = await records(conn, caller, [customer_id])
    if not found:
        raise missing("customer", "id", customer_id)
    return found[0]


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Record]:
    """A page of the customers the caller may see, as records: two statements, the page (as
    every list's, and the total when the page does not tell it), then its records (one).

    One statement for both (the page a subquery of the records' statement) was measured
    slower on PostgreSQL: with the page's LIMIT and OFFSET as parameters, PostgreSQL plans
    that statement, eight joins, again at every run (about 1.1 ms more per page than the
    round trip it saves), where it keeps one plan for the page and one for the records."""
    total, rows = await customer_repository.page(conn, caller.scope, query, page)
    listed = await records(conn, caller, [row["customer_id"] for row in rows])
    return Page(listed, total)
