"""The bulk import service: the API rules for every row, conflicts by code, batches that
commit whole, a dry run that writes nothing, and a report of every refused row."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.errors import DomainError, Forbidden, Invalid
from customer_registry.core.imports import (
    ImportRow,
    OnConflict,
    Refusal,
    Report,
    import_customers,
)
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.references import Reference
from customer_registry.storage import customers as repository
from tests.conftest import MakeEntity


def _rows(*values: dict[str, Any]) -> list[ImportRow]:
    return [ImportRow(line, row) for line, row in enumerate(values, start=2)]


def _customer(code: str, name: str | None = None, **details: Any) -> dict[str, Any]:
    return {"code": code, "name": name or f"Customer {code}", **details}


async def _stored(ctx: Context, entity_id: int = 1) -> dict[str, customers.Customer]:
    async with ctx.db.read() as conn:
        page = await customers.list_page(conn, COMMAND_LINE, ListQuery(), PageRequest(1, 10_000))
    return {c.code or "": c for c in page.items if c.entity_id == entity_id}


async def test_rows_become_customers_through_the_api_rules(ctx: Context) -> None:
    rows = _rows(
        _customer("A1", city="Kigali", vip=True),
        _customer("A2", email="x" * 300),  # longer than the column
        _customer("A3", category_id=Reference("nowhere")),
        {"name": "No code"},
        _customer("A4", credit_limit=1500.5),
    )
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [refusal.line for refusal in report.refused] == [3, 4, 5]
    assert report.refused[1] == Refusal(
        4, "The customer category with the reference nowhere doesn't exist."
    )
    stored = await _stored(ctx)
    assert set(stored) == {"A1", "A4"}
    assert stored["A1"].details.city == "Kigali"
    assert stored["A1"].details.vip is True
    assert stored["A4"].details.credit_limit == 1500.5


async def test_the_report_words_errors_as_the_file_api_does(ctx: Context) -> None:
    def billing(error: DomainError) -> str:
        if isinstance(error, Invalid):
            return " ".join(error.worded({"code": "customerAccount"}).values())
        return error.message

    rows = _rows({"name": "No account"})
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1, describe=billing)
    assert report.refused == [Refusal(2, "The customerAccount field is required.")]


@pytest.mark.parametrize(
    ("on_conflict", "counts", "refused", "name"),
    [
        (OnConflict.FAIL, (0, 0, 0), [2, 3], "Before"),
        (OnConflict.SKIP, (0, 0, 2), [], "Before"),
        (OnConflict.UPDATE, (0, 1, 1), [], "After"),
    ],
)
async def test_a_code_already_there_is_a_conflict(
    ctx: Context,
    on_conflict: OnConflict,
    counts: tuple[int, int, int],
    refused: list[int],
    name: str,
) -> None:
    first = _rows(_customer("C1", "Before"), _customer("C2"))
    await import_customers(ctx.db, COMMAND_LINE, first, entity_id=1)
    again = _rows(_customer("C1", "After"), _customer("C2"))
    report = await import_customers(
        ctx.db, COMMAND_LINE, again, entity_id=1, on_conflict=on_conflict
    )
    assert (report.created, report.updated, report.unchanged) == counts
    assert [refusal.line for refusal in report.refused] == refused
    stored = await _stored(ctx)
    assert stored["C1"].name == name
    assert len(stored) == 2


async def test_a_skipped_row_is_not_looked_into(ctx: Context) -> None:
    await import_customers(ctx.db, COMMAND_LINE, _rows(_customer("S1")), entity_id=1)
    # Nothing of a skipped row is written, so a reference it names is never looked up.
    again = _rows(_customer("S1", category_id=Reference("nowhere")))
    report = await import_customers(
        ctx.db, COMMAND_LINE, again, entity_id=1, on_conflict=OnConflict.SKIP
    )
    assert (report.unchanged, report.refused) == (1, [])


async def test_a_code_the_file_repeats_is_created_once_and_then_skipped(ctx: Context) -> None:
    # The second T1 waits for the first: had the first been refused, it would be created.
    rows = _rows(
        _customer("T1", "First"),
        _customer("T1", "Second"),
        _customer("T2", " "),  # a blank name: refused, so the next T2 is new
        _customer("T2", "Named"),
    )
    report = await import_customers(
        ctx.db, COMMAND_LINE, rows, entity_id=1, on_conflict=OnConflict.SKIP
    )
    assert (report.created, report.unchanged) == (2, 1)
    assert [refusal.line for refusal in report.refused] == [4]
    assert {code: c.name for code, c in (await _stored(ctx)).items()} == {
        "T1": "First",
        "T2": "Named",
    }


async def test_the_planners_statistics_follow_a_growing_table(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh = repository.refresh_statistics
    created_at_refresh: list[int] = []

    async def counted(conn: Any) -> None:
        created_at_refresh.append(len(await _stored(ctx)))
        await refresh(conn)  # on PostgreSQL, a real ANALYZE inside the batch's transaction

    monkeypatch.setattr(repository, "refresh_statistics", counted)
    rows = [ImportRow(n, _customer(f"G{n}")) for n in range(2, 2_502)]
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1, batch_rows=250)
    assert report.created == 2_500
    # After 1,000 created, then each time they double, within the batch that gets there
    # (uncommitted yet); on PostgreSQL, which writes two batches at once, the one before may
    # still be uncommitted too, or the one after already committed.
    assert len(created_at_refresh) == 2
    assert 500 <= created_at_refresh[0] <= 1_000
    assert 1_500 <= created_at_refresh[1] <= 2_000


async def test_an_update_changes_only_what_differs(ctx: Context) -> None:
    await import_customers(ctx.db, COMMAND_LINE, _rows(_customer("U1", city="Kigali")), entity_id=1)
    before = (await _stored(ctx))["U1"]
    same = _rows(_customer("U1", city="Kigali"))
    report = await import_customers(
        ctx.db, COMMAND_LINE, same, entity_id=1, on_conflict=OnConflict.UPDATE
    )
    assert (report.updated, report.unchanged) == (0, 1)
    assert (await _stored(ctx))["U1"].modified_at == before.modified_at


async def test_a_dry_run_writes_nothing_and_sees_duplicates_within_the_file(
    ctx: Context,
) -> None:
    rows = [ImportRow(n, _customer(f"D{n}")) for n in range(2, 12)]
    rows.append(ImportRow(12, _customer("D3")))  # the file's tenth row again, two batches on
    report = await import_customers(
        ctx.db, COMMAND_LINE, rows, entity_id=1, dry_run=True, batch_rows=4
    )
    assert report.created == 10
    assert [refusal.line for refusal in report.refused] == [12]
    assert await _stored(ctx) == {}


async def test_an_identifier_twice_in_the_file_is_refused_the_second_time(ctx: Context) -> None:
    rows = _rows(
        _customer("S1", secondary_code="SAME"),
        _customer("S2", secondary_code="SAME"),
        _customer("S3"),
    )
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1)
    assert report.created == 2
    assert [refusal.line for refusal in report.refused] == [3]
    assert set(await _stored(ctx)) == {"S1", "S3"}


async def test_a_database_refusal_undoes_its_row_alone(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A category deleted between the core's check and the insert: the foreign key refuses
    # the row, and the batch goes on (on PostgreSQL, only because the row had a savepoint:
    # an error there aborts the whole transaction).
    async def deleted_meanwhile(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(customers, "_check_references", deleted_meanwhile)
    rows = _rows(_customer("F1"), _customer("F2", category_id=999_999), _customer("F3"))
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1)
    assert report.refused == [
        Refusal(3, "An object this customer refers to was deleted meanwhile.")
    ]
    assert set(await _stored(ctx)) == {"F1", "F3"}


@pytest.mark.parametrize("stop", ["ctrl-c", "crash"])
async def test_an_interrupted_import_keeps_whole_batches_and_resumes(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, stop: str
) -> None:
    """Stopped in the middle of its second batch (its customers written, not their links):
    by an error no rule foresaw, or by Ctrl-C, which `asyncio.run` turns into cancelling the
    import's task. What is kept is whole batches: after a crash, the first and never the
    second; on PostgreSQL, which writes two batches at once, the third may have committed
    before the second failed, and Ctrl-C may roll back the first (being written) and not
    the second (committing meanwhile). Running the import again adds what is missing."""
    insert_many = repository.insert_many_or_conflict
    importing: asyncio.Task[Report] | None = None

    async def interrupted(conn: Any, scope: Any, rows: Any) -> Any:
        written = await insert_many(conn, scope, rows)
        if any(values["code"] == "I5" for values in rows):  # the second batch
            if stop == "crash":
                raise RuntimeError("crash")
            assert importing is not None
            importing.cancel()
            await asyncio.sleep(0)  # the cancellation reaches this batch through the import
        return written

    monkeypatch.setattr(repository, "insert_many_or_conflict", interrupted)
    rows = [ImportRow(n, _customer(f"I{n}")) for n in range(2, 12)]
    importing = asyncio.create_task(
        import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1, batch_rows=3)
    )
    with pytest.raises(asyncio.CancelledError if stop == "ctrl-c" else RuntimeError):
        await importing
    batches = [{f"I{n}" for n in range(start, min(start + 3, 12))} for start in (2, 5, 8, 11)]
    kept = set(await _stored(ctx))
    assert kept == set().union(*(batch for batch in batches if batch <= kept))  # whole
    assert kept != set().union(*batches)
    if stop == "crash":
        assert batches[0] <= kept
        assert not batches[1] & kept
    monkeypatch.setattr(repository, "insert_many_or_conflict", insert_many)
    report = await import_customers(
        ctx.db, COMMAND_LINE, rows, entity_id=1, on_conflict=OnConflict.SKIP, batch_rows=3
    )
    assert (report.created, report.unchanged) == (10 - len(kept), len(kept))
    assert set(await _stored(ctx)) == {f"I{n}" for n in range(2, 12)}


async def test_a_batch_that_could_meet_the_one_being_written_waits_for_it(
    ctx: Context,
) -> None:
    """On PostgreSQL the next batch is checked while the one before is written; one naming a
    parent customer, or sharing an identifier with that batch, waits for it to commit, so
    the outcome is the file's, row after row: a child finds its parent of the batch before,
    and codes and external ids met again (in crossed order) are conflicts, not deadlocks."""
    rows = _rows(
        _customer("P1"),
        _customer("X1", external_id=7),
        _customer("C1", parent_customer_id=Reference("P1")),  # the second batch
        _customer("X2", external_id=7),
        _customer("B1"),  # the third batch
        _customer("A1"),
        _customer("A1", name="Again A1"),  # the fourth: crossed
        _customer("B1", name="Again B1"),
    )
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1, batch_rows=2)
    stored = await _stored(ctx)
    assert stored["C1"].details.parent_customer_id == stored["P1"].customer_id
    assert set(stored) == {"P1", "X1", "C1", "B1", "A1"}
    assert [refusal.line for refusal in report.refused] == [5, 8, 9]
    assert (report.created, report.unchanged) == (5, 0)
    again = await import_customers(
        ctx.db, COMMAND_LINE, rows[4:], entity_id=1, on_conflict=OnConflict.UPDATE, batch_rows=2
    )
    assert (again.updated, again.unchanged, again.refused) == (2, 2, [])
    names = {code: customer.name for code, customer in (await _stored(ctx)).items()}
    assert (names["A1"], names["B1"]) == ("Again A1", "Again B1")


async def test_identifiers_no_customer_can_hold_are_refused_rows(ctx: Context) -> None:
    """A file's row may give anything (JSON Lines): what no identifier can hold is refused by
    the rules, in any batch, and the others are imported."""
    rows = _rows(
        _customer("L1"),
        _customer("L2", external_id=[1]),
        {**_customer("L3"), "code": [3], "external_id": {"a": 1}},
    )
    report = await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1, batch_rows=1)
    assert [refusal.line for refusal in report.refused] == [3, 4]
    assert set(await _stored(ctx)) == {"L1"}


async def test_an_entity_user_cannot_import_into_another_entity(
    ctx: Context, make_entity: MakeEntity
) -> None:
    other = await make_entity("Elsewhere")
    caller = Caller(None, "entity-admin", 1, Level.ADMIN, Visibility.ENTITY)
    with pytest.raises(Forbidden):
        await import_customers(ctx.db, caller, _rows(_customer("E1")), entity_id=other)
    assert await _stored(ctx, other) == {}


async def test_an_import_needs_the_right_to_create_customers(ctx: Context) -> None:
    caller = Caller(None, "technician", 1, Level.TECHNICAL, Visibility.GLOBAL)
    with pytest.raises(Forbidden):
        await import_customers(ctx.db, caller, _rows(_customer("T1")), entity_id=1)
    assert await _stored(ctx) == {}


async def test_each_walks_every_customer_the_scope_sees_in_batches(
    ctx: Context, make_entity: MakeEntity
) -> None:
    other = await make_entity("Other")
    await import_customers(ctx.db, COMMAND_LINE, [ImportRow(2, _customer("W0"))], entity_id=other)
    rows = [ImportRow(n, _customer(f"W{n}")) for n in range(1, 8)]
    await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1)
    batches = [b async for b in customers.each(ctx.db, COMMAND_LINE.scope.only(1), batch_rows=3)]
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [c.code for batch in batches for c in batch] == [f"W{n}" for n in range(1, 8)]
    everything = [c async for b in customers.each(ctx.db, COMMAND_LINE.scope) for c in b]
    assert {c.code for c in everything} == {f"W{n}" for n in range(8)}


async def test_each_stopped_early_leaves_no_read_running(ctx: Context) -> None:
    rows = [ImportRow(n, _customer(f"E{n}")) for n in range(1, 8)]
    await import_customers(ctx.db, COMMAND_LINE, rows, entity_id=1)
    lent = ctx.db.usage().in_use
    walk = customers.each(ctx.db, COMMAND_LINE.scope.only(1), batch_rows=3)
    async with aclosing(walk):
        first = await anext(walk)
        for _ in range(1000):  # until the second batch's read has its connection
            await asyncio.sleep(0)  # (not a real sleep: the read would end meanwhile)
            if ctx.db.usage().in_use > lent:
                break
        assert ctx.db.usage().in_use == lent + 1
    assert [c.code for c in first] == ["E1", "E2", "E3"]
    assert ctx.db.usage().in_use == lent  # that read ended with the walk, its connection back
