"""Reading ahead: every item in order, the next made while the caller works, nothing left
running when the caller stops early, and a failure met at the item that failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from customer_registry.core.ahead import read_ahead


async def _made(count: int, events: list[str]) -> AsyncIterator[int]:
    for n in range(1, count + 1):
        await asyncio.sleep(0)  # making an item waits, as a read does
        events.append(f"made {n}")
        yield n


async def test_every_item_comes_in_order() -> None:
    assert [n async for n in read_ahead(_made(5, []))] == [1, 2, 3, 4, 5]
    assert [n async for n in read_ahead(_made(0, []))] == []


async def test_the_next_item_is_made_while_the_caller_works_on_one() -> None:
    events: list[str] = []
    async for n in read_ahead(_made(3, events)):
        await asyncio.sleep(0.01)  # the caller's work waits too (a write)
        events.append(f"used {n}")
    assert events == ["made 1", "made 2", "used 1", "made 3", "used 2", "used 3"]


async def test_a_caller_that_stops_early_leaves_nothing_running() -> None:
    holding: list[int] = []

    async def slow() -> AsyncIterator[int]:
        for n in range(1, 4):
            holding.append(n)  # as a read holds a connection
            try:
                await asyncio.sleep(0 if n == 1 else 10)
            finally:
                holding.remove(n)
            yield n

    walk = read_ahead(slow())
    async with aclosing(walk):
        assert await anext(walk) == 1
        await asyncio.sleep(0)  # the second item's making begins
        assert holding == [2]
    assert holding == []  # it was cancelled, and had let go, when the walk closed


async def test_a_failure_is_met_at_the_item_that_failed() -> None:
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise ValueError("the second item")

    used: list[int] = []

    async def use_every_item() -> None:
        async for n in read_ahead(failing()):
            used.append(n)

    with pytest.raises(ValueError, match="the second item"):
        await use_every_item()
    assert used == [1]
