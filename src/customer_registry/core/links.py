"""Entity links of customers and products, as resources of their own.

A link is current while `date_removed` is NULL; an owner has at most one current link (a
partial unique index), and its own `entity_id` follows that link. A product without a current
link has no entity; a customer always belongs to one, so when its last current link is ended
or deleted it stays in the entity it was in (the documents' examples end links this way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import changes as change_log
from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, UnknownField
from customer_registry.core.fields import check_storable, is_key
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import links as repository
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.links import CUSTOMER_LINKS, PRODUCT_LINKS, LinkTable

__all__ = ["CUSTOMER_LINKS", "PRODUCT_LINKS", "Link", "LinkTable"]

_DATES = ("date_added", "date_removed")


@dataclass(frozen=True, slots=True)
class Link:
    link_id: int
    owner: int | str  # customer_id or product_imei
    entity_id: int
    date_added: datetime | None
    date_removed: datetime | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, links: LinkTable, row: Row) -> Link:
        values = dict(row)
        return cls(
            link_id=values.pop(links.key.name),
            owner=values.pop(links.owner.name),
            **values,
        )


async def get(
    conn: Connection, caller: Caller, links: LinkTable, link_id: int, *, for_update: bool = False
) -> Link:
    """A link the caller sees (`for_update`: locked until the transaction ends)."""
    row = (
        await repository.get(conn, caller.scope, links, link_id, lock=for_update)
        if is_key(link_id)
        else None
    )
    if row is None:
        raise _missing(link_id)
    return Link.from_row(links, row)


def _missing(link_id: int) -> NotFound:
    return NotFound(f"Link #{link_id} does not exist.")


async def list_page(
    conn: Connection, caller: Caller, links: LinkTable, query: ListQuery, page: PageRequest
) -> Page[Link]:
    total, rows = await repository.page(conn, caller.scope, links, query, page)
    return Page([Link.from_row(links, row) for row in rows], total)


async def _follow(conn: Connection, links: LinkTable, owner: object) -> None:
    """Keep the owner's own entity_id equal to its current link's entity."""
    entity_id = await repository.current_entity(conn, links, owner)
    if entity_id is None and links is CUSTOMER_LINKS:
        return
    await repository.set_owner_entity(conn, links, owner, entity_id)


async def _check(
    conn: Connection, caller: Caller, links: LinkTable, changes: Mapping[str, Any]
) -> None:
    for field in changes:
        if field not in (links.owner.name, "entity_id", *_DATES):
            raise UnknownField(field)
    # The references first: one no row can have (an id past its column's range) names
    # nothing, and is answered as a missing one is, not as a value out of range.
    if "entity_id" in changes:
        entity_id = changes["entity_id"]
        if not caller.can_see_entity(entity_id):
            raise Forbidden("You may only link to your own entity.")
        await entities.require_existing(conn, caller, entity_id, field="entity_id")
    owner_field = links.owner.name
    if owner_field in changes and not await repository.owner_exists(
        conn, caller.scope, links, changes[owner_field]
    ):
        raise Invalid({owner_field: "{field} does not exist."})
    check_storable(links.table, changes)


async def update(
    conn: Connection, caller: Caller, links: LinkTable, link_id: int, changes: Mapping[str, Any]
) -> Link:
    existing = await get(conn, caller, links, link_id)
    await _check(conn, caller, links, changes)
    if not changes:
        return existing
    audit = {"modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, links, link_id, {**changes, **audit})
    if row is None:
        raise _missing(link_id)  # another request deleted it first
    updated = Link.from_row(links, row)
    for owner in {existing.owner, updated.owner}:
        await _follow(conn, links, owner)
        await _record(conn, caller, links, owner, "link.updated", existing, updated)
    return updated


async def delete(conn: Connection, caller: Caller, links: LinkTable, link_id: int) -> None:
    existing = await get(conn, caller, links, link_id)
    if not await repository.delete(conn, caller.scope, links, link_id):
        raise _missing(link_id)  # another request deleted it first
    await _follow(conn, links, existing.owner)
    await _record(conn, caller, links, existing.owner, "link.deleted", existing, None)


async def _record(
    conn: Connection,
    caller: Caller,
    links: LinkTable,
    owner: object,
    action: str,
    before: Link,
    after: Link | None,
) -> None:
    """A customer link's change, in its customer's history (once its entity followed)."""
    if links is CUSTOMER_LINKS:
        assert isinstance(owner, int)
        await change_log.record(
            conn,
            caller,
            customer_id=owner,
            action=action,
            before=_fields(links, before),
            after=_fields(links, after),
            subject=before.link_id,
        )


def _fields(links: LinkTable, link: Link | None) -> dict[str, Any]:
    if link is None:
        return {}
    return {
        links.owner.name: link.owner,
        "entity_id": link.entity_id,
        "date_added": link.date_added,
        "date_removed": link.date_removed,
    }
