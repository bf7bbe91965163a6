"""Every answer carries `X-Request-ID`: the request's own when it is acceptable, else a new
one; the same id is in the log lines written while the request is answered."""

from __future__ import annotations

import contextvars
import logging

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core.permissions import Caller
from customer_registry.logs import RequestIdFilter
from customer_registry.operations.requests import REQUEST_ID


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/customers"),  # 401, partner's format
        ("GET", "/api/v1.0/customers/1"),  # 401, sales'
        ("POST", "/api/login"),  # 422, billing's
        ("GET", "/v1/no-such-route"),
        ("GET", "/nowhere"),
        ("GET", "/console/"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    ],
)
async def test_every_answer_has_a_request_id(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    first = await client.request(method, path)
    second = await client.request(method, path)
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2
    assert all(16 < len(i) < 40 and i.isascii() and " " not in i for i in ids)


async def test_a_request_id_given_is_returned(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    given = "req-4f1c:upstream/42"
    answer = await client.get("/v1/customers", headers={**admin, "X-Request-ID": given})
    assert answer.status_code == 200
    assert answer.headers.get_list("x-request-id") == [given]


@pytest.mark.parametrize(
    "given",
    [
        "two words",
        "x" * 129,
        "tab\there",
        "",
        "caf\u00e9",
    ],
)
async def test_an_unacceptable_request_id_is_replaced(
    client: httpx.AsyncClient, given: str
) -> None:
    """What a log line or a header could be forged with is never copied."""
    answer = await client.get("/healthz", headers={b"X-Request-ID": given.encode()})
    returned = answer.headers["x-request-id"]
    assert returned != given
    assert returned.isascii()
    assert returned.isprintable()
    assert " " not in returned


async def test_code_answering_a_request_sees_its_id(
    client: httpx.AsyncClient,
    ctx: Context,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the request's code logs is tagged from REQUEST_ID (logs.RequestIdFilter): here
    the token check, deep in the request, reads the id its answer carries."""
    seen: list[bytes | None] = []
    check = ctx.authenticator.authenticate

    async def noting(token: str) -> Caller:
        seen.append(REQUEST_ID.get())
        return await check(token)

    monkeypatch.setattr(ctx.authenticator, "authenticate", noting)
    given = await client.get("/v1/customers", headers={**admin, "X-Request-ID": "abc-1"})
    made = await client.get("/api/v1/customers", headers=admin)
    assert seen == [b"abc-1", made.headers["x-request-id"].encode()]
    assert given.headers["x-request-id"] == "abc-1"


async def test_the_log_filter_tags_a_record_with_the_current_request() -> None:
    def record() -> logging.LogRecord:
        made = logging.LogRecord("x", logging.INFO, "", 0, "message", (), None)
        assert RequestIdFilter().filter(made)
        return made

    outside = record()
    assert (outside.request_id, outside.request) == (None, "")  # type: ignore[attr-defined]
    inside = contextvars.copy_context()
    inside.run(REQUEST_ID.set, b"abc-2")
    tagged = inside.run(record)
    assert (tagged.request_id, tagged.request) == ("abc-2", " [abc-2]")  # type: ignore[attr-defined]
