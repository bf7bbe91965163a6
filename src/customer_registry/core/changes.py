"""A customer's history: each create, update and delete of the customer, its contacts, its
entity links and the products it holds, recorded by the core in the change's own
transaction (so a rolled-back change leaves none), through whichever API, the command line
or an import made it.

An entry says when, who (the user), through which surface, what (`customer.updated`,
`contact.created`…, and which contact, link or product) and each changed field's old and
new value, in the registry's own field names: the same change reads the same whichever API
made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from customer_registry.core.clock import utcnow
from customer_registry.core.permissions import Caller
from customer_registry.storage import changes as repository
from customer_registry.storage.database import Connection, Row

# Which surface the running change came through: `partner`, `sales` or `billing` (each
# API's app sets its own), `import` (an import says so) or `cli`. The core's callers are
# many, and this is what they all share.
SURFACE: ContextVar[str] = ContextVar("surface", default="cli")


@contextmanager
def through(surface: str) -> Iterator[None]:
    """Changes made within the block are recorded as made through `surface`."""
    token = SURFACE.set(surface)
    try:
        yield
    finally:
        SURFACE.reset(token)


# Not changes of their own: when and by whom is the entry's.
_AUDIT = frozenset({"created_at", "created_by", "modified_at", "modified_by"})
# A state's fields that no change names: the audit's and the customer's id.
_NOT_CHANGED = _AUDIT | {"customer_id"}
# The `changes` of an entry that keeps them in its state (`changes_of`).
_IN_STATE = "null"

Values = Mapping[str, Any]
Differences = dict[str, tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class Change:
    change_id: int
    customer_id: int
    changed_at: datetime
    username: str
    surface: str
    action: str
    subject: str | None
    changes: dict[str, list[Any]]
    state: dict[str, Any] | None  # the customer's fields, for a change of the customer itself

    @classmethod
    def from_row(cls, row: Row) -> Change:
        state = None if row["state"] is None else orjson.loads(row["state"])
        return cls(
            change_id=row["change_id"],
            customer_id=row["customer_id"],
            changed_at=row["changed_at"],
            username=row["username"],
            surface=row["surface"],
            action=row["action"],
            subject=row["subject"],
            changes=changes_of(row, state),
            state=state,
        )


def changes_of(entry: Row, state: Values | None = None) -> dict[str, list[Any]]:
    """An entry's changes, [before, after] by field. A creation that `record_created` wrote
    keeps its fields once, in its state (`changes` is JSON null): each of them with a value,
    from nothing to it, as `record` would have written them. `state`: the entry's, if the
    caller has read it already."""
    found: dict[str, list[Any]] | None = orjson.loads(entry["changes"])
    if found is not None:
        return found
    if state is None:
        state = orjson.loads(entry["state"])
    return {
        name: [None, value]
        for name, value in state.items()
        if value is not None and name not in _NOT_CHANGED
    }


def differences(before: Values, after: Values) -> Differences:
    """Each field whose value is not the same after as before (a field one side lacks is
    None there), audit fields aside."""
    return {
        name: (before.get(name), after.get(name))
        for name in (before.keys() | after.keys()) - _AUDIT
        if before.get(name) != after.get(name)
    }


def _entry(
    caller: Caller,
    customer_id: int,
    entity_id: int | None,
    action: str,
    found: Differences,
    subject: object,
    now: datetime,
    state: Values | None = None,
) -> dict[str, Any]:
    return {
        **_made(caller, entity_id, action, subject, now),
        "customer_id": customer_id,
        "changes": _json(found),
        "state": None if state is None else _json(state),
    }


def _made(
    caller: Caller, entity_id: int | None, action: str, subject: object, now: datetime
) -> dict[str, Any]:
    """What an entry says of the change beside the customer and its fields (`_entry`)."""
    return {
        **_by(caller, action, now),
        "entity_id": entity_id,
        "subject": None if subject is None else str(subject),
    }


def _by(caller: Caller, action: str, now: datetime) -> dict[str, Any]:
    """Who made a change, when, through which surface, and what it was: every entry says it,
    whether the core writes it or the write's own statement does."""
    return {
        "changed_at": now,
        "user_id": caller.user_id,
        "username": caller.username,
        "surface": SURFACE.get(),
        "action": action,
    }


def _json(values: Mapping[str, Any]) -> str:
    """Sorted: an entry reads the same whatever order the fields were sent in. Keys that
    are not plain str are taken too: a column's name is SQLAlchemy's str subclass, which
    orjson refuses otherwise (copying the dict with str keys cost 8.1 us against 3.3 for a
    customer's 60 fields, timeit; an import writes two of these a row)."""
    plain = values if isinstance(values, dict) else dict(values)  # orjson takes dicts only
    return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


async def record(
    conn: Connection,
    caller: Caller,
    *,
    customer_id: int,
    action: str,
    before: Values,
    after: Values,
    subject: object = None,
    entity_id: int | None = None,
    state: Values | None = None,
) -> None:
    """Record a change of the customer (or of what belongs to it, `subject`) from `before`
    to `after`, in `entity_id` (None: the customer's entity as the change leaves it), with
    the customer's `state` (its fields, for a change of the customer itself); an update that
    changed nothing is no entry."""
    found = differences(before, after)
    if found or not action.endswith(".updated"):
        now = utcnow()
        entry = _entry(caller, customer_id, entity_id, action, found, subject, now, state)
        await repository.insert(conn, entry)


def recorded_in_the_write(caller: Caller, action: str) -> dict[str, Any]:
    """What an entry says of a change that the write's own statement records (it finds the
    customer, its entity and what changed; see `storage.customers.update_alone`)."""
    return {**_by(caller, action, utcnow()), "unrecorded": sorted(_AUDIT)}


async def record_created(
    conn: Connection, caller: Caller, entity_id: int, created: Iterable[tuple[int, Values]]
) -> None:
    """Record the creation of customers of one entity at once: (id, values) each. Their
    changes are not written beside their states, which hold the same fields (`changes_of`):
    stored twice they were a quarter of an import's file (200,000 rows: 555 MB against 419)
    and about a twentieth of its time."""
    made = _made(caller, entity_id, "customer.created", None, utcnow())  # the same for each
    entries = [
        {
            **made,
            "customer_id": customer_id,
            "changes": _IN_STATE,
            "state": _json({"customer_id": customer_id, **values}),
        }
        for customer_id, values in created
    ]
    if entries:
        await repository.insert_many(conn, entries)


async def of_customer(
    conn: Connection, caller: Caller, customer_id: int, since: datetime | None = None
) -> Sequence[Change]:
    """The customer's entries the caller may read, oldest first (since `since`). A deleted
    customer's history stays readable."""
    rows = await repository.of_customer(conn, caller.scope, customer_id, since or datetime.min)
    return [Change.from_row(row) for row in rows]


async def forget_older_than(conn: Connection, days: int) -> int:
    """Delete the entries older than `days` days; answer how many."""
    return await repository.delete_before(conn, utcnow() - timedelta(days=days))
