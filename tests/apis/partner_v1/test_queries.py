"""The `q` parameter and paging of partner list endpoints (`_query_format.md`)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from customer_registry.apis.partner_v1.query import OPERATORS

Headers = dict[str, str]


async def _create(client: httpx.AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    body.setdefault("entity_id", 1)
    r = await client.post("/v1/customers/create_customer", json=body, headers=headers)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def _query(
    client: httpx.AsyncClient, headers: Headers, q: Any, **params: Any
) -> httpx.Response:
    text = q if isinstance(q, str) else json.dumps(q)
    return await client.get("/v1/customers", params={"q": text, **params}, headers=headers)


def _ids(r: httpx.Response) -> list[int]:
    assert r.status_code == 200, r.text
    return [o["customer_id"] for o in r.json()["objects"]]


@pytest.fixture
async def five(client: httpx.AsyncClient, admin: Headers) -> list[dict[str, Any]]:
    """Five customers: ids 1..5, external ids 10..50, codes tc_1..tc_3 and XY_4, none on 5."""
    made = []
    for n in range(1, 6):
        code = f"tc_{n}" if n <= 3 else ("XY_4" if n == 4 else None)
        body: dict[str, Any] = {"name": f"Customer {6 - n}", "external_customer_id": n * 10}
        if code:
            body["external_customer_code"] = code
        made.append(await _create(client, admin, **body))
    return made


EQUALS = ["==", "eq", "equals", "equals_to", "equal_to"]
NOT_EQUALS = ["!=", "neq", "ne", "does_not_equal", "not_equal_to"]


@pytest.mark.parametrize("op", EQUALS)
async def test_every_equals_alias(
    client: httpx.AsyncClient, admin: Headers, five: Any, op: str
) -> None:
    q = {"filters": [{"name": "external_customer_id", "op": op, "val": 30}]}
    assert _ids(await _query(client, admin, q)) == [3]


@pytest.mark.parametrize("op", NOT_EQUALS)
async def test_every_not_equals_alias(
    client: httpx.AsyncClient, admin: Headers, five: Any, op: str
) -> None:
    q = {"filters": [{"name": "external_customer_id", "op": op, "val": 30}]}
    assert _ids(await _query(client, admin, q)) == [1, 2, 4, 5]


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([">", "gt"], [4, 5]),
        (["<", "lt"], [1, 2]),
        ([">=", "ge", "gte", "geq"], [3, 4, 5]),
        (["<=", "le", "lte", "leq"], [1, 2, 3]),
    ],
)
async def test_comparisons(
    client: httpx.AsyncClient, admin: Headers, five: Any, ops: list[str], expected: list[int]
) -> None:
    for op in ops:
        q = {"filters": [{"name": "external_customer_id", "op": op, "val": 30}]}
        assert _ids(await _query(client, admin, q)) == expected, op


async def test_in_not_in_null_like(client: httpx.AsyncClient, admin: Headers, five: Any) -> None:
    def f(op: str, val: Any = None, name: str = "external_customer_code") -> dict[str, Any]:
        return {"filters": [{"name": name, "op": op, "val": val}]}

    assert _ids(await _query(client, admin, f("in", [10, 50, 99], "external_customer_id"))) == [
        1,
        5,
    ]
    assert _ids(await _query(client, admin, f("not_in", [10, 50], "external_customer_id"))) == [
        2,
        3,
        4,
    ]
    assert _ids(await _query(client, admin, f("in", []))) == []
    assert _ids(await _query(client, admin, f("is_null", ""))) == [5]
    assert _ids(await _query(client, admin, f("is_not_null", ""))) == [1, 2, 3, 4]
    assert _ids(await _query(client, admin, f("like", "tc%"))) == [1, 2, 3]
    # `like` is case-sensitive and `ilike` is not, on both databases.
    assert _ids(await _query(client, admin, f("like", "xy%"))) == []
    assert _ids(await _query(client, admin, f("ilike", "xy%"))) == [4]
    # NULL is asked with is_null: Flask-Restless refuses `== null`, and so do we.
    r = await _query(client, admin, f("==", None))
    assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"})
    # SQL's IN: a NULL in the list matches nothing, and makes NOT IN match nothing.
    assert _ids(await _query(client, admin, f("in", [10, None], "external_customer_id"))) == [1]
    assert _ids(await _query(client, admin, f("not_in", [10, None], "external_customer_id"))) == []


async def test_like_escapes_the_same_on_both_databases(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    for code in ("tc_1", "tcX1", "100%"):
        await _create(client, admin, name=code, external_customer_code=code)

    def like(pattern: str) -> dict[str, Any]:
        return {"filters": [{"name": "external_customer_code", "op": "like", "val": pattern}]}

    assert _ids(await _query(client, admin, like("tc_1"))) == [1, 2]
    assert _ids(await _query(client, admin, like("tc\\_1"))) == [1]
    assert _ids(await _query(client, admin, like("100\\%"))) == [3]
    assert _ids(await _query(client, admin, like("tc\\\\"))) == []  # an escaped backslash
    # A pattern ending in a lone escape matches nothing (PostgreSQL errs only once a value
    # matches up to it; SQLite never matches it).
    assert _ids(await _query(client, admin, like("tc\\"))) == []


async def test_every_documented_operator_is_known() -> None:
    documented = EQUALS + NOT_EQUALS + [">", "gt", "<", "lt", ">=", "ge", "gte", "geq"]
    documented += ["<=", "le", "lte", "leq", "in", "not_in", "is_null", "is_not_null"]
    documented += ["like", "ilike"]
    assert set(documented) <= set(OPERATORS)


async def test_field_to_field_comparison(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    # The second form ("field"), and the document's own spelling of it ("fieldname").
    for key in ("field", "fieldname"):
        q = {"filters": [{"name": "created_at", "op": "equals_to", key: "created_at"}]}
        assert _ids(await _query(client, admin, q)) == [1, 2, 3, 4, 5]
        q = {"filters": [{"name": "modified_at", "op": "eq", key: "created_at"}]}
        assert _ids(await _query(client, admin, q)) == []


async def test_field_to_field_on_integer_fields(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """Integer fields compare with each other, whatever their size (32 or 64 bits)."""

    def q(left: str, op: str, right: str) -> dict[str, Any]:
        return {"filters": [{"name": left, "op": op, "field": right}]}

    assert _ids(await _query(client, admin, q("customer_id", "==", "customer_id"))) == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert _ids(await _query(client, admin, q("customer_id", "!=", "customer_id"))) == []
    assert _ids(await _query(client, admin, q("external_customer_id", ">", "customer_id"))) == [
        1,
        2,
        3,
        4,
        5,
    ]
    # Text fields compare with `like` too; numbers and text do not compare (PostgreSQL has no
    # such operator: Flask-Restless answers with its driver's error).
    assert _ids(await _query(client, admin, q("name", "like", "name"))) == [1, 2, 3, 4, 5]
    r = await _query(client, admin, q("customer_id", "==", "name"))
    assert (r.status_code, r.json()) == (400, {"message": "ProgrammingError"})


async def test_ilike_folds_unicode_case_and_nulls_sort_last(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """The same answers on both databases: `ilike` folds every letter's case (SQLite's own
    lower() folds ASCII only), and NULLs sort last ascending, first descending (SQLite's own
    order is the reverse)."""
    named = (("Émile Zola", None), ("émile roux", "b"), ("ЮЛИЯ", "a"), ("Юлия", None))
    for n, (name, code) in enumerate(named):
        body: dict[str, Any] = {"name": name, "external_customer_id": n}
        if code:
            body["external_customer_code"] = code
        await _create(client, admin, **body)

    def ilike(pattern: str) -> dict[str, Any]:
        return {"filters": [{"name": "name", "op": "ilike", "val": pattern}]}

    assert _ids(await _query(client, admin, ilike("émile%"))) == [1, 2]
    assert _ids(await _query(client, admin, ilike("ÉMILE ZOLA"))) == [1]
    assert _ids(await _query(client, admin, ilike("юлия"))) == [3, 4]

    def order(direction: str) -> dict[str, Any]:
        return {"order_by": [{"field": "external_customer_code", "direction": direction}]}

    assert _ids(await _query(client, admin, order("asc"))) == [3, 2, 1, 4]
    assert _ids(await _query(client, admin, order("desc"))) == [1, 4, 2, 3]


async def test_and_or_nesting(client: httpx.AsyncClient, admin: Headers, five: Any) -> None:
    q = {
        "filters": [
            {
                "or": [
                    {"name": "external_customer_id", "op": "==", "val": 10},
                    {
                        "and": [
                            {"name": "external_customer_code", "op": "like", "val": "tc%"},
                            {"name": "external_customer_id", "op": ">", "val": 20},
                        ]
                    },
                ]
            }
        ]
    }
    assert _ids(await _query(client, admin, q)) == [1, 3]


async def test_order_limit_offset(client: httpx.AsyncClient, admin: Headers, five: Any) -> None:
    q: dict[str, Any] = {"order_by": [{"field": "name", "direction": "asc"}]}
    assert _ids(await _query(client, admin, q)) == [5, 4, 3, 2, 1]
    q = {"order_by": [{"field": "external_customer_id", "direction": "desc"}], "limit": 2}
    r = await _query(client, admin, q)
    assert _ids(r) == [5, 4]
    assert r.json()["num_results"] == 2
    q = {"order_by": [{"field": "customer_id"}], "offset": 3}
    r = await _query(client, admin, q)
    assert _ids(r) == [4, 5]
    assert r.json()["num_results"] == 2


async def test_group_by_is_what_postgresql_accepts(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """Flask-Restless groups SQL rows with every column selected: PostgreSQL accepts that only
    when the primary key is among the groups, where each row is its own group."""
    await _create(client, admin, name="Customer 1", external_customer_id=60)
    for group in ([{"field": "name"}], [{"field": "name"}, {"field": "created_by"}]):
        r = await _query(client, admin, {"group_by": group})
        assert (r.status_code, r.json()) == (400, {"message": "ProgrammingError"})
    q = {"group_by": [{"field": "name"}, {"field": "customer_id"}], "order_by": [{"field": "name"}]}
    r = await _query(client, admin, q, results_per_page=100)
    assert (_ids(r), r.json()["num_results"], r.json()["total_pages"]) == ([5], 1, 1)


async def test_grouped_results_are_counted_as_flask_restless_counts_them(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """0.17 counts a grouped query by the size of its first group (1: each group is one row,
    see above) and cuts its pages as slices ending there; pages before the first still count
    back from the end of the whole result. With a `limit` the rows are counted."""
    grouped = {"group_by": [{"field": "customer_id"}], "order_by": [{"field": "name"}]}

    async def page(q: Any, **params: Any) -> tuple[int, list[int]]:
        r = await _query(client, admin, q, results_per_page=2, **params)
        return r.json()["num_results"], _ids(r)

    assert await page(grouped) == (1, [5])
    assert await page(grouped, page=2) == (1, [])
    assert await page(grouped, page=-1) == (1, [4, 3])  # [-4:-2] of 5, 4, 3, 2, 1
    assert await page({**grouped, "offset": 2}) == (1, [3])
    assert await page({**grouped, "offset": 5}) == (0, [])
    assert await page({**grouped, "limit": 3}, page=2) == (3, [3])
    nothing = {"name": "customer_id", "op": "<", "val": 0}
    assert await page({**grouped, "filters": [nothing]}) == (0, [])


async def test_single(client: httpx.AsyncClient, admin: Headers, five: Any) -> None:
    one = {
        "filters": [{"name": "external_customer_code", "op": "==", "val": "tc_2"}],
        "single": True,
    }
    r = await _query(client, admin, one)
    assert r.status_code == 200
    assert r.json()["customer_id"] == 2
    none = {
        "filters": [{"name": "external_customer_code", "op": "==", "val": "zz"}],
        "single": True,
    }
    r = await _query(client, admin, none)
    assert (r.status_code, r.json()) == (404, {"message": "No result found"})
    r = await _query(client, admin, {"single": True})
    assert (r.status_code, r.json()) == (400, {"message": "Multiple results found"})


async def test_paging_and_link_header(client: httpx.AsyncClient, admin: Headers, five: Any) -> None:
    r = await client.get("/v1/customers", params={"page": 2, "results_per_page": 2}, headers=admin)
    body = r.json()
    assert (body["num_results"], body["page"], body["total_pages"]) == (5, 2, 3)
    assert [o["customer_id"] for o in body["objects"]] == [3, 4]
    link = r.headers["link"]
    assert 'page=3&results_per_page=2>; rel="next"' in link
    assert 'page=3&results_per_page=2>; rel="last"' in link
    r = await client.get("/v1/customers", params={"page": 9}, headers=admin)
    assert r.json()["objects"] == []
    assert r.json()["num_results"] == 5


async def test_default_and_maximum_page_size(client: httpx.AsyncClient, admin: Headers) -> None:
    for n in range(105):
        await _create(client, admin, name=f"n{n}", external_customer_id=n)
    r = await client.get("/v1/customers", headers=admin)
    assert len(r.json()["objects"]) == 10
    assert r.json()["total_pages"] == 11
    r = await client.get("/v1/customers", params={"results_per_page": 1000}, headers=admin)
    assert len(r.json()["objects"]) == 100


async def test_limit_window_with_paging(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    q = {"limit": 3, "order_by": [{"field": "customer_id"}]}
    r = await _query(client, admin, q, page=2, results_per_page=2)
    assert _ids(r) == [3]
    assert r.json()["num_results"] == 3
    # limit and offset up to what PostgreSQL takes (BIGINT); an offset past the end is empty,
    # and so is every page of it, even where page and offset together pass 64 bits.
    largest = 2**63 - 1
    r = await _query(client, admin, {"limit": largest, "offset": 2}, page=2, results_per_page=2)
    assert (_ids(r), r.json()["num_results"]) == ([5], 3)
    for page in (1, 2, 3):
        r = await _query(client, admin, {"offset": largest}, page=page)
        assert (r.status_code, _ids(r), r.json()["num_results"]) == (200, [], 0)


@pytest.mark.parametrize(
    "q",
    [
        {"filters": [{"name": "nope", "op": "==", "val": 1}]},
        {"filters": [{"name": "name", "op": "resembles", "val": 1}]},
        {"filters": [{"name": "name", "op": "=="}]},
        {"filters": [{"name": "external_customer_id", "op": "in", "val": 5}]},
        {"filters": [{"name": "created_at", "op": ">", "val": "yesterday"}]},
        {"filters": [{"name": "name", "op": "==", "val": "a\u0000b"}]},
        {"filters": [{"name": "customer_id", "op": "<", "val": True}]},  # SQLAlchemy's refusal
        {"filters": {"name": "name"}},
        {"filters": ["name"]},
        {"filters": [{"or": {"name": "name"}}]},
        {"order_by": [{"field": "nope"}]},
        {"order_by": [{"field": "name", "direction": "sideways"}]},
        {"group_by": [{"field": "nope"}]},
        {"offset": "ten"},
        {"order_by": [{"field": "name", "direction": "DESC"}]},
        {"order_by": [{"field": "name", "how": "asc"}]},
        {"filters": None},
        {"filters": [{"name": "customer_entity_linker__entity_id", "op": "==", "val": None}]},
        {"filters": [{"name": "customer_entity_linker", "op": "has", "val": {}}]},
    ],
)
async def test_bad_queries_cannot_be_constructed(
    client: httpx.AsyncClient, admin: Headers, q: Any
) -> None:
    r = await _query(client, admin, q)
    assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"})


@pytest.mark.parametrize(
    ("q", "error"),
    [
        ({"filters": [{"name": "external_customer_id", "op": "==", "val": "ten"}]}, "DataError"),
        ({"filters": [{"name": "customer_id", "op": "in", "val": ["1", "x"]}]}, "DataError"),
        ({"filters": [{"name": "customer_id", "op": "in", "val": "1x"}]}, "DataError"),
        ({"filters": [{"name": "customer_id", "op": "==", "val": "3000000000"}]}, "DataError"),
        ({"limit": -1}, "DataError"),
        ({"offset": 2**63}, "DataError"),  # past PostgreSQL's BIGINT
        ({"limit": 2**63}, "DataError"),
        ({"filters": [{"name": "name", "op": "==", "val": 5}]}, "ProgrammingError"),
        ({"filters": [{"name": "customer_id", "op": "==", "val": True}]}, "ProgrammingError"),
        ({"filters": [{"name": "customer_id", "op": "!=", "val": [1]}]}, "ProgrammingError"),
        ({"filters": [{"name": "customer_id", "op": "<", "val": {"a": 1}}]}, "ProgrammingError"),
        (
            {"filters": [{"name": "external_customer_id", "op": "like", "val": "1%"}]},
            "ProgrammingError",
        ),
        ({"filters": [{"name": "name", "op": "ilike", "val": 5}]}, "ProgrammingError"),
        (
            {"filters": [{"name": "name", "op": "==", "field": "external_customer_id"}]},
            "ProgrammingError",
        ),
        (
            {"filters": [{"name": "created_at", "op": "<", "field": "customer_id"}]},
            "ProgrammingError",
        ),
        ({"group_by": [{"field": "created_by"}]}, "ProgrammingError"),
    ],
)
async def test_what_postgresql_refuses_is_answered_with_its_drivers_error(
    client: httpx.AsyncClient, admin: Headers, q: Any, error: str
) -> None:
    """Flask-Restless 0.17 hands these to PostgreSQL, which refuses them, and answers 400 with
    the name of the DB-API error its driver raised: a value the field's type cannot be read
    from is a DataError, an operation the types do not have a ProgrammingError. So do we, on
    both databases (SQLite would have compared them)."""
    r = await _query(client, admin, q)
    assert (r.status_code, r.json()) == (400, {"message": error})


async def test_integers_in_text_read_as_postgresql_reads_them(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """0.17 hands text to PostgreSQL, which reads a sign and spaces around an integer too."""

    def f(val: Any) -> dict[str, Any]:
        return {"filters": [{"name": "customer_id", "op": "in", "val": val}]}

    assert _ids(await _query(client, admin, f([" 2 ", "+3", "\t4"]))) == [2, 3, 4]
    for bad, error in (("--2", "DataError"), ("2.0", "DataError"), (" 3000000000", "DataError")):
        r = await _query(client, admin, f([bad]))
        assert (r.status_code, r.json()) == (400, {"message": error}), bad


async def test_times_in_top_level_filters_read_as_flask_restless_reads_them(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """0.17 reads a time field's value in a top-level filter itself, with python-dateutil:
    other spellings than ISO 8601, a zone; blank text is null (fine for `is_null`)."""

    def f(op: str, val: Any, name: str = "created_at") -> dict[str, Any]:
        return {"filters": [{"name": name, "op": op, "val": val}]}

    everyone = [1, 2, 3, 4, 5]
    assert _ids(await _query(client, admin, f("<", "Jan 1 2100"))) == everyone
    assert _ids(await _query(client, admin, f(">", "2000/01/01 10:00"))) == everyone
    assert _ids(await _query(client, admin, f("<", "1 January 2000"))) == []
    assert _ids(await _query(client, admin, f("<", "2100-01-01T00:00:00+02:00"))) == everyone
    assert _ids(await _query(client, admin, f("is_null", "  ", "modified_at"))) == everyone
    # 0.17 fails on a list (500); `in` a list of times means what the query format says.
    assert _ids(await _query(client, admin, f("not_in", ["Jan 1 2000", None]))) == []
    assert _ids(await _query(client, admin, f("not_in", ["Jan 1 2000"]))) == everyone
    for bad in ("not a time", "   ", 5):
        r = await _query(client, admin, f("<", bad))
        assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"}), bad


async def test_in_reads_a_text_as_its_characters(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """SQLAlchemy's `in_()` iterates over the value 0.17 hands it: a text is its characters,
    an object its keys."""
    q: dict[str, Any] = {"filters": [{"name": "customer_id", "op": "in", "val": "135"}]}
    assert _ids(await _query(client, admin, q)) == [1, 3, 5]
    q = {"filters": [{"name": "customer_id", "op": "not_in", "val": {"2": 0, "4": 0}}]}
    assert _ids(await _query(client, admin, q)) == [1, 3, 5]


async def test_too_deep_or_too_long_filters_are_refused(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    leaf: dict[str, Any] = {"name": "name", "op": "==", "val": "x"}
    deep = leaf
    for _ in range(40):
        deep = {"and": [deep]}
    r = await _query(client, admin, {"filters": [deep]})
    assert r.status_code == 400
    r = await _query(client, admin, {"filters": [leaf] * 500})
    assert r.status_code == 400
    huge_in = {"name": "external_customer_id", "op": "in", "val": list(range(5000))}
    r = await _query(client, admin, {"filters": [huge_in]})
    assert r.status_code == 400


@pytest.mark.parametrize("q", ["{bad json", "[1, 2]", '"text"', "nul\u0000"])
async def test_undecodable_q(client: httpx.AsyncClient, admin: Headers, q: str) -> None:
    r = await _query(client, admin, q)
    assert (r.status_code, r.json()) == (400, {"message": "Unable to decode data"})


# Past 4,300 digits Python's int() refuses the text (Flask-Restless 0.17 answers 500 there).
@pytest.mark.parametrize("params", [{"page": "x"}, {"page": ""}, {"page": "9" * 4301}])
async def test_bad_paging(
    client: httpx.AsyncClient, admin: Headers, params: dict[str, Any]
) -> None:
    r = await client.get("/v1/customers", params=params, headers=admin)
    assert r.status_code == 400
    assert "message" in r.json()


async def test_sql_looking_values_are_just_values(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    evil = "x'); DROP TABLE customers; --"
    q = {"filters": [{"name": "name", "op": "==", "val": evil}]}
    assert _ids(await _query(client, admin, q)) == []
    created = await _create(client, admin, name=evil, external_customer_code=evil)
    r = await client.get(f"/v1/customers/{created['customer_id']}", headers=admin)
    assert r.json()["name"] == evil
    assert len(_ids(await _query(client, admin, {}))) == 6


async def test_entities_accept_queries(client: httpx.AsyncClient, admin: Headers) -> None:
    for name in ("alpha", "beta"):
        r = await client.post("/v1/entities", json={"name": name}, headers=admin)
        assert r.status_code == 201
    q = {"filters": [{"name": "name", "op": "like", "val": "%ta"}], "single": True}
    r = await client.get("/v1/entities", params={"q": json.dumps(q)}, headers=admin)
    assert r.json()["name"] == "beta"
    r = await client.get(
        "/v1/entities", params={"q": json.dumps({"filters": [{"name": "x"}]})}, headers=admin
    )
    assert r.status_code == 400


async def test_paging_reads_as_flask_restless_does(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """Pages are Python slices of the result: a page before the first counts back from the
    end; a page size that is missing, unreadable or not positive is 10; `page` is read by
    int(), signs, spaces and any size included (echoed as it was read)."""

    async def page(**params: Any) -> tuple[int, int, list[int]]:
        r = await client.get("/v1/customers", params=params, headers=admin)
        assert r.status_code == 200, r.text
        body = r.json()
        return body["page"], body["total_pages"], [o["customer_id"] for o in body["objects"]]

    assert await page(page=-1, results_per_page=2) == (-1, 3, [2, 3])  # [-4:-2]
    assert await page(page=0, results_per_page=2) == (0, 3, [])  # [-2:0]
    assert await page(page=-5, results_per_page=2) == (-5, 3, [])
    assert await page(page=" +2", results_per_page=2) == (2, 3, [3, 4])
    for size in ("0", "-5", "abc", "2.5", "", "-" + "9" * 30):
        assert await page(results_per_page=size) == (1, 1, [1, 2, 3, 4, 5])
    assert await page(results_per_page="9" * 30, page=1) == (1, 1, [1, 2, 3, 4, 5])  # 100
    huge = 10**30 + 1
    assert await page(page=str(huge)) == (huge, 1, [])
    assert await page(page=f" {-huge} ", results_per_page="2") == (-huge, 3, [])
    assert await page(page="9" * 4300) == (int("9" * 4300), 1, [])


async def test_an_offset_in_text_reads_as_flask_restless_0_17_reads_it(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """0.17 reads `"offset": "2"` on the first page and on pages before it, but adds a later
    page's start to the text as it came, and fails (500) where that page has rows: 400."""
    q = {"offset": "2", "order_by": [{"field": "customer_id"}]}

    async def page(number: int) -> httpx.Response:
        return await _query(client, admin, q, results_per_page=2, page=number)

    assert _ids(await page(1)) == [3, 4]
    assert _ids(await page(-1)) == [3]  # [-4:-2] of 3, 4, 5
    assert _ids(await page(3)) == []
    r = await page(2)
    assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"})
    assert _ids(await _query(client, admin, {**q, "offset": 2}, results_per_page=2, page=2)) == [5]


async def test_window_and_single_read_as_flask_restless_does(
    client: httpx.AsyncClient, admin: Headers, five: Any
) -> None:
    """`limit` / `offset` are applied when truthy, read by int(); `single` is any true value;
    `{"or": []}` matches every row; a float or a huge integer compares as a number."""
    assert _ids(await _query(client, admin, {"limit": 0})) == [1, 2, 3, 4, 5]
    assert _ids(await _query(client, admin, {"limit": "2", "offset": 1.9})) == [2, 3]
    assert _ids(await _query(client, admin, {"filters": [{"or": []}]})) == [1, 2, 3, 4, 5]
    one = {"filters": [{"name": "customer_id", "op": "==", "val": 2}], "single": 1}
    r = await _query(client, admin, one)
    assert r.json()["customer_id"] == 2
    assert _ids(await _query(client, admin, {"filters": one["filters"], "single": 0})) == [2]

    def f(op: str, val: Any, name: str = "customer_id") -> dict[str, Any]:
        return {"filters": [{"name": name, "op": op, "val": val}]}

    assert _ids(await _query(client, admin, f("<", 2.5))) == [1, 2]
    assert _ids(await _query(client, admin, f(">=", 2.5))) == [3, 4, 5]
    assert _ids(await _query(client, admin, f("==", 2.5))) == []
    assert _ids(await _query(client, admin, f("!=", 2.5))) == [1, 2, 3, 4, 5]
    assert _ids(await _query(client, admin, f("<", 2**31))) == [1, 2, 3, 4, 5]
    assert _ids(await _query(client, admin, f(">", -(2**40)))) == [1, 2, 3, 4, 5]
    assert _ids(await _query(client, admin, f("==", 2**31))) == []
    assert _ids(await _query(client, admin, f("in", [1.5, 2, 2**40, None]))) == [2]
    assert _ids(await _query(client, admin, f("<", 2**63 + 1, "external_customer_id"))) == [
        1,
        2,
        3,
        4,
        5,
    ]
    # A time may be SQL's name for now.
    assert _ids(await _query(client, admin, f("<", "CURRENT_TIMESTAMP", "created_at"))) == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert _ids(await _query(client, admin, f(">", "CURRENT_DATE", "modified_at"))) == []
