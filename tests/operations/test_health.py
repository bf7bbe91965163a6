"""`/healthz` answers while the process runs; `/readyz` only while the instance should get
requests: its database answers at the schema this code expects, and it is not draining."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from customer_registry.operations.health import Drain, Readiness
from customer_registry.settings import Settings
from customer_registry.storage.database import SqliteDatabase
from customer_registry.storage.migrate import head_revision


async def test_healthz_answers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert answer.headers["cache-control"] == "no-store"


async def test_readyz_answers_ready_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    answer = await client.get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})
    assert "connection" not in answer.headers


async def test_a_draining_instance_is_not_ready_and_closes_connections(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    app.edge.readiness.drain.started = True
    ready = await client.get("/readyz")
    served = await client.get("/v1/customers", headers=admin)
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": "draining: the instance is stopping"}
    # Still served (a load balancer may not have noticed yet), on a connection that closes.
    assert served.status_code == 200
    assert served.headers["connection"] == "close"
    assert ready.headers["connection"] == "close"


async def test_a_schema_at_another_revision_is_not_ready(app: Any) -> None:
    readiness = Readiness(app.state.ctx.db, Drain(), expected="0000_not_this_one")
    problem = await readiness.problem()
    assert (
        problem
        == f"the schema is at revision {head_revision()}, this code expects 0000_not_this_one"
    )


async def test_a_database_never_migrated_is_not_ready(tmp_path: Path) -> None:
    empty = SqliteDatabase(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    await empty.start()
    try:
        problem = await Readiness(empty, Drain()).problem()
    finally:
        await empty.stop()
    assert problem == "the database does not answer, or was never migrated"


async def test_a_database_that_does_not_answer_is_not_ready(settings: Settings) -> None:
    """A database that is down (a pool never started stands in for it: every connection
    attempt fails) makes /readyz 503, in time."""
    from customer_registry.storage.database import open_database

    down = open_database(settings)  # not started
    problem = await Readiness(down, Drain()).problem()
    assert problem == "the database does not answer, or was never migrated"
