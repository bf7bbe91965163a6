"""Races (issue 7, item 3), against a real server: many clients at once, one registry.

- 200 concurrent creates per round, over 20 identifiers through the three APIs: partner
  `create_customer` by `external_customer_id` and by `external_customer_code`, sales
  `reference`, billing `customerAccount` (some of them `CL…` accounts the generator is about
  to hand out), and billing creates without an account (the generated `CL0001`…). Each
  identifier ends with exactly one customer; every other call is refused with the documented
  4xx in its own API's words; no 5xx; every generated account is different.
- Concurrent `PUT`s to one customer through the billing, sales and partner APIs, each writing
  one value X_i into every field it sends (name, account/reference/code, e-mail, city, payment
  types): the stored record holds the fields of ONE write, never a mix of two.

The server runs with two worker processes, so on SQLite writers of two processes meet at
SQLite's own lock (within a process they queue on its write lock), and on PostgreSQL up to
twenty transactions (two pools of ten) run at the same time. Clients are one asyncio loop of
httpx connections, released together. The database is read directly for the verdict.

The figures (requests, created, refused, 5xx, duplicates, mixes) are in every assertion's
message and printed as one line per test (`pytest -s`), also kept as `record_property`.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.conftest import (
    BILLING,
    PARTNER,
    SALES,
    DirectDatabase,
    RegistryServer,
    Tokens,
    login,
    running,
)

pytestmark = pytest.mark.server

ENTITY = 1
ROUNDS = 3
IDENTIFIERS = 20  # per round: 4 external ids, 12 free codes, 4 codes in the generator's path
CREATES_PER_IDENTIFIER = 8
GENERATED = 40  # billing creates without an account, per round
WORKERS = 2
REQUEST_TIMEOUT = 60.0
GENERATED_ACCOUNT = re.compile(r"CL\d{4,}")

RecordProperty = Callable[[str, object], None]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[RegistryServer]:
    with running(
        RegistryServer(database_url=database_url, workdir=tmp_path, workers=WORKERS)
    ) as started:
        yield started


@dataclass(frozen=True)
class Call:
    """One request of a race: which API, what it sends, and which identifier it competes for."""

    api: str  # partner | sales | billing
    method: str
    path: str
    identifier: str | None  # None: a billing create without an account
    kind: str  # external_id | code | generated
    params: dict[str, str] = field(default_factory=dict)  # query string
    data: dict[str, str] | None = None  # form body
    body: dict[str, Any] | None = None  # JSON body


@dataclass
class Answer:
    call: Call
    status: int
    body: Any
    text: str

    def short(self) -> str:
        c = self.call
        return f"{c.api} {c.method} {c.path} {c.identifier}: {self.status} {self.text[:300]}"


def _headers(tokens: Tokens, api: str) -> dict[str, str]:
    return tokens.partner if api == "partner" else tokens.bearer


async def _send_all(url: str, tokens: Tokens, calls: list[Call]) -> list[Answer]:
    """Every call on its own connection, all released at the same moment."""
    go = asyncio.Event()
    limits = httpx.Limits(max_connections=len(calls) + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT, limits=limits) as client:

        async def send(call: Call) -> Answer:
            await go.wait()
            content = json.dumps(call.body) if call.body is not None else None
            r = await client.request(
                call.method,
                call.path,
                params=call.params or None,
                data=call.data,
                content=content if call.data is None else None,
                headers=_headers(tokens, call.api),
            )
            try:
                body = r.json()
            except ValueError:
                body = None
            return Answer(call, r.status_code, body, r.text)

        tasks = [asyncio.ensure_future(send(call)) for call in calls]
        await asyncio.sleep(0.05)  # every task waiting on the event
        go.set()
        return list(await asyncio.gather(*tasks))


def _partner_create(identifier: str, kind: str, name: str) -> Call:
    body: dict[str, Any] = {"name": name, "entity_id": ENTITY}
    if kind == "external_id":
        body["external_customer_id"] = int(identifier)
    else:
        body["external_customer_code"] = identifier
    return Call(
        "partner", "PUT", PARTNER + "/customers/create_customer", identifier, kind, body=body
    )


def _sales_create(identifier: str, name: str) -> Call:
    data = {"reference": identifier, "name": name}
    return Call("sales", "POST", SALES + "/customers", identifier, "code", data=data)


def _billing_create(identifier: str | None, name: str) -> Call:
    params = {"name": name}
    if identifier is not None:
        params["customerAccount"] = identifier
    kind = "code" if identifier is not None else "generated"
    return Call("billing", "POST", BILLING + "/customers", identifier, kind, params=params)


def _expected_refusal(answer: Answer) -> bool:
    """The documented answer of each API to an identifier already used in the entity."""
    call, body = answer.call, answer.body
    if call.api == "partner":
        name = "external_customer_id" if call.kind == "external_id" else "external_customer_code"
        message = f"The pairing of {name}({call.identifier}) and entity_id #{ENTITY} is not unique."
        return answer.status == 400 and body == {"validation_errors": {name: message}}
    if call.api == "sales":
        return answer.status == 400 and body == {
            "error": "not_unique",
            "error_description": "reference already used",
        }
    message = "The customer account has already been taken."
    return answer.status == 422 and body == {
        "message": message,
        "errors": {"customerAccount": [message]},
    }


def _created_id(answer: Answer) -> int:
    if answer.call.api == "partner":
        return int(answer.body["data"]["customer_id"])
    if answer.call.api == "sales":
        return int(answer.body["id"])
    return int(answer.body["response"])


def _round_calls(round_no: int, next_account: int, rng: random.Random) -> list[Call]:
    """20 identifiers x 8 creates, and 40 creates without an account, shuffled."""
    tag = uuid.uuid4().hex[:8]
    external_ids = [str(rng.randrange(10**12, 10**13)) for _ in range(4)]
    free_codes = [f"R{round_no}-{tag}-{k:02d}" for k in range(12)]
    # Codes the generator is about to hand out: explicit creates and generated ones collide.
    generator_codes = [f"CL{next_account + k:04d}" for k in (2, 5, 9, 14)]
    calls: list[Call] = []
    for identifier in external_ids:
        calls += [
            _partner_create(identifier, "external_id", f"ext {identifier} #{n}")
            for n in range(CREATES_PER_IDENTIFIER)
        ]
    makers = [
        lambda code, n: _partner_create(code, "code", f"partner {code} #{n}"),
        lambda code, n: _sales_create(code, f"sales {code} #{n}"),
        lambda code, n: _billing_create(code, f"billing {code} #{n}"),
    ]
    for identifier in free_codes + generator_codes:
        calls += [makers[n % 3](identifier, n) for n in range(CREATES_PER_IDENTIFIER)]
    calls += [_billing_create(None, f"generated r{round_no} #{n}") for n in range(GENERATED)]
    rng.shuffle(calls)
    assert len({c.identifier for c in calls if c.identifier}) == IDENTIFIERS
    return calls


def _next_account(direct: DirectDatabase) -> int:
    last = direct.value(f"SELECT last_number FROM account_counters WHERE entity_id = {ENTITY}")
    return int(last or 0) + 1


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def test_concurrent_creates_leave_one_customer_per_identifier(
    server: RegistryServer, direct: DirectDatabase, record_property: RecordProperty
) -> None:
    tokens = login(server.url)
    rng = random.Random(7)
    totals: Counter[str] = Counter()
    problems: list[str] = []
    created_ids: set[int] = set()

    for round_no in range(1, ROUNDS + 1):
        calls = _round_calls(round_no, _next_account(direct), rng)
        answers = asyncio.run(_send_all(server.url, tokens, calls))
        totals["requests"] += len(answers)

        winners: dict[str, list[int]] = {}
        generated: list[int] = []
        for answer in answers:
            call = answer.call
            if answer.status >= 500:
                totals["5xx"] += 1
                problems.append("5xx: " + answer.short())
            elif answer.status == 201:
                totals["created"] += 1
                customer_id = _created_id(answer)
                created_ids.add(customer_id)
                if call.identifier is None:
                    generated.append(customer_id)
                else:
                    winners.setdefault(call.identifier, []).append(customer_id)
            elif call.identifier is not None and _expected_refusal(answer):
                totals["refused"] += 1
            else:
                totals["unexpected"] += 1
                problems.append("not the documented answer: " + answer.short())
        if len(generated) != GENERATED:
            problems.append(
                f"round {round_no}: {GENERATED - len(generated)} of {GENERATED} creates "
                "without an account were refused (the generator must find a free account)"
            )

        # The verdict: the rows themselves.
        identifiers = {c.identifier: c.kind for c in calls if c.identifier is not None}
        for identifier, kind in sorted(identifiers.items()):
            column = "external_id" if kind == "external_id" else "code"
            literal = identifier if kind == "external_id" else _sql_text(identifier)
            holders = [
                row[0]
                for row in direct.rows(
                    f"SELECT customer_id FROM customers WHERE entity_id = {ENTITY} "
                    f"AND {column} = {literal} ORDER BY customer_id"
                )
            ]
            won = winners.get(identifier, [])
            if len(holders) > 1:
                totals["duplicates"] += len(holders) - 1
                problems.append(f"{column} {identifier}: {len(holders)} customers {holders}")
            if len(won) > 1:
                problems.append(f"{column} {identifier}: {len(won)} creates answered 201 {won}")
            if not holders:
                problems.append(f"{column} {identifier}: no customer at all")
            elif won and won != holders:
                problems.append(f"{column} {identifier}: 201 for {won}, stored in {holders}")
            elif not won and holders[0] not in generated:
                # Only a generated account may take a code every explicit create asked for.
                problems.append(f"{column} {identifier}: every create refused, held by {holders}")
        accounts = direct.rows(
            "SELECT customer_id, code FROM customers WHERE customer_id IN "
            f"({', '.join(map(str, generated or [0]))})"
        )
        bad = [row for row in accounts if not GENERATED_ACCOUNT.fullmatch(row[1] or "")]
        if bad or len(accounts) != len(generated):
            problems.append(f"generated accounts: {len(accounts)} rows, not CL…: {bad}")
        repeated = [code for code, n in Counter(row[1] for row in accounts).items() if n > 1]
        totals["duplicates"] += len(repeated)
        if repeated:
            problems.append(f"generated accounts handed out twice: {repeated}")
        totals["identifiers"] += len(identifiers)
        totals["generated"] += len(generated)

    # Nothing beyond what was answered 201, and every customer with its entity link.
    stored = {row[0] for row in direct.rows("SELECT customer_id FROM customers")}
    if stored != created_ids:
        problems.append(
            f"rows without a 201: {sorted(stored - created_ids)[:20]}; "
            f"201 without a row: {sorted(created_ids - stored)[:20]}"
        )
    unlinked = direct.rows(
        "SELECT c.customer_id FROM customers c LEFT JOIN customer_entity_linker l "
        "ON l.customer_id = c.customer_id AND l.date_removed IS NULL "
        "WHERE l.customer_entity_linker_id IS NULL"
    )
    if unlinked:
        problems.append(f"customers without an entity link: {unlinked[:20]}")

    summary = (
        f"races: {ROUNDS} rounds, {totals['requests']} concurrent creates over "
        f"{totals['identifiers']} contested identifiers + {totals['generated']} generated "
        f"accounts ({WORKERS} workers, {'PostgreSQL' if direct.postgres else 'SQLite'}): "
        f"{totals['created']} created, {totals['refused']} refused with the documented 4xx, "
        f"{totals['unexpected']} other answers, {totals['5xx']} 5xx, "
        f"{totals['duplicates']} duplicates found"
    )
    record_property("race_creates", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems[:40])


# --- concurrent PUTs to one customer -----------------------------------------------------------

BILLING_PUTS = 50
SALES_PUTS = 30
PARTNER_PUTS = 20
PUT_ROUNDS = 3


@dataclass(frozen=True)
class Write:
    """What PUT number i stored (None: the write does not send that field)."""

    api: str
    value: str
    email: str | None
    city: str | None
    payment_types: frozenset[int] | None


def _put_calls(
    customer_id: int, round_no: int, payment_types: list[int]
) -> tuple[list[Call], dict[str, Write]]:
    calls: list[Call] = []
    writes: dict[str, Write] = {}
    for i in range(BILLING_PUTS + SALES_PUTS + PARTNER_PUTS):
        value = f"W{round_no}-{i:03d}"
        email, city = f"{value.lower()}@example.com", f"{value}-city"
        path = f"/customers/{customer_id}"
        if i < BILLING_PUTS:
            params = {
                "name": value,
                "customerAccount": value,
                "emailAddress": email,
                "mainAddressCity": city,
            }
            calls.append(Call("billing", "PUT", BILLING + path, value, "code", params=params))
            writes[value] = Write("billing", value, email, city, None)
        elif i < BILLING_PUTS + SALES_PUTS:
            kind = payment_types[i - BILLING_PUTS]
            data = {
                "name": value,
                "reference": value,
                "email": email,
                "billingCity": city,
                "paymentTypes": f'[{{"id"={kind}}}]',
            }
            calls.append(Call("sales", "PUT", SALES + path, value, "code", data=data))
            writes[value] = Write("sales", value, email, city, frozenset({kind}))
        else:
            body = {"name": value, "external_customer_code": value}
            calls.append(Call("partner", "PUT", PARTNER + path, value, "code", body=body))
            writes[value] = Write("partner", value, None, None, None)
    random.Random(round_no).shuffle(calls)
    return calls, writes


def _mixes(
    row: tuple[Any, ...], kinds: frozenset[int], writes: dict[str, Write], before: Write
) -> list[str]:
    """How the stored record differs from every single write (empty: it is one of them)."""
    name, code, email, city = row
    winner = writes.get(name)
    if winner is None:
        return [f"name {name!r} is no write's"]
    found = []
    if code != winner.value:
        found.append(f"name from {name}, account/code {code!r}")
    every = [*writes.values(), before]
    if winner.email is not None:
        if (email, city) != (winner.email, winner.city):
            found.append(f"name from {winner.api} {name}, e-mail {email!r}, city {city!r}")
    elif not any((w.email, w.city) == (email, city) for w in every if w.email is not None):
        found.append(f"e-mail {email!r} and city {city!r} from two writes")
    if winner.payment_types is not None:
        if kinds != winner.payment_types:
            found.append(f"name from sales {name}, payment types {sorted(kinds)}")
    elif not any(w.payment_types == kinds for w in every if w.payment_types is not None):
        found.append(f"payment types {sorted(kinds)} are no single write's")
    return found


def test_concurrent_puts_leave_one_write(
    server: RegistryServer, direct: DirectDatabase, record_property: RecordProperty
) -> None:
    tokens = login(server.url)
    with httpx.Client(base_url=server.url, headers=tokens.bearer, timeout=REQUEST_TIMEOUT) as c:
        made = c.post(
            SALES + "/customers",
            data={
                "reference": "W0",
                "name": "W0",
                "email": "w0@example.com",
                "billingCity": "W0-city",
            },
        )
        assert made.status_code == 201, made.text
        customer_id = made.json()["id"]
        payment_types = []
        for n in range(SALES_PUTS):
            r = c.post(SALES + "/paymentTypes", data={"reference": f"pt{n}", "name": f"pt {n}"})
            assert r.status_code == 201, r.text
            payment_types.append(r.json()["id"])
    before = Write("sales", "W0", "w0@example.com", "W0-city", frozenset())

    totals: Counter[str] = Counter()
    problems: list[str] = []
    for round_no in range(1, PUT_ROUNDS + 1):
        calls, writes = _put_calls(customer_id, round_no, payment_types)
        answers = asyncio.run(_send_all(server.url, tokens, calls))
        totals["requests"] += len(answers)
        for answer in answers:
            if answer.status != 200:
                totals["5xx" if answer.status >= 500 else "refused"] += 1
                problems.append(f"round {round_no}: " + answer.short())
        (row,) = direct.rows(
            f"SELECT name, code, email, city FROM customers WHERE customer_id = {customer_id}"
        )
        kinds = frozenset(
            r[0]
            for r in direct.rows(
                "SELECT payment_type_id FROM customer_payment_types "
                f"WHERE customer_id = {customer_id}"
            )
        )
        mixed = _mixes(row, kinds, writes, before)
        totals["rounds"] += 1
        if mixed:
            totals["mixes"] += 1
            problems.append(f"round {round_no}: stored {row}, payment types {sorted(kinds)}:")
            problems.extend("    " + m for m in mixed)
        if problems:
            break  # one failing round tells it; the next ones would only take longer
        # The next round starts from what is stored (a write that never ran is not "before").
        winner = writes.get(row[0])
        if winner is not None and winner.email is not None:
            before = Write(winner.api, row[0], row[2], row[3], kinds)
        else:
            before = Write("stored", row[0], row[2], row[3], kinds)

    summary = (
        f"races: {totals['rounds']} of {PUT_ROUNDS} rounds of {BILLING_PUTS} billing + "
        f"{SALES_PUTS} sales + {PARTNER_PUTS} partner concurrent PUTs to one customer "
        f"({'PostgreSQL' if direct.postgres else 'SQLite'}): {totals['requests']} requests, "
        f"{totals['refused']} refused, {totals['5xx']} 5xx, "
        f"{totals['mixes']} records mixing two writes"
    )
    record_property("race_puts", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems[:40])
