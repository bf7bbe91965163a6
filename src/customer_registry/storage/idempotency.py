"""Every query on the answers kept under clients' Idempotency-Keys (`apis/idempotency.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from customer_registry.core.errors import Unavailable
from customer_registry.storage.database import Connection, Prepared, dialect_insert
from customer_registry.storage.schema import idempotency_keys as keys

Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Kept:
    """What a key holds: the digest of the request first sent with it, and its answer."""

    request_digest: str
    status: int
    headers: Headers
    body: bytes


def _claim(insert: postgresql.Insert | sqlite.Insert) -> Prepared:
    return Prepared(
        insert.values(
            user_id=sa.bindparam("user_id"),
            idempotency_key=sa.bindparam("key"),
            request_digest=sa.bindparam("digest"),
            created_at=sa.bindparam("now", type_=sa.DateTime()),
        )
        .on_conflict_do_update(
            index_elements=[keys.c.user_id, keys.c.idempotency_key],
            set_={
                "request_digest": insert.excluded.request_digest,
                "created_at": insert.excluded.created_at,
                "status": sa.null(),
                "headers": sa.null(),
                "body": sa.null(),
            },
            # A key taken before `expired` is forgotten: taken again, as if new.
            where=keys.c.created_at < sa.bindparam("expired", type_=sa.DateTime()),
        )
        .returning(keys.c.user_id)
    )


# Built once: building an upsert is most of its cost (measured in process: about 0.6 ms of a
# keyed create's CPU when built at each call).
_CLAIMS = {name: _claim(dialect_insert(name, keys)) for name in ("postgresql", "sqlite")}
_THIS_KEY = sa.and_(
    keys.c.user_id == sa.bindparam("user_id"), keys.c.idempotency_key == sa.bindparam("key")
)
_KEPT = Prepared(
    sa.select(keys.c.request_digest, keys.c.status, keys.c.headers, keys.c.body).where(_THIS_KEY)
)
_KEEP = Prepared(
    sa.update(keys)
    .where(_THIS_KEY)
    .values(
        status=sa.bindparam("status"), headers=sa.bindparam("headers"), body=sa.bindparam("body")
    )
)


async def claim(
    conn: Connection, user_id: int, key: str, digest: str, now: datetime, expired: datetime
) -> Kept | None:
    """Take `key` for this request, in its write's transaction: None when it is now this
    request's (new, or last taken before `expired`); otherwise what the key holds.

    A key another transaction has taken and not yet committed makes this wait until that
    transaction ends (the primary key: PostgreSQL's unique index, SQLite's one writer), then
    answers that transaction's answer, or takes the key if it rolled back."""
    taking = _CLAIMS[conn.dialect_name]
    for _ in range(3):
        taken = await conn.fetch_one(
            taking, user_id=user_id, key=key, digest=digest, now=now, expired=expired
        )
        if taken is not None:
            return None
        row = await conn.fetch_one(_KEPT, user_id=user_id, key=key)
        # Only a committed row is seen, and it has its answer; one deleted between the two
        # statements (expired) is taken again.
        if row is not None:
            headers = [(name, value) for name, value in orjson.loads(row["headers"])]
            return Kept(row["request_digest"], row["status"], headers, bytes(row["body"]))
    raise Unavailable("The Idempotency-Key could not be taken; try again.")


async def keep(
    conn: Connection, user_id: int, key: str, status: int, headers: Headers, body: bytes
) -> None:
    """Store the answer of the request that holds `key` (see `claim`)."""
    await conn.execute(
        _KEEP,
        user_id=user_id,
        key=key,
        status=status,
        headers=orjson.dumps(headers).decode(),
        body=body,
    )


async def forget(conn: Connection, expired: datetime) -> int:
    """Delete the keys last taken before `expired`; answer how many."""
    return await conn.execute(sa.delete(keys).where(keys.c.created_at < expired))
