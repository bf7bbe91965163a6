"""`GET /metrics`, in Prometheus' text format, when CUSTOMER_REGISTRY_METRICS_TOKEN is set.

With several workers, `serve` gives them one directory (PROMETHEUS_MULTIPROC_DIR, set before
any of them starts) where each keeps its values, and whichever worker answers the scrape
adds up all of them (prometheus-client's multiprocess mode). What the database knows (the
webhooks' backlogs, the imports running) is read by that worker when asked.

A request's time is added to a table of the worker's own (a bucket's count and a sum per
label set: about 1 us), which goes into the histogram once a second and at each scrape.
prometheus-client's own observation costs 5 us in process and 13 us in its multiprocess
mode (measured with timeit, machine at load 4.7), 4-9 % of a partner get. Values a worker
keeps anyway (its connections, its token checks, its login refusals) are copied at the same
times. So a scrape shows the other workers' last second at the latest.
"""

from __future__ import annotations

import asyncio
import bisect
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from customer_registry.apis.context import Context
from customer_registry.auth import login
from customer_registry.core import import_jobs, webhooks

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_EVERY = 1.0  # seconds

# Requests answered in about a millisecond are the common case: finer buckets there.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIRECTORY))


@dataclass
class _Copied:
    """The last values copied from a worker's own counters (what the next copy adds)."""

    hits: int = 0
    misses: int = 0
    throttled: int = 0


@dataclass(slots=True)
class _Times:
    """Requests of one label set since the last copy: how many fell in each bucket (the
    last one is +Inf), and their sum."""

    counts: list[int]
    total: float = 0.0


_BOUNDS = (*_BUCKETS, float("inf"))


@dataclass
class Metrics:
    ctx: Context
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    _copied: _Copied = field(default_factory=_Copied)
    _times: dict[tuple[str, str, str, int], _Times] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.durations = Histogram(
            "customer_registry_http_request_duration_seconds",
            "Time to answer a request, by API, route template, method and status "
            "(its _count is the number of requests).",
            ["api", "route", "method", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.connections = Gauge(
            "customer_registry_db_connections",
            "The workers' database connections: open, in use, and requests waiting for one.",
            ["state"],
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self.token_checks = Counter(
            "customer_registry_token_checks",
            "Token checks, answered from the worker's cache or by the database.",
            ["source"],
            registry=self.registry,
        )
        self.throttled = Counter(
            "customer_registry_login_throttled",
            "Logins refused for too many failed attempts (429).",
            registry=self.registry,
        )

    def observe(self, api: str, route: str, method: str, status: int, seconds: float) -> None:
        key = (api, route, method if method in _METHODS else "other", status)
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = _Times([0] * len(_BOUNDS))
        times.counts[bisect.bisect_left(_BOUNDS, seconds)] += 1  # the first bound >= seconds
        times.total += seconds

    def _copy_times(self) -> None:
        """The requests timed since the last copy, into the histogram: each bucket's count
        and the sum added as prometheus-client's own `observe` adds one request's."""
        times, self._times = self._times, {}
        for (api, route, method, status), counted in times.items():
            child = self.durations.labels(api, route, method, str(status))
            for bucket, count in zip(child._buckets, counted.counts, strict=True):
                if count:
                    bucket.inc(count)
            child._sum.inc(counted.total)

    def sample(self) -> None:
        """Copy the requests' times, and what the worker counts anyway, into the metrics."""
        self._copy_times()
        usage = self.ctx.db.usage()
        self.connections.labels("open").set(usage.size)
        self.connections.labels("in_use").set(usage.in_use)
        self.connections.labels("waiting").set(usage.waiting)
        tokens = self.ctx.authenticator
        self._add(self.token_checks.labels("cache"), tokens.cache_hits, "hits")
        self._add(self.token_checks.labels("database"), tokens.cache_misses, "misses")
        self._add(self.throttled, login.REFUSALS.throttled, "throttled")

    def _add(self, counter: Counter, now: int, name: str) -> None:
        before: int = getattr(self._copied, name)
        if now > before:
            counter.inc(now - before)
            setattr(self._copied, name, now)

    async def sample_every_second(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_EVERY)

    def stopped(self) -> None:
        """This worker's live gauges leave the sums (a worker killed leaves them until the
        service restarts: its connections then count as still open)."""
        if multiprocess():
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    async def exposition(self) -> bytes:
        """Every worker's metrics, and what the database knows now."""
        self.sample()
        if multiprocess():
            workers = CollectorRegistry()
            MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
        else:
            workers = self.registry
        async with self.ctx.db.read() as conn:
            backlog = await webhooks.backlog(conn)
            running = await import_jobs.running(conn)
        database = CollectorRegistry()
        database.register(_Now(backlog, running))
        return generate_latest(workers) + generate_latest(database)


class _Now(Collector):
    """What the database holds, as read for this scrape."""

    def __init__(self, backlog: dict[int, int], running: list[import_jobs.ImportJob]) -> None:
        self.backlog = backlog
        self.running = running

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "customer_registry_webhook_backlog_events",
            "Events each active webhook has not delivered yet (its outbox's depth).",
            labels=["webhook_id"],
        )
        for webhook_id, events in sorted(self.backlog.items()):
            depth.add_metric([str(webhook_id)], events)
        yield depth
        yield GaugeMetricFamily(
            "customer_registry_imports_running", "Imports running now.", len(self.running)
        )
        rows = GaugeMetricFamily(
            "customer_registry_import_rows",
            "Rows of each running import: read so far (done), and in the file (total, "
            "about; absent while unknown).",
            labels=["import_id", "kind"],
        )
        for job in self.running:
            rows.add_metric([str(job.import_id), "done"], job.rows_done)
            if job.rows_total is not None:
                rows.add_metric([str(job.import_id), "total"], job.rows_total)
        yield rows
