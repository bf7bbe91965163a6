"""The partner API against genuine Flask-Restless 0.17.0 (the library the original SMARTSolar
v1 service was built on), request by request.

The same rows are made through our API, then copied with the same ids, values and timestamps
into the oracle (`oracle/app.py`, in its own virtual environment). Every request of the
generated corpus (`oracle/corpus.py`) goes to both, and the answers are compared: status,
`num_results`, `total_pages`, `page`, the ids in `objects` and their order, an object's id,
and error bodies. A difference is allowed only by one of the reviewed rules below (each
has a row in docs/compatibility/partner_v1.md); any other fails the test.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.settings import Settings
from customer_registry.storage import customers as customer_rows
from tests.apis.partner_v1.oracle import (
    Oracle,
    build_venv,
    oracle_database_url,
    running_oracle,
)
from tests.apis.partner_v1.oracle.corpus import CUSTOMERS, KEYS, Probe, corpus

Headers = dict[str, str]
Json = dict[str, Any]

CUSTOMER_COUNT = 204
PRODUCT_COUNT = 30
NAMES = (
    "Smith", "smith", "SMITH", "Jones", "Émile Zola", "émile durand", "ÉMILE ROUX",
    "Юлия Петрова", "юлия иванова", "ЮЛИЯ СИДОРОВА", "Ångström AB", "ångström ltd",
    "O'Brien", "100% Solar", "under_score", "back\\slash", "Zoë", "ZOË", "Ünal", "ünal",
    "Łukasz", "łukasz", "Ωmega", "ωmega", "Alice", "alice", "Bob", "Mallory",
)  # fmt: skip


@pytest.fixture(scope="module")
def oracle(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    python = build_venv()
    tmp = tmp_path_factory.mktemp("oracle")
    url, schema = oracle_database_url(settings.database_url, tmp)
    with running_oracle(python, url, schema, tmp / "oracle.log") as running:
        yield running


# --- the rows -------------------------------------------------------------------------------


async def _ok(response: httpx.Response, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


async def _seed(client: httpx.AsyncClient, admin: Headers, ctx: Context) -> None:
    """Entities, customers with links (ended, deleted, several), products, and history."""
    entity_ids = [1]
    for n, (flag, tariff, financier) in enumerate(
        ((True, "flat", None), (False, None, True), (False, "metered", False), (True, None, None))
    ):
        body = {"name": f"entity {n}", "bboxx_company_flag": flag, "tariff": tariff,
                "financier": financier, "geic": f"G{n}" if n % 2 else None}  # fmt: skip
        entity_ids.append(
            (await _ok(await client.post("/v1/entities", json=body, headers=admin), 201))[
                "entity_id"
            ]
        )
    created = []
    for i in range(1, CUSTOMER_COUNT + 1):
        name = NAMES[i % len(NAMES)] if i <= 100 else f"{NAMES[i % len(NAMES)]} {i}"
        external_id = None if i % 7 == 0 else (3_000_000_000 + i if i % 11 == 0 else i % 60)
        code = None if i % 5 == 0 and external_id is not None else f"c{i}"
        entity_id = entity_ids[i % len(entity_ids)]
        if external_id is not None and i % 60 != i:  # ids repeat every 60: keep them unique
            external_id = i
        body = {"name": name, "entity_id": entity_id, "external_customer_id": external_id,
                "external_customer_code": code}  # fmt: skip
        r = await client.put("/v1/customers/create_customer", json=body, headers=admin)
        data = (await _ok(r, 201))["data"]
        created.append((data, entity_id))
    for data, _ in created:
        customer_id = data["customer_id"]
        if customer_id % 9 == 0:
            r = await client.put(
                f"/v1/customers/{customer_id}",
                json={"name": f"renamed {customer_id}"},
                headers=admin,
            )
            await _ok(r)
        link = data["customer_entity_linker_id"]
        if customer_id % 6 == 0:
            body = {"date_removed": f"2021-{customer_id % 12 + 1:02d}-01T00:00:00"}
            await _ok(
                await client.put(f"/v1/customer_entity_linker/{link}", json=body, headers=admin)
            )
        elif customer_id % 10 == 3:
            r = await client.delete(f"/v1/customer_entity_linker/{link}", headers=admin)
            assert r.status_code == 204
    async with ctx.db.write() as conn:  # former links, in other entities (no route makes them)
        for data, entity_id in created:
            if data["customer_id"] % 8 == 1:
                other = entity_ids[(entity_ids.index(entity_id) + 1) % len(entity_ids)]
                scope = COMMAND_LINE.scope.for_entity(other)
                await customer_rows.insert_link(conn, scope, {
                    "customer_id": data["customer_id"], "entity_id": other,
                    "date_added": datetime(2020, 1, data["customer_id"] % 28 + 1),
                    "date_removed": datetime(2020, 6, 1), "created_at": datetime(2020, 1, 1),
                    "created_by": "migration"})  # fmt: skip
    for i in range(PRODUCT_COUNT):
        body = {"product_imei": f"{i:015d}", "entity_id": entity_ids[i % len(entity_ids)],
                "hub_id": i % 6 or None, "product_type_id": i % 4, "serial_number": f"S{i}",
                "current_enable_flag": i % 3 == 0, "gps_lat": i / 10 if i % 5 else None}  # fmt: skip
        await _ok(await client.post("/v1/products", json=body, headers=admin), 201)
    for i in range(PRODUCT_COUNT - 5):
        data, entity_id = created[i * 7 % CUSTOMER_COUNT]
        for target in (data, created[(i * 7 + 3) % CUSTOMER_COUNT][0]) if i % 4 == 0 else (data,):
            body = {"entity_id": entity_id, "reason": "broken" if i % 8 == 0 else None}
            body |= {k: target[k] for k in ("external_customer_id", "external_customer_code")}
            body["entity_id"] = next(e for d, e in created if d is target)
            r = await client.put(f"/v1/products/{i:015d}/change_customer", json=body, headers=admin)
            await _ok(r)
        if i % 6 == 5:
            r = await client.put(
                f"/v1/products/{i:015d}/expire_customer",
                json={"reason": "repossessed"},
                headers=admin,
            )
            await _ok(r)


async def _rows(client: httpx.AsyncClient, admin: Headers) -> dict[str, list[Json]]:
    """Every row of every resource, as our API shows them (every page)."""
    rows: dict[str, list[Json]] = {}
    for path in KEYS:
        rows[path.removeprefix("/v1/")] = found = []
        page = 1
        while True:
            params = {"page": str(page), "results_per_page": "100"}
            body = await _ok(await client.get(path, params=params, headers=admin))
            found += body["objects"]
            if page >= body["total_pages"]:
                break
            page += 1
    return rows


# --- answers --------------------------------------------------------------------------------


def summary(probe: Probe, response: httpx.Response) -> tuple[Any, ...]:
    """What is compared of an answer."""
    try:
        body = response.json()
    except ValueError:
        return (response.status_code, "not JSON")
    key = KEYS[probe.collection]
    if isinstance(body, dict) and "objects" in body and response.status_code == 200:
        ids = [item.get(key) for item in body["objects"]]
        return (200, body.get("num_results"), body.get("total_pages"), body.get("page"), ids)
    if response.status_code == 200 and isinstance(body, dict):
        return (200, "object", body.get(key))
    return (response.status_code, json.dumps(body, sort_keys=True))


@dataclass(frozen=True)
class Difference:
    probe: Probe
    ours: tuple[Any, ...]
    theirs: tuple[Any, ...]


# --- the reviewed differences ----------------------------------------------------------------
# The only reasons a difference may have: (a) the original answers 500 or an HTML page, and we
# answer the documented 4xx in the API's format; (b) the original's answer depends on its
# database, and we answer as it does on PostgreSQL; (c) a seed page says otherwise. Each rule
# names its reason and its row in docs/compatibility/partner_v1.md, and applies to nothing
# more than it says.

ORIGINAL_FAILS = "(a) the original answers 500 or an HTML page; we answer the documented 4xx"
DATABASE = "(b) the original's answer depends on its database; we answer as on PostgreSQL"
SEED_PAGE = "(c) a seed page says otherwise"


@dataclass(frozen=True)
class Allowed:
    name: str  # its row in docs/compatibility/partner_v1.md
    reason: str
    applies: Callable[[Difference, str], bool]


UNABLE = (400, '{"message": "Unable to construct query"}')


def _failed(answer: tuple[Any, ...]) -> bool:
    return bool(answer[0] >= 500 or answer[1] == "not JSON")


def _original_failed(d: Difference, dialect: str) -> bool:
    """(a), row "the original fails": the original answers 500 (an HTML page); we answer 400 or 404
    in our format."""
    return _failed(d.theirs) and d.ours[0] in (400, 404) and d.ours[1] != "not JSON"


def _filter_ops(q: Any) -> Iterator[Json]:
    def walk(item: Any) -> Iterator[Json]:
        if isinstance(item, dict):
            yield item
            for value in item.values():
                yield from walk(value)
        elif isinstance(item, list):
            for value in item:
                yield from walk(value)

    if isinstance(q, dict):
        yield from walk(q.get("filters"))


TIMES = {"created_at", "modified_at", "date_added", "date_removed"}


def _time_in_a_list(d: Difference, dialect: str) -> bool:
    """(c), row "a time `in` a list": _query_format.md: `in` / `not_in` are "contained with-in the
    list supplied", for any field. 0.17 tries to read the list itself as a time (strings_to_dates)
    and answers 500 for a time field; we answer the request."""
    return (
        _failed(d.theirs)
        and d.ours[0] == 200
        and any(
            f.get("op") in ("in", "not_in")
            and f.get("name") in TIMES
            and isinstance(f.get("val"), list)
            for f in _filter_ops(d.probe.q())
        )
    )


def _past_64_bits_on_sqlite(d: Difference, dialect: str) -> bool:
    """(b), row "an integer past 64 bits on SQLite": SQLite holds no integer past 64 bits, and 0.17
    fails (500) when one is compared there; PostgreSQL compares it as a number, as we do (the
    PostgreSQL run checks these requests agree)."""
    return (
        dialect == "sqlite"
        and _failed(d.theirs)
        and d.ours[0] == 200
        and any(
            isinstance(f.get("val"), int) and not -(2**63) <= f["val"] < 2**63
            for f in _filter_ops(d.probe.q())
        )
    )


DATABASE_ERRORS = ("DataError", "ProgrammingError")


REFUSED = tuple((400, f'{{"message": "{name}"}}') for name in DATABASE_ERRORS)


def _record_url_that_names_nothing(d: Difference, dialect: str) -> bool:
    """(c), row "a record URL that names no record": _errors.md: 404 is "The specified resource
    could not be found". A record's URL whose id is no id (`/v1/customers/abc`, an integer past the
    column) names no record: 404 `{}` as for any missing record (0.17's answer on SQLite; on
    PostgreSQL it hands the text to the database and answers 400 `DataError`)."""
    return (
        d.probe.path != d.probe.collection
        and d.ours == (404, "{}")
        and d.theirs == (400, '{"message": "DataError"}')
    )


# Each resource's fields the corpus compares, by how PostgreSQL reads a value for them (as
# the oracle's models declare them). Times are read by 0.17 itself before its database is
# asked, so no database refusal is claimed for them.
_AUDIT = {"created_at": "time", "modified_at": "time", "created_by": "text", "modified_by": "text"}
KINDS: dict[str, dict[str, str]] = {
    CUSTOMERS: {
        "customer_id": "integer",
        "external_customer_id": "bigint",
        "name": "text",
        "external_customer_code": "text",
        **_AUDIT,
    },
    "/v1/entities": {
        "entity_id": "integer",
        "name": "text",
        "tariff": "text",
        "geic": "text",
        "bboxx_company_flag": "boolean",
        "financier": "boolean",
        **_AUDIT,
    },
    "/v1/products": {
        "product_imei": "text",
        "hub_id": "bigint",
        "product_type_id": "bigint",
        "entity_id": "integer",
        "gps_lat": "float",
        "gps_lon": "float",
        "current_enable_flag": "boolean",
        "serial_number": "text",
        **_AUDIT,
    },
    "/v1/customer_entity_linker": {
        "customer_entity_linker_id": "integer",
        "customer_id": "integer",
        "entity_id": "integer",
        "date_added": "time",
        "date_removed": "time",
        **_AUDIT,
    },
    "/v1/product_entity_linker": {
        "product_entity_linker_id": "integer",
        "product_imei": "text",
        "entity_id": "integer",
        **_AUDIT,
    },
    "/v1/customer_product_history": {
        "customer_product_history_id": "integer",
        "customer_id": "integer",
        "product_imei": "text",
        "removal_reason": "text",
        **_AUDIT,
    },
}
FAMILIES = {"integer": "number", "bigint": "number", "float": "number"}
RANGES = {"integer": 2**31, "bigint": 2**63}  # what PostgreSQL reads as INTEGER, BIGINT
COMPARISONS = {"==", "!=", "<", ">=", ">", "<=", "eq", "gt"}
# PostgreSQL's readings of text (int8in, float8in, boolin), spaces around allowed.
READS = {
    "integer": re.compile(r"\s*[+-]?[0-9]+\s*"),
    "bigint": re.compile(r"\s*[+-]?[0-9]+\s*"),
    "float": re.compile(
        r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*|\s*[+-]?(nan|inf|infinity)\s*",
        re.IGNORECASE,
    ),
    "boolean": re.compile(
        r"\s*(t|tr|tru|true|f|fa|fal|fals|false|y|ye|yes|n|no|on|of|off|1|0)\s*", re.I
    ),
}


def _value_refused(kind: str | None, value: Any) -> bool:
    """Whether PostgreSQL refuses `value` handed to it for a field of this kind: text it
    cannot read as the kind; a value of another JSON type (a number for text or a boolean, a
    boolean, list or object for a number); text with NUL (its driver refuses to send it)."""
    if value is None or kind in (None, "time"):
        return False
    if isinstance(value, str):
        if "\x00" in value or (kind in READS and not READS[kind].fullmatch(value)):
            return True
        return kind in RANGES and not -RANGES[kind] <= int(value) < RANGES[kind]
    if kind == "text":
        return True
    if kind == "boolean":
        return not isinstance(value, bool)
    return isinstance(value, bool | list | dict)


def _filter_refused(kinds: dict[str, str], f: Json) -> bool:
    name, op, value, other = f.get("name"), f.get("op"), f.get("val"), f.get("field")
    kind = kinds.get(name) if isinstance(name, str) else None
    if other is not None:
        other_kind = kinds.get(other) if isinstance(other, str) else None
        if other_kind is None or kind is None:
            return False
        return FAMILIES.get(other_kind, other_kind) != FAMILIES.get(kind, kind)
    if op in ("like", "ilike"):
        return kind in ("integer", "bigint", "float", "boolean") or (
            kind == "text" and not isinstance(value, str)
        )
    if op in ("in", "not_in"):  # a text is a list of its characters to SQLAlchemy
        values = value if isinstance(value, list | str) else [value]
        return any(_value_refused(kind, v) for v in values)
    return op in COMPARISONS and _value_refused(kind, value)


def _postgresql_refuses(probe: Probe) -> bool:
    """Requests PostgreSQL refuses where SQLite answers: a value compared with a field of
    another type, a negative `limit`/`offset`, grouping without the primary key, or with an
    order through a relation (the joined column is not grouped)."""
    q = probe.q()
    if not isinstance(q, dict):
        return False
    if any(isinstance(q.get(k), int) and q[k] < 0 for k in ("limit", "offset")):
        return True
    groups, order = q.get("group_by"), q.get("order_by")
    if isinstance(groups, list) and groups:
        key = {"field": KEYS[probe.collection]}
        if key not in groups:
            return True
        if isinstance(order, list) and any("__" in str(o.get("field")) for o in order):
            return True
    kinds = KINDS[probe.collection]
    return any(_filter_refused(kinds, f) for f in _filter_ops(q))


def _booleans_on_sqlite(d: Difference, dialect: str) -> bool:
    """(b), row "boolean words on SQLite": SQLite keeps booleans as 0 and 1 and compares a text with
    them as text (so `"current_enable_flag" == "true"` matches nothing there); PostgreSQL reads the
    word as a boolean, as we do (the PostgreSQL run checks these requests agree)."""
    kinds = KINDS[d.probe.collection]
    return (
        dialect == "sqlite"
        and d.ours[0] == d.theirs[0] == 200
        and any(
            kinds.get(str(f.get("name"))) == "boolean" and isinstance(f.get("val"), str)
            for f in _filter_ops(d.probe.q())
        )
    )


def _sqlite_takes_more(d: Difference, dialect: str) -> bool:
    """(b), row "SQLite takes what PostgreSQL refuses": SQLite compares values of any type with any
    column (text with NUL too), takes a negative limit and groups whole rows by any column; 0.17 on
    PostgreSQL refuses those requests, with its driver's error or a failure (checked by the
    PostgreSQL run: see _check_postgresql_refuses, and there our answer is compared as any other),
    and we answer as it does there (the documented 400 where it fails), on both databases."""
    return (
        dialect == "sqlite"
        and d.ours in (*REFUSED, UNABLE)
        and d.theirs[0] == 200
        and _postgresql_refuses(d.probe)
    )


def _relation_extensions(d: Difference, dialect: str) -> bool:
    """(c), row "fields of related models, Boolean formulas in `any`": _query_format.md: a filter's
    field, and a `group_by` field, "may alternately specify a field on a related model" as
    `<relationname>__<fieldname>` (0.17 reads that in filters only for `has`, `any` and `is_null`,
    and not at all in `group_by`); `has`/`any` take "a value in the supplied list" or a filter, and
    "filter objects can also be arbitrary Boolean formulas" (0.17 takes only a simple one). 0.17
    answers 400 `Unable to construct query`; we answer the request, or refuse a value in it as
    PostgreSQL would."""
    if not ((d.ours[0] == 200 or d.ours in REFUSED) and d.theirs == UNABLE):
        return False
    q = d.probe.q()
    groups = q.get("group_by") if isinstance(q, dict) else None
    if isinstance(groups, list) and any("__" in str(g.get("field")) for g in groups):
        return True
    for f in _filter_ops(q):
        name, op, val = f.get("name"), f.get("op"), f.get("val")
        if not isinstance(name, str):
            continue
        if "__" in name and op not in ("has", "any", "is_null", "is_not_null"):
            return True
        if op in ("has", "any") and (
            isinstance(val, list) or (isinstance(val, dict) and ("or" in val or "and" in val))
        ):
            return True
    return False


def _like_on_sqlite(d: Difference, dialect: str) -> bool:
    """(b), row "like and ilike on SQLite": SQLite's LIKE folds ASCII case only, and `like` is not
    case-sensitive there; both answer the request (the PostgreSQL run checks these requests
    agree)."""
    return (
        dialect == "sqlite"
        and d.ours[0] == d.theirs[0] == 200
        and any(f.get("op") in ("like", "ilike") for f in _filter_ops(d.probe.q()))
    )


NULLABLE = {"external_customer_id", "external_customer_code", "modified_at", "modified_by"}
NULLABLE |= {"gps_lat", "gps_lon", "date_removed", "removal_reason", "tariff", "geic"}


def _nulls_ordered_on_sqlite(d: Difference, dialect: str) -> bool:
    """(b), row "NULL order on SQLite": SQLite sorts NULLs first ascending, PostgreSQL last: the
    same rows and count, in another order (the PostgreSQL run checks these requests agree)."""
    q = d.probe.q()
    order = q.get("order_by") if isinstance(q, dict) else None
    return (
        dialect == "sqlite"
        and isinstance(order, list)
        and any(
            isinstance(o, dict) and str(o.get("field")).split("__")[-1] in NULLABLE for o in order
        )
        and d.ours[:4] == d.theirs[:4]
    )


def _seed_page_alias(d: Difference, dialect: str) -> bool:
    """(c), row "`equals_to` and `fieldname`": _query_format.md lists `equals_to` (0.17 knows
    `equal_to` only) and spells the second form's key `fieldname` (0.17 reads `field` only); 0.17
    answers 400."""
    return (
        d.ours[0] == 200
        and d.theirs == UNABLE
        and any(f.get("op") == "equals_to" or "fieldname" in f for f in _filter_ops(d.probe.q()))
    )


ALLOWED = (
    Allowed("the original fails", ORIGINAL_FAILS, _original_failed),
    Allowed("a time `in` a list", SEED_PAGE, _time_in_a_list),
    Allowed("an integer past 64 bits on SQLite", DATABASE, _past_64_bits_on_sqlite),
    Allowed("a record URL that names no record", SEED_PAGE, _record_url_that_names_nothing),
    Allowed("SQLite takes what PostgreSQL refuses", DATABASE, _sqlite_takes_more),
    Allowed("fields of related models, Boolean formulas in `any`", SEED_PAGE, _relation_extensions),
    Allowed("like and ilike on SQLite", DATABASE, _like_on_sqlite),
    Allowed("boolean words on SQLite", DATABASE, _booleans_on_sqlite),
    Allowed("NULL order on SQLite", DATABASE, _nulls_ordered_on_sqlite),
    Allowed("`equals_to` and `fieldname`", SEED_PAGE, _seed_page_alias),
)


def _check_postgresql_refuses(answers: list[tuple[Probe, tuple[Any, ...]]], dialect: str) -> None:
    """On PostgreSQL, every request _postgresql_refuses names must be refused by the original
    there (400 with its driver's error, or a failure): the claim the SQLite rule rests on."""
    if dialect != "postgresql":
        return
    wrong = [
        f"{probe.key}: {theirs}"
        for probe, theirs in answers
        if _postgresql_refuses(probe) and not (_failed(theirs) or theirs in (*REFUSED, UNABLE))
    ]
    assert not wrong, "the original on PostgreSQL answers these:\n" + "\n".join(wrong)


def _write_differences(differences: list[Difference], dialect: str) -> None:
    """With ORACLE_DIFFERENCES_FILE set, every difference is written there with the rule that
    allows it (or UNEXPLAINED), to review them."""
    dump = os.environ.get("ORACLE_DIFFERENCES_FILE")
    if not dump:
        return
    lines = []
    for d in differences:
        rule = next((a.name for a in ALLOWED if a.applies(d, dialect)), "UNEXPLAINED")
        lines.append(f"[{rule}] {d.probe.key}\n   ours   {d.ours}\n   theirs {d.theirs}")
    Path(dump).write_text("\n".join(lines))


def classify(differences: list[Difference], dialect: str) -> tuple[Counter[str], list[Difference]]:
    allowed: Counter[str] = Counter()
    unexplained = []
    for d in differences:
        rule = next((a for a in ALLOWED if a.applies(d, dialect)), None)
        if rule is None:
            unexplained.append(d)
        else:
            allowed[f"{rule.reason} ({rule.name})"] += 1
    return allowed, unexplained


async def test_partner_api_answers_as_flask_restless_does(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, oracle: Oracle, settings: Settings
) -> None:
    await _seed(client, admin, ctx)
    oracle.load(await _rows(client, admin))
    probes = corpus()
    assert len(probes) >= 500
    answers = []
    differences = []
    for probe in probes:
        ours = summary(
            probe, await client.get(probe.path, params=list(probe.params), headers=admin)
        )
        try:
            theirs = summary(probe, oracle.get(probe.path, dict(probe.params)))
        except httpx.HTTPError as error:
            raise AssertionError(f"the oracle did not answer {probe.key}") from error
        answers.append((probe, theirs))
        if ours != theirs:
            differences.append(Difference(probe, ours, theirs))
    dialect = settings.dialect
    allowed, unexplained = classify(differences, dialect)
    report = [f"{len(probes)} requests on {dialect}: {len(probes) - len(differences)} agree"]
    report += [f"  allowed, {reason}: {n}" for reason, n in sorted(allowed.items())]
    report.append(f"  unexplained: {len(unexplained)}")
    print("\n".join(report))
    _write_differences(differences, dialect)
    assert not unexplained, "\n".join(
        f"{d.probe.key}: ours {d.ours}, theirs {d.theirs}" for d in unexplained[:40]
    )
    _check_postgresql_refuses(answers, dialect)
