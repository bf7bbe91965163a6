"""Crashes and an unavailable database (issue 7, item 4), against a real server.

- Kill -9 in the middle of a stream: lanes of clients send creates and updates through the
  three APIs; the server's whole process group gets SIGKILL while requests are in flight; it
  is started again on the same database. Then, read straight from the database: every write
  answered 2xx before the kill is there with the values sent (an update in flight at the
  kill may or may not have landed, whole); no customer nobody asked for; nothing half
  written (every customer has its current entity link, no link or payment-type row without
  its customer, the generated-account counter never behind an account it handed out); on
  SQLite `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` is empty. Three rounds
  on one database; the tokens issued before the first kill still work after the last.
- The database going away: on PostgreSQL a TCP proxy stands between the server and the
  database (the machine's PostgreSQL keeps running for everybody else); cutting it (listening
  socket and every connection) must give 503 in each API's own error format, and restoring it
  must bring the service back by itself within seconds. On SQLite another process holding
  the write lock (`BEGIN EXCLUSIVE`) past the busy timeout is what "unavailable" can honestly
  mean for a file that stays open: writes must answer 503 in each API's format, reads keep
  working (WAL), and writes work again as soon as the lock is let go.

The figures (rounds, requests, acknowledged writes, writes in flight, rows lost, half-written
rows) are in the assertion messages and printed as one line (`pytest -s`, `record_property`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import requests

from tests.conftest import TEST_URL_VARIABLE
from tests.reliability.conftest import (
    BILLING,
    PARTNER,
    SALES,
    DirectDatabase,
    RegistryServer,
    Tokens,
    free_port,
    login,
)

pytestmark = pytest.mark.server

RecordProperty = Callable[[str, object], None]
ENTITY = 1
ROUNDS = 3
LANES = 8
MIN_ACKED_BEFORE_KILL = 30
KILL_AFTER_SECONDS = (0.8, 1.6)
PAYMENT_TYPES = 5
GENERATED_ACCOUNT = re.compile(r"CL(\d{4,})")


# --- what the database should hold ---------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """A customer as the writes sent it. `code` None on a billing create: generated."""

    name: str
    code: str | None
    external_id: int | None
    email: str | None
    city: str | None
    payment_types: frozenset[int]


@dataclass
class Op:
    """One request of the stream and what became of it."""

    lane: int
    api: str
    action: str  # create | update
    method: str
    path: str
    after: State  # the customer as it is once this write is applied
    customer_id: int | None = None  # known for updates; for creates once answered
    params: dict[str, str] | None = None
    data: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    outcome: str = "pending"  # acked | refused | in flight
    status: int | None = None
    text: str = ""


@dataclass
class Model:
    """Per customer: the last acknowledged state, and a state in flight at the kill."""

    acked: dict[int, State] = field(default_factory=dict)
    in_flight_updates: dict[int, State] = field(default_factory=dict)
    in_flight_creates: list[State] = field(default_factory=list)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _create(lane: int, rng: random.Random, payment_types: list[int]) -> Op:
    api = rng.choice(("billing", "sales", "partner"))
    name, email = _unique(f"c{lane}"), f"{_unique('m')}@example.com"
    city = _unique("city")
    if api == "billing":
        after = State(name, None, None, email, city, frozenset())
        params = {"name": name, "emailAddress": email, "mainAddressCity": city}
        return Op(lane, api, "create", "POST", BILLING + "/customers", after, params=params)
    if api == "sales":
        code, kind = _unique("REF"), rng.choice(payment_types)
        after = State(name, code, None, email, city, frozenset({kind}))
        data = {
            "reference": code,
            "name": name,
            "email": email,
            "billingCity": city,
            "paymentTypes": f'[{{"id"={kind}}}]',
        }
        return Op(lane, api, "create", "POST", SALES + "/customers", after, data=data)
    code, external_id = _unique("EXT"), rng.randrange(10**12, 10**15)
    after = State(name, code, external_id, None, None, frozenset())
    body = {
        "name": name,
        "external_customer_id": external_id,
        "external_customer_code": code,
        "entity_id": ENTITY,
    }
    return Op(lane, api, "create", "PUT", PARTNER + "/customers/create_customer", after, body=body)


def _update(
    lane: int, rng: random.Random, customer_id: int, now: State, payment_types: list[int]
) -> Op:
    api = rng.choice(("billing", "sales", "partner"))
    name, email, city = _unique(f"u{lane}"), f"{_unique('m')}@example.com", _unique("city")
    if api == "billing":
        after = replace(now, name=name, email=email, city=city)
        params = {"name": name, "emailAddress": email, "mainAddressCity": city}
        path = f"{BILLING}/customers/{customer_id}"
        return Op(lane, api, "update", "PUT", path, after, customer_id, params=params)
    if api == "sales":
        kind = rng.choice(payment_types)
        after = replace(now, name=name, email=email, city=city, payment_types=frozenset({kind}))
        data = {
            "name": name,
            "email": email,
            "billingCity": city,
            "paymentTypes": f'[{{"id"={kind}}}]',
        }
        path = f"{SALES}/customers/{customer_id}"
        return Op(lane, api, "update", "PUT", path, after, customer_id, data=data)
    code = _unique("EXT")
    after = replace(now, name=name, code=code)
    body = {"name": name, "external_customer_code": code}
    path = f"{PARTNER}/customers/{customer_id}"
    return Op(lane, api, "update", "PUT", path, after, customer_id, body=body)


def _created_id(op: Op, body: Any) -> int:
    if op.api == "partner":
        return int(body["data"]["customer_id"])
    if op.api == "sales":
        return int(body["id"])
    return int(body["response"])


# --- the stream and the kill ---------------------------------------------------------------------


async def _stream_and_kill(
    server: RegistryServer,
    tokens: Tokens,
    model: Model,
    payment_types: list[int],
    rng: random.Random,
) -> list[Op]:
    """LANES clients writing as fast as they are answered; SIGKILL while they are."""
    ops: list[Op] = []
    stop, enough = asyncio.Event(), asyncio.Event()
    acked = 0
    # Each lane works on its own customers, one request at a time: at most one write per
    # customer is in flight at the kill.
    owned: dict[int, list[int]] = {lane: [] for lane in range(LANES)}
    for n, customer_id in enumerate(sorted(model.acked)):
        owned[n % LANES].append(customer_id)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:

        async def lane(number: int) -> None:
            nonlocal acked
            mine = owned[number]
            lane_rng = random.Random(rng.random())
            while not stop.is_set():
                if mine and lane_rng.random() < 0.5:
                    customer_id = lane_rng.choice(mine)
                    op = _update(
                        number, lane_rng, customer_id, model.acked[customer_id], payment_types
                    )
                else:
                    op = _create(number, lane_rng, payment_types)
                ops.append(op)
                headers = tokens.partner if op.api == "partner" else tokens.bearer
                try:
                    r = await client.request(
                        op.method,
                        op.path,
                        params=op.params,
                        data=op.data,
                        content=json.dumps(op.body) if op.body is not None else None,
                        headers=headers,
                    )
                except httpx.TransportError as error:
                    op.outcome = "in flight"
                    if not stop.is_set():  # the server went away before it was killed
                        op.text = f"{type(error).__name__} before the kill: {error}"
                    return
                op.status, op.text = r.status_code, r.text[:300]
                if not 200 <= r.status_code < 300:
                    op.outcome = "refused"
                    continue
                op.outcome = "acked"
                acked += 1
                if acked >= MIN_ACKED_BEFORE_KILL:
                    enough.set()
                if op.action == "create":
                    op.customer_id = _created_id(op, r.json())
                    mine.append(op.customer_id)
                assert op.customer_id is not None
                model.acked[op.customer_id] = op.after

        async def killer() -> None:
            await asyncio.sleep(rng.uniform(*KILL_AFTER_SECONDS))
            with contextlib.suppress(TimeoutError):  # the lanes report why, if it comes to that
                await asyncio.wait_for(enough.wait(), timeout=30)
            stop.set()
            server.kill()

        await asyncio.gather(killer(), *(lane(n) for n in range(LANES)))
    for op in ops:
        if op.outcome != "in flight":
            continue
        if op.action == "update":
            assert op.customer_id is not None
            model.in_flight_updates[op.customer_id] = op.after
        else:
            model.in_flight_creates.append(op.after)
    return ops


# --- the verdict, read from the database ---------------------------------------------------------


def _stored(direct: DirectDatabase) -> dict[int, State]:
    kinds: dict[int, set[int]] = {}
    for customer_id, kind in direct.rows(
        "SELECT customer_id, payment_type_id FROM customer_payment_types"
    ):
        kinds.setdefault(customer_id, set()).add(kind)
    return {
        row[0]: State(row[1], row[2], row[3], row[4], row[5], frozenset(kinds.get(row[0], ())))
        for row in direct.rows(
            "SELECT customer_id, name, code, external_id, email, city FROM customers"
        )
    }


def _matches(stored: State, expected: State) -> bool:
    if expected.code is None:  # generated on create: any CL account
        return bool(GENERATED_ACCOUNT.fullmatch(stored.code or "")) and stored == replace(
            expected, code=stored.code
        )
    return stored == expected


HALF_WRITTEN = {
    "customers without their current entity link": (
        "SELECT c.customer_id FROM customers c LEFT JOIN customer_entity_linker l "
        "ON l.customer_id = c.customer_id AND l.date_removed IS NULL "
        "WHERE l.customer_entity_linker_id IS NULL"
    ),
    "entity links of no customer": (
        "SELECT l.customer_entity_linker_id FROM customer_entity_linker l "
        "LEFT JOIN customers c ON c.customer_id = l.customer_id WHERE c.customer_id IS NULL"
    ),
    "entity links to another entity than the customer's": (
        "SELECT l.customer_entity_linker_id FROM customer_entity_linker l "
        "JOIN customers c ON c.customer_id = l.customer_id "
        "WHERE l.date_removed IS NULL AND l.entity_id <> c.entity_id"
    ),
    "payment-type links of no customer": (
        "SELECT p.customer_id FROM customer_payment_types p "
        "LEFT JOIN customers c ON c.customer_id = p.customer_id WHERE c.customer_id IS NULL"
    ),
    "payment-type links to no payment type": (
        "SELECT p.customer_id FROM customer_payment_types p LEFT JOIN payment_types t "
        "ON t.payment_type_id = p.payment_type_id WHERE t.payment_type_id IS NULL"
    ),
}


def _integrity(direct: DirectDatabase) -> list[str]:
    found = []
    for what, sql in HALF_WRITTEN.items():
        rows = direct.rows(sql)
        if rows:
            found.append(f"{len(rows)} {what}: {rows[:10]}")
    counter = direct.value(f"SELECT last_number FROM account_counters WHERE entity_id = {ENTITY}")
    numbers = [
        int(match.group(1))
        for (code,) in direct.rows(f"SELECT code FROM customers WHERE entity_id = {ENTITY}")
        if code and (match := GENERATED_ACCOUNT.fullmatch(code))
    ]
    if numbers and (counter or 0) < max(numbers):
        found.append(f"the account counter ({counter}) is behind account CL{max(numbers):04d}")
    if not direct.postgres:
        check = direct.rows("PRAGMA integrity_check")
        if check != [("ok",)]:
            found.append(f"PRAGMA integrity_check: {check[:10]}")
        foreign = direct.rows("PRAGMA foreign_key_check")
        if foreign:
            found.append(f"PRAGMA foreign_key_check: {foreign[:10]}")
    return found


def _verify(direct: DirectDatabase, model: Model) -> tuple[list[str], list[str], int]:
    """(rows lost or changed, rows that should not be there, writes in flight that landed);
    settles the model to what is stored, so the next round starts from the truth."""
    stored = _stored(direct)
    lost: list[str] = []
    landed_count = 0
    for customer_id, expected in sorted(model.acked.items()):
        row = stored.get(customer_id)
        landed = model.in_flight_updates.get(customer_id)
        if row is None:
            lost.append(f"customer {customer_id} answered 2xx, not in the database: {expected}")
        elif _matches(row, expected):
            model.acked[customer_id] = row
        elif landed is not None and _matches(row, landed):
            model.acked[customer_id] = row  # the update in flight committed before the kill
            landed_count += 1
        else:
            lost.append(f"customer {customer_id}: stored {row}, answered 2xx for {expected}")
    unexpected: list[str] = []
    for customer_id, row in sorted(stored.items()):
        if customer_id in model.acked:
            continue
        created = next((s for s in model.in_flight_creates if _matches(row, s)), None)
        if created is None:
            unexpected.append(f"customer {customer_id} {row}: no write sent it")
        else:
            model.acked[customer_id] = row  # a create in flight that committed
            landed_count += 1
    model.in_flight_updates.clear()
    model.in_flight_creates.clear()
    return lost, unexpected, landed_count


def _answers_through_every_api(server: RegistryServer, tokens: Tokens, model: Model) -> list[str]:
    """After the restart: one stored customer, read through each API, as the database has it."""
    if not model.acked:
        return ["no customer to read"]
    customer_id, state = max(model.acked.items())
    problems = []
    # Each API: where it answers the customer, its headers, and where its body has the name.
    reads: dict[str, tuple[str, dict[str, str], Callable[[Any], object]]] = {
        "partner": (f"{PARTNER}/customers/{customer_id}", tokens.partner, lambda b: b["name"]),
        "sales": (f"{SALES}/customers/{customer_id}", tokens.bearer, lambda b: b["name"]),
        "billing": (
            f"{BILLING}/customers/{customer_id}",
            tokens.bearer,
            lambda b: b["customer"]["name"],
        ),
    }
    for api, (path, headers, name) in reads.items():
        r = requests.get(server.url + path, headers=headers, timeout=30)
        if r.status_code != 200 or name(r.json()) != state.name:
            problems.append(f"{api} GET {path} after the restart: {r.status_code} {r.text[:200]}")
    return problems


def _payment_types(server: RegistryServer, tokens: Tokens) -> list[int]:
    made = []
    for n in range(PAYMENT_TYPES):
        r = requests.post(
            server.url + SALES + "/paymentTypes",
            data={"reference": f"pt{n}", "name": f"payment type {n}"},
            headers=tokens.bearer,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    return made


def test_sigkill_mid_stream_loses_nothing_answered(
    server: RegistryServer, direct: DirectDatabase, record_property: RecordProperty
) -> None:
    tokens = login(server.url)
    payment_types = _payment_types(server, tokens)
    model = Model()
    rng = random.Random(4)
    figures: Counter[str] = Counter()
    problems: list[str] = []

    for round_no in range(1, ROUNDS + 1):
        ops = asyncio.run(_stream_and_kill(server, tokens, model, payment_types, rng))
        outcomes = Counter(op.outcome for op in ops)
        figures["rounds"] += 1
        figures["requests"] += len(ops)
        figures["acked"] += outcomes["acked"]
        figures["in flight"] += outcomes["in flight"]
        for op in ops:
            if op.outcome == "in flight" and op.text:
                problems.append(f"round {round_no}: {op.api} {op.method} {op.path}: {op.text}")
            if op.outcome == "refused":
                figures["refused"] += 1
                problems.append(
                    f"round {round_no}: {op.api} {op.method} {op.path} before the kill: "
                    f"{op.status} {op.text}"
                )

        server.start()  # the same database, as it was left
        lost, unexpected, landed = _verify(direct, model)
        figures["landed"] += landed
        half_written = _integrity(direct)
        figures["rows lost"] += len(lost)
        figures["unexpected rows"] += len(unexpected)
        figures["half-written"] += len(half_written)
        problems += [f"round {round_no}: lost: {p}" for p in lost]
        problems += [f"round {round_no}: unexpected: {p}" for p in unexpected]
        problems += [f"round {round_no}: half written: {p}" for p in half_written]
        problems += [
            f"round {round_no}: {p}" for p in _answers_through_every_api(server, tokens, model)
        ]

    summary = (
        f"crashes ({'PostgreSQL' if direct.postgres else 'SQLite'}): {figures['rounds']} rounds "
        f"of SIGKILL mid-stream, {figures['requests']} requests, {figures['acked']} answered 2xx "
        f"before the kill, {figures['in flight']} in flight at the kill "
        f"({figures['landed']} of them landed, whole), "
        f"{figures['refused']} refused, {figures['rows lost']} rows lost, "
        f"{figures['unexpected rows']} rows nobody wrote, "
        f"{figures['half-written']} half-written findings, {len(model.acked)} customers checked"
    )
    record_property("crashes", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems[:40])


# --- the database going away -------------------------------------------------------------------


class CuttableProxy:
    """A TCP proxy to PostgreSQL that can be cut (listening socket and every connection
    closed) and restored on the same port, in a thread with its own event loop."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def start(self) -> None:
        self._thread.start()
        self.restore()

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for stream in list(self._streams):
            stream.transport.abort()
        self._streams.clear()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._streams |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._streams -= {writer, up_writer}


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Probe:
    """One request per API, and the body each API answers with a 503."""

    api: str
    method: str
    path: str
    kwargs: dict[str, Any]

    def send(self, server: RegistryServer, timeout: float = 60) -> requests.Response:
        return requests.request(self.method, server.url + self.path, timeout=timeout, **self.kwargs)


def _unavailable_format(api: str, r: requests.Response) -> bool:
    """503, Retry-After, and the body shape of that API's other errors."""
    try:
        body = r.json()
    except ValueError:
        return False
    if r.status_code != 503 or not r.headers.get("Retry-After"):
        return False
    if api == "sales":
        return (
            set(body) == {"error", "error_description"}
            and body["error"] == "service_unavailable"
            and isinstance(body["error_description"], str)
        )
    return set(body) == {"message"} and isinstance(body["message"], str)  # partner, billing


def _probes(tokens: Tokens, customer_id: int) -> tuple[list[Probe], list[Probe]]:
    """(reads, writes): a customer read and a create through each API."""
    reads = [
        Probe("partner", "GET", f"{PARTNER}/customers/{customer_id}", {"headers": tokens.partner}),
        Probe("sales", "GET", f"{SALES}/customers/{customer_id}", {"headers": tokens.bearer}),
        Probe("billing", "GET", f"{BILLING}/customers/{customer_id}", {"headers": tokens.bearer}),
    ]
    writes = [
        Probe(
            "partner",
            "PUT",
            PARTNER + "/customers/create_customer",
            {
                "headers": tokens.partner,
                "data": json.dumps(
                    {"name": "p", "external_customer_code": _unique("P"), "entity_id": ENTITY}
                ),
            },
        ),
        Probe(
            "sales",
            "POST",
            SALES + "/customers",
            {"headers": tokens.bearer, "data": {"reference": _unique("S"), "name": "s"}},
        ),
        Probe(
            "billing",
            "POST",
            BILLING + "/customers",
            {"headers": tokens.bearer, "params": {"name": "b"}, "data": ""},
        ),
    ]
    return reads, writes


def _first_customer(server: RegistryServer, tokens: Tokens) -> int:
    r = requests.post(
        server.url + SALES + "/customers",
        data={"reference": _unique("FIRST"), "name": "first"},
        headers=tokens.bearer,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["id"]
    return customer_id


def _describe(probe: Probe, r: requests.Response, seconds: float) -> str:
    return (
        f"{probe.api} {probe.method} {probe.path}: {r.status_code} {r.text[:200]} ({seconds:.1f} s)"
    )


def _send_timed(probe: Probe, server: RegistryServer) -> tuple[Probe, requests.Response, float]:
    started = time.monotonic()
    r = probe.send(server)
    return probe, r, time.monotonic() - started


ON_POSTGRES = bool(os.environ.get(TEST_URL_VARIABLE))


def test_the_database_going_away_gives_503_and_the_service_recovers(
    request: pytest.FixtureRequest, record_property: RecordProperty
) -> None:
    """PostgreSQL: the connection cut (a proxy in between). SQLite: the file locked by
    another process past the busy timeout. Either way: 503 in each API's format, then back."""
    if ON_POSTGRES:
        _postgres_going_away(
            request.getfixturevalue("database_url"),
            request.getfixturevalue("tmp_path"),
            record_property,
        )
    else:
        _sqlite_locked(
            request.getfixturevalue("server"), request.getfixturevalue("direct"), record_property
        )


def _postgres_going_away(
    database_url: str, tmp_path: Path, record_property: RecordProperty
) -> None:
    parts = urlsplit(database_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.start()
    server = RegistryServer(database_url=_through(database_url, proxy.port), workdir=tmp_path)
    try:
        server.start()
        tokens = login(server.url)
        customer_id = _first_customer(server, tokens)
        reads, writes = _probes(tokens, customer_id)
        problems: list[str] = []

        proxy.cut()
        time.sleep(1.2)  # past the token cache: the token check itself meets the cut
        down: list[str] = []
        slowest = 0.0
        logins = [
            Probe(
                "billing",
                "POST",
                "/api/login",
                {"data": {"email": "nobody@example.com", "password": "x"}},
            ),
            Probe(
                "partner",
                "POST",
                PARTNER + "/auth/login",
                {"data": {"username": "nobody@example.com", "password": "x"}},
            ),
        ]
        for probe in reads + writes + logins:
            probe_, r, seconds = _send_timed(probe, server)
            down.append(_describe(probe_, r, seconds))
            slowest = max(slowest, seconds)
            if not _unavailable_format(probe.api, r):
                problems.append("while the database is away: " + _describe(probe_, r, seconds))

        proxy.restore()
        started = time.monotonic()
        recovered_after = None
        while time.monotonic() - started < 15:
            if all(probe.send(server, timeout=10).status_code == 200 for probe in reads):
                recovered_after = time.monotonic() - started
                break
            time.sleep(0.2)
        if recovered_after is None:
            problems.append("not answering 200 again within 15 s of the database coming back")
        for probe in _probes(tokens, customer_id)[1]:
            probe_, r, seconds = _send_timed(probe, server)
            if r.status_code != 201:
                problems.append("after the database came back: " + _describe(probe_, r, seconds))

        summary = (
            f"database away (PostgreSQL behind a cut proxy): {len(down)} requests during the "
            f"cut, {len(down) - len([p for p in problems if p.startswith('while')])} answered "
            f"503 in their API's format (slowest {slowest:.2f} s); recovered after "
            f"{'never' if recovered_after is None else f'{recovered_after:.1f} s'}"
        )
        record_property("database_away", summary)
        print("\n" + summary)
        assert not problems, summary + "\n" + "\n".join(problems) + "\nall: \n" + "\n".join(down)
    finally:
        server.stop()
        server.kill()
        proxy.close()


def _sqlite_locked(
    server: RegistryServer, direct: DirectDatabase, record_property: RecordProperty
) -> None:
    tokens = login(server.url)
    customer_id = _first_customer(server, tokens)
    reads, writes = _probes(tokens, customer_id)
    problems: list[str] = []

    lock = sqlite3.connect(direct.settings.sqlite_path, isolation_level=None, timeout=5)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # held past the server's 10 s busy timeout
        for probe in reads:
            probe_, r, seconds = _send_timed(probe, server)
            if r.status_code != 200:
                problems.append("reads go on (WAL) while locked: " + _describe(probe_, r, seconds))
        with ThreadPoolExecutor(max_workers=len(writes)) as pool:
            answered = list(pool.map(lambda p: _send_timed(p, server), writes))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    for probe, r, seconds in answered:
        if not _unavailable_format(probe.api, r):
            problems.append("while locked: " + _describe(probe, r, seconds))
    slowest = max(seconds for _, _, seconds in answered)

    started = time.monotonic()
    for probe in _probes(tokens, customer_id)[1]:
        probe_, r, seconds = _send_timed(probe, server)
        if r.status_code != 201:
            problems.append("after the lock was let go: " + _describe(probe_, r, seconds))
    recovered = time.monotonic() - started

    summary = (
        f"database away (SQLite write-locked by another process): {len(answered)} writes "
        f"during the lock, {sum(_unavailable_format(p.api, r) for p, r, _ in answered)} "
        f"answered 503 in their API's format (the last after {slowest:.1f} s: writes queue "
        f"behind one another's busy timeout), reads kept working; three creates right after "
        f"in {recovered:.2f} s"
    )
    record_property("database_away", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems)
