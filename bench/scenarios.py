"""The suite's scenarios: one request shape each, the same for ours and for the baseline.

Paths and bodies are templates that bench/request.lua fills in for every request:

| placeholder | becomes |
|---|---|
| `@id@` | the id of a random customer of the bench entity (from the key sample) |
| `@code@` | that customer's code (partner `external_customer_code`, billing `customerAccount`) |
| `@name@` / `@qname@` | that customer's name, as is / percent-encoded |
| `@uid@` | a token unique to the request (run nonce, wrk thread, counter) |
| `@xid@` | an integer unique to the request (the same parts) |

The filtered lists ask for `fake.COMMON_NAME`, the data's most common name: a full page of 50
with its total at every size, so that the growth compares the same work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from bench.fake import BENCH_ENTITY, COMMON_NAME

GET_TARGET = 0.6  # ours/baseline req/s
WRITE_TARGET = 0.5
LIST_P99_MS = 50.0  # list pages, at the largest PostgreSQL size
GROWTH_TARGET = 1.5  # p50 at the largest size / p50 at the smallest
MEMORY_TARGET_MB = 200.0

GROUPS = ("get", "identifier", "list", "create", "update")
READ_GROUPS = ("get", "identifier", "list")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    group: str  # one of GROUPS
    api: str  # partner, sales, billing
    method: str
    path: str  # template
    body: str = ""  # template
    content_type: str = ""
    status: int = 200  # what a successful answer is

    @property
    def reads(self) -> bool:
        """Read scenarios run at every size (for the growth); writes at the largest only."""
        return self.group in READ_GROUPS

    @property
    def ratio_target(self) -> float | None:
        if self.group in ("get", "identifier"):
            return GET_TARGET
        if self.group in ("create", "update"):
            return WRITE_TARGET
        return None  # list pages are held to a latency instead


def _q(query: Mapping[str, Any]) -> str:
    """A partner `q` parameter, percent-encoded; placeholders (`@…@`) stay readable."""
    return quote(orjson.dumps(query).decode(), safe="@")


_ENTITY = BENCH_ENTITY.entity_id
_BY_CODE = {"filters": [{"name": "external_customer_code", "op": "eq", "val": "@code@"}]}
_BY_NAME = {"filters": [{"name": "name", "op": "eq", "val": COMMON_NAME}]}
_COMMON = quote(COMMON_NAME, safe="")
_SORTED = {"order_by": [{"field": "name", "direction": "asc"}]}
_PARTNER_NEW = (
    f'{{"entity_id": {_ENTITY}, "name": "@name@", "external_customer_id": @xid@, '
    '"external_customer_code": "P@uid@"}'
)
_CITY = BENCH_ENTITY.cities[0].name
_SALES_NEW = (
    f"reference=S@uid@&name=@qname@&billingCountry={BENCH_ENTITY.country}"
    f"&billingCity={_CITY}&email=s@uid@%40example.com&phone=%2B250%20788000000&isActive=true"
)
_BILLING_NEW = (
    f"name=@qname@&mainAddressCity={_CITY}&mainAddressCountry={BENCH_ENTITY.country}"
    "&emailAddress=b@uid@%40example.com&phone=%2B250%20788000000"
)

SCENARIOS = (
    Scenario("partner-get", "get", "partner", "GET", "/v1/customers/@id@"),
    Scenario("sales-get", "get", "sales", "GET", "/api/v1.0/customers/@id@"),
    Scenario("billing-get", "get", "billing", "GET", "/api/v1/customers/@id@"),
    Scenario("partner-by-code", "identifier", "partner", "GET", f"/v1/customers?q={_q(_BY_CODE)}"),
    Scenario("billing-by-account", "identifier", "billing", "GET",
             "/api/v1/customerAccounts/@code@"),
    Scenario("partner-list", "list", "partner", "GET", "/v1/customers?results_per_page=50"),
    Scenario("partner-list-filtered", "list", "partner", "GET",
             f"/v1/customers?results_per_page=50&q={_q(_BY_NAME)}"),
    Scenario("partner-list-sorted", "list", "partner", "GET",
             f"/v1/customers?results_per_page=50&q={_q(_SORTED)}"),
    Scenario("sales-list", "list", "sales", "GET", "/api/v1.0/customers?max=50"),
    Scenario("sales-list-filtered", "list", "sales", "GET",
             f"/api/v1.0/customers?max=50&name={_COMMON}"),
    Scenario("sales-list-sorted", "list", "sales", "GET", "/api/v1.0/customers?max=50&sort=name"),
    Scenario("billing-list", "list", "billing", "GET", "/api/v1/customers?per_page=50"),
    Scenario("billing-list-filtered", "list", "billing", "GET",
             f"/api/v1/customers?per_page=50&filter%5Bname%5D={_COMMON}"),
    Scenario("billing-list-sorted", "list", "billing", "GET",
             "/api/v1/customers?per_page=50&sort=name"),
    Scenario("partner-create", "create", "partner", "POST", "/v1/customers/create_customer",
             _PARTNER_NEW, JSON, 201),
    Scenario("sales-create", "create", "sales", "POST", "/api/v1.0/customers", _SALES_NEW,
             FORM, 201),
    Scenario("billing-create", "create", "billing", "POST", f"/api/v1/customers?{_BILLING_NEW}",
             status=201),
    Scenario("partner-update", "update", "partner", "PUT", "/v1/customers/@id@",
             '{"name": "@name@"}', JSON),
    # The updates above write the name the customer has; this one a new name, which the
    # search's index (SQLite's full-text table, PostgreSQL's trigram index) must follow.
    Scenario("partner-rename", "update", "partner", "PUT", "/v1/customers/@id@",
             '{"name": "@name@ @uid@"}', JSON),
    Scenario("sales-update", "update", "sales", "PUT", "/api/v1.0/customers/@id@",
             "name=@qname@", FORM),
    Scenario("billing-update", "update", "billing", "PUT", "/api/v1/customers/@id@?name=@qname@"),
)  # fmt: skip
BY_NAME = {s.name: s for s in SCENARIOS}


def fill(template: str, customer_id: int, code: str, name: str, uid: str, xid: int) -> str:
    """What request.lua makes of a template (the sample requests are built the same way)."""
    return (
        template.replace("@id@", str(customer_id))
        .replace("@code@", code)
        .replace("@qname@", quote(name, safe=""))
        .replace("@name@", name)
        .replace("@uid@", uid)
        .replace("@xid@", str(xid))
    )
