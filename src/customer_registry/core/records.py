"""A customer's full record: the customer with the catalogue objects, parent, creator,
payment types and contacts it names (what the sales API shows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from customer_registry.core.contacts import Contact
from customer_registry.core.customers import Customer
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller
from customer_registry.storage import records as repository
from customer_registry.storage.database import Connection, Row


@dataclass(frozen=True, slots=True)
class Ref:
    """An object a record names, as much as a link to it needs."""

    id: int
    reference: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Record:
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


def _ref(row: Row, key: str, prefix: str, reference: str, name: str) -> Ref | None:
    if row[key] is None:
        return None
    return Ref(row[key], row[f"{prefix}_{reference}"], row[f"{prefix}_{name}"])


async def records(conn: Connection, caller: Caller, ids: Sequence[int]) -> list[Record]:
    """The records of `ids` the caller may see, in the order of `ids`."""
    if not ids:
        return []
    scope = caller.scope
    rows = {r["customer_id"]: r for r in await repository.customers_with_names(conn, scope, ids)}
    payment_types: dict[int, list[Ref]] = defaultdict(list)
    for row in await repository.payment_types_of(conn, scope, list(rows)):
        payment_types[row["customer_id"]].append(
            Ref(row["payment_type_id"], row["reference"], row["name"])
        )
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for row in await repository.contacts_of(conn, scope, list(rows)):
        contacts[row["customer_id"]].append(Contact.from_row(row))
    found = []
    for key in ids:
        if key not in rows:
            continue
        row = rows[key]
        found.append(
            Record(
                customer=Customer.from_row(row),
                organization=row["organization"],
                category=_ref(row, "category_id", "category", "reference", "name"),
                segmentation=_ref(row, "segmentation_id", "segmentation", "reference", "name"),
                region=_ref(row, "region_id", "region", "reference", "name"),
                creator=_ref(row, "creator_id", "creator", "username", "display_name"),
                parent=_ref(row, "parent_customer_id", "parent", "code", "name"),
                currency=row["currency_reference"],
                payment_types=tuple(payment_types[key]),
                contacts=tuple(contacts[key]),
            )
        )
    return found


async def record(conn: Connection, caller: Caller, customer_id: int) -> Record:
    found = await records(conn, caller, [customer_id])
    if not found:
        raise missing("customer", "id", customer_id)
    return found[0]
