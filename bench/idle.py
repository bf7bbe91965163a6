"""Waiting for a server to go idle between runs, so one run's backlog (requests wrk sent but
did not wait for) never spills into the next run's measurement."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import asyncpg

from bench.memory import tree

IDLE_TIMEOUT = 60.0  # seconds; then the next run starts anyway
_WINDOW = 0.3  # seconds of CPU use observed per check
_BUSY = 0.05  # at most this share of a core counts as idle
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process and its descendants (0 for those gone)."""
    total = 0
    for each in tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICKS


async def _active_queries(url: str) -> int:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state <> 'idle' AND pid <> pg_backend_pid()"
        )
        return count
    finally:
        await conn.close()


def wait_idle(pid: int, postgresql_url: str | None) -> float:
    """Until the server uses (almost) no CPU and, on PostgreSQL, its database runs no query;
    answers the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < IDLE_TIMEOUT:
        before = cpu_seconds(pid)
        time.sleep(_WINDOW)
        busy = (cpu_seconds(pid) - before) / _WINDOW
        if busy < _BUSY and (
            postgresql_url is None or asyncio.run(_active_queries(postgresql_url)) == 0
        ):
            break
    return time.monotonic() - started
