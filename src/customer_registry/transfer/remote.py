"""An import's records read from a running API: one of the originals this registry replaces,
or another registry (its three APIs answer as the originals do). Each API's documented list
of customers is read page by page, in its own paging, with its own token header, and each
object becomes a record named as a file in that API's names would have it.

What the object shows that a file could not carry is left out: a sales record names its
category, segmentation and parent as objects, which become their references (an import
looks them up among the entity's own); its region (the document shows no reference) and
its creator (a user of the source, not of this registry) are not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from customer_registry.transfer.columns import NAMINGS
from customer_registry.transfer.files import Record, Table

PAGE_SIZE = 100  # every one of the three lists serves pages this large
TIMEOUT_S = 60.0
Json = dict[str, Any]


class SourceError(RuntimeError):
    """The source could not be read: unreachable, a refused token, an answer not its API's."""


@dataclass(frozen=True, slots=True)
class Paging:
    """How one API pages its list of customers."""

    header: Callable[[str], str]  # the Authorization header for a token
    # The query of the page after `pages` pages holding `read` objects in all (a server may
    # serve fewer a page than asked: sales' offset counts what came).
    params: Callable[[int, int], dict[str, int]]
    objects: Callable[[Json], list[Json]]
    total: Callable[[Json], int]


PAGINGS = {
    # Flask-Restless: ?page=1…, {"num_results", "objects", "page", "total_pages"}
    "partner": Paging(
        header=lambda token: f"Token token={token}",
        params=lambda pages, read: {"page": pages + 1, "results_per_page": PAGE_SIZE},
        objects=lambda body: body["objects"],
        total=lambda body: body["num_results"],
    ),
    # ?offset=…&max=…, {"total", "offset", "max", "data"}
    "sales": Paging(
        header=lambda token: f"Bearer {token}",
        params=lambda pages, read: {"offset": read, "max": PAGE_SIZE},
        objects=lambda body: body["data"],
        total=lambda body: body["total"],
    ),
    # Laravel's paginator: ?page=1…, {"data", "total", "last_page", …}
    "billing": Paging(
        header=lambda token: f"Bearer {token}",
        params=lambda pages, read: {"page": pages + 1, "per_page": PAGE_SIZE},
        objects=lambda body: body["data"],
        total=lambda body: body["total"],
    ),
}

# A sales record's objects that a file names by reference; the keys a file does not carry.
_SALES_OBJECTS = ("customerCategory", "customerSegmentation", "parentCustomer")
_SALES_NOT_READ = ("region", "createdBy")


def _sales_record(shown: Json) -> Json:
    values = {k: v for k, v in shown.items() if k not in _SALES_NOT_READ}
    for key in _SALES_OBJECTS:
        linked = values.get(key)
        values[key] = linked.get("reference") if isinstance(linked, dict) else None
    return values


_AS_RECORD: dict[str, Callable[[Json], Json]] = {"sales": _sales_record}


def read_api(api: str, url: str, token: str) -> Table:
    """The customers the API at `url` (its root: `https://…/api/v1.0` for sales) lists to the
    holder of `token`, as records of a file in that API's names. The first page is read at
    once (a wrong URL or token fails here); the others as the records are consumed. A
    record's line is its place in the list (1: the first customer)."""
    paging = PAGINGS[api]
    http = httpx.Client(timeout=TIMEOUT_S, headers={"Authorization": paging.header(token)})
    endpoint = f"{url.rstrip('/')}/customers"
    try:
        first = _page(http, endpoint, paging.params(0, 0), paging)
    except BaseException:
        http.close()
        raise
    total = paging.total(first)
    columns = NAMINGS[api].export_columns
    records = _records(http, endpoint, paging, first, _AS_RECORD.get(api, dict))
    return Table(columns, records, f"the {api} API at {url}, {total} customers", total)


def _records(http: httpx.Client, endpoint: str, paging: Paging, first: Json,
             as_record: Callable[[Json], Json]) -> Iterator[Record]:  # fmt: skip
    read, pages, body = 0, 0, first
    try:
        # Until an empty page, or the total the last page gave (it may change meanwhile).
        while objects := paging.objects(body):
            for shown in objects:
                read += 1
                yield Record(read, as_record(shown))
            pages += 1
            if read >= paging.total(body):
                return
            body = _page(http, endpoint, paging.params(pages, read), paging)
    finally:
        http.close()


def _page(http: httpx.Client, endpoint: str, params: dict[str, int], paging: Paging) -> Json:
    try:
        response = http.get(endpoint, params=params)
    except httpx.HTTPError as error:
        raise SourceError(f"{endpoint}: {error}") from None
    if response.status_code != 200:
        raise SourceError(f"{endpoint} answered {response.status_code}: {response.text[:300]}")
    try:
        body: Json = response.json()
        objects, total = paging.objects(body), paging.total(body)
    except (ValueError, KeyError, TypeError):
        objects, total = None, None
    if not (
        isinstance(objects, list)
        and all(isinstance(shown, dict) for shown in objects)
        and isinstance(total, int)
    ):
        raise SourceError(f"{endpoint}: not a page of that API's customers")
    return body
