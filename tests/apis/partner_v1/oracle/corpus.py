"""The requests the differential test sends to both the partner API and the oracle.

Generated, not hand-listed: every operator and alias over fields of each type, field-to-field
comparisons, relations (`any`/`has`, `<relation>__<field>`), Boolean formulas, `order_by`,
`limit`, `offset`, `group_by`, `single`, paging parameters, malformed input and gets by id,
on `/v1/customers`; and the collection and gets by id of the other partner resources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CUSTOMERS = "/v1/customers"
LINKER = "customer_entity_linker"
HISTORY = "customer_product_history"

# The primary key of each resource's objects, by collection path.
KEYS = {
    "/v1/customers": "customer_id",
    "/v1/entities": "entity_id",
    "/v1/products": "product_imei",
    "/v1/customer_entity_linker": "customer_entity_linker_id",
    "/v1/product_entity_linker": "product_entity_linker_id",
    "/v1/customer_product_history": "customer_product_history_id",
}


@dataclass(frozen=True)
class Probe:
    path: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def collection(self) -> str:
        return "/".join(self.path.split("/")[:3])

    @property
    def key(self) -> str:
        """How the probe is named in the lists of differences: path and raw parameters."""
        if not self.params:
            return self.path
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in self.params)

    def q(self) -> Any:
        """The decoded `q`, or None when it is absent or not JSON."""
        for name, value in self.params:
            if name == "q":
                try:
                    return json.loads(value)
                except ValueError:
                    return None
        return None


def _q(query: Any, path: str = CUSTOMERS, **extra: str) -> Probe:
    text = query if isinstance(query, str) else json.dumps(query, ensure_ascii=False)
    return Probe(path, (("q", text), *extra.items()))


def _filters(*filters: Any, **rest: Any) -> Probe:
    return _q({"filters": list(filters), **rest})


ALIASES = {
    "==": ("==", "eq", "equals", "equal_to", "equals_to"),
    "!=": ("!=", "ne", "neq", "not_equal_to", "does_not_equal"),
    ">": (">", "gt"),
    "<": ("<", "lt"),
    ">=": (">=", "ge", "gte", "geq"),
    "<=": ("<=", "le", "lte", "leq"),
}

# Values to compare each customer field with: typical ones, and the edges of each type.
VALUES: dict[str, list[Any]] = {
    "customer_id": [1, 50, 204, 0, -1, "5", "abc", 5.0, 5.5, 2**31, 2**40, True, [1], {"a": 1}],
    "external_customer_id": [3, 3000000003, "3", "-3", 2**63, -5, 3.0, 2**31 + 1, True, [1]],
    "name": ["Smith", "smith", "Émile Zola", "Юлия Петрова", "", 5, "M"],
    "modified_by": [{"a": 1}, "x"],
    "external_customer_code": ["c1", "C1", "c10", 10],
    "created_at": [
        "2000-01-01",
        "2000-01-01T00:00:00",
        "2100-01-01 10:00",
        "CURRENT_TIMESTAMP",
        "not a date",
        "",
        5,
    ],
    "modified_at": ["2000-01-01", "CURRENT_TIMESTAMP", "2100-01-01"],
    "created_by": ["root@example.com", "nobody"],
}
# Times as 0.17 reads them itself (python-dateutil) in a top-level filter.
TIMES = [
    "2021/01/01",
    "Jan 1 2021",
    "1 January 2021 10:00",
    "01/02/2021",
    "20210101",
    "2021-01-01T00:00:00+02:00",
    "2021-01-01T00:00:00Z",
    "current_timestamp",
    "2021-13-01",
    "   ",
]
NULLABLE = ("external_customer_id", "external_customer_code", "modified_at", "modified_by")
LIKE_PATTERNS = [
    "%mile%",
    "émile%",
    "ÉMILE%",
    "Émile%",
    "юлия%",
    "Юлия%",
    "ЮЛИЯ%",
    "%SMITH%",
    "smith",
    "Sm_th",
    "%\\%%",
    "100\\% Solar",
    "%",
    "ångström%",
    "ÅNGSTRÖM%",
    "zoë",
    "ZOË",
    "%łukasz%",
    "%ŁUKASZ%",
    "ωmega",
    "ΩMEGA",
    "ünal",
    "ÜNAL",
    "%_score",
    5,
]


def _operators() -> list[Probe]:
    probes = []
    for op_names in ALIASES.values():
        for op in op_names:
            for field in ("customer_id", "external_customer_id", "name", "created_at"):
                probes.append(_filters({"name": field, "op": op, "val": VALUES[field][0]}))
    for field, values in VALUES.items():
        for op in ("==", "<", ">=", "!="):
            for value in values:
                probes.append(_filters({"name": field, "op": op, "val": value}))
    for op in ("==", "<", ">=", "!="):
        for value in TIMES:
            probes.append(_filters({"name": "created_at", "op": op, "val": value}))
    for value in TIMES[:3]:
        for name in (f"{LINKER}__date_added", "modified_at"):
            for op in ("any", "<", "is_null"):
                probes.append(_filters({"name": name, "op": op, "val": value}))
    # Text PostgreSQL reads as an integer (a sign, spaces around), and text it does not.
    for value in (" 5 ", "+5", "\t7", "5.0", "--5", "1_0", " 3000000003"):
        for field in ("customer_id", "external_customer_id"):
            probes.append(_filters({"name": field, "op": "==", "val": value}))
        probes.append(_filters({"name": "customer_id", "op": "in", "val": [value, 9]}))
    for field in ("name", "external_customer_code", "created_by"):
        for op in ("like", "ilike"):
            for pattern in LIKE_PATTERNS:
                probes.append(_filters({"name": field, "op": op, "val": pattern}))
    probes.append(_filters({"name": "customer_id", "op": "like", "val": "1%"}))
    probes.append(_filters({"name": "created_at", "op": "ilike", "val": "20%"}))
    for field in (*NULLABLE, "customer_id", "name"):
        for op in ("is_null", "is_not_null"):
            probes.append(_filters({"name": field, "op": op}))
            probes.append(_filters({"name": field, "op": op, "val": ""}))
    for field in ("modified_at", "external_customer_id"):
        for op in ("==", "!=", "<"):
            probes.append(_filters({"name": field, "op": op, "val": None}))
    for op in ("in", "not_in"):
        for value in (
            [1, 2, 3],
            [],
            [1, None],
            [None],
            ["1", "2"],
            [1.5, 2],
            [2**40],
            ["abc"],
            5,
            "abc",
            None,
        ):
            probes.append(_filters({"name": "customer_id", "op": op, "val": value}))
        for value in (["Smith", "Jones"], ["smith"], [], [None, "Smith"]):
            probes.append(_filters({"name": "name", "op": op, "val": value}))
        probes.append(_filters({"name": "external_customer_id", "op": op, "val": [3, None]}))
        probes.append(_filters({"name": "created_at", "op": op, "val": ["2000-01-01T00:00:00"]}))
    return probes


def _field_to_field() -> list[Probe]:
    probes = []
    pairs = [
        ("customer_id", "customer_id"),
        ("customer_id", "external_customer_id"),
        ("external_customer_id", "customer_id"),
        ("name", "name"),
        ("name", "external_customer_code"),
        ("created_at", "modified_at"),
        ("modified_at", "created_at"),
        ("customer_id", "name"),
        ("created_at", "customer_id"),
        ("customer_id", "nope"),
    ]
    for left, right in pairs:
        for op in ("==", "!=", "<", ">=", "gt"):
            probes.append(_filters({"name": left, "op": op, "field": right}))
    probes.append(_filters({"name": "customer_id", "op": "in", "field": "customer_id"}))
    probes.append(_filters({"name": "name", "op": "like", "field": "name"}))
    probes.append(_filters({"name": "customer_id", "op": "is_null", "field": "customer_id"}))
    # The reference page's own spelling of the second form.
    probes.append(_filters({"name": "customer_id", "op": "equals_to", "fieldname": "customer_id"}))
    probes.append(_filters({"name": "customer_id", "op": "==", "field": "customer_id", "val": 1}))
    return probes


def _relations() -> list[Probe]:
    probes = []
    inner = [
        {"name": "entity_id", "op": "==", "val": 2},
        {"name": "entity_id", "op": "in", "val": [2, 3]},
        {"name": "date_removed", "op": "is_null"},
        {"name": "date_removed", "op": "is_not_null"},
        {"name": "date_added", "op": "<", "val": "2021-01-01"},
        {"name": "customer_id", "op": "==", "field": "entity_id"},
        {"name": "nope", "op": "==", "val": 1},
        {"name": "entity_id", "op": "nope", "val": 1},
    ]
    for val in inner:
        probes.append(_filters({"name": LINKER, "op": "any", "val": val}))
        probes.append(_filters({"name": LINKER, "op": "has", "val": val}))
    for val in (
        [{"name": "entity_id", "op": "==", "val": 2}],
        [],
        {"or": [{"name": "entity_id", "op": "==", "val": 2}]},
        {"and": [{"name": "entity_id", "op": "==", "val": 2}]},
        2,
        None,
        "x",
    ):
        probes.append(_filters({"name": LINKER, "op": "any", "val": val}))
    probes.append(_filters({"name": LINKER, "op": "any"}))
    for field, values in (
        ("entity_id", [2, 3, "2", None, [2, 3]]),
        ("date_removed", [None, "2021-01-01"]),
        ("date_added", ["2021-01-01", "CURRENT_TIMESTAMP"]),
        ("customer_entity_linker_id", [1, 10]),
        ("nope", [1]),
    ):
        name = f"{LINKER}__{field}"
        for op in ("any", "has", "==", "!=", "<", "in", "like"):
            for value in values:
                probes.append(_filters({"name": name, "op": op, "val": value}))
        for op in ("is_null", "is_not_null"):
            probes.append(_filters({"name": name, "op": op}))
    for field, value in (
        ("product_imei", "000000000000003"),
        ("removal_reason", "broken"),
        ("customer_id", 5),
    ):
        name = f"{HISTORY}__{field}"
        for op in ("any", "==", "is_null", "is_not_null"):
            probes.append(_filters({"name": name, "op": op, "val": value}))
        probes.append(
            _filters(
                {"name": HISTORY, "op": "any", "val": {"name": field, "op": "==", "val": value}}
            )
        )
    probes.append(
        _filters(
            {"name": HISTORY, "op": "any", "val": {"name": "removal_reason", "op": "is_not_null"}}
        )
    )
    probes.append(
        _filters(
            {
                "name": HISTORY,
                "op": "any",
                "val": {"name": "product__entity_id", "op": "any", "val": 2},
            }
        )
    )
    probes.append(_filters({"name": f"{HISTORY}__product__entity_id", "op": "==", "val": 2}))
    probes.append(_filters({"name": f"{LINKER}__date_removed", "op": "<", "field": "created_at"}))
    probes.append(_filters({"name": LINKER, "op": "==", "val": 2}))
    probes.append(_filters({"name": LINKER, "op": "is_null"}))
    probes.append(_filters({"name": LINKER, "op": "is_not_null"}))
    return probes


def _boolean() -> list[Probe]:
    a = {"name": "customer_id", "op": "<", "val": 20}
    b = {"name": "name", "op": "==", "val": "Smith"}
    c = {"name": "external_customer_id", "op": "is_null"}
    return [
        _filters({"or": []}),
        _filters({"and": []}),
        _filters({"or": [a, b]}),
        _filters({"and": [a, b]}),
        _filters({"or": [{"and": [a, c]}, b]}),
        _filters({"and": [{"or": [a, c]}, {"or": [b, c]}]}),
        _filters({"or": [a], "and": [b]}),
        _filters({"or": "x"}),
        _filters({"or": [a, "x"]}),
        _filters({"not": [a]}),
        _filters(a, b),
        _filters(a, {"or": [b, c]}),
        _filters(
            {
                "or": [
                    {
                        "name": LINKER,
                        "op": "any",
                        "val": {"name": "entity_id", "op": "==", "val": 2},
                    },
                    a,
                ]
            }
        ),
    ]


FIELDS = (
    "customer_id",
    "name",
    "external_customer_id",
    "external_customer_code",
    "created_at",
    "modified_at",
    "created_by",
)


def _order_and_window() -> list[Probe]:
    probes = []
    for field in FIELDS:
        for direction in ("asc", "desc"):
            for extra in ({}, {"results_per_page": "100"}, {"page": "3"}):
                probes.append(_q({"order_by": [{"field": field, "direction": direction}]}, **extra))
    for order in (
        [{"field": "name", "direction": "DESC"}],
        [{"field": "name", "direction": "Asc"}],
        [{"field": "name"}],
        [{"field": "nope", "direction": "asc"}],
        [{"field": "name", "direction": "sideways"}],
        [{"field": "name", "direction": "asc"}, {"field": "customer_id", "direction": "desc"}],
        [
            {"field": "external_customer_code", "direction": "desc"},
            {"field": "name", "direction": "asc"},
        ],
        [{"field": f"{LINKER}__date_added", "direction": "asc"}],
        [{"field": f"{LINKER}__entity_id", "direction": "desc"}],
        [{"direction": "asc"}],
        ["name"],
        {"field": "name"},
        [],
    ):
        probes.append(_q({"order_by": order}))
    probes += _order_through_relations()
    for limit in (0, 1, 5, "5", -1, 1.5, None, 500, "x", True, 2**40, 2**63 - 1, 2**63):
        probes.append(_q({"limit": limit}))
        probes.append(
            _q({"limit": limit, "order_by": [{"field": "name", "direction": "desc"}]}, page="2")
        )
    for offset in (0, 5, 300, "2", -3, 1.5, None, "x", 2**63 - 1, 2**63):
        probes.append(_q({"offset": offset}))
        probes.append(_q({"offset": offset, "limit": 7}, results_per_page="5", page="2"))
    for group in (
        [{"field": "name"}],
        [{"field": "customer_id"}],
        [{"field": "external_customer_code"}],
        [{"field": "nope"}],
        [{"field": f"{LINKER}__entity_id"}],
        [],
        "name",
        [{"field": "name"}, {"field": "created_by"}],
    ):
        probes.append(_q({"group_by": group}))
    probes.append(
        _q({"group_by": [{"field": "name"}], "order_by": [{"field": "name", "direction": "asc"}]})
    )
    # Grouped by the key (each row its own group): counted and paged as 0.17 counts them.
    by_key = {"group_by": [{"field": "customer_id"}]}
    for extra in ({"page": "2"}, {"page": "0"}, {"page": "-1"}, {"page": "-20"}):
        probes.append(_q(by_key, **extra))
    for window in ({"limit": 5}, {"limit": 15}, {"offset": 5}, {"offset": 300}):
        probes.append(_q({**by_key, **window}, page="2"))
        probes.append(_q({**by_key, **window}))
    below = {"name": "customer_id", "op": "<", "val": 5}
    probes.append(_q({**by_key, "filters": [below], "single": True}))
    probes.append(_q({**by_key, "filters": [{"name": "customer_id", "op": "<", "val": 0}]}))
    probes.append(
        _q(
            {
                "group_by": [{"field": "name"}, {"field": "customer_id"}],
                "order_by": [{"field": "name", "direction": "desc"}],
            }
        )
    )
    one = {"name": "customer_id", "op": "==", "val": 7}
    none = {"name": "customer_id", "op": "==", "val": 99999}
    many = {"name": "customer_id", "op": "<", "val": 9}
    singles: tuple[object, ...] = (True, 1, "yes", False, 0, None, [], "false")
    for single in singles:
        for f in (one, none, many):
            probes.append(_q({"filters": [f], "single": single}))
    return probes


def _by(field: str, direction: str = "asc") -> dict[str, str]:
    return {"field": field, "direction": direction}


def _order_through_relations() -> list[Probe]:
    """0.17 joins the relation: a customer once per link, a page each customer once."""
    by_date = {"order_by": [_by(f"{LINKER}__date_added")]}
    by_entity = {"order_by": [_by(f"{LINKER}__entity_id", "desc")]}
    probes = [
        _q(by_date, page="2"),
        _q(by_entity, results_per_page="100", page="2"),
        _q(by_entity, results_per_page="100", page="3"),
        _q(by_entity, page="-1"),
        _q(by_entity, page="0"),
        _q(by_date, page="-20", results_per_page="10"),
        _q({**by_date, "limit": 5}),
        _q({**by_date, "offset": 5}),
        _q({**by_date, "offset": 5, "limit": 12}, page="2"),
        _q({**by_date, "offset": 5, "limit": 12}, page="-1", results_per_page="5"),
        _q({"order_by": [_by(f"{HISTORY}__date_added")]}),
        _q({"order_by": [_by(f"{LINKER}__date_added"), _by(f"{HISTORY}__date_added")]}),
        _q({"order_by": [_by(f"{LINKER}__date_added"), _by(f"{LINKER}__entity_id")]}),
        _q({**by_date, "group_by": [{"field": "customer_id"}]}),
        _q({"order_by": [_by(f"{LINKER}__nope")]}),
        _q({"order_by": [_by(LINKER)]}),
        _q({"order_by": [_by(f"{HISTORY}__product__entity_id")]}),
    ]
    linked_to_2 = {"name": LINKER, "op": "any", "val": {"name": "entity_id", "op": "==", "val": 2}}
    probes.append(_q({**by_date, "filters": [linked_to_2]}))
    for customer in (9, 3, 7):  # two links, none (deleted), one
        only = {"name": "customer_id", "op": "==", "val": customer}
        probes.append(_q({**by_date, "filters": [only]}))
        probes.append(_q({**by_date, "filters": [only], "single": True}))
    many = {"name": "customer_id", "op": "<", "val": 12}
    probes.append(_q({**by_entity, "filters": [many], "single": True}))
    return probes


def _paging() -> list[Probe]:
    probes = []
    for page in (
        "1",
        "2",
        "3",
        "21",
        "-1",
        "-2",
        "0",
        "abc",
        "",
        "1.5",
        " 2",
        "+2",
        "99999999999999999999",
        "-99999999999999999999",
        str(2**63),
        "9" * 50,
        "9" * 4301,  # past what Python's int() reads
    ):
        probes.append(Probe(CUSTOMERS, (("page", page),)))
    huge = "99999999999999999999"
    for size in ("0", "-5", "1", "25", "100", "101", "1000", "abc", "", "2.5", huge, "-" + huge):
        probes.append(Probe(CUSTOMERS, (("results_per_page", size),)))
        probes.append(Probe(CUSTOMERS, (("results_per_page", size), ("page", "2"))))
    probes.append(Probe(CUSTOMERS, (("page", "-1"), ("results_per_page", "100"))))
    probes.append(Probe(CUSTOMERS, (("page", "5"), ("results_per_page", "50"))))
    probes.append(
        _q(
            {"filters": [{"name": "name", "op": "like", "val": "S%"}]},
            page="2",
            results_per_page="3",
        )
    )
    return probes


def _malformed() -> list[Probe]:
    probes = [
        _q(text)
        for text in (
            "{",
            "not json",
            "[]",
            "null",
            "5",
            '"text"',
            "",
            " ",
            "{}",
            '{"filters": 5}',
            '{"filters": {}}',
        )
    ]
    probes += [
        _filters(5),
        _filters([]),
        _filters({"op": "==", "val": 1}),
        _filters({"name": "name", "val": 1}),
        _filters({"name": "name", "op": "nope", "val": 1}),
        _filters({"name": "nope", "op": "==", "val": 1}),
        _filters({"name": 5, "op": "==", "val": 1}),
        _filters({"name": "name", "op": 5, "val": 1}),
        _filters({"name": "name", "op": "=="}),
        _filters({"name": "name", "op": "==", "val": "Smith", "extra": 1}),
        _q({"filters": [], "unknown": 1}),
        _q({"nothing": True}),
        _filters({"name": "name", "op": "like", "val": "abc\\"}),
        _filters({"name": "name", "op": "==", "val": "a\u0000b"}),
    ]
    probes.append(Probe(CUSTOMERS, (("q", "{}"), ("q", "[]"))))
    return probes


def _gets_by_id() -> list[Probe]:
    ids = ("1", "7", "204", "205", "0", "-1", "abc", "1.5", "99999999999", "%20", "1e3", "007")
    return [Probe(f"{CUSTOMERS}/{i}") for i in ids]


def _other_resources() -> list[Probe]:
    probes = []
    for path, ids in (
        ("/v1/entities", ("1", "3", "99", "abc", "0", "-1", "1.5", "99999999999")),
        ("/v1/products", ("000000000000003", "000000000000029", "999999999999999", "abc", "3")),
        ("/v1/customer_entity_linker", ("1", "40", "9999", "abc", "0", "-1")),
        ("/v1/product_entity_linker", ("1", "5", "9999", "abc", "0")),
        ("/v1/customer_product_history", ("1", "5", "9999", "abc", "0")),
    ):
        probes.append(Probe(path))
        probes.append(Probe(path, (("page", "2"),)))
        probes.append(Probe(path, (("results_per_page", "100"),)))
        probes.append(Probe(path, (("page", "2"), ("results_per_page", "7"))))
        probes.append(Probe(path, (("page", "99999999999999999999"),)))
        key = KEYS[path]
        probes.append(_q({"order_by": [{"field": key, "direction": "desc"}]}, path))
        probes.append(_q({"filters": [{"name": key, "op": "==", "val": ids[0]}]}, path))
        probes.extend(Probe(f"{path}/{i}") for i in ids)
    probes.append(_q({"filters": [{"name": "entity_id", "op": "==", "val": 2}]}, "/v1/products"))
    probes.append(_q({"filters": [{"name": "hub_id", "op": ">", "val": 3}]}, "/v1/products"))
    probes.append(
        _q({"filters": [{"name": "current_enable_flag", "op": "==", "val": True}]}, "/v1/products")
    )
    probes.append(_q({"filters": [{"name": "gps_lat", "op": "<", "val": 0.5}]}, "/v1/products"))
    probes.append(
        _q({"order_by": [{"field": "product_type_id", "direction": "desc"}]}, "/v1/products")
    )
    probes.append(
        _q(
            {"filters": [{"name": "removal_reason", "op": "is_not_null"}]},
            "/v1/customer_product_history",
        )
    )
    probes.append(
        _q(
            {
                "filters": [
                    {
                        "name": "customer",
                        "op": "has",
                        "val": {"name": "name", "op": "like", "val": "S%"},
                    }
                ]
            },
            "/v1/customer_product_history",
        )
    )
    probes.append(
        _q(
            {"filters": [{"name": "customer__name", "op": "has", "val": "Smith"}]},
            "/v1/customer_product_history",
        )
    )
    probes.append(
        _q({"filters": [{"name": "date_removed", "op": "is_null"}]}, "/v1/customer_entity_linker")
    )
    probes.append(
        _q({"filters": [{"name": "bboxx_company_flag", "op": "==", "val": True}]}, "/v1/entities")
    )
    probes.append(_q({"filters": [{"name": "financier", "op": "is_null"}]}, "/v1/entities"))
    for path, key in KEYS.items():
        probes.append(_q({"group_by": [{"field": key}]}, path))
    # Values of each type, and of other types, for the other resources' fields.
    for path, field, values in (
        ("/v1/products", "current_enable_flag", (False, 1, 0, "true", "yes", "x", 5.5)),
        ("/v1/products", "hub_id", ("3", "x", 2.5, True, [3])),
        ("/v1/products", "gps_lat", ("0.5", "x", 1, True)),
        ("/v1/products", "product_imei", ("000000000000003", 3, "0000")),
        ("/v1/entities", "bboxx_company_flag", (False, "false", 1, "x")),
        ("/v1/entities", "tariff", ("flat", 5)),
        ("/v1/customer_entity_linker", "date_removed", ("2021-03-01", "x", 5)),
        ("/v1/customer_entity_linker", "entity_id", (2, "2", "x")),
        ("/v1/product_entity_linker", "product_imei", ("000000000000004",)),
        ("/v1/customer_product_history", "removal_reason", ("broken", 5)),
        ("/v1/customer_product_history", "customer_id", (8, "8", "x", [8])),
    ):
        for op in ("==", "<"):
            for value in values:
                probes.append(_q({"filters": [{"name": field, "op": op, "val": value}]}, path))
    # Ordering through relations on the other resources: to-many (joined, one row per related
    # row) and to-one (the history's customer and product), once and twice through one.
    for path, field in (
        ("/v1/products", "product_entity_linker__date_added"),
        ("/v1/products", "customer_product_history__date_added"),
        ("/v1/entities", "product_entity_linker__entity_id"),
        ("/v1/customer_product_history", "customer__name"),
        ("/v1/customer_product_history", "product__gps_lat"),
        ("/v1/customer_product_history", "customer__customer_entity_linker__date_added"),
    ):
        for direction in ("asc", "desc"):
            probes.append(_q({"order_by": [_by(field, direction)]}, path))
    both = {"order_by": [_by("customer__name"), _by("customer__customer_id", "desc")]}
    probes.append(_q(both, "/v1/customer_product_history"))
    grouped = {"order_by": [_by("customer__name")], "group_by": [{"field": HISTORY + "_id"}]}
    probes.append(_q(grouped, "/v1/customer_product_history"))
    by_customer = {"group_by": [{"field": HISTORY + "_id"}, {"field": "customer__name"}]}
    probes.append(_q(by_customer, "/v1/customer_product_history"))
    return probes


def corpus() -> list[Probe]:
    probes = [
        *_operators(),
        *_field_to_field(),
        *_relations(),
        *_boolean(),
        *_order_and_window(),
        *_paging(),
        *_malformed(),
        *_gets_by_id(),
        *_other_resources(),
    ]
    return list(dict.fromkeys(probes))
